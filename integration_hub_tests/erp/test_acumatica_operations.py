"""Acumatica operations and people against the contract-based REST fake: vendors, purchase orders
written with their Details, employees with their managers, inventory levels as released
adjustments read back through the stock inquiry, fulfilments as Issue shipments with their lines;
masks only, never the plaintext they hide."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from integration_hub.canonical import registry
from integration_hub.connectors.fakes.server import Fault
from integration_hub_tests.erp import phase34_batch as ops
from integration_hub_tests.erp.order_checks import assert_round_trip, load_all
from integration_hub_tests.erp.acumatica_fixtures import fake, target  # noqa: F401  (fixtures)

ENDPOINT = "/entity/Default/23.200.001"


def load_ops(target, run: str = "run-1", **frames) -> dict[str, pd.DataFrame]:
    """The operations batch in load order, each document with its lines as load_entity gives them."""
    batch = {entity: frames.get(entity, build()) for entity, build in ops.BATCH}
    out = {}
    for entity, _ in ops.BATCH:
        lines = registry.get(entity).lines
        out[entity] = target.upsert_with_lines(entity, batch[entity], batch[lines], run_id=run,
                                               mapping_version="test@v1") if lines else \
            target.upsert(entity, batch[entity], run_id=run, mapping_version="test@v1")
    return out


@pytest.fixture
def loaded(target):
    """The order batch (customers, items, orders), then the operations batch."""
    load_all(target)
    return load_ops(target)


def puts(fake, record: str, since: int = 0) -> list[dict]:
    return [r.json() for r in fake.requests[since:] if r.method == "PUT" and r.path == f"{ENDPOINT}/{record}"]


def po(fake, number: str) -> dict:
    return next(r for r in fake.records["PurchaseOrder"].values() if r["OrderNbr"]["value"] == number)


def line_keys(record: dict) -> list[str]:
    return [line["note"]["value"] for line in record.get("Details") or []]


@pytest.mark.parametrize("entity", [e for e, _ in ops.BATCH])
def test_every_entity_is_created_and_reads_back_as_it_was_sent(target, loaded, entity):
    assert all((o["outcome"] == "created").all() for o in loaded.values()), loaded
    assert_round_trip(target, entity, dict(ops.BATCH)[entity]())


def test_a_second_run_is_unchanged_and_sends_nothing(target, fake, loaded):
    before = len(fake.requests)
    again = load_ops(target, run="run-2")
    assert all((o["outcome"] == "unchanged").all() for o in again.values())
    assert len(fake.requests) == before


def test_vendor_and_employee_carry_masks_only_in_display_attributes(fake, loaded):
    vendor = next(v for v in fake.values("Vendor") if v["VendorID"] == "procurement:S-1")
    assert (vendor["Attributes[0].AttributeID"], vendor["Attributes[0].Value"]) == ("TAXIDMASK", "**-***6789")
    assert (vendor["Attributes[1].AttributeID"], vendor["Attributes[1].Value"]) == ("BANKMASK", "****3000")
    assert vendor["Terms"] == "NET30" and vendor["Status"] == "Active" and "TaxRegistrationID" not in vendor
    employee = next(e for e in fake.values("Employee") if e["EmployeeID"] == "hr:2")
    assert employee["Attributes[1].Value"] == "***-**-1120" and employee["Attributes[2].Value"] == "****6819"
    assert employee["EmployeeSettings.ReportsToID"] == "hr:1" and employee["Attributes[0].Value"] == "E-002"


def test_no_plaintext_sensitive_value_ever_reaches_acumatica(target, fake, loaded):
    changed = ops.employees().assign(department="LOGISTICS")
    target.upsert("employee", changed, run_id="run-2", mapping_version="v")
    sent = "\n".join(r.body.decode("utf-8", "replace") for r in fake.requests if r.body)
    held = json.dumps(fake.records)
    for secret in ops.PLAINTEXT:
        assert secret not in sent and secret not in held
    assert "****3000" in sent      # the masks did go


def test_managers_are_sent_before_their_reports(target, fake):
    before = len(fake.requests)
    out = target.upsert("employee", ops.employees(), run_id="r", mapping_version="v")
    order = [p["EmployeeID"]["value"] for p in puts(fake, "Employee", before)]
    assert (out["outcome"] == "created").all()
    assert order.index("hr:1") < order.index("hr:2") < order.index("hr:3")
    assert target.read_back("employee").set_index("external_id")["manager_external_id"].to_dict() == {
        "hr:1": None, "hr:2": "hr:1", "hr:3": "hr:2"}


def test_a_manager_acumatica_lacks_rejects_the_report_with_its_field_error(target):
    orphan = ops.employees().iloc[[0]]        # hr:3 reports to hr:2, not in Acumatica nor the batch
    out = target.upsert("employee", orphan, run_id="r", mapping_version="v")
    assert out["outcome"].tolist() == ["rejected"]
    assert out["message"].iloc[0] == ("Employee EmployeeID=hr:3: Acumatica 422: EmployeeSettings: 'Reports To' "
                                      "cannot be found in the system: hr:2.")


def test_a_changed_employee_keeps_one_history_line_and_one_set_of_attributes(target, fake, loaded):
    changed = ops.employees().assign(department="LOGISTICS")
    changed.loc[changed["external_id"] == "hr:3", "termination_date"] = pd.Timestamp("2025-05-01", tz="UTC")
    out = target.upsert("employee", changed, run_id="run-2", mapping_version="v")
    record = next(r for r in fake.records["Employee"].values() if r["EmployeeID"]["value"] == "hr:3")
    assert out["outcome"].tolist() == ["updated"] * 3
    assert len(record["EmploymentHistory"]) == 1 and len(record["Attributes"]) == 3
    assert_round_trip(target, "employee", changed)


def test_a_purchase_order_is_created_with_its_lines_in_one_put(fake, loaded):
    sent = {p["OrderNbr"]["value"]: [d["note"]["value"] for d in p.get("Details", [])]
            for p in puts(fake, "PurchaseOrder")}
    assert sent == {"PO-501": ["procurement:PO-501/L1", "procurement:PO-501/L2"],
                    "PO-502": ["procurement:PO-502/L1"]}
    assert loaded["purchase_order_line"]["outcome"].tolist() == ["created"] * 3
    order = po(fake, "PO-501")
    assert order["Type"]["value"] == "Normal" and order["VendorID"]["value"] == "procurement:S-1"
    assert order["OrderTotal"]["value"] == 135.0 and "InventoryID" not in order["Details"][1]
    assert all("QtyOnReceipts" not in d for p in puts(fake, "PurchaseOrder") for d in p["Details"])


def test_a_changed_line_is_updated_in_place_and_a_removed_line_is_deleted(target, fake, loaded):
    lines = ops.po_lines()
    kept = lines[lines["external_id"] != "procurement:PO-501/L2"].copy()
    kept.loc[kept["external_id"] == "procurement:PO-501/L1", ["quantity", "amount_minor"]] = [12.0, 15_000]
    before = len(fake.requests)
    out = target.upsert("purchase_order_line", kept, run_id="run-2", mapping_version="v")
    put = puts(fake, "PurchaseOrder", before)[0]
    assert out["outcome"].tolist() == ["updated", "unchanged"]
    assert sum(1 for d in put["Details"] if d.get("delete") is True) == 1 and all("id" in d for d in put["Details"])
    assert line_keys(po(fake, "PO-501")) == ["procurement:PO-501/L1"]
    back = target.read_back("purchase_order_line").set_index("external_id")
    assert "procurement:PO-501/L2" not in back.index and back.at["procurement:PO-501/L1", "quantity"] == 12.0
    assert target.read_back("purchase_order", ["procurement:PO-501"])["total_minor"].tolist() == [15_000]
    middle = len(fake.requests)
    again = target.upsert("purchase_order_line", kept, run_id="run-3", mapping_version="v")
    assert (again["outcome"] == "unchanged").all() and len(fake.requests) == middle


def test_a_changed_header_is_updated_without_doubling_its_lines(target, fake, loaded):
    changed = ops.purchase_orders().assign(status=["approved", "issued"])
    out = target.upsert("purchase_order", changed, run_id="run-2", mapping_version="v")
    assert out["outcome"].tolist() == ["updated", "unchanged"]
    assert line_keys(po(fake, "PO-501")) == ["procurement:PO-501/L1", "procurement:PO-501/L2"]
    assert target.read_back("purchase_order", ["procurement:PO-501"])["status"].tolist() == ["approved"]


def test_a_purchase_order_whose_create_answer_was_lost_is_found_and_keeps_its_lines_once(target, fake):
    load_all(target)
    target.upsert("vendor", ops.vendors(), run_id="r", mapping_version="v")
    fake.inject(Fault(200, truncate=True, method="PUT", path=f"{ENDPOINT}/PurchaseOrder"))
    first = target.upsert_with_lines("purchase_order", ops.purchase_orders(), ops.po_lines(), run_id="r",
                                     mapping_version="v").set_index("external_id")
    lost = first.index[first["outcome"] == "rejected"].tolist()
    assert len(lost) == 1 and "not sent again: the next run looks it up by OrderNbr first" in first.at[lost[0],
                                                                                                       "message"]
    again = target.upsert_with_lines("purchase_order", ops.purchase_orders(), ops.po_lines(), run_id="r2",
                                     mapping_version="v").set_index("external_id")
    assert again.at[lost[0], "outcome"] == "created" and len(fake.records["PurchaseOrder"]) == 2
    assert line_keys(po(fake, "PO-501")) == ["procurement:PO-501/L1", "procurement:PO-501/L2"]
    assert line_keys(po(fake, "PO-502")) == ["procurement:PO-502/L1"]


def test_a_purchase_order_for_a_vendor_acumatica_lacks_is_refused_with_its_field_error(target, fake):
    load_all(target)
    out = target.upsert_with_lines("purchase_order", ops.purchase_orders().head(1), ops.po_lines(), run_id="r",
                                   mapping_version="v")
    assert out["outcome"].tolist() == ["rejected"]
    assert out["message"].iloc[0] == ("PurchaseOrder OrderNbr=PO-501: Acumatica 422: VendorID: 'Vendor' cannot be "
                                      "found in the system.")
    assert not fake.records.get("PurchaseOrder")


def test_an_inventory_level_is_a_released_adjustment_by_the_difference(target, fake, loaded):
    adjustments = list(fake.records["InventoryAdjustment"].values())
    assert [a["Status"]["value"] for a in adjustments] == ["Released"] * 2
    # The two levels go in parallel: in either order.
    assert sorted((a["Details"][0]["Qty"]["value"], a["Details"][0]["ExtendedCost"]["value"]) for a in adjustments) \
        == [(3.0, 19.5), (12.0, 84.0)]
    assert "CurrencyID" not in adjustments[0]
    levels = ops.inventory_levels()
    levels.loc[0, ["quantity_on_hand", "quantity_available", "value_minor"]] = [10.0, 10.0, 7_000]
    levels.loc[0, "as_of"] = levels.loc[0, "as_of"] + pd.Timedelta(days=1)
    out = target.upsert("inventory_level", levels, run_id="run-2", mapping_version="v")
    latest = list(fake.records["InventoryAdjustment"].values())[-1]
    assert out["outcome"].tolist() == ["updated", "unchanged"] and len(fake.records["InventoryAdjustment"]) == 3
    assert (latest["Details"][0]["Qty"]["value"], latest["Details"][0]["ExtendedCost"]["value"]) == (-2.0, -14.0)
    assert fake.stock[("shop:V-1", "WH-EAST")] == [10.0, 70.0]
    assert_round_trip(target, "inventory_level", levels)


def test_a_level_without_a_cost_is_valued_at_acumaticas_cost(target, fake, loaded):
    counted = ops.inventory_levels().head(1).assign(quantity_on_hand=20.0, quantity_available=20.0,
                                                     unit_cost_minor=None, value_minor=None, currency=None)
    out = target.upsert("inventory_level", counted, run_id="run-2", mapping_version="v")
    held = target.read_back("inventory_level", ["warehouse:INV-1"]).iloc[0]
    assert out["outcome"].tolist() == ["updated"]
    assert (held["quantity_on_hand"], held["unit_cost_minor"], held["value_minor"], held["currency"]) == (
        20.0, 700, 14_000, "USD")


def test_a_level_sent_again_after_a_lost_answer_adjusts_by_nothing_more(target, fake, loaded, postings):
    levels = ops.inventory_levels().assign(quantity_on_hand=[15.0, 3.0], quantity_available=[15.0, 3.0],
                                           value_minor=pd.array([10_500, 1_950], dtype="Int64"))
    fake.inject(Fault(200, truncate=True, method="PUT", path=f"{ENDPOINT}/InventoryAdjustment"))
    first = target.upsert("inventory_level", levels, run_id="run-2", mapping_version="v")
    assert first["outcome"].tolist() == ["rejected", "unchanged"]
    assert "the next run adjusts from what Acumatica then holds" in first["message"].iloc[0]
    again = target.upsert("inventory_level", levels, run_id="run-3", mapping_version="v")
    statuses = [a["Status"]["value"] for a in fake.records["InventoryAdjustment"].values()]
    # The lost adjustment was saved but never released: it moved nothing, and the next run's moved 3 once.
    assert again["outcome"].tolist() == ["updated", "unchanged"]
    assert statuses == ["Released", "Released", "Balanced", "Released"]
    assert fake.stock[("shop:V-1", "WH-EAST")] == [15.0, 105.0]
    assert_round_trip(target, "inventory_level", levels)
    assert target.upsert("inventory_level", levels, run_id="run-4", mapping_version="v")["outcome"].tolist() == [
        "unchanged"] * 2


def test_a_level_acumatica_cannot_hold_is_refused_with_its_reason(target, loaded):
    bad = ops.inventory_levels().assign(external_id=["warehouse:INV-8", "warehouse:INV-9"],
                                        source_id=["INV-8", "INV-9"])
    bad.loc[0, "location"] = "WH-MOON"
    bad.loc[1, "item_external_id"] = "shop:V-2"     # a non-stock item
    out = target.upsert("inventory_level", bad, run_id="r2", mapping_version="v")
    assert out["outcome"].tolist() == ["rejected"] * 2
    assert out["message"].iloc[0] == ("InventoryAdjustment ExternalRef=warehouse:INV-8: Acumatica 422: "
                                      "WarehouseID: Warehouse 'WH-MOON' cannot be found in the system.")
    assert "InventoryID: 'Inventory ID' cannot be found in the system." in out["message"].iloc[1]
    euro = ops.inventory_levels().head(1).assign(external_id="warehouse:INV-7", source_id="INV-7", currency="EUR")
    out = target.upsert("inventory_level", euro, run_id="r2", mapping_version="v")
    assert out["message"].iloc[0].endswith("base currency USD; currency.is_base_currency")


def test_a_fulfilment_is_an_issue_shipment_of_its_order_with_its_lines(fake, loaded):
    shipment = next(s for s in fake.records["Shipment"].values() if s["Description"]["value"] == "warehouse:F-1")
    assert (shipment["Type"]["value"], shipment["CustomerID"]["value"]) == ("Issue", "crm:ACC-DE")
    assert shipment["ShipmentNbr"]["value"].startswith("SH") and shipment["WarehouseID"]["value"] == "WH-EAST"
    assert [(d["OrderType"]["value"], d["OrderNbr"]["value"], d["InventoryID"]["value"], d["ShippedQty"]["value"])
            for d in shipment["Details"]] == [("SO", "SO-1001", "shop:V-1", 2.0), ("SO", "SO-1001", "shop:V-2", 1.0)]
    assert shipment["Packages"][0]["TrackingNbr"]["value"] == "1Z999AA10123456784"
    assert len(puts(fake, "Shipment")) == 2 and loaded["fulfilment_line"]["outcome"].tolist() == ["created"] * 3


def test_a_changed_fulfilment_line_keeps_its_order_and_a_dropped_one_is_deleted(target, fake, loaded):
    lines = ops.fulfilment_lines()
    kept = lines[lines["external_id"] != "warehouse:F-1/L2"].copy()
    kept.loc[kept["external_id"] == "warehouse:F-1/L1", "quantity"] = 1.0
    out = target.upsert("fulfilment_line", kept, run_id="run-2", mapping_version="v")
    shipment = next(s for s in fake.records["Shipment"].values() if s["Description"]["value"] == "warehouse:F-1")
    assert out["outcome"].tolist() == ["updated", "unchanged"]
    assert [(d["note"]["value"], d["OrderNbr"]["value"], d["ShippedQty"]["value"]) for d in shipment["Details"]] == [
        ("warehouse:F-1/L1", "SO-1001", 1.0)]
    assert_round_trip(target, "fulfilment_line", kept)


def test_a_fulfilment_whose_create_answer_was_lost_is_found_by_its_key_not_shipped_twice(target, fake):
    load_all(target)
    fake.inject(Fault(200, truncate=True, method="PUT", path=f"{ENDPOINT}/Shipment"))
    first = target.upsert_with_lines("fulfilment", ops.fulfilments(), ops.fulfilment_lines(), run_id="r",
                                     mapping_version="v")
    assert (first["outcome"] == "rejected").sum() == 1
    assert "not sent again: the next run looks it up by Description first" in " ".join(first["message"])
    again = target.upsert_with_lines("fulfilment", ops.fulfilments(), ops.fulfilment_lines(), run_id="r2",
                                     mapping_version="v")
    assert (again["outcome"] == "created").sum() == 1 and len(fake.records["Shipment"]) == 2
    assert sorted(len(s["Details"]) for s in fake.records["Shipment"].values()) == [1, 2]


def test_a_fulfilment_of_an_order_or_item_acumatica_lacks_is_rejected(target, fake, loaded):
    stray = ops.fulfilments().head(1).assign(external_id="warehouse:F-9", source_id="F-9",
                                              order_external_id="shop:SO-9999")
    out = target.upsert_with_lines("fulfilment", stray, ops.fulfilment_lines(), run_id="r2", mapping_version="v")
    assert out["message"].iloc[0] == ("fulfilment warehouse:F-9: its sales_order shop:SO-9999 is not in acumatica; "
                                      "order_external_id.exists_in_erp (the sales_order loads first)")
    lines = ops.fulfilment_lines()
    lines.loc[lines["external_id"] == "warehouse:F-2/L1", "item_external_id"] = "crm:P-9"   # not on SO-1002
    out = target.upsert("fulfilment_line", lines, run_id="r2", mapping_version="v").set_index("external_id")
    assert out.at["warehouse:F-2/L1", "outcome"] == "rejected"
    assert "The order SO-1002 has no line of item 'crm:P-9' to ship." in out.at["warehouse:F-2/L1", "message"]


def test_a_carrier_label_has_no_acumatica_record_and_is_refused_by_name(target):
    label = {**ops._ids("shipping:shp_1"), "order_external_id": "shop:SO-1001", "carrier": "UPS",
             "service": "Ground", "tracking_number": "1Z", "status": "delivered", "shipped_at": None,
             "delivered_at": None, "label_cost_minor": 812, "freight_cost_minor": None, "currency": "USD"}
    out = target.upsert("shipment", pd.DataFrame([label]), run_id="r", mapping_version="v")
    assert out["outcome"].tolist() == ["rejected"]
    assert out["message"].iloc[0] == "shipment: no acumatica mapping spec takes a record with these values"
    with pytest.raises(ValueError, match="no acumatica mapping spec reads 'shipment'"):
        target.read_back("shipment")
