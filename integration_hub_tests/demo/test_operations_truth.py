"""Phases 3 and 4 of the generated company: the declared exports, one consistent truth, the planted faults."""

import importlib

import numpy as np
import pandas as pd
import pytest

from integration_hub.demo.company import _PHASE34
from integration_hub.demo.declared import layout
from integration_hub.mapping.systems import DEFS_DIR, load_system
from integration_hub.standardize.sku import sku as standard_sku

LAYOUTS = {key: layout(*key.split("/")) for key in _PHASE34}
SHOP_GID = "gid://shopify/Order/"


def good(company, key: str) -> pd.DataFrame:
    """The export without the rows planted to be quarantined."""
    lay = LAYOUTS[key]
    frame = company.csv(lay.file)
    planted = company.csv("truth/expected_quarantine.csv")
    return frame[~frame["id"].isin(planted.loc[planted["file"] == lay.file, "source_id"])].reset_index(drop=True)


@pytest.mark.parametrize("key", sorted(_PHASE34))
def test_every_phase34_export_has_the_declared_columns_and_the_connectors(small, key):
    system, entity = key.split("/")
    declaration = load_system(DEFS_DIR / system)
    declared = next(e for e in declaration.entities if e.name == entity)
    header = list(small.csv(LAYOUTS[key].file).columns)
    assert LAYOUTS[key].file == f"{system}/{declared.file}"
    masks = {f"{c}_mask" for c in declared.sensitive}
    assert set(header) == {c.column for c in declared.columns if not c.column.startswith("_")} - masks \
        | set(declared.sensitive)
    connector = importlib.import_module(f"integration_hub.connectors.{declaration.extractor}")
    assert set(header) >= set(connector.EXPORT_COLUMNS[entity])
    assert small.manifest["files"][LAYOUTS[key].file] == len(small.csv(LAYOUTS[key].file))


def test_every_fulfilment_names_a_shop_order_but_the_planted_unknown_one(small):
    orders = set(small.csv("shop/orders.csv")["id"])
    for key in ("warehouse/shipments", "shipping/shipments"):
        column = "order_reference_id" if key.startswith("warehouse") else "reference"
        named = SHOP_GID + good(small, key)[column]
        unknown = named[~named.isin(orders)]
        planted = small.csv("truth/planted_faults.csv")
        planted = planted[(planted["fault"] == "unknown_order") & (planted["file"] == LAYOUTS[key].file)]
        assert len(unknown) == 1 and (SHOP_GID + planted["detail"]).tolist() == unknown.tolist()


def test_the_paid_shop_orders_with_stocked_items_are_the_ones_shipped_with_their_lines(small):
    """Fulfilment lines are the order's lines by SKU and quantity (software and unknown products stay behind)."""
    shop_lines = small.csv("shop/order_lines.csv")
    items = small.csv("truth/item_truth.csv")
    variant_sku = items[items["source_system"] == "shop"].set_index("source_id")["true_sku"]
    stocked = set(small.csv("truth/inventory_truth.csv")["true_sku"])
    orders = small.csv("shop/orders.csv").drop_duplicates("id").set_index("id")
    paid = small.csv("truth/invoice_payments.csv").set_index("invoice_number")["status"] == "paid"
    shop_lines["true_sku"] = shop_lines["variantId"].map(variant_sku)
    shop_lines = shop_lines[shop_lines["true_sku"].isin(stocked)
                            & paid.reindex(orders.loc[shop_lines["orderId"], "invoiceNumber"]).to_numpy()]
    want = shop_lines.assign(quantity=shop_lines["quantity"].astype(int)) \
        .groupby(["orderId", "true_sku"])["quantity"].sum()

    shipments = good(small, "warehouse/shipments").set_index("id")
    lines = good(small, "warehouse/shipment_lines")
    order = SHOP_GID + shipments.loc[lines["shipment_id"], "order_reference_id"].to_numpy()
    got = lines.assign(orderId=order, true_sku=standard_sku(lines["sku"]).to_numpy(),
                       quantity=lines["quantity"].astype(int))
    got = got[got["orderId"].isin(orders.index)].groupby(["orderId", "true_sku"])["quantity"].sum()
    pd.testing.assert_series_equal(got.sort_index(), want.sort_index(), check_names=False)
    # one fulfilment per shipped order, numbered as the shop names it
    known = shipments[(SHOP_GID + shipments["order_reference_id"]).isin(orders.index)]
    assert known["order_reference_id"].is_unique
    assert (known["order_number"].to_numpy() == orders.loc[SHOP_GID + known["order_reference_id"], "name"]).all()


def test_labels_carry_exact_cents_and_the_fulfilments_tracking(small):
    labels = good(small, "shipping/shipments").set_index("id")
    truth = small.csv("truth/label_truth.csv").set_index("label_id")
    assert set(labels.index) == set(truth.index)
    labels = labels.loc[truth.index]
    for column, field in (("rate_minor", "postage_minor"), ("postage_fee_minor", "postage_minor"),
                          ("label_fee_minor", "label_fee_minor"), ("insurance_fee_minor", "insurance_fee_minor")):
        assert labels[column].str.fullmatch(r"\d+").all()
        assert (labels[column].astype(int) == truth[field].astype(int)).all(), column
    total = sum(truth[c].astype(int) for c in ("postage_minor", "label_fee_minor", "insurance_fee_minor"))
    assert (total == truth["total_minor"].astype(int)).all()
    assert (labels["rate_currency"] == labels["fee_currency"]).all()
    shipments = good(small, "warehouse/shipments").set_index("id").loc[truth["shipment_id"]]
    assert (shipments["tracking_number"].to_numpy() == labels["tracking_code"].to_numpy()).all()
    assert (shipments["carrier"].to_numpy() == labels["carrier"].to_numpy()).all()
    assert (shipments["order_reference_id"].to_numpy() == labels["reference"].to_numpy()).all()


def test_stock_conserves_with_shipments_and_receipts_except_the_planted_drift(small):
    stock = small.csv("truth/inventory_truth.csv")
    q = {c: stock[c].astype(int) for c in ("opening_quantity", "received_quantity", "shipped_quantity",
                                          "quantity_on_hand", "file_quantity_on_hand", "awaiting_quantity")}
    assert (q["opening_quantity"] + q["received_quantity"] - q["shipped_quantity"] == q["quantity_on_hand"]).all()
    assert (q["quantity_on_hand"] >= 0).all() and (q["opening_quantity"] >= 0).all()
    # shipped: the good fulfilment lines by SKU and centre
    shipments = good(small, "warehouse/shipments").set_index("id")
    lines = good(small, "warehouse/shipment_lines")
    shipped = lines.assign(sku=standard_sku(lines["sku"]).to_numpy(),
                           location=shipments.loc[lines["shipment_id"], "location_id"].to_numpy(),
                           quantity=lines["quantity"].astype(int)).groupby(["sku", "location"])["quantity"].sum()
    key = pd.MultiIndex.from_arrays([stock["true_sku"], stock["location_id"]])
    assert (shipped.reindex(key, fill_value=0).to_numpy() == q["shipped_quantity"].to_numpy()).all()
    assert shipped.sum() == q["shipped_quantity"].sum()
    # received: the stock purchase order lines' received quantities at the order's centre
    orders = small.csv("truth/purchase_order_truth.csv").set_index("source_id")
    po_lines = good(small, "procurement/purchase_order_lines")
    po_lines = po_lines[po_lines["part_number"] != ""]
    received = po_lines.assign(location=orders.loc[po_lines["order_id"], "location_id"].to_numpy(),
                               received=pd.to_numeric(po_lines["received"]).fillna(0).astype(int)) \
        .groupby(["part_number", "location"])["received"].sum()
    assert (received.reindex(key, fill_value=0).to_numpy() == q["received_quantity"].to_numpy()).all()
    # the file: the truth, but for the drifted levels the planted faults name
    file = good(small, "warehouse/inventory_levels").set_index("id").loc[stock["level_id"]]
    assert (file["on_hand_quantity"].astype(int).to_numpy() == q["file_quantity_on_hand"].to_numpy()).all()
    drift = stock["stock_drift"] == "true"
    assert drift.any() and (q["file_quantity_on_hand"][drift] != q["quantity_on_hand"][drift]).all()
    assert (q["file_quantity_on_hand"][~drift] == q["quantity_on_hand"][~drift]).all()
    planted = small.csv("truth/planted_faults.csv")
    assert set(planted.loc[planted["fault"] == "stock_drift", "source_id"]) == set(stock.loc[drift, "level_id"])
    assert (stock["unit_cost_minor"].astype(int) > 0).all()


def test_the_duplicate_supplier_is_spelled_two_ways_with_one_tax_id_and_bank_account(small):
    suppliers = good(small, "procurement/suppliers").set_index("id")
    pair = small.json("truth/expected.json")["operations"]["duplicate_suppliers"]
    assert len(pair) == 1
    first, second = suppliers.loc[pair[0]].to_dict("records")
    assert (first["name"], second["name"]) == ("Acme Industrial Supply, Inc.", "ACME INDUSTRIAL SUPPLY")
    assert first["tax_id"] == second["tax_id"] != "" and first["bank_account"] == second["bank_account"] != ""
    truth = small.csv("truth/supplier_truth.csv").set_index("source_id")
    assert truth.loc[pair[0][0], "true_vendor_id"] == truth.loc[pair[0][1], "true_vendor_id"]
    assert truth["true_vendor_id"].nunique() == len(truth) - 1
    # other suppliers' tax ids are their own
    taxed = suppliers[suppliers["tax_id"] != ""]
    assert taxed["tax_id"].duplicated().sum() == 1


def test_purchase_orders_total_their_lines_and_some_are_received(small):
    orders = good(small, "procurement/purchase_orders").set_index("id")
    lines = good(small, "procurement/purchase_order_lines")
    cents = (pd.to_numeric(lines["total"]) * 100).round().astype(int)
    assert ((pd.to_numeric(lines["quantity"]) * (pd.to_numeric(lines["price"]) * 100).round()).astype(int) == cents).all()
    totals = cents.groupby(lines["order_id"]).sum()
    assert ((orders["total"].astype(float) * 100).round().astype(int).loc[totals.index] == totals).all()
    assert set(orders["supplier_id"]) <= set(small.csv("procurement/suppliers.csv")["id"])
    assert (orders["status"] == "closed").any() and (pd.to_numeric(lines["received"]).fillna(0) > 0).any()


def test_the_employees_form_one_tree_under_the_ceo(small):
    employees = small.csv(LAYOUTS["hr/employees"].file).set_index("id")
    assert 10 <= len(employees) <= 40
    boss = employees["supervisorEId"]
    assert (boss == "").sum() == 1 and set(boss[boss != ""]) <= set(employees.index)
    for start in employees.index:                  # every chain climbs to the root without a loop
        seen, at = set(), start
        while at:
            assert at not in seen
            seen.add(at)
            at = boss[at]
    assert employees.loc[boss == "", "jobTitle"].tolist() == ["Chief Executive Officer"]
    assert (employees["terminationDate"].eq("0000-00-00") == employees["status"].eq("Active")).all()
    us = employees["division"] == "North America"
    assert employees.loc[us, "ssn"].str.fullmatch(r"\d{3}-\d{2}-\d{4}").all()
    assert employees["bankAccount"].str.fullmatch(r"\d{8,12}").all()
    assert employees["payRate"].str.fullmatch(r"\d+\.\d\d (USD|GBP)").all()


def test_the_staff_does_not_grow_with_the_company(small, medium):
    assert 10 <= medium.json("truth/expected.json")["people"]["employees"] <= 40
    ops = {name: c.json("truth/expected.json")["operations"] for name, c in (("small", small), ("medium", medium))}
    assert ops["medium"]["fulfilments"] > 5 * ops["small"]["fulfilments"]
    assert ops["medium"]["fulfilments"] == ops["medium"]["shipped_orders"] + 1


def test_sensitive_values_are_only_in_the_exports(small):
    suppliers = small.csv(LAYOUTS["procurement/suppliers"].file)
    employees = small.csv(LAYOUTS["hr/employees"].file)
    secrets = {v for v in pd.concat([suppliers["tax_id"], suppliers["bank_account"], employees["ssn"],
                                     employees["bankAccount"], employees["payRate"]]) if v}
    for path in sorted((small.root / "truth").iterdir()):
        text = path.read_text()
        assert not [s for s in secrets if s in text], path.name


def test_expected_json_counts_the_planted_rows_and_faults(small):
    expected = small.json("truth/expected.json")
    planted = small.csv("truth/expected_quarantine.csv")
    for key, lay in LAYOUTS.items():
        spec = expected["files"][lay.file]
        assert spec["bad"] == (planted["file"] == lay.file).sum()
        assert spec["clean"] == spec["rows"] - spec["bad"]
    for key, rows in expected["expected_quarantine"].items():
        assert len(rows) == (planted["system"] + "/" + planted["entity"] == key).sum()
    assert set(expected["planted_faults"]) == {"unknown_order", "stock_drift", "duplicate_supplier",
                                               "invalid_work_email"}
    ops = expected["operations"]
    assert ops["fulfilments"] == len(small.csv("truth/fulfilment_truth.csv")) == ops["labels"]
    assert ops["units_shipped"] == small.csv("truth/fulfilment_line_truth.csv")["quantity"].astype(int).sum()
    assert np.isclose(ops["units_on_hand"], small.csv("truth/inventory_truth.csv")["quantity_on_hand"].astype(int).sum())
