"""Acumatica order-to-cash against the contract-based REST fake: customer parent accounts,
stock and non-stock items, SO orders written with their Details, CR orders for refunds,
contacts and opportunities."""
from __future__ import annotations

import pytest

from integration_hub.connectors.fakes.server import Fault
from integration_hub_tests.erp import orders_batch
from integration_hub_tests.erp.order_checks import assert_round_trip, load_all
from integration_hub_tests.erp.acumatica_fixtures import fake, target  # noqa: F401  (fixtures)


def stored(fake, entity, **match):
    return [r for r in fake.values(entity) if all(r.get(k) == v for k, v in match.items())]


def details(fake, order_nbr):
    order = next(r for r in fake.records.get("SalesOrder", {}).values() if r["OrderNbr"]["value"] == order_nbr)
    return [line["ExternalRef"]["value"] for line in order.get("Details") or []]


ENDPOINT = "/entity/Default/23.200.001"


@pytest.mark.parametrize("entity", [e for e, _ in orders_batch.BATCH])
def test_every_entity_reads_back_as_it_was_sent(target, entity):
    outcomes = load_all(target)
    assert all((o["outcome"] == "created").all() for o in outcomes.values()), outcomes
    assert_round_trip(target, entity, dict(orders_batch.BATCH)[entity]())


def test_customer_hierarchy_is_sent_parents_first_and_reads_back_intact(target, fake):
    out = target.upsert("customer", orders_batch.hierarchy().iloc[::-1], run_id="r", mapping_version="v")
    puts = [r.json()["CustomerID"]["value"] for r in fake.requests if r.method == "PUT"]
    held = target.read_back("customer").set_index("external_id")["parent_external_id"]
    assert (out["outcome"] == "created").all()
    assert puts.index("crm:ACC-HOLD") < puts.index("crm:ACC-EU") < puts.index("crm:ACC-DE")
    assert stored(fake, "Customer", CustomerID="crm:ACC-DE")[0]["ParentRecord"] == "crm:ACC-EU"
    assert stored(fake, "Customer", CustomerID="crm:ACC-EU")[0]["ParentRecord"] == "crm:ACC-HOLD"
    assert held.to_dict() == {"crm:ACC-HOLD": None, "crm:ACC-EU": "crm:ACC-HOLD", "crm:ACC-DE": "crm:ACC-EU",
                              "shop:C-77": None}


def test_a_parent_acumatica_lacks_is_refused_with_its_field_error(target):
    orphan = orders_batch.hierarchy().iloc[[2]]
    out = target.upsert("customer", orphan, run_id="r", mapping_version="v")
    assert out["outcome"].tolist() == ["rejected"]
    assert "ParentRecord: 'ParentRecord' cannot be found in the system." in out["message"].iloc[0]


def test_an_order_reads_back_with_its_three_lines_and_totals(target, fake):
    load_all(target)
    order = stored(fake, "SalesOrder", OrderType="SO", OrderNbr="SO-1001")[0]
    lines = target.read_back("sales_order_line")
    mine = lines[lines["order_external_id"] == "shop:SO-1001"].sort_values("line_number")
    header = target.read_back("sales_order", ["shop:SO-1001"]).iloc[0]
    items = {r["InventoryID"] for e in ("StockItem", "NonStockItem") for r in fake.values(e)}
    assert order["CustomerID"] == "crm:ACC-DE"
    assert [order[f"Details[{n}].InventoryID"] for n in range(3)] == ["shop:V-1", "shop:V-2", "crm:P-9"]
    assert {order[f"Details[{n}].InventoryID"] for n in range(3)} <= items
    assert [order[f"Details[{n}].LineNbr"] for n in range(3)] == [1, 2, 3]
    assert stored(fake, "NonStockItem", InventoryID="crm:P-9")[0]["ItemType"] == "Service"
    assert stored(fake, "StockItem", InventoryID="shop:V-1")[0]["CrossReferences[0].AlternateID"] == "WIDGET-BLUE"
    assert mine["external_id"].tolist() == ["shop:SO-1001/L1", "shop:SO-1001/L2", "shop:SO-1001/L3"]
    assert mine["quantity"].tolist() == [2.0, 1.0, 1.25]
    assert mine["amount_minor"].sum() == header["subtotal_minor"] == 15_300
    assert (header["tax_minor"], header["total_minor"]) == (1_224, 16_524)


def test_a_line_of_an_order_not_in_acumatica_is_rejected_with_the_rule(target, fake):
    load_all(target)
    stray = orders_batch.lines().head(1).assign(external_id="shop:SO-9999/L1", order_external_id="shop:SO-9999")
    before = len(fake.requests)
    out = target.upsert("sales_order_line", stray, run_id="r", mapping_version="v")
    assert out["outcome"].tolist() == ["rejected"]
    assert out["message"].iloc[0] == (
        "sales_order_line shop:SO-9999/L1: its sales_order shop:SO-9999 is not in acumatica; "
        "order_external_id.exists_in_erp (a line is written into its sales_order's document, which loads first)")
    assert len(fake.requests) == before


def test_a_line_naming_an_item_acumatica_lacks_is_refused_with_its_field_error(target):
    load_all(target)
    lines = orders_batch.lines().assign(item_external_id=lambda f: f["item_external_id"].where(
        f["external_id"] != "shop:SO-1002/L1", "shop:V-404"))
    out = target.upsert("sales_order_line", lines, run_id="r2", mapping_version="v").set_index("external_id")
    assert out.at["shop:SO-1002/L1", "outcome"] == "rejected"
    assert "Inventory ID 'shop:V-404' cannot be found in the system." in out.at["shop:SO-1002/L1", "message"]
    assert (out.drop(index="shop:SO-1002/L1")["outcome"] == "unchanged").all()


def test_a_second_run_is_unchanged_and_sends_nothing(target, fake):
    load_all(target)
    before = len(fake.requests)
    again = load_all(target, run="run-2")
    assert all((o["outcome"] == "unchanged").all() for o in again.values())
    assert len(fake.requests) == before


def test_changed_lines_update_in_place_and_a_dropped_line_is_deleted(target, fake):
    load_all(target)
    lines = orders_batch.lines()
    changed = lines[lines["external_id"] != "shop:SO-1001/L2"].copy()
    changed.loc[changed["external_id"] == "shop:SO-1001/L3", ["quantity", "amount_minor"]] = [2.5, 25_000]
    before = len(fake.requests)
    out = target.upsert("sales_order_line", changed, run_id="r2", mapping_version="v")
    put = next(r.json() for r in fake.requests[before:] if r.method == "PUT")
    order = stored(fake, "SalesOrder", OrderType="SO", OrderNbr="SO-1001")[0]
    back = target.read_back("sales_order_line").set_index("external_id")
    assert out["outcome"].tolist() == ["unchanged", "updated", "unchanged"]
    assert sum(1 for d in put["Details"] if d.get("delete") is True) == 1
    assert all("id" in d for d in put["Details"])          # kept lines are updated by their id
    assert "shop:SO-1001/L2" not in back.index
    assert back.loc[["shop:SO-1001/L1", "shop:SO-1001/L3"], "line_number"].tolist() == ["1", "3"]
    assert back.at["shop:SO-1001/L3", "quantity"] == 2.5 and order["OrderTotal"] == 25.0 + 250.0 + 12.24


def test_a_lines_fingerprint_does_not_depend_on_the_other_lines(target):
    load_all(target)
    lines = orders_batch.lines()
    out = target.upsert("sales_order_line", lines[lines["external_id"] != "shop:SO-1001/L3"], run_id="r2",
                        mapping_version="v")
    assert out["outcome"].tolist() == ["unchanged"] * 3


def test_a_refund_is_a_cr_order_to_the_orders_customer(target, fake):
    load_all(target)
    refund = stored(fake, "SalesOrder", OrderType="CR")
    assert len(refund) == 1
    assert refund[0]["CustomerID"] == "crm:ACC-DE" and refund[0]["CustomerOrder"] == "shop:SO-1001"
    assert refund[0]["Details[0].InventoryID"] == "HUB-REFUND" and refund[0]["OrderTotal"] == 12.5
    assert refund[0]["OrderNbr"].startswith("CR")


def test_a_refund_whose_create_answer_was_lost_is_found_not_created_twice(target, fake, postings):
    load_all(target)
    postings.engine.dispose()
    with postings.engine.begin() as conn:   # as if the run died before recording the refund
        conn.exec_driver_sql("DELETE FROM erp_postings WHERE entity = 'order_refund'")
    out = target.upsert("order_refund", orders_batch.refunds(), run_id="r2", mapping_version="v")
    assert out["outcome"].tolist() == ["created"]
    assert len(stored(fake, "SalesOrder", OrderType="CR")) == 1


def test_a_refund_of_an_order_not_in_acumatica_is_rejected_with_the_rule(target, fake):
    out = target.upsert("order_refund", orders_batch.refunds(), run_id="r", mapping_version="v")
    assert out["outcome"].tolist() == ["rejected"]
    assert out["message"].iloc[0] == ("order_refund shop:RF-1: its sales_order shop:SO-1001 is not in acumatica; "
                                      "order_external_id.exists_in_erp (the sales_order loads first)")
    assert not fake.records.get("SalesOrder")


def test_contacts_and_opportunities_name_their_business_account(target, fake):
    load_all(target)
    contact = stored(fake, "Contact", LastName="Lovelace")[0]
    deal = stored(fake, "Opportunity", OpportunityID="crm:OP-1")[0]
    assert contact["BusinessAccount"] == "crm:ACC-DE" and isinstance(contact["ContactID"], int)
    assert deal["BusinessAccount"] == "crm:ACC-EU" and deal["Status"] == "Open" and deal["Amount"] == 45_000.0
    assert deal["Attributes[0].AttributeID"] == "PROBABILITY" and deal["Attributes[0].Value"] == 40.0


def test_each_order_is_created_with_its_details_in_one_put_and_the_line_load_sends_nothing(target, fake):
    before = len(fake.requests)
    outcomes = load_all(target)
    puts = [r.json() for r in fake.requests[before:] if r.method == "PUT" and r.path.endswith("/SalesOrder")]
    so = {p["OrderNbr"]["value"]: [d["ExternalRef"]["value"] for d in p.get("Details", [])] for p in puts
          if p["OrderType"]["value"] == "SO"}
    assert so == {"SO-1001": ["shop:SO-1001/L1", "shop:SO-1001/L2", "shop:SO-1001/L3"], "SO-1002": ["shop:SO-1002/L1"]}
    assert len([p for p in puts if p["OrderType"]["value"] == "SO"]) == 2      # no second write of the lines
    assert outcomes["sales_order_line"]["outcome"].tolist() == ["created"] * 4
    assert details(fake, "SO-1001") == ["shop:SO-1001/L1", "shop:SO-1001/L2", "shop:SO-1001/L3"]


def test_an_order_whose_create_answer_was_lost_is_found_and_keeps_its_lines_once(target, fake):
    fake.inject(Fault(200, truncate=True, method="PUT", path=f"{ENDPOINT}/SalesOrder"))
    first = load_all(target).get("sales_order").set_index("external_id")
    lost = first.index[first["outcome"] == "rejected"].tolist()
    assert len(lost) == 1 and len(stored(fake, "SalesOrder", ExternalRef=lost[0])) == 1   # Acumatica saved it
    assert "not sent again: the next run looks it up by ExternalRef first" in first.at[lost[0], "message"]
    before = len(fake.requests)
    again = load_all(target, run="run-2").get("sales_order").set_index("external_id")
    resent = next(r.json() for r in fake.requests[before:] if r.method == "PUT" and r.path.endswith("/SalesOrder"))
    assert again.at[lost[0], "outcome"] == "created"
    # Found by its ExternalRef, the order is updated by id and its lines matched by theirs: none added twice.
    assert resent["id"] and all("id" in d for d in resent["Details"])
    assert len(stored(fake, "SalesOrder", OrderType="SO")) == 2
    assert details(fake, "SO-1001") == ["shop:SO-1001/L1", "shop:SO-1001/L2", "shop:SO-1001/L3"]
    assert details(fake, "SO-1002") == ["shop:SO-1002/L1"]
    lines = target.read_back("sales_order_line")
    assert sorted(lines.loc[lines["order_external_id"] == "shop:SO-1001", "line_number"]) == ["1", "2", "3"]


def test_a_line_removed_while_the_others_are_unchanged_is_deleted_from_the_order(target, fake):
    load_all(target)
    lines = orders_batch.lines()
    kept = lines[lines["external_id"] != "shop:SO-1001/L2"]
    before = len(fake.requests)
    out = target.upsert("sales_order_line", kept, run_id="r2", mapping_version="v")
    put = next(r.json() for r in fake.requests[before:] if r.method == "PUT")
    assert out["outcome"].tolist() == ["unchanged"] * 3
    assert sum(1 for d in put["Details"] if d.get("delete") is True) == 1
    assert details(fake, "SO-1001") == ["shop:SO-1001/L1", "shop:SO-1001/L3"]
    assert "shop:SO-1001/L2" not in set(target.read_back("sales_order_line")["external_id"])
    middle = len(fake.requests)
    target.upsert("sales_order_line", kept, run_id="r3", mapping_version="v")
    assert len(fake.requests) == middle


def test_a_contact_whose_create_answer_was_lost_is_found_by_its_key_not_created_twice(target, fake):
    load_all(target)
    sent = orders_batch.contacts()
    sent["external_id"] = ["crm:CT-3", "crm:CT-4"]
    fake.inject(Fault(200, truncate=True, method="PUT", path=f"{ENDPOINT}/Contact"))
    first = target.upsert("contact", sent, run_id="r2", mapping_version="v").set_index("external_id")
    assert (first["outcome"] == "rejected").sum() == 1
    lost = first.index[first["outcome"] == "rejected"][0]
    assert "not sent again: the next run looks it up by Attributes[0].Value first" in first.at[lost, "message"]
    assert len(stored(fake, "Contact", **{"Attributes[0].Value": lost})) == 1     # Acumatica did save it
    again = target.upsert("contact", sent, run_id="r3", mapping_version="v").set_index("external_id")
    assert again.at[lost, "outcome"] == "created"
    assert len(stored(fake, "Contact", **{"Attributes[0].Value": lost})) == 1
    look_up = next(r for r in reversed(fake.requests) if r.method == "GET" and r.path.endswith("/Contact"))
    assert look_up.param("$expand") == "Attributes" and look_up.param("$filter").startswith("BusinessAccount eq ")
    assert target.upsert("contact", sent, run_id="r4", mapping_version="v")["outcome"].tolist() == ["unchanged"] * 2
    assert len(fake.values("Contact")) == 4
