"""Tryton order-to-cash: items as products, sales orders as sales with their lines, on the shared
order batch the REST targets are held to (orders_batch.py, order_checks.py), and the entities the
installed Tryton modules cannot hold refused by name."""
from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

pytest.importorskip("trytond", reason="the tryton extra is not installed")
pytest.importorskip("proteus", reason="the tryton extra is not installed")

from integration_hub_tests.erp import orders_batch  # noqa: E402
from integration_hub_tests.erp.order_checks import assert_round_trip  # noqa: E402
from integration_hub_tests.erp.tryton_fixtures import tryton, tryton_dir, tryton_template  # noqa: E402,F401

pytestmark = pytest.mark.filterwarnings("ignore:trytond.config.config is deprecated:DeprecationWarning")

LOADED = ("customer", "item", "sales_order", "sales_order_line")


def customers() -> pd.DataFrame:
    """The batch's accounts without their hierarchy: a Tryton party has no parent (see the refusal test)."""
    return orders_batch.hierarchy().assign(parent_external_id=None)


def sent(entity: str) -> pd.DataFrame:
    return customers() if entity == "customer" else dict(orders_batch.BATCH)[entity]()


def load_orders(target, run: str = "run-1", **frames) -> dict[str, pd.DataFrame]:
    return {e: target.upsert(e, frames.get(e, sent(e)), run_id=run, mapping_version="test@v1") for e in LOADED}


def sale_lines(target, order: str) -> list[dict]:
    return target.books.search_read("sale.line", [("sale.reference", "=", order)],
                                    ["product.code", "quantity", "unit_price", "amount", "sequence"])


def test_bootstrap_sets_up_sales_once(tryton):
    from integration_hub.erp.tryton import init_database

    books = tryton.books
    setup = {m: len(books.search_read(m, [], [], inactive=True))
             for m in ("product.uom", "product.category", "product.product", "stock.location", "ir.sequence")}
    modules = books.search_read("ir.module", [("name", "in", ["sale", "stock"])], ["state"])
    assert {m["state"] for m in modules} == {"activated"}
    assert books.unit and books.item_category and books.tax_product and books.warehouse
    init_database(tryton.database.sqlite_file)   # again, on the database that has it all
    assert {m: len(books.search_read(m, [], [], inactive=True)) for m in setup} == setup


def test_items_and_orders_load_and_read_back_as_they_were_sent(tryton):
    outcomes = load_orders(tryton)
    for entity, out in outcomes.items():
        assert (out["outcome"] == "created").all(), (entity, out[out["outcome"] != "created"].to_string())
    for entity in ("item", "sales_order", "sales_order_line"):
        assert_round_trip(tryton, entity, sent(entity))


def test_items_are_products_with_the_sku_as_code_and_their_type(tryton):
    load_orders(tryton)
    products = {p["code"]: p for p in tryton.books.search_read("product.product", [("code", "like", "%-%")], [
        "code", "template.active", "template.type", "template.consumable", "template.salable", "template.list_price"],
        inactive=True)}
    widget, wrap, setup = products["WIDGET-BLUE"], products["GIFT-WRAP"], products["SETUP-FEE"]
    assert (widget["template."]["type"], widget["template."]["consumable"]) == ("goods", False)
    assert (wrap["template."]["type"], wrap["template."]["consumable"], wrap["template."]["active"]) == (
        "goods", True, False)
    assert setup["template."]["type"] == "service" and setup["template."]["list_price"] == Decimal("100")
    assert all(p["template."]["salable"] for p in (widget, wrap, setup))


def test_an_order_is_a_draft_sale_whose_lines_and_tax_make_the_sources_total(tryton):
    load_orders(tryton)
    sale, = tryton.books.search_read("sale.sale", [("reference", "=", "shop:SO-1001")], [
        "state", "party.code", "currency.code", "untaxed_amount", "total_amount", "description"])
    assert (sale["state"], sale["party."]["code"], sale["currency."]["code"]) == ("draft", "crm:ACC-DE", "USD")
    assert sale["description"] == "SO-1001" and str(sale["total_amount"]) == "165.24"
    lines = sale_lines(tryton, "shop:SO-1001")
    items = [line for line in lines if line["product."]["code"] != "HUB-SALES-TAX"]
    assert [(line["product."]["code"], line["quantity"]) for line in items] == [
        ("WIDGET-BLUE", 2.0), ("GIFT-WRAP", 1.0), ("SETUP-FEE", 1.25)]  # a decimal quantity, in line_number order
    assert [str(line["amount"]) for line in lines if line["product."]["code"] == "HUB-SALES-TAX"] == ["12.24"]


def test_a_second_run_is_unchanged_and_writes_nothing(tryton):
    load_orders(tryton)
    models = ("product.template", "product.product", "sale.sale", "sale.line")
    before = {m: tryton.books.search_read(m, [], ["write_date"], inactive=True) for m in models}
    again = load_orders(tryton, run="run-2")
    assert all((out["outcome"] == "unchanged").all() for out in again.values())
    assert {m: tryton.books.search_read(m, [], ["write_date"], inactive=True) for m in models} == before


def test_changed_items_and_orders_update_and_a_dropped_line_is_removed(tryton):
    load_orders(tryton)
    items = orders_batch.items()
    items.loc[0, ["name", "unit_price_minor"]] = ["Blue widget XL", 1_500]
    items.loc[1, "active"] = "true"
    orders = orders_batch.orders()
    orders.loc[0, ["status", "tax_minor", "total_minor"]] = ["REFUNDED", 1_000, 16_300]
    lines = orders_batch.lines()
    lines = lines[lines["external_id"] != "shop:SO-1001/L2"].copy()
    lines.loc[lines["external_id"] == "shop:SO-1001/L1", ["quantity", "amount_minor"]] = [3.0, 3_750]
    out = load_orders(tryton, run="run-2", item=items, sales_order=orders, sales_order_line=lines)
    assert out["item"]["outcome"].tolist() == ["updated", "updated", "unchanged"]  # shop:V-2 reactivated
    assert out["sales_order"]["outcome"].tolist() == ["updated", "unchanged"]
    assert out["sales_order_line"]["outcome"].tolist() == ["updated", "unchanged", "unchanged"]
    assert_round_trip(tryton, "item", items)
    assert_round_trip(tryton, "sales_order_line", lines)
    header = tryton.read_back("sales_order", ["shop:SO-1001"]).iloc[0]
    assert (header["status"], header["subtotal_minor"], header["tax_minor"]) == ("REFUNDED", 16_250, 1_000)
    assert [line["product."]["code"] for line in sale_lines(tryton, "shop:SO-1001")].count("GIFT-WRAP") == 0


def test_a_line_dropped_from_an_otherwise_unchanged_order_is_removed_from_its_sale(tryton):
    load_orders(tryton)
    lines = orders_batch.lines()
    kept = lines[lines["external_id"] != "shop:SO-1001/L3"]
    out = tryton.upsert("sales_order_line", kept, run_id="run-2", mapping_version="v")
    assert (out["outcome"] == "unchanged").all()
    assert_round_trip(tryton, "sales_order_line", kept)
    assert tryton.read_back("sales_order", ["shop:SO-1001"])["subtotal_minor"].tolist() == [2_800]


def test_a_quotation_is_changed_and_quoted_again_but_a_confirmed_sale_is_not(tryton):
    from proteus import Model

    load_orders(tryton)
    Sale = Model.get("sale.sale", config=tryton.books.cfg)
    quoted, = Sale.find([("reference", "=", "shop:SO-1001")])
    quoted.click("quote")
    confirmed, = Sale.find([("reference", "=", "shop:SO-1002")])
    confirmed.click("quote")
    confirmed.click("confirm")
    orders = orders_batch.orders().assign(invoice_ref=["INV-1", "INV-2"])
    out = tryton.upsert("sales_order", orders, run_id="run-2", mapping_version="v")
    assert out["outcome"].tolist() == ["updated", "rejected"]
    assert out["message"].iloc[1] == ("Tryton refused to change shop:SO-1002: the sale is confirmed; the hub "
                                      "changes only draft and quotation sales")
    assert Sale(quoted.id).state == "quotation" and Sale(quoted.id).number  # numbered by the sale sequence
    assert tryton.read_back("sales_order")["invoice_ref"].tolist() == ["INV-1", None]


def test_an_order_for_an_unknown_customer_or_a_line_for_an_unknown_item_is_rejected_with_the_rule(tryton):
    load_orders(tryton)
    stranger = orders_batch.orders().head(1).assign(external_id="shop:SO-2001", order_number="SO-2001",
                                                    customer_external_id="shop:C-404")
    out = tryton.upsert("sales_order", stranger, run_id="r2", mapping_version="v")
    assert out["outcome"].tolist() == ["rejected"]
    assert out["message"].iloc[0] == ("sales_order shop:SO-2001: its customer shop:C-404 is not in tryton; "
                                      "customer_external_id.exists_in_erp (the customer loads first)")
    lines = orders_batch.lines()
    lines.loc[lines["external_id"] == "shop:SO-1002/L1", "item_external_id"] = "shop:V-404"
    stray = lines.head(1).assign(external_id="shop:SO-9999/L1", order_external_id="shop:SO-9999")
    out = tryton.upsert("sales_order_line", pd.concat([lines, stray], ignore_index=True), run_id="r2",
                        mapping_version="v").set_index("external_id")
    assert out.at["shop:SO-1002/L1", "message"] == ("sales_order_line shop:SO-1002/L1: its item shop:V-404 is not "
                                                    "in tryton; item_external_id.exists_in_erp (the item loads first)")
    assert out.at["shop:SO-9999/L1", "message"].startswith(
        "sales_order_line shop:SO-9999/L1: its sales_order shop:SO-9999 is not in tryton; "
        "order_external_id.exists_in_erp")
    assert (out.loc[["shop:SO-1002/L1", "shop:SO-9999/L1"], "outcome"] == "rejected").all()
    assert tryton.books.search_read("sale.sale", [("reference", "=", "shop:SO-2001")], []) == []


def test_a_discounted_line_and_an_item_priced_in_another_currency_are_refused(tryton):
    load_orders(tryton)
    euro = orders_batch.items().head(1).assign(external_id="shop:V-8", sku="WIDGET-EU", currency="EUR")
    out = tryton.upsert("item", euro, run_id="r2", mapping_version="v")
    assert out["outcome"].tolist() == ["rejected"]
    assert "Tryton holds a product's list price in the company currency USD" in out["message"].iloc[0]
    discounted = orders_batch.lines().assign(amount_minor=lambda f: f["amount_minor"].where(
        f["external_id"] != "shop:SO-1002/L1", 2_000))
    out = tryton.upsert("sales_order_line", discounted, run_id="r2", mapping_version="v").set_index("external_id")
    assert out.at["shop:SO-1002/L1", "outcome"] == "rejected"
    assert "amount_minor 2000 is not quantity x unit price (2500)" in out.at["shop:SO-1002/L1", "message"]
    assert "amount_minor.is_quantity_times_unit_price" in out.at["shop:SO-1002/L1", "message"]


@pytest.mark.parametrize(("entity", "why"), [
    ("contact", "party_relationship module"), ("opportunity", "sale_opportunity module"),
    ("order_refund", "return sale or a credit note")])
def test_entities_tryton_has_no_model_for_are_refused_by_name(tryton, entity, why):
    frame = dict(orders_batch.BATCH)[entity]()
    for call in (lambda: tryton.upsert(entity, frame, run_id="r", mapping_version="v"),
                 lambda: tryton.read_back(entity)):
        with pytest.raises(ValueError, match=f"not '{entity}': .*{why}"):
            call()


def test_a_customer_with_a_parent_account_is_rejected_and_the_others_load(tryton):
    out = tryton.upsert("customer", orders_batch.hierarchy(), run_id="r", mapping_version="v").set_index(
        "external_id")
    assert out["outcome"].to_dict() == {"crm:ACC-HOLD": "created", "crm:ACC-EU": "rejected",
                                        "crm:ACC-DE": "rejected", "shop:C-77": "created"}
    assert out.at["crm:ACC-EU", "message"].startswith(
        "customer crm:ACC-EU: its parent account crm:ACC-HOLD cannot be kept, as a Tryton party has no parent")
    assert out.at["crm:ACC-EU", "message"].endswith("parent_external_id.supported_by_erp")
    assert sorted(tryton.read_back("customer")["external_id"]) == ["crm:ACC-HOLD", "shop:C-77"]


@pytest.mark.parametrize(("entity", "why"), [
    ("vendor", "purchase module"), ("purchase_order", "purchase module"), ("purchase_order_line", "purchase module"),
    ("inventory_level", "stock inventory"), ("fulfilment", "customer shipment"), ("shipment", "stock_package_shipping"),
    ("employee", "company.employee")])
def test_phase_three_and_four_entities_are_refused_with_the_reason(tryton, entity, why):
    import pandas as pd

    with pytest.raises(ValueError, match=f"not '{entity}': .*{why}"):
        tryton.upsert(entity, pd.DataFrame(), run_id="r", mapping_version="v")
    with pytest.raises(ValueError, match=f"not '{entity}': .*{why}"):
        tryton.read_back(entity)
