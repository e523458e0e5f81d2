from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from integration_hub.audit.api_log import ApiCallLog
from integration_hub.connectors.fakes.server import Fault
from integration_hub.connectors.fakes.shipbob_fake import ShipBobFake
from integration_hub.connectors.http import build_session
from integration_hub.connectors.request_budget import RequestBudget
from integration_hub.connectors.shipbob import ShipBobClient, client_from_env
from integration_hub.connectors.vendor_rest import ConnectorAPIError, ConnectorAuthError

TOKEN = "shipbob-pat-hub-5150aa77"
T0 = datetime(2026, 2, 1, tzinfo=UTC)
ORDERS = "/2026-01/order"
INVENTORY = "/2026-01/inventory-level/locations"


def iso(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(seconds: float) -> int:
    return int((T0 + timedelta(seconds=seconds)).timestamp())


def item(n: int) -> dict:
    return {"inventory_id": 1000 + n, "sku": f"SKU-{n}", "name": f"Item {n}",
            "locations": [{"location_id": 228, "name": "Moreno Valley (CA)", "on_hand_quantity": 90 + n,
                           "fulfillable_quantity": 85, "committed_quantity": 5, "awaiting_quantity": 0,
                           "internal_transfer_quantity": 0},
                          {"location_id": 101, "name": "Cicero (IL)", "on_hand_quantity": 3, "fulfillable_quantity": 3,
                           "committed_quantity": 0, "awaiting_quantity": 10, "internal_transfer_quantity": 0}]}


def order(n: int, updated: float, shipments: int = 1) -> dict:
    return {"id": 5000 + n, "order_number": f"SO-{n}", "reference_id": f"shop-{n}", "created_date": iso(0),
            "shipments": [{"id": 90000 + n * 10 + s, "order_id": 5000 + n, "status": "Completed",
                           "location": {"id": 228, "name": "Moreno Valley (CA)"},
                           "tracking": {"carrier": "USPS", "tracking_number": f"9400{n:06d}{s}"},
                           "invoice_amount": 7.77, "invoice_currency_code": "USD", "created_date": iso(0),
                           "actual_fulfillment_date": iso(updated), "last_update_at": iso(updated),
                           "products": [{"id": 77, "sku": "BUNDLE-1", "reference_id": "BUNDLE-1", "name": "Gift pack",
                                         "inventory_items": [{"id": 1001, "quantity": 2}, {"id": 1002, "quantity": 1}]}]}
                          for s in range(shipments)]}


def client_for(fake: ShipBobFake, *, token: str = TOKEN, budget=None, call_log=None, backoff: float = 0,
               **kwargs) -> ShipBobClient:
    session = build_session(system="shipbob", backoff_factor=backoff, budget=budget, call_log=call_log)
    return ShipBobClient(token, base_url=fake.base_url, session=session, **kwargs)


def test_inventory_levels_follow_next_links_to_the_end_one_row_per_sku_and_center():
    with ShipBobFake([item(n) for n in range(7)], token=TOKEN) as fake:
        frame, cursor = client_for(fake, page_size=3).extract("inventory_levels")
        calls = [(r.path, r.param("PageSize"), r.param("Cursor")) for r in fake.requests]
    assert calls == [(INVENTORY, "3", None), (INVENTORY, "3", "3"), (INVENTORY, "3", "6")]
    assert len(frame) == 14 and frame["id"].is_unique and cursor is None
    row = frame.set_index("id").loc["1002@228"]
    assert (row["sku"], row["location_name"], row["on_hand_quantity"], row["fulfillable_quantity"]) == \
        ("SKU-2", "Moreno Valley (CA)", "92", "85")


def test_shipments_and_lines_page_through_next_page_oldest_first():
    with ShipBobFake(orders=[order(n, n) for n in range(5)], token=TOKEN) as fake:
        client = client_for(fake, page_size=2)
        shipments, cursor = client.extract("shipments")
        lines, _ = client.extract("shipment_lines")
        first = fake.requests[0]
    assert (first.param("Page"), first.param("Limit"), first.param("SortOrder")) == ("1", "2", "Oldest")
    assert [r.param("Page") for r in fake.requests] == ["1", "2", "3"] * 2
    assert shipments["id"].tolist() == [str(90000 + n * 10) for n in range(5)] and cursor == epoch(4)
    assert shipments.iloc[0][["order_id", "order_number", "carrier", "invoice_amount"]].tolist() == \
        ["5000", "SO-0", "USPS", "7.77"]
    assert len(lines) == 10 and lines["id"].is_unique
    assert lines[lines["shipment_id"] == "90000"][["sku", "inventory_id", "quantity"]].values.tolist() == \
        [["BUNDLE-1", "1001", "2"], ["BUNDLE-1", "1002", "1"]]


def test_resume_from_cursor_reads_changed_shipments_only_and_loses_none():
    with ShipBobFake(orders=[order(n, n * 10) for n in range(6)], token=TOKEN) as fake:
        client = client_for(fake, page_size=2)
        first, cursor = client.extract("shipments")
        fake.upsert_orders(order(2, 70), order(9, 80))       # a shipment changed, a new order shipped
        second, next_cursor = client.extract("shipments", cursor)
        since = fake.requests[-1].param("LastUpdateStartDate")
    assert cursor == epoch(50) and since == iso(50)
    assert second["id"].tolist() == ["90020", "90090"] and next_cursor == epoch(80)
    assert set(first["id"]) | set(second["id"]) == {str(90000 + n * 10) for n in (0, 1, 2, 3, 4, 5, 9)}


def test_repeated_shipment_on_a_later_page_is_dropped_and_counted():
    repeat = Fault(200, path=ORDERS, skip=1, rewrite=lambda page, previous: [previous[-1], *page])
    with ShipBobFake(orders=[order(n, n) for n in range(4)], token=TOKEN, faults=[repeat]) as fake:
        client = client_for(fake, page_size=2)
        frame, _ = client.extract("shipments")
    assert len(frame) == 4 and frame["id"].is_unique and client.duplicates_skipped == {"shipments": 1}


def test_5xx_and_the_rate_limit_429_are_recovered():
    faults = [Fault(503, times=2, path=ORDERS), Fault(502, path=INVENTORY)]
    with ShipBobFake([item(n) for n in range(3)], [order(n, n) for n in range(6)], token=TOKEN, limit=3,
                     window=0.5, faults=faults) as fake:
        client = client_for(fake, page_size=2, backoff=0.05)
        shipments, _ = client.extract("shipments")
        inventory, _ = client.extract("inventory_levels")
        throttled = fake.throttled
    assert len(shipments) == 6 and len(inventory) == 6
    assert throttled > 0 and client.remaining_calls is not None


def test_the_request_budget_keeps_the_sync_under_shipbob_s_limit(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    budget = RequestBudget(engine, "shipbob", 3)
    with ShipBobFake(orders=[order(n, n) for n in range(10)], token=TOKEN, limit=3, window=1.0) as fake:
        frame, _ = client_for(fake, page_size=1, budget=budget).extract("shipments")
        throttled, arrivals = fake.throttled, sorted(r.at for r in fake.requests)
    engine.dispose()
    assert len(frame) == 10 and throttled == 0
    assert max(sum(1 for t in arrivals if s <= t < s + 1.0) for s in arrivals) <= 3
    assert arrivals[-1] - arrivals[0] >= 2.0       # 10 calls at 3 a second: the budget held them back


def test_a_refused_token_is_one_clear_line_without_the_token_or_a_retry():
    with ShipBobFake(orders=[order(1, 1)], token=TOKEN) as fake:
        fake.revoke_token()
        with pytest.raises(ConnectorAuthError) as caught:
            client_for(fake).extract("shipments")
        calls = len(fake.requests)
    message = str(caught.value)
    assert message == ("ShipBob shipments: the credentials were refused (HTTP 401 Unauthorized); "
                       "check IH_SHIPBOB_TOKEN")
    assert "\n" not in message and TOKEN not in message and calls == 1


def test_malformed_json_and_an_unusable_answer_are_clear_errors():
    with ShipBobFake(orders=[order(1, 1)], token=TOKEN, faults=[Fault(200, malformed=True, path=ORDERS)]) as fake:
        with pytest.raises(ConnectorAPIError, match=r"^ShipBob shipments: HTTP 200: malformed JSON"):
            client_for(fake).extract("shipments")
        fake._server.inject(Fault(200, path=INVENTORY, rewrite=lambda page, _: {"items": "nope"}))
        with pytest.raises(ConnectorAPIError, match="not a page of inventory items"):
            client_for(fake).extract("inventory_levels")


def test_credentials_come_from_the_environment_and_stay_out_of_logs(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ValueError, match=r"^ShipBob live mode needs IH_SHIPBOB_TOKEN; unset: IH_SHIPBOB_TOKEN$"):
        client_from_env({})
    log = ApiCallLog(f"sqlite:///{tmp_path / 'hub.db'}", run_id="r1")
    with ShipBobFake(orders=[order(1, 1)], token=TOKEN) as fake:
        client = client_from_env({"IH_SHIPBOB_TOKEN": TOKEN, "IH_SHIPBOB_BASE_URL": fake.base_url}, call_log=log)
        frame, _ = client.extract("shipments")
        auth = fake.requests[0].headers["Authorization"]
    rows = log.calls().astype(str).to_numpy().ravel()
    log.dispose()
    assert len(frame) == 1 and auth == f"Bearer {TOKEN}" and len(rows) > 0
    assert not [cell for cell in rows if TOKEN in cell] and TOKEN not in caplog.text and TOKEN not in repr(client)
    assert client.resource_url("shipments") == f"{fake.base_url}/2026-01/order"
