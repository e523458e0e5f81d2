"""Phase 2 end to end on the vendors' own exports: a Salesforce Data Export and Shopify admin CSVs."""
from __future__ import annotations


from integration_hub_tests.defs.conftest import checks_by_name, run_phase
from integration_hub_tests.defs.phase2_vendor_exports import write_vendor_phase2


def test_vendor_exports_load_with_conservation_and_order_totals(company, instance):
    from integration_hub.audit.crosswalk import load_crosswalk
    from integration_hub.audit.lineage import lineage_for
    from integration_hub.audit.store import HubStore
    from integration_hub.config import settings
    from integration_hub.erp.ledger import SqlLedger

    follow = write_vendor_phase2(company)
    assert run_phase(instance, "cash_phase").success
    checks = checks_by_name(run_phase(instance, "customers_phase"))
    failed = sorted(k for k, passed in checks.items() if not passed)
    assert failed == [], failed
    assert {(f"erp/{p}/loaded", f"conservation_{f}") for p, f in [
        ("customers", "shop__customers"), ("customers", "crm__accounts"), ("items", "shop__variants"),
        ("items", "crm__products"), ("sales_orders", "shop__orders"), ("sales_orders", "crm__orders"),
        ("sales_order_lines", "shop__order_lines"), ("sales_order_lines", "crm__order_items"),
        ("order_refunds", "shop__refunds")]} <= set(checks)

    cw = load_crosswalk(settings().hub_db_url)
    master = dict(zip(cw["source_external_id"], cw["master_external_id"]))
    with SqlLedger(settings().erp_url) as ledger:
        orders = ledger.read_back("sales_order").set_index("external_id")
        shop = orders.loc[follow["shop_order"]]
        # Shipping (4.00) is in the subtotal, so subtotal + tax = total holds as the export's figures.
        assert (shop["subtotal_minor"], shop["tax_minor"], shop["total_minor"]) == (3390, 239, 3629)
        assert shop["order_number"] == "#1001" and shop["customer_external_id"] == master[follow["shop_customer"]]
        sf = orders.loc[follow["sf_order"]]
        assert sf["total_minor"] == 2000 and sf["invoice_ref"] == follow["invoice"]["invoice_number"]
        assert follow["unknown_customer_order"] not in orders.index

        lines = ledger.read_back("sales_order_line").set_index("external_id")
        assert lines.loc[["shop:5001-1", "shop:5001-2"], "amount_minor"].tolist() == [1990, 1000]
        # The shop's "ab 1001" and Salesforce's AB-1001 are one item.
        assert lines.loc["shop:5001-1", "item_external_id"] == lines.loc["crm:802A", "item_external_id"]
        items = ledger.read_back("item")
        assert len(items) == 3 and ledger.read_back("order_refund").empty

    quarantine = HubStore(settings().hub_db_url).quarantined()
    rules = dict(zip(quarantine["source_id"], quarantine["rule"]))
    assert rules["5002"] == "customer_external_id.exists_in_erp"      # held, with its rule, not dropped

    shop_lineage = lineage_for(settings().hub_db_url, "sales_order", follow["shop_order"])
    assert shop_lineage["sources"][0]["origin"].endswith("shop/orders_export.csv")
    assert shop_lineage["sources"][0]["source_row"] == 1
    line = lineage_for(settings().hub_db_url, "sales_order_line", "shop:5001-2")
    assert line["sources"][0]["source_row"] == 2 and line["sources"][0]["source_entity"] == "order_lines"
    sf_lineage = lineage_for(settings().hub_db_url, "sales_order", follow["sf_order"])
    assert sf_lineage["sources"][0]["origin"].endswith("crm/Order.csv")
