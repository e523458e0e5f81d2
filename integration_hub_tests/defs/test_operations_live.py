"""Phase 3's systems in live mode, each against its local fake, through the same declarations as export files."""
from __future__ import annotations

import pytest

from integration_hub_tests.defs.conftest import checks_by_name, metadata, run_systems
from integration_hub_tests.defs.phase34_exports import SHOP_ORDER, TS, mapped, sources, write_operations  # noqa: F401


@pytest.fixture
def exports(sources):
    """Export files for every phase 3 system: the one under test reads its fake instead."""
    return write_operations(sources)


def test_live_shipbob_stock_and_fulfilments_map_as_the_export_does(exports, instance, monkeypatch):
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
        result = run_systems(instance, "operations_phase")
        assert result.success, sorted(k for k, ok in checks_by_name(result).items() if not ok)
        assert all(r.headers.get("Authorization") == f"Bearer {fake.token}" for r in fake.requests)
    assert metadata(result, "warehouse__shipments__extracted")["origin"].startswith(fake.base_url)
    assert mapped(result, "warehouse", "shipments").loc["warehouse:90001", "order_external_id"] == SHOP_ORDER
    line = mapped(result, "warehouse", "shipment_lines").loc["warehouse:90001-77-1001"]
    assert (line["item_external_id"], line["quantity"]) == ("sku:AB-1001", 2.0)
    assert mapped(result, "warehouse", "inventory_levels").loc["warehouse:1001@228", "quantity_on_hand"] == 90


def test_live_coupa_suppliers_and_order_lines_map_as_the_export_does(exports, instance, monkeypatch):
    from integration_hub.connectors.fakes.coupa_fake import CoupaFake

    supplier = {"id": 7, "name": "acme industrial supply inc", "number": "S-0007", "status": "active",
                "payment-term": {"code": "Net 30"}, "primary-contact": {"email": "ap@acme.example"},
                "created-at": TS, "updated-at": TS}
    order = {"id": 10, "po-number": "PO10", "status": "issued", "version": 1, "currency": {"code": "EUR"},
             "supplier": {"id": 7, "name": "Acme"}, "total-with-estimated-tax": "64.48", "created-at": TS,
             "updated-at": TS,
             "order-lines": [{"id": 1000, "line-num": 1, "description": "Widget", "item": {"id": 55},
                              "source-part-num": "W-1", "quantity": "3.0", "uom": {"code": "EA"}, "price": "19.90",
                              "total": "59.70", "currency": {"code": "EUR"}, "received": "1.0", "updated-at": TS}]}
    with CoupaFake({"suppliers": [supplier], "purchase_orders": [order]}) as fake:
        monkeypatch.setenv("IH_COUPA_INSTANCE_URL", fake.base_url)
        monkeypatch.setenv("IH_COUPA_CLIENT_ID", fake.client_id)
        monkeypatch.setenv("IH_COUPA_CLIENT_SECRET", fake.client_secret)
        result = run_systems(instance, "operations_phase")
        assert result.success, sorted(k for k, ok in checks_by_name(result).items() if not ok)
        assert fake.grants and fake.grants[0]["grant_type"] == "client_credentials"
    assert metadata(result, "procurement__suppliers__extracted")["origin"].startswith(fake.base_url)
    assert mapped(result, "procurement", "suppliers").loc["procurement:7", "payment_terms"] == "Net 30"
    line = mapped(result, "procurement", "purchase_order_lines").loc["procurement:1000"]
    assert (line["po_external_id"], line["amount_minor"], line["quantity_received"]) == ("procurement:10", 5970, 1.0)
    order = mapped(result, "procurement", "purchase_orders").loc["procurement:10"]
    assert (order["vendor_external_id"], order["total_minor"], order["currency"]) == ("procurement:7", 6448, "EUR")


def test_live_easypost_labels_map_as_the_export_does(exports, instance, monkeypatch):
    from integration_hub.connectors.fakes.easypost_fake import EasyPostFake

    label = {"id": "shp_1", "object": "Shipment", "reference": "1", "status": "delivered", "tracking_code": "9400111",
             "created_at": TS, "updated_at": TS, "tracker": {"id": "trk_1"},
             "selected_rate": {"id": "rate_1", "carrier": "USPS", "service": "Priority", "rate": "7.58",
                               "currency": "USD"},
             "fees": [{"object": "Fee", "type": "LabelFee", "amount": "0.01000", "charged": True, "refunded": False},
                      {"object": "Fee", "type": "PostageFee", "amount": "7.58", "charged": True, "refunded": False}]}
    with EasyPostFake([label]) as fake:
        monkeypatch.setenv("IH_EASYPOST_API_KEY", fake.api_key)
        monkeypatch.setenv("IH_EASYPOST_BASE_URL", fake.base_url)
        result = run_systems(instance, "operations_phase")
        assert result.success, sorted(k for k, ok in checks_by_name(result).items() if not ok)
    assert metadata(result, "shipping__shipments__extracted")["origin"].startswith(fake.base_url)
    shipment = mapped(result, "shipping", "shipments").loc["shipping:shp_1"]
    assert (shipment["order_external_id"], shipment["label_cost_minor"], shipment["freight_cost_minor"]) == \
        (SHOP_ORDER, 1, 758)
