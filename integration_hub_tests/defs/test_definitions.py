import dagster as dg

from integration_hub.definitions import defs

CUSTOMER_FEEDS = {"stripe/customers/mapped", "billing/customers/mapped", "crm/accounts/mapped", "shop/customers/mapped"}
EXPECTED_LOADS = {
    "master/customers": CUSTOMER_FEEDS,
    "master/customer_crosswalk": CUSTOMER_FEEDS,
    "master/items": {"crm/products/mapped", "shop/variants/mapped"},
    "master/item_crosswalk": {"crm/products/mapped", "shop/variants/mapped"},
    # Incremental (cursor) feeds also read their extracted rows: the cursor may only pass what loaded.
    "erp/customers/loaded": CUSTOMER_FEEDS | {"master/customers", "master/customer_crosswalk",
                                              "stripe/customers/extracted", "crm/accounts/extracted",
                                              "shop/customers/extracted"},
    "erp/invoices/loaded": {"billing/invoices/mapped", "billing/credit_notes/mapped", "erp/customers/loaded",
                            "master/customer_crosswalk"},
    "erp/payments/loaded": {"stripe/charges/mapped", "stripe/refunds/mapped", "erp/customers/loaded",
                            "erp/invoices/loaded", "master/customer_crosswalk", "stripe/charges/extracted",
                            "stripe/refunds/extracted"},
    "erp/bank_transactions/loaded": {"bank/transactions/mapped"},
    "erp/items/loaded": {"crm/products/mapped", "shop/variants/mapped", "master/items", "master/item_crosswalk",
                         "crm/products/extracted", "shop/variants/extracted"},
    # The orders' lines too: a sales order is created with its lines (NetSuite refuses one without).
    "erp/sales_orders/loaded": {"crm/orders/mapped", "shop/orders/mapped", "erp/customers/loaded",
                                "master/customer_crosswalk", "crm/orders/extracted", "shop/orders/extracted",
                                "crm/order_items/mapped", "shop/order_lines/mapped"},
    "erp/sales_order_lines/loaded": {"crm/order_items/mapped", "shop/order_lines/mapped", "erp/sales_orders/loaded",
                                     "erp/items/loaded", "master/item_crosswalk", "crm/order_items/extracted"},
    "erp/order_refunds/loaded": {"shop/refunds/mapped", "erp/sales_orders/loaded", "shop/refunds/extracted"},
    "erp/contacts/loaded": {"crm/contacts/mapped", "erp/customers/loaded", "master/customer_crosswalk",
                            "crm/contacts/extracted"},
    "erp/opportunities/loaded": {"crm/opportunities/mapped", "erp/customers/loaded", "master/customer_crosswalk",
                                 "crm/opportunities/extracted"},
    "master/vendors": {"procurement/suppliers/mapped", "procurement/suppliers/extracted"},
    "master/vendor_crosswalk": {"procurement/suppliers/mapped", "procurement/suppliers/extracted"},
    "erp/vendors/loaded": {"procurement/suppliers/mapped", "procurement/suppliers/extracted", "master/vendors",
                           "master/vendor_crosswalk"},
    # Phase 3 lines name the master item; stock and fulfilment lines by the SKU the warehouse sends.
    "erp/purchase_orders/loaded": {"procurement/purchase_orders/mapped", "procurement/purchase_orders/extracted",
                                   "procurement/purchase_order_lines/mapped", "erp/vendors/loaded",
                                   "master/vendor_crosswalk"},
    "erp/purchase_order_lines/loaded": {"procurement/purchase_order_lines/mapped", "erp/purchase_orders/loaded",
                                        "procurement/purchase_order_lines/extracted", "erp/items/loaded",
                                        "master/item_crosswalk"},
    "erp/inventory_levels/loaded": {"warehouse/inventory_levels/mapped", "erp/items/loaded", "master/item_crosswalk"},
    "erp/fulfilments/loaded": {"warehouse/shipments/mapped", "warehouse/shipments/extracted",
                               "warehouse/shipment_lines/mapped", "erp/sales_orders/loaded"},
    "erp/fulfilment_lines/loaded": {"warehouse/shipment_lines/mapped", "warehouse/shipment_lines/extracted",
                                    "erp/fulfilments/loaded", "erp/items/loaded", "master/item_crosswalk"},
    "erp/shipments/loaded": {"shipping/shipments/mapped", "shipping/shipments/extracted", "erp/sales_orders/loaded"},
    "erp/employees/loaded": {"hr/employees/mapped", "hr/employees/extracted"},
    "reports/reconciliation": {f"erp/{p}/loaded" for p in (
        "customers", "invoices", "payments", "bank_transactions", "items", "sales_orders", "sales_order_lines",
        "order_refunds", "contacts", "opportunities", "vendors", "purchase_orders", "purchase_order_lines",
        "inventory_levels", "fulfilments", "fulfilment_lines", "shipments", "employees")},
}
SOURCES = {"stripe": ["customers", "charges", "refunds"], "billing": ["customers", "invoices", "credit_notes"],
           "bank": ["transactions"],
           "crm": ["accounts", "contacts", "opportunities", "products", "orders", "order_items"],
           "shop": ["customers", "variants", "orders", "order_lines", "refunds"],
           "warehouse": ["inventory_levels", "shipments", "shipment_lines"],
           "procurement": ["suppliers", "purchase_orders", "purchase_order_lines"], "shipping": ["shipments"],
           "hr": ["employees"]}


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)


def test_asset_graph_snapshot():
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    expected = {f"{s}/{e}/{stage}" for s, entities in SOURCES.items() for e in entities
                for stage in ("extracted", "cleaned", "mapped")} | set(EXPECTED_LOADS)
    assert keys == expected
    for key, parents in EXPECTED_LOADS.items():
        assert {p.to_user_string() for p in graph.get(dg.AssetKey.from_user_string(key)).parent_keys} == parents
    for system, entities in SOURCES.items():
        for entity in entities:
            node = graph.get(dg.AssetKey([system, entity, "mapped"]))
            assert node.group_name == system
            assert {p.to_user_string() for p in node.parent_keys} == {f"{system}/{entity}/cleaned"}


def test_every_stage_has_its_blocking_gates():
    graph = defs.resolve_asset_graph()
    checks = {(k.asset_key.to_user_string(), k.name): graph.get_check_spec(k).blocking for k in graph.asset_check_keys}
    for system, entities in SOURCES.items():
        for entity in entities:
            assert checks[(f"{system}/{entity}/extracted", "source_shape")] is True
            assert checks[(f"{system}/{entity}/extracted", "scope_lock")] is True     # governance/scope.py
            assert checks[(f"{system}/{entity}/cleaned", "error_budget")] is True
            assert checks[(f"{system}/{entity}/mapped", "error_budget")] is True
    assert checks[("erp/payments/loaded", "conservation_stripe__charges")] is True
    assert checks[("erp/payments/loaded", "golive_stripe__refunds")] is True
    assert checks[("erp/bank_transactions/loaded", "conservation_bank__transactions")] is True
    assert checks[("master/customers", "one_record_per_master")] is True
    assert checks[("master/customer_crosswalk", "crosswalk_covers_stripe__customers")] is True


def test_phase_jobs_follow_the_phase_declaration():
    cash = defs.resolve_job_def("cash_phase")
    steps = set(cash.graph.node_dict)
    assert "stripe__charges__extracted" in steps and "erp__payments__loaded" in steps
    assert "crm__accounts__extracted" not in steps        # phase 2's systems run in phase 2's job
    assert "erp__sales_orders__loaded" not in steps       # and so do the loads only phase 2 feeds
    assert "erp__customers__loaded" in steps              # a shared load reads phase 2's latest datasets
    customers = set(defs.resolve_job_def("customers_phase").graph.node_dict)
    assert {"crm__accounts__mapped", "shop__orders__mapped", "erp__sales_orders__loaded", "erp__customers__loaded",
            "master_items"} <= customers
    assert "erp__payments__loaded" not in customers and "stripe__charges__extracted" not in customers
    operations = set(defs.resolve_job_def("operations_phase").graph.node_dict)
    assert "warehouse__shipments__mapped" in operations
    assert {"erp__fulfilments__loaded", "erp__vendors__loaded", "master_vendors"} <= operations
    assert "erp__sales_orders__loaded" not in operations      # phase 2's loads stay in phase 2's job
    people = set(defs.resolve_job_def("people_phase").graph.node_dict)
    assert "hr__employees__mapped" in people and "erp__employees__loaded" in people
    assert not {s for s in people if s.startswith(("warehouse__", "erp__vendors", "stripe__"))}
    assert {s.name for s in defs.schedules} == {"cash_phase_nightly", "customers_phase_nightly",
                                                "operations_phase_nightly", "people_phase_nightly"}
