"""NetSuite procure-to-ship against the SuiteTalk REST fake: vendors, purchase orders written
with their item lines, employees under their supervisors, stock levels and shipments as the
hub's custom records, and item fulfillments transformed from their sales orders."""
from __future__ import annotations

import json
import re
import time

import pandas as pd
import pytest

from integration_hub.connectors.fakes.server import Fault
from integration_hub.connectors.http import build_session
from integration_hub.erp.netsuite import NetSuiteTarget, encode_external_id
from integration_hub_tests.erp import operations_batch as batch
from integration_hub_tests.erp.order_checks import assert_round_trip
from integration_hub_tests.erp.netsuite_fixtures import CREDS, fake, target  # noqa: F401  (fixtures)

RECORD = "/services/rest/record/v1"


def stored(fake, record, external_id):
    return fake.by_external_id(record, encode_external_id(external_id))


def line_keys(document):
    return [line["custcol_hub_line_key"] for line in document["item"]["items"]]


def upsert(target, entity, frame, run="r2"):
    return target.upsert(entity, frame, run_id=run, mapping_version="v").set_index("external_id")


@pytest.mark.parametrize("entity", batch.NEW)
def test_every_entity_reads_back_as_it_was_sent(target, entity):
    outcomes = batch.load_all(target)
    assert all((o["outcome"] == "created").all() for o in outcomes.values()), outcomes
    assert_round_trip(target, entity, dict(batch.BATCH)[entity]())


def test_a_second_run_is_unchanged_and_sends_nothing(target, fake):
    batch.load_all(target)
    before = len(fake.requests)
    again = batch.load_all(target, run="run-2")
    assert all((o["outcome"] == "unchanged").all() for o in again.values())
    assert len(fake.requests) == before


def test_money_is_exact_in_minor_units_in_each_currency(target, fake):
    batch.load_all(target)
    pos = target.read_back("purchase_order").set_index("external_id")
    stock = target.read_back("inventory_level").set_index("external_id")
    assert stored(fake, "purchaseOrder", "procurement:PO-1")["total"] == 299.99
    assert stored(fake, "purchaseOrder", "procurement:PO-2")["total"] == 150_000.0   # yen have no minor unit
    assert pos["total_minor"].to_dict() == {"procurement:PO-1": 29_999, "procurement:PO-2": 150_000}
    assert stored(fake, "customrecord_ih_stock_level", "warehouse:STK-2")["custrecord_ih_stock_value"] == 54.98
    assert stock.at["warehouse:STK-2", "value_minor"] == 5_498 and stock.at["warehouse:STK-2", "quantity_on_hand"] == 7.5
    # The hub reconciles value = quantity on hand x unit cost against the warehouse's.
    costed = stock.dropna(subset=["unit_cost_minor"])
    assert ((costed["quantity_on_hand"] * costed["unit_cost_minor"]).round() == costed["value_minor"]).all()
    assert pd.isna(stock.at["warehouse:STK-3", "value_minor"]) and str(stock["value_minor"].dtype) == "Int64"


@pytest.mark.parametrize(("entity", "external_id", "column", "value", "record", "field", "stored_value"), [
    ("vendor", "procurement:V-2", "payment_terms", "Net 60", "vendor", "terms", {"refName": "Net 60"}),
    ("purchase_order", "procurement:PO-1", "status", "closed", "purchaseOrder", "custbody_hub_source_status",
     "closed"),
    ("employee", "hr:3", "job_title", "Staff Engineer", "employee", "title", "Staff Engineer"),
    ("inventory_level", "warehouse:STK-1", "quantity_on_hand", 118.0, "customrecord_ih_stock_level",
     "custrecord_ih_stock_on_hand", 118.0),
    ("fulfilment", "warehouse:F-2", "status", "Completed", "itemFulfillment", "custbody_hub_source_status",
     "Completed"),
    ("shipment", "shipping:shp_2", "status", "in_transit", "customrecord_ih_shipment", "custrecord_ih_ship_status",
     "in_transit"),
])
def test_an_updated_record_is_updated_in_place(target, fake, entity, external_id, column, value, record, field,
                                               stored_value):
    batch.load_all(target)
    frame = dict(batch.BATCH)[entity]()
    frame.loc[frame["external_id"] == external_id, column] = value
    if entity == "inventory_level":
        frame.loc[frame["external_id"] == external_id, "value_minor"] = round(118 * 733)
    before = {i: r["id"] for i, r in fake.records[record].items()}
    out = upsert(target, entity, frame)
    assert out.at[external_id, "outcome"] == "updated"
    assert (out.drop(index=external_id)["outcome"] == "unchanged").all()
    assert stored(fake, record, external_id)[field] == stored_value
    assert {i: r["id"] for i, r in fake.records[record].items()} == before     # no record added
    assert target.read_back(entity, [external_id]).iloc[0][column] == value


def test_a_po_is_created_with_its_lines_and_a_removed_line_leaves_it(target, fake):
    batch.load_all(target)
    po = stored(fake, "purchaseOrder", "procurement:PO-1")
    widget = stored(fake, "inventoryItem", "shop:V-1")
    assert po["entity"] == {"id": stored(fake, "vendor", "procurement:V-1")["id"], "refName": "Widgets Wholesale Inc"}
    assert [line["item"]["id"] for line in po["item"]["items"]] == [widget["id"], "hub-purchase"]
    assert line_keys(po) == ["procurement_3APO-1_2F1", "procurement_3APO-1_2F2"]
    lines = batch.po_lines()
    kept = lines[lines["external_id"] != "procurement:PO-1/2"]
    before = len(fake.requests)
    out = upsert(target, "purchase_order_line", kept)
    patches = [r for r in fake.requests[before:] if r.method == "PATCH"]
    assert out["outcome"].tolist() == ["unchanged", "unchanged"]
    assert len(patches) == 1 and patches[0].param("replace") == "item"
    assert patches[0].path == f"{RECORD}/purchaseOrder/{po['id']}"
    po = stored(fake, "purchaseOrder", "procurement:PO-1")
    assert line_keys(po) == ["procurement_3APO-1_2F1"] and po["total"] == 250.0
    assert "procurement:PO-1/2" not in set(target.read_back("purchase_order_line")["external_id"])
    # The PO now totals 250.00 in NetSuite: the header's 299.99 no longer reconciles.
    assert target.read_back("purchase_order", ["procurement:PO-1"]).iloc[0]["total_minor"] == 25_000


def test_a_changed_po_line_rewrites_the_item_sublist(target, fake):
    batch.load_all(target)
    lines = batch.po_lines()
    lines.loc[lines["external_id"] == "procurement:PO-1/1", ["quantity_received"]] = 20.0
    out = upsert(target, "purchase_order_line", lines)
    back = target.read_back("purchase_order_line").set_index("external_id")
    assert out["outcome"].tolist() == ["updated", "unchanged", "unchanged"]
    assert back.at["procurement:PO-1/1", "quantity_received"] == 20.0
    assert line_keys(stored(fake, "purchaseOrder", "procurement:PO-1")) == [
        "procurement_3APO-1_2F1", "procurement_3APO-1_2F2"]


def test_a_po_naming_a_vendor_netsuite_lacks_is_refused_with_netsuites_detail(target, fake):
    batch.load_all(target)
    po = batch.purchase_orders().head(1).assign(external_id="procurement:PO-9", po_number="PO-9",
                                                vendor_external_id="procurement:V-404")
    lines = batch.po_lines().head(1).assign(po_external_id="procurement:PO-9", external_id="procurement:PO-9/1")
    out = target.upsert_with_lines("purchase_order", po, lines, run_id="r2", mapping_version="v")
    assert out["outcome"].tolist() == ["rejected"]
    assert out["message"].iloc[0] == ("purchaseOrder procurement_3APO-9: NetSuite 400 USER_ERROR: Error while "
                                      "accessing a resource. Invalid entity reference key procurement_3AV-404.")
    assert stored(fake, "purchaseOrder", "procurement:PO-9") is None


def test_a_po_line_naming_an_item_netsuite_lacks_is_refused(target, fake):
    batch.load_all(target)
    lines = batch.po_lines()
    lines.loc[lines["external_id"] == "procurement:PO-2/1", "item_external_id"] = "shop:V-404"
    out = upsert(target, "purchase_order_line", lines)
    assert out.at["procurement:PO-2/1", "outcome"] == "rejected"
    assert "Invalid item reference key shop_3AV-404." in out.at["procurement:PO-2/1", "message"]
    assert stored(fake, "purchaseOrder", "procurement:PO-2")["item"]["items"][0]["quantity"] == 100.0


def test_a_po_without_a_line_is_not_created(target, fake):
    batch.load_all(target)
    po = batch.purchase_orders().head(1).assign(external_id="procurement:PO-8", po_number="PO-8")
    before = len(fake.requests)
    out = target.upsert_with_lines("purchase_order", po, batch.po_lines(), run_id="r2", mapping_version="v")
    assert out["message"].iloc[0] == (
        "purchase_order procurement:PO-8: no usable purchase_order_line to create it with (this load holds none); "
        "netsuite creates a purchaseOrder only with at least one line; purchase_order.has_lines")
    assert len(fake.requests) == before
    # NetSuite's own refusal, as the fake gives it, for a PO sent without item lines.
    sent = target._send(target.specs["purchase_order"][0], {"externalId": "procurement_3APO-8", "tranId": "PO-8",
                                                            "entity": {"externalId": "procurement_3AV-1"}}, None)
    assert not sent.ok and "You must enter at least one line item for this transaction." in sent.message


def test_employees_are_sent_managers_first_and_name_their_supervisor(target, fake):
    out = upsert(target, "employee", batch.employees(), run="r")
    puts = [r.path.rsplit("eid:", 1)[1] for r in fake.requests if r.method == "PUT"]
    chief, vice, engineer, analyst = (stored(fake, "employee", f"hr:{n}") for n in (1, 2, 3, 4))
    assert (out["outcome"] == "created").all()
    assert puts.index("hr_3A1") < puts.index("hr_3A2") < puts.index("hr_3A3")
    assert puts.index("hr_3A1") < puts.index("hr_3A4")
    assert "supervisor" not in chief
    assert vice["supervisor"] == {"id": chief["id"], "refName": "Pat Chief"}
    assert engineer["supervisor"]["id"] == vice["id"] and analyst["supervisor"]["id"] == chief["id"]
    assert engineer["department"] == {"refName": "Engineering"} and engineer["entityId"] == "E-0003"
    held = target.read_back("employee").set_index("external_id")["manager_external_id"]
    assert held.to_dict() == {"hr:1": None, "hr:2": "hr:1", "hr:3": "hr:2", "hr:4": "hr:1"}


def test_an_employee_whose_manager_is_refused_is_not_sent_and_an_unknown_manager_is_refused(target, fake):
    people = batch.employees()
    people.loc[people["external_id"] == "hr:2", "last_name"] = None      # the VP cannot be mapped
    people.loc[people["external_id"] == "hr:4", "manager_external_id"] = "hr:404"
    out = upsert(target, "employee", people, run="r")
    assert out.at["hr:2", "message"].startswith("netsuite.employee@v1")
    assert out.at["hr:3", "outcome"] == "rejected"
    assert out.at["hr:3", "message"] == ("employee hr:3: its parent hr:2 was refused in this batch; "
                                         "manager_external_id.exists_in_erp (the parent loads first)")
    assert out.at["hr:4", "message"] == ("employee hr_3A4: NetSuite 400 USER_ERROR: Error while accessing a "
                                         "resource. Invalid supervisor reference key hr_3A404.")
    assert out.at["hr:1", "outcome"] == "created"
    assert sorted(r["externalId"] for r in fake.records["employee"].values()) == ["hr_3A1"]


def _mask(value) -> bool:
    """A masked value: at most four characters of the real value show."""
    return isinstance(value, str) and len(re.sub(r"[*•xX\-\s]", "", value)) <= 4


def test_only_masks_of_sensitive_values_reach_netsuite(target, fake):
    batch.load_all(target)
    sensitive = {"vendor": ("custentity_hub_tax_id_mask", "custentity_hub_bank_account_mask"),
                 "employee": ("custentity_hub_ssn_mask", "custentity_hub_bank_account_mask")}
    native = ("taxIdNum", "socialSecurityNumber", "accountNumber", "bankAccountNumber", "achAcct")
    for record, fields in sensitive.items():
        bodies = [r.json() for r in fake.requests if r.method == "PUT" and f"/{record}/" in r.path]
        held = list(fake.records[record].values())
        assert bodies and held
        for document in [*bodies, *held]:
            assert not set(native) & set(document), document
            for field in fields:
                assert field not in document or _mask(document[field]), (field, document[field])
    assert stored(fake, "vendor", "procurement:V-1")["custentity_hub_tax_id_mask"] == "**-***6789"
    assert stored(fake, "employee", "hr:3")["custentity_hub_ssn_mask"] == "***-**-1003"
    assert "custentity_hub_tax_id_mask" not in stored(fake, "vendor", "procurement:V-2")    # none to send


def test_a_fulfilment_is_transformed_from_its_sales_order(target, fake):
    batch.load_all(target)
    order = stored(fake, "salesOrder", "shop:SO-1001")
    done = stored(fake, "itemFulfillment", "warehouse:F-1")
    posts = [r for r in fake.requests if r.method == "POST"]
    assert {r.path for r in posts} == {
        f"{RECORD}/salesOrder/{order['id']}/!transform/itemFulfillment",
        f"{RECORD}/salesOrder/{stored(fake, 'salesOrder', 'shop:SO-1002')['id']}/!transform/itemFulfillment"}
    assert all("createdFrom" not in r.json() for r in posts)
    assert done["createdFrom"] == {"id": order["id"], "refName": "SO-1001"} and done["entity"] == order["entity"]
    assert [(line["item"]["refName"], line["quantity"], line["itemReceive"]) for line in done["item"]["items"]] == [
        ("WIDGET-BLUE", 2.0, True), ("GIFT-WRAP", 1.0, True)]
    assert "total" not in done
    assert done["custbody_hub_fulfilled_at"] == "2025-05-05T14:05:09Z" and done["tranDate"] == "2025-05-05"


def test_a_fulfilment_of_an_order_netsuite_lacks_is_rejected_without_a_call(target, fake):
    batch.load_all(target)
    stray = batch.fulfilments().head(1).assign(external_id="warehouse:F-9", order_external_id="shop:SO-9999")
    lines = batch.fulfilment_lines().head(1).assign(external_id="warehouse:F-9/1",
                                                    fulfilment_external_id="warehouse:F-9")
    before = len(fake.requests)
    out = target.upsert_with_lines("fulfilment", stray, lines, run_id="r2", mapping_version="v")
    assert out["outcome"].tolist() == ["rejected"]
    assert out["message"].iloc[0] == (
        "fulfilment warehouse:F-9: its sales_order shop:SO-9999 is not in netsuite; order_external_id.exists_in_erp "
        "(a itemFulfillment is created from its sales_order, which loads first)")
    assert len(fake.requests) == before


def test_a_fulfilment_line_for_an_item_not_on_the_order_is_refused(target, fake):
    batch.load_all(target)
    fulfilment = batch.fulfilments().head(1).assign(external_id="warehouse:F-7")
    lines = batch.fulfilment_lines().head(1).assign(external_id="warehouse:F-7/1", item_external_id="crm:P-9",
                                                    fulfilment_external_id="warehouse:F-7")
    out = target.upsert_with_lines("fulfilment", fulfilment.assign(order_external_id="shop:SO-1002"), lines,
                                   run_id="r2", mapping_version="v")
    assert out["outcome"].tolist() == ["rejected"]
    assert out["message"].iloc[0].endswith("You cannot fulfill items that are not on salesOrder SO-1002: SETUP-FEE.")
    lines.loc[:, "item_external_id"] = "shop:V-404"
    out = target.upsert_with_lines("fulfilment", fulfilment, lines, run_id="r3", mapping_version="v")
    assert "Invalid item reference key shop_3AV-404." in out["message"].iloc[0]
    assert stored(fake, "itemFulfillment", "warehouse:F-7") is None


def test_the_fake_creates_a_fulfilment_only_from_its_order(target, fake):
    batch.load_all(target)
    spec = target.specs["fulfilment"][0]
    document = {"externalId": "warehouse_3AF-5", "item": {"items": [{"item": {"externalId": "shop_3AV-1"},
                                                                     "quantity": 1.0}]}}
    response = target._call("PUT", f"{RECORD}/itemFulfillment/eid:warehouse_3AF-5", body=document)
    assert response.status_code == 400 and "is created from its salesOrder" in response.text
    assert stored(fake, "itemFulfillment", "warehouse:F-5") is None
    sent = target._send(spec, {**document, "createdFrom": {"externalId": "shop_3ASO-1002"}}, None)
    assert sent.ok and stored(fake, "itemFulfillment", "warehouse:F-5")["createdFrom"]["refName"] == "SO-1002"


def test_a_fulfilment_whose_transform_answer_was_lost_is_updated_not_duplicated(fake, postings):
    target = NetSuiteTarget(CREDS, postings, base_url=fake.base_url, backoff=0,
                            session=build_session(system="netsuite", backoff_factor=0, timeout=(5, 0.3)))
    fake.inject(Fault(200, delay=0.6, method="POST"))
    first = batch.load_all(target)
    for _ in range(50):
        if stored(fake, "itemFulfillment", "warehouse:F-1") or stored(fake, "itemFulfillment", "warehouse:F-2"):
            break
        time.sleep(0.1)
    lost = first["fulfilment"].set_index("external_id")
    assert (lost["outcome"] == "rejected").sum() == 1 and "no answer from netsuite" in " ".join(lost["message"])
    again = batch.load_all(target, run="run-2")
    assert (again["fulfilment"]["outcome"] == "created").sum() == 1
    assert len(fake.records["itemFulfillment"]) == 2
    assert_round_trip(target, "fulfilment", batch.fulfilments())
    assert_round_trip(target, "fulfilment_line", batch.fulfilment_lines())


def test_a_removed_fulfilment_line_leaves_the_fulfilment(target, fake):
    batch.load_all(target)
    lines = batch.fulfilment_lines()
    out = upsert(target, "fulfilment_line", lines[lines["external_id"] != "warehouse:F-1/2"])
    assert out["outcome"].tolist() == ["unchanged", "unchanged"]
    assert line_keys(stored(fake, "itemFulfillment", "warehouse:F-1")) == ["warehouse_3AF-1_2F1"]


@pytest.mark.parametrize(("entity", "column", "missing", "detail"), [
    ("inventory_level", "item_external_id", "sku:NOPE",
     "Invalid custrecord_ih_stock_item reference key sku_3ANOPE."),
    ("shipment", "order_external_id", "shop:SO-404",
     "Invalid custrecord_ih_ship_order reference key shop_3ASO-404."),
])
def test_a_custom_record_naming_a_record_netsuite_lacks_is_refused(target, fake, entity, column, missing, detail):
    batch.load_all(target)
    frame = dict(batch.BATCH)[entity]().head(1)
    external_id = frame["external_id"].iloc[0]
    out = upsert(target, entity, frame.assign(**{column: missing}))
    assert out.at[external_id, "outcome"] == "rejected"
    assert out.at[external_id, "message"].endswith(detail)
    assert target.read_back(entity, [external_id]).iloc[0][column] != missing


def test_shipments_and_stock_levels_name_their_order_and_item(target, fake):
    batch.load_all(target)
    label = stored(fake, "customrecord_ih_shipment", "shipping:shp_1")
    level = stored(fake, "customrecord_ih_stock_level", "warehouse:STK-1")
    assert label["custrecord_ih_ship_order"] == {"id": stored(fake, "salesOrder", "shop:SO-1001")["id"],
                                                 "refName": "SO-1001"}
    assert (label["custrecord_ih_ship_label_cost"], label["custrecord_ih_ship_freight_cost"]) == (12.34, 5.6)
    assert level["custrecord_ih_stock_item"] == {"id": stored(fake, "inventoryItem", "shop:V-1")["id"],
                                                 "refName": "WIDGET-BLUE"}
    assert json.loads(json.dumps(level))["custrecord_ih_stock_as_of"] == "2025-05-05T06:30:15Z"
