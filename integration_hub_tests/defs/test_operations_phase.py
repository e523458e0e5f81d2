"""Phase 3 (operations) on export files: warehouse, procurement and shipping through the mapped gate,
and the phase job refusing to load the ERP before phase 2 has loaded.

The mapping tests run the phase's system stages only (run_systems); the loads are in test_all_phases_load.
"""
from __future__ import annotations

import pandas as pd
import pytest

from integration_hub_tests.defs.conftest import checks_by_name, run_phase, run_systems
from integration_hub_tests.defs.phase34_exports import (SHOP_ORDER, mapped, quarantined, sources,  # noqa: F401
                                                        write_operations)


@pytest.fixture
def operations(sources):
    return write_operations(sources)


def test_the_order_warehouse_and_carrier_name_is_the_one_the_shop_maps():
    """ShipBob's reference_id and EasyPost's reference carry the Shopify order id (1 for gid://shopify/Order/1)."""
    from integration_hub.mapping.engine import apply_spec
    from integration_hub.mapping.systems import DEFS_DIR
    from integration_hub.mapping.spec import load_spec

    spec = load_spec(DEFS_DIR / "shop" / "orders.mapping.yaml")
    order = pd.DataFrame({c: ["x"] for f in spec.fields for c in f.all_sources} | {"id": ["gid://shopify/Order/1"]})
    assert apply_spec(spec, order).mapped.loc[0, "external_id"] == SHOP_ORDER


def test_warehouse_maps_stock_fulfilments_and_lines_naming_the_shop_order(operations, instance):
    ids = operations["warehouse"]
    result = run_systems(instance, "operations_phase")
    assert result.success, sorted(k for k, ok in checks_by_name(result).items() if not ok)

    fulfilment = mapped(result, "warehouse", "shipments").loc[ids["fulfilment"]]
    assert fulfilment["order_external_id"] == ids["order"]
    assert (fulfilment["status"], fulfilment["carrier"], fulfilment["location"]) == \
        ("completed", "USPS", "Moreno Valley (CA)")
    lines = mapped(result, "warehouse", "shipment_lines")
    assert "warehouse:90001-77-1002" not in lines.index
    assert lines.loc["warehouse:90001-77-1001", ["fulfilment_external_id", "item_external_id", "quantity"]].tolist() \
        == [ids["fulfilment"], "sku:AB-1001", 2.0]
    stock = mapped(result, "warehouse", "inventory_levels")
    assert "warehouse:1001@101" not in stock.index
    level = stock.loc["warehouse:1001@228"]
    assert (level["item_external_id"], level["quantity_on_hand"], level["quantity_available"]) == \
        ("sku:AB-1001", 90, 85)
    assert level["as_of"].tzname() == "UTC"

    bad = quarantined("warehouse", "shipment_lines")
    assert bad[["source_id", "stage", "rule"]].values.tolist() == [[ids["bad_line"], "cleaned", "quantity.min(1)"]]
    bad = quarantined("warehouse", "inventory_levels")
    assert bad[["source_id", "rule"]].values.tolist() == [[ids["bad_level"], "on_hand_quantity.min(0)"]]


def test_procurement_maps_vendors_and_order_lines_in_exact_minor_units(operations, instance):
    ids = operations["procurement"]
    result = run_systems(instance, "operations_phase")
    assert result.success, sorted(k for k, ok in checks_by_name(result).items() if not ok)

    vendor = mapped(result, "procurement", "suppliers").loc[ids["vendor"]]
    assert (vendor["name"], vendor["email"], vendor["status"], vendor["payment_terms"]) == \
        ("Acme Industrial Supply Inc.", "ap@acme.example", "active", "Net 30")
    lines = mapped(result, "procurement", "purchase_order_lines")
    line = lines.loc[ids["line"]]
    assert (line["po_external_id"], line["line_number"], line["quantity"], line["quantity_received"]) == \
        (ids["order"], "1", 3.0, 1.0)
    assert (line["unit_price_minor"], line["amount_minor"], line["currency"]) == (1990, 5970, "EUR")
    assert lines["amount_minor"].dtype == "int64"

    bad = quarantined("procurement", "purchase_order_lines")
    assert bad[["source_id", "stage", "rule"]].values.tolist() == \
        [[ids["bad_line"], "cleaned", "price.amount_precision"]]


def test_shipping_maps_labels_naming_the_shop_order_with_their_costs_in_minor_units(operations, instance):
    ids = operations["shipping"]
    result = run_systems(instance, "operations_phase")
    assert result.success, sorted(k for k, ok in checks_by_name(result).items() if not ok)

    shipment = mapped(result, "shipping", "shipments").loc[ids["shipment"]]
    assert shipment["order_external_id"] == ids["order"] == operations["warehouse"]["order"]
    assert shipment[["carrier", "service", "tracking_number", "status"]].tolist() == \
        ["USPS", "Priority", "9400111", "delivered"]
    assert (shipment["label_cost_minor"], shipment["freight_cost_minor"], shipment["currency"]) == (1, 758, "USD")

    bad = quarantined("shipping", "shipments")
    assert bad[["source_id", "stage", "rule"]].values.tolist() == [[ids["bad"], "mapped", "shipment.one_currency"]]


def _failures(result) -> str:
    return " ".join(str(e.event_specific_data.error.to_string()) for e in result.all_events
                    if e.event_type_value == "STEP_FAILURE")


@pytest.mark.parametrize(("job", "before"), [("operations_phase", "customers"), ("people_phase", "operations")])
def test_a_phase_refuses_to_load_the_erp_before_the_phase_it_depends_on(operations, sources, instance, job, before):
    from integration_hub.config import settings
    from integration_hub.erp.ledger import SqlLedger
    from integration_hub_tests.defs.phase34_exports import write_hr

    write_hr(sources)
    result = run_phase(instance, job)
    assert not result.success
    phase = job.removesuffix("_phase")
    assert f"phase {phase} cannot load before phase {before} has loaded at least once: run the {before}_phase " \
           "job first" in _failures(result)
    loads = [e.asset_key.path[1] for e in result.get_asset_materialization_events() if e.asset_key.path[0] == "erp"]
    assert loads == []
    with SqlLedger(settings().erp_url) as ledger:
        for entity in ("vendor", "fulfilment", "shipment", "inventory_level", "employee"):
            assert ledger.read_back(entity).empty
