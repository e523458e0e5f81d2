"""NetSuite order-to-cash against the SuiteTalk REST fake: customer hierarchies, items, sales
orders written with their item lines, cash refunds, contacts and opportunities."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from integration_hub.connectors.fakes.netsuite_fake import NetSuiteFake
from integration_hub.connectors.http import build_session
from integration_hub.erp.netsuite import NetSuiteTarget, encode_external_id
from integration_hub.erp.netsuite_auth import TokenCredentials
from integration_hub.erp.posting import PostingLog
from integration_hub_tests.erp import orders_batch
from integration_hub_tests.erp.order_checks import assert_round_trip, load_all

CREDS = TokenCredentials("1234567_SB1", "ck-abc", "cs-secret", "tk-def", "ts-secret")


@pytest.fixture
def postings(tmp_path):
    log = PostingLog(f"sqlite:///{tmp_path / 'hub.db'}")
    yield log
    log.close()


@pytest.fixture
def fake():
    with NetSuiteFake(CREDS) as served:
        yield served


@pytest.fixture
def target(fake, postings):
    return NetSuiteTarget(CREDS, postings, base_url=fake.base_url, backoff=0,
                          session=build_session(system="netsuite", backoff_factor=0))


def stored(fake, record, external_id):
    return fake.by_external_id(record, encode_external_id(external_id))


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
