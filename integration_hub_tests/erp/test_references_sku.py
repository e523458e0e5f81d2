"""References by SKU (`sku:<SKU>`, how the warehouse names a product) re-keyed to master items at load."""
import pandas as pd

from integration_hub.canonical import registry
from integration_hub.erp.references import master_keys, reference_rejects, to_masters
from integration_hub.resolve.items import resolve_items

TS = pd.Timestamp("2026-02-01T10:00:00Z")


def item(system: str, source_id: str, sku: str | None, name: str = "Widget") -> dict:
    return {"external_id": f"{system}:{source_id}", "source_system": system, "source_id": source_id, "sku": sku,
            "name": name, "description": None, "unit_price_minor": 1990, "currency": "USD", "created_at": TS}


def item_crosswalk(*rows: dict) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows)).reindex(columns=list(registry.get("item").all_columns))
    return resolve_items(frame, ("crm", "shop")).crosswalk


def stock(*refs: str) -> pd.DataFrame:
    return pd.DataFrame({"external_id": [f"warehouse:{n}" for n in range(len(refs))], "item_external_id": list(refs)})


def test_a_sku_reference_names_the_master_item_of_that_sku_however_it_is_spelt():
    current = item_crosswalk(item("shop", "gid://shopify/ProductVariant/1", "ab 1001"),
                             item("crm", "01t000000000001", "AB-1001"))
    persisted = item_crosswalk(item("crm", "01t000000000002", "CD-2001", "Gadget"))   # resolved by an earlier run
    keys = master_keys(persisted, current)
    levels = to_masters(stock("sku:AB-1001", "sku:ab1001", "sku:CD-2001", "shop:gid://shopify/ProductVariant/1"),
                        keys, ["item_external_id"])
    assert levels["item_external_id"].tolist() == ["master_item:AB1001"] * 2 + ["master_item:CD2001",
                                                                              "master_item:AB1001"]


def test_the_warehouse_and_the_shop_name_one_erp_item():
    keys = master_keys(pd.DataFrame(columns=["source_external_id", "master_external_id"]),
                       item_crosswalk(item("shop", "gid://shopify/ProductVariant/1", "AB-1001")))
    shop_line = to_masters(pd.DataFrame({"external_id": ["shop:l1"],
                                         "item_external_id": ["shop:gid://shopify/ProductVariant/1"]}),
                           keys, ["item_external_id"])
    fulfilment_line = to_masters(stock("sku:AB-1001"), keys, ["item_external_id"])
    assert shop_line["item_external_id"].tolist() == fulfilment_line["item_external_id"].tolist()


def test_an_unknown_sku_stays_unresolved_and_is_held_back_as_not_in_the_erp():
    keys = master_keys(pd.DataFrame(columns=["source_external_id", "master_external_id"]),
                       item_crosswalk(item("shop", "1", "AB-1001")))
    levels = to_masters(stock("sku:AB-1001", "sku:ZZ-9999", "sku:--"), keys, ["item_external_id"])
    assert levels["item_external_id"].tolist() == ["master_item:AB1001", "sku:ZZ-9999", "sku:--"]
    reasons = reference_rejects(levels, registry.get("inventory_level"),
                                {"item_external_id": {"master_item:AB1001"}})
    assert reasons.tolist() == ["", "item_external_id.exists_in_erp", "item_external_id.exists_in_erp"]


def test_an_item_without_a_sku_is_never_reached_by_sku():
    keys = master_keys(pd.DataFrame(columns=["source_external_id", "master_external_id"]),
                       item_crosswalk(item("shop", "9", None)))
    assert not [k for k in keys.index if k.startswith("sku:")]
    assert to_masters(stock("sku:IDshop9"), keys, ["item_external_id"])["item_external_id"].tolist() == ["sku:IDshop9"]


def test_customer_references_are_re_keyed_as_before():
    crosswalk = pd.DataFrame({"source_external_id": ["billing:C1"], "master_external_id": ["master:M-1"]})
    keys = master_keys(crosswalk, None)
    invoices = pd.DataFrame({"external_id": ["billing:I1", "billing:I2"],
                             "customer_external_id": ["billing:C1", "billing:C9"]})
    assert to_masters(invoices, keys)["customer_external_id"].tolist() == ["master:M-1", "billing:C9"]
