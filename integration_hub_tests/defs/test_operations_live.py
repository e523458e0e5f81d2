"""Phase 3's systems in live mode, each against its local fake, through the same declarations as export files."""
from __future__ import annotations

from integration_hub_tests.defs.conftest import checks_by_name, metadata, run_phase
from integration_hub_tests.defs.phase34_exports import SHOP_ORDER, TS, mapped, sources  # noqa: F401  (fixture)


def test_live_shipbob_stock_and_fulfilments_map_as_the_export_does(sources, instance, monkeypatch):
    from integration_hub.connectors.fakes.shipbob_fake import ShipBobFake

    item = {"inventory_id": 1001, "sku": "ab 1001", "name": "Widget",
            "locations": [{"location_id": 228, "name": "Moreno Valley (CA)", "on_hand_quantity": 90,
                           "fulfillable_quantity": 85, "committed_quantity": 5, "awaiting_quantity": 0,
                           "internal_transfer_quantity": 0}]}
    order = {"id": 5001, "order_number": "#1001", "reference_id": "1", "created_date": TS,
             "shipments": [{"id": 90001, "order_id": 5001, "status": "Completed",
                            "location": {"id": 228, "name": "Moreno Valley (CA)"},
                            "tracking": {"carrier": "USPS", "tracking_number": "9400100000000000000001"},
                            "invoice_amount": 7.77, "invoice_currency_code": "USD", "created_date": TS,
                            "actual_fulfillment_date": TS, "last_update_at": TS,
                            "products": [{"id": 77, "sku": "ab 1001", "reference_id": "77", "name": "Widget",
                                          "inventory_items": [{"id": 1001, "quantity": 2}]}]}]}
    with ShipBobFake([item], [order]) as fake:
        monkeypatch.setenv("IH_SHIPBOB_TOKEN", fake.token)
        monkeypatch.setenv("IH_SHIPBOB_BASE_URL", fake.base_url)
        result = run_phase(instance, "operations_phase")
        assert result.success, sorted(k for k, ok in checks_by_name(result).items() if not ok)
        assert all(r.headers.get("Authorization") == f"Bearer {fake.token}" for r in fake.requests)
    assert metadata(result, "warehouse__shipments__extracted")["origin"].startswith(fake.base_url)
    assert mapped(result, "warehouse", "shipments").loc["warehouse:90001", "order_external_id"] == SHOP_ORDER
    line = mapped(result, "warehouse", "shipment_lines").loc["warehouse:90001-77-1001"]
    assert (line["item_external_id"], line["quantity"]) == ("sku:AB-1001", 2.0)
    assert mapped(result, "warehouse", "inventory_levels").loc["warehouse:1001@228", "quantity_on_hand"] == 90
