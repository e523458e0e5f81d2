"""NetSuite order-to-cash against the SuiteTalk REST fake: customer hierarchies, items, sales
orders written with their item lines, cash refunds, contacts and opportunities."""
from __future__ import annotations

import json
import time

import pandas as pd
import pytest

from integration_hub.connectors.fakes.server import Fault
from integration_hub.connectors.http import build_session
from integration_hub.erp.netsuite import NetSuiteTarget, encode_external_id
from integration_hub_tests.erp import orders_batch
from integration_hub_tests.erp.order_checks import assert_round_trip, load_all
from integration_hub_tests.erp.netsuite_fixtures import CREDS, fake, target  # noqa: F401  (fixtures)


def stored(fake, record, external_id):
    return fake.by_external_id(record, encode_external_id(external_id))


def order_path(external_id):
    return f"/services/rest/record/v1/salesOrder/eid:{encode_external_id(external_id)}"


def line_keys(order):
    return [line["custcol_hub_line_key"] for line in order["item"]["items"]]


@pytest.mark.parametrize("entity", [e for e, _ in orders_batch.BATCH])
def test_every_entity_reads_back_as_it_was_sent(target, entity):
    outcomes = load_all(target)
    assert all((o["outcome"] == "created").all() for o in outcomes.values()), outcomes
    assert_round_trip(target, entity, dict(orders_batch.BATCH)[entity]())


def test_customer_hierarchy_is_sent_parents_first_and_reads_back_intact(target, fake):
    # Children first in the batch: the target still sends each parent before its child.
    out = target.upsert("customer", orders_batch.hierarchy().iloc[::-1], run_id="r", mapping_version="v")
    puts = [r.path.rsplit("eid:", 1)[1] for r in fake.requests if r.method == "PUT"]
    holding, europe, berlin = (stored(fake, "customer", f"crm:ACC-{n}") for n in ("HOLD", "EU", "DE"))
    held = target.read_back("customer").set_index("external_id")["parent_external_id"]
    assert (out["outcome"] == "created").all()
    assert puts.index("crm_3AACC-HOLD") < puts.index("crm_3AACC-EU") < puts.index("crm_3AACC-DE")
    assert "parent" not in holding
    assert europe["parent"] == {"id": holding["id"], "refName": "Umbrella Holdings"}
    assert berlin["parent"]["id"] == europe["id"]
    assert held.to_dict() == {"crm:ACC-HOLD": None, "crm:ACC-EU": "crm:ACC-HOLD", "crm:ACC-DE": "crm:ACC-EU",
                              "shop:C-77": None}


def test_a_child_whose_parent_is_refused_is_rejected_without_being_sent(target, fake):
    family = orders_batch.hierarchy()
    family.loc[0, "name"] = ""   # the holding company cannot be mapped
    out = target.upsert("customer", family, run_id="r", mapping_version="v").set_index("external_id")
    assert out.at["crm:ACC-HOLD", "message"].startswith("netsuite.customer@v1")
    assert out.at["crm:ACC-EU", "outcome"] == out.at["crm:ACC-DE", "outcome"] == "rejected"
    assert "its parent crm:ACC-HOLD was refused in this batch" in out.at["crm:ACC-EU", "message"]
    assert "parent_external_id.exists_in_erp" in out.at["crm:ACC-EU", "message"]
    assert "its parent crm:ACC-EU was refused" in out.at["crm:ACC-DE", "message"]
    assert out.at["shop:C-77", "outcome"] == "created"
    assert [r.path for r in fake.requests if r.method == "PUT"] == [
        "/services/rest/record/v1/customer/eid:shop_3AC-77"]


def test_an_order_reads_back_with_its_three_lines_and_totals(target, fake):
    load_all(target)
    order = stored(fake, "salesOrder", "shop:SO-1001")
    lines = target.read_back("sales_order_line")
    mine = lines[lines["order_external_id"] == "shop:SO-1001"].sort_values("line_number")
    header = target.read_back("sales_order", ["shop:SO-1001"]).iloc[0]
    widget = stored(fake, "inventoryItem", "shop:V-1")
    # The document: customer and items by internal id, the lines in line_number order.
    assert order["entity"]["id"] == stored(fake, "customer", "crm:ACC-DE")["id"]
    assert [line["item"]["id"] for line in order["item"]["items"]] == [
        widget["id"], stored(fake, "nonInventorySaleItem", "shop:V-2")["id"],
        stored(fake, "serviceSaleItem", "crm:P-9")["id"]]
    assert [line["quantity"] for line in order["item"]["items"]] == [2.0, 1.0, 1.25]
    assert widget["itemId"] == "WIDGET-BLUE" and widget["isInactive"] is False
    assert stored(fake, "nonInventorySaleItem", "shop:V-2")["isInactive"] is True
    assert mine["external_id"].tolist() == ["shop:SO-1001/L1", "shop:SO-1001/L2", "shop:SO-1001/L3"]
    assert mine["amount_minor"].sum() == header["subtotal_minor"] == 15_300
    assert (header["tax_minor"], header["total_minor"]) == (1_224, 16_524)


def test_a_line_of_an_order_not_in_netsuite_is_rejected_with_the_rule(target, fake):
    load_all(target)
    stray = orders_batch.lines().head(1).assign(external_id="shop:SO-9999/L1", order_external_id="shop:SO-9999")
    before = len(fake.requests)
    out = target.upsert("sales_order_line", stray, run_id="r", mapping_version="v")
    assert out["outcome"].tolist() == ["rejected"]
    assert out["message"].iloc[0] == (
        "sales_order_line shop:SO-9999/L1: its sales_order shop:SO-9999 is not in netsuite; "
        "order_external_id.exists_in_erp (a line is written into its sales_order's document, which loads first)")
    assert len(fake.requests) == before


def test_a_line_naming_an_item_netsuite_lacks_is_refused_with_netsuites_detail(target, fake):
    load_all(target)
    lines = orders_batch.lines().assign(item_external_id=lambda f: f["item_external_id"].where(
        f["external_id"] != "shop:SO-1002/L1", "shop:V-404"))
    out = target.upsert("sales_order_line", lines, run_id="r2", mapping_version="v").set_index("external_id")
    assert out.at["shop:SO-1002/L1", "outcome"] == "rejected"
    assert "Invalid item reference key shop_3AV-404" in out.at["shop:SO-1002/L1", "message"]
    assert (out.drop(index="shop:SO-1002/L1")["outcome"] == "unchanged").all()


def test_a_second_run_is_unchanged_and_sends_nothing(target, fake):
    load_all(target)
    before = len(fake.requests)
    again = load_all(target, run="run-2")
    assert all((o["outcome"] == "unchanged").all() for o in again.values())
    assert len(fake.requests) == before


def test_changed_lines_rewrite_the_order_sublist_and_a_dropped_line_is_removed(target, fake):
    load_all(target)
    lines = orders_batch.lines()
    changed = lines[lines["external_id"] != "shop:SO-1001/L2"].copy()
    changed.loc[changed["external_id"] == "shop:SO-1001/L1", ["quantity", "amount_minor"]] = [3.0, 3_750]
    before = len(fake.requests)
    out = target.upsert("sales_order_line", changed, run_id="r2", mapping_version="v")
    patches = [r for r in fake.requests[before:] if r.method == "PATCH"]
    order = stored(fake, "salesOrder", "shop:SO-1001")
    back = target.read_back("sales_order_line").set_index("external_id")
    assert out["outcome"].tolist() == ["updated", "unchanged", "unchanged"]
    assert len(patches) == 1 and patches[0].param("replace") == "item"
    assert [line["custcol_hub_line_key"] for line in json.loads(patches[0].body)["item"]["items"]] == [
        "shop_3ASO-1001_2FL1", "shop_3ASO-1001_2FL3"]
    assert [line["line"] for line in order["item"]["items"]] == [1, 2]
    assert "shop:SO-1001/L2" not in back.index and back.at["shop:SO-1001/L1", "quantity"] == 3.0
    assert order["subtotal"] == 37.5 + 125.0


def test_a_refund_is_a_cash_refund_to_the_orders_customer(target, fake):
    load_all(target)
    refund = stored(fake, "cashRefund", "shop:RF-1")
    assert refund["entity"]["id"] == stored(fake, "customer", "crm:ACC-DE")["id"]
    assert refund["otherRefNum"] == "shop_3ASO-1001" and refund["total"] == 12.5
    assert refund["memo"] == "damaged in transit"


def test_a_refund_of_an_order_not_in_netsuite_is_rejected_with_the_rule(target, fake):
    out = target.upsert("order_refund", orders_batch.refunds(), run_id="r", mapping_version="v")
    assert out["outcome"].tolist() == ["rejected"]
    assert out["message"].iloc[0] == ("order_refund shop:RF-1: its sales_order shop:SO-1001 is not in netsuite; "
                                      "order_external_id.exists_in_erp (the sales_order loads first)")
    assert not fake.records.get("cashRefund")


def test_contacts_and_opportunities_name_their_company(target, fake):
    load_all(target)
    berlin, europe = stored(fake, "customer", "crm:ACC-DE"), stored(fake, "customer", "crm:ACC-EU")
    contact, deal = stored(fake, "contact", "crm:CT-1"), stored(fake, "opportunity", "crm:OP-1")
    assert contact["company"]["id"] == berlin["id"] and contact["lastName"] == "Lovelace"
    assert deal["entity"]["id"] == europe["id"] and deal["probability"] == 40.0
    assert deal["entityStatus"] == {"refName": "Proposal"} and deal["projectedTotal"] == 45_000.0


def test_each_order_is_created_with_its_item_lines_and_the_line_load_sends_nothing_again(target, fake):
    load_all(target, run="run-0")   # customers and items first
    target.postings.engine.dispose()
    fake.records.pop("salesOrder")
    with target.postings.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM erp_postings WHERE entity IN ('sales_order', 'sales_order_line')")
    before = len(fake.requests)
    orders = target.upsert_with_lines("sales_order", orders_batch.orders(), orders_batch.lines(), run_id="r",
                                      mapping_version="v")
    creates = [r for r in fake.requests[before:] if r.method == "PUT"]
    middle = len(fake.requests)
    lines = target.upsert("sales_order_line", orders_batch.lines(), run_id="r", mapping_version="v")
    assert orders["outcome"].tolist() == ["created", "created"]
    assert {r.path: [line["custcol_hub_line_key"] for line in r.json()["item"]["items"]] for r in creates} == {
        order_path("shop:SO-1001"): ["shop_3ASO-1001_2FL1", "shop_3ASO-1001_2FL2", "shop_3ASO-1001_2FL3"],
        order_path("shop:SO-1002"): ["shop_3ASO-1002_2FL1"]}
    assert all(r.param("replace") == "item" for r in creates)
    # The line load reports the lines the create wrote (for their lineage) without a second write.
    assert lines["outcome"].tolist() == ["created"] * 4 and len(fake.requests) == middle
    assert line_keys(stored(fake, "salesOrder", "shop:SO-1001")) == [
        "shop_3ASO-1001_2FL1", "shop_3ASO-1001_2FL2", "shop_3ASO-1001_2FL3"]
    again = target.upsert("sales_order_line", orders_batch.lines(), run_id="r2", mapping_version="v")
    assert again["outcome"].tolist() == ["unchanged"] * 4


def test_an_order_without_a_usable_line_is_rejected_with_the_rule_and_not_sent(target, fake):
    load_all(target, run="run-0")
    fake.records.pop("salesOrder")
    target.postings.engine.dispose()
    with target.postings.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM erp_postings WHERE entity IN ('sales_order', 'sales_order_line')")
    lines = orders_batch.lines()
    lines.loc[lines["external_id"] == "shop:SO-1002/L1", "line_number"] = None   # the spec rejects it
    before = len(fake.requests)
    out = target.upsert_with_lines("sales_order", orders_batch.orders(), lines[lines["order_external_id"] !=
                                   "shop:SO-1001"], run_id="r", mapping_version="v").set_index("external_id")
    assert out["outcome"].tolist() == ["rejected", "rejected"]
    assert out.at["shop:SO-1001", "message"] == (
        "sales_order shop:SO-1001: no usable sales_order_line to create it with (this load holds none); "
        "netsuite creates a salesOrder only with at least one line; sales_order.has_lines")
    assert out.at["shop:SO-1002", "message"].startswith(
        "sales_order shop:SO-1002: no usable sales_order_line to create it with (none of its 1 maps: "
        "netsuite.sales_order_line@v1")
    assert out.at["shop:SO-1002", "message"].endswith(
        "line_number.required (line_number is blank)); netsuite creates a salesOrder only with at least one line; "
        "sales_order.has_lines")
    assert [r for r in fake.requests[before:] if r.method == "PUT"] == []


def test_the_fake_refuses_an_order_without_an_item_line_as_netsuite_does(target, fake):
    load_all(target)
    order = stored(fake, "salesOrder", "shop:SO-1002")
    spec = target.specs["sales_order_line"][0]
    emptied = target._send_lines(spec, order["id"], "shop_3ASO-1002", [])
    header = {"externalId": "shop_3ASO-9", "tranId": "SO-9", "entity": {"externalId": "shop_3AC-77"}}
    created = target._send(target.specs["sales_order"][0], header, None)
    assert not emptied.ok and not created.ok
    assert "You must enter at least one line item for this transaction." in emptied.message
    assert "You must enter at least one line item for this transaction." in created.message
    assert len(stored(fake, "salesOrder", "shop:SO-1002")["item"]["items"]) == 1


def test_an_order_whose_create_answer_was_lost_is_sent_again_with_its_lines_once(fake, postings):
    # NetSuite saves the order, but its answer comes after the client gave up waiting.
    target = NetSuiteTarget(CREDS, postings, base_url=fake.base_url, backoff=0,
                            session=build_session(system="netsuite", backoff_factor=0, timeout=(5, 0.3)))
    fake.inject(Fault(200, delay=0.6, method="PUT", path=order_path("shop:SO-1001")))
    first = load_all(target)
    for _ in range(50):
        if stored(fake, "salesOrder", "shop:SO-1001"):
            break
        time.sleep(0.1)
    assert first["sales_order"].set_index("external_id").at["shop:SO-1001", "outcome"] == "rejected"
    assert "no answer from netsuite" in first["sales_order"].set_index("external_id").at["shop:SO-1001", "message"]
    again = load_all(target, run="run-2")
    order = stored(fake, "salesOrder", "shop:SO-1001")
    assert again["sales_order"].set_index("external_id").at["shop:SO-1001", "outcome"] == "created"
    assert line_keys(order) == ["shop_3ASO-1001_2FL1", "shop_3ASO-1001_2FL2", "shop_3ASO-1001_2FL3"]
    assert order["subtotal"] == 153.0


def test_a_line_removed_while_the_others_are_unchanged_leaves_the_order(target, fake):
    load_all(target)
    lines = orders_batch.lines()
    kept = lines[lines["external_id"] != "shop:SO-1001/L2"]
    before = len(fake.requests)
    out = target.upsert("sales_order_line", kept, run_id="r2", mapping_version="v")
    patches = [r for r in fake.requests[before:] if r.method == "PATCH"]
    back = target.read_back("sales_order_line")
    assert out["outcome"].tolist() == ["unchanged"] * 3
    assert len(patches) == 1 and patches[0].param("replace") == "item"
    assert line_keys(stored(fake, "salesOrder", "shop:SO-1001")) == ["shop_3ASO-1001_2FL1", "shop_3ASO-1001_2FL3"]
    assert "shop:SO-1001/L2" not in set(back["external_id"])
    assert "shop:SO-1001/L2" not in set(target.postings.postings("netsuite", "sales_order_line")["external_id"])
    middle = len(fake.requests)
    assert target.upsert("sales_order_line", kept, run_id="r3", mapping_version="v")["outcome"].tolist() == [
        "unchanged"] * 3
    assert len(fake.requests) == middle
    # Back at the source, the line is created again.
    assert target.upsert("sales_order_line", lines, run_id="r4", mapping_version="v").set_index(
        "external_id").at["shop:SO-1001/L2", "outcome"] == "created"


def test_a_refused_removal_is_reported_on_the_orders_lines_and_retried(target, fake):
    load_all(target)
    lines = orders_batch.lines()
    kept = lines[lines["external_id"] != "shop:SO-1001/L2"]
    fake.inject(Fault(400, method="PATCH"))
    out = target.upsert("sales_order_line", kept, run_id="r2", mapping_version="v").set_index("external_id")
    assert out["outcome"].tolist() == ["unchanged"] * 3
    assert out.at["shop:SO-1001/L1", "message"].startswith(
        "sales_order shop:SO-1001 still holds shop:SO-1001/L2, which this load no longer carries: ")
    assert out.at["shop:SO-1002/L1", "message"] == ""
    assert len(stored(fake, "salesOrder", "shop:SO-1001")["item"]["items"]) == 3
    target.upsert("sales_order_line", kept, run_id="r3", mapping_version="v")
    assert line_keys(stored(fake, "salesOrder", "shop:SO-1001")) == ["shop_3ASO-1001_2FL1", "shop_3ASO-1001_2FL3"]
