from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from integration_hub.audit.api_log import ApiCallLog
from integration_hub.connectors.easypost import EasyPostClient, client_from_env
from integration_hub.connectors.fakes.easypost_fake import EasyPostFake
from integration_hub.connectors.fakes.server import Fault
from integration_hub.connectors.http import build_session
from integration_hub.connectors.request_budget import RequestBudget
from integration_hub.connectors.vendor_rest import ConnectorAPIError, ConnectorAuthError

API_KEY = "EZAKhub0123456789abcdef"
T0 = datetime(2026, 3, 1, tzinfo=UTC)
SHIPMENTS = "/v2/shipments"


def iso(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(seconds: float) -> int:
    return int((T0 + timedelta(seconds=seconds)).timestamp())


def shipment(n: int, created: float, rate: str = "7.58", currency: str = "USD", fees=None) -> dict:
    return {"id": f"shp_{n:04d}", "object": "Shipment", "reference": f"SO-{n}", "status": "delivered",
            "tracking_code": f"9400{n:08d}", "created_at": iso(created), "updated_at": iso(created + 5),
            "selected_rate": {"id": f"rate_{n}", "carrier": "USPS", "service": "Priority", "rate": rate,
                              "currency": currency},
            "fees": fees if fees is not None else [
                {"object": "Fee", "type": "LabelFee", "amount": "0.01000", "charged": True, "refunded": False},
                {"object": "Fee", "type": "PostageFee", "amount": rate, "charged": True, "refunded": False}],
            "tracker": {"id": f"trk_{n:04d}"}}


def tracker(n: int, created: float, events: int = 2) -> dict:
    return {"id": f"trk_{n:04d}", "object": "Tracker", "shipment_id": f"shp_{n:04d}", "tracking_code": f"9400{n:08d}",
            "carrier": "USPS", "created_at": iso(created),
            "tracking_details": [{"object": "TrackingDetail", "status": s, "message": f"{s} scan",
                                  "datetime": iso(created + 3600 * i),
                                  "tracking_location": {"city": "Austin", "state": "TX", "country": "US",
                                                        "zip": "78701"}}
                                 for i, s in enumerate(["pre_transit", "in_transit", "delivered"][:events])]}


def client_for(fake: EasyPostFake, *, api_key: str = API_KEY, budget=None, backoff: float = 0, **kwargs):
    session = build_session(system="easypost", backoff_factor=backoff, budget=budget)
    return EasyPostClient(api_key, base_url=fake.base_url, session=session, **kwargs)


def test_shipments_page_with_before_id_to_the_end():
    with EasyPostFake([shipment(n, n) for n in range(7)], api_key=API_KEY) as fake:
        frame, cursor = client_for(fake, page_size=3).extract("shipments")
        calls = [(r.param("page_size"), r.param("before_id")) for r in fake.requests]
    assert calls == [("3", None), ("3", "shp_0004"), ("3", "shp_0001")]
    assert frame["id"].tolist() == [f"shp_{n:04d}" for n in reversed(range(7))] and cursor == epoch(6)
    assert frame.iloc[0][["reference", "carrier", "tracking_code"]].tolist() == ["SO-6", "USPS", "940000000006"]


def test_costs_are_exact_integer_minor_units_of_their_currency():
    refunded = [{"type": "LabelFee", "amount": "0.05", "charged": True, "refunded": True},
                {"type": "InsuranceFee", "amount": "1.10000", "charged": True, "refunded": False}]
    shipments = [shipment(1, 1, "7.58"), shipment(2, 2, "1200", "JPY", fees=refunded), shipment(3, 3, "0.10")]
    with EasyPostFake(shipments, api_key=API_KEY) as fake:
        frame, _ = client_for(fake).extract("shipments")
    rows = frame.set_index("id")
    columns = ["rate_minor", "rate_currency", "label_fee_minor", "postage_fee_minor", "insurance_fee_minor",
               "fee_currency"]
    assert rows.loc["shp_0001", columns].tolist() == ["758", "USD", "1", "758", "0", "USD"]
    assert rows.loc["shp_0002", columns].tolist() == ["1200", "JPY", "0", "0", "110", "USD"]
    assert rows.loc["shp_0003", "rate_minor"] == "10"


def test_an_amount_finer_than_its_currency_is_an_error_not_a_rounding():
    with EasyPostFake([shipment(1, 1, "7.585")], api_key=API_KEY) as fake:
        with pytest.raises(ConnectorAPIError) as caught:
            client_for(fake).extract("shipments")
    assert str(caught.value) == ("EasyPost shipments: HTTP 200: shipment shp_0001 selected_rate.rate: "
                                 "amount 7.585 has more decimals than USD allows")


def test_resume_from_cursor_reads_new_shipments_and_loses_none():
    with EasyPostFake([shipment(n, n * 10) for n in range(5)], api_key=API_KEY) as fake:
        client = client_for(fake, page_size=2)
        first, cursor = client.extract("shipments")
        fake.upsert("shipments", shipment(40, 40), shipment(41, 55))     # 40 shares the cursor's second
        second, next_cursor = client.extract("shipments", cursor)
        since = fake.requests[-1].param("start_datetime")
    assert cursor == epoch(40) and since == iso(40)
    assert sorted(second["id"]) == ["shp_0004", "shp_0040", "shp_0041"] and next_cursor == epoch(55)
    assert set(first["id"]) | set(second["id"]) == {f"shp_{n:04d}" for n in (0, 1, 2, 3, 4, 40, 41)}


def test_tracking_events_come_from_trackers_with_stable_ids_and_a_lookback():
    with EasyPostFake(trackers=[tracker(n, n * 86400, events=3) for n in range(40)], api_key=API_KEY) as fake:
        client = client_for(fake)
        events, cursor = client.extract("tracking_events")
        again, _ = client.extract("tracking_events", cursor)
        since = fake.requests[-1].param("start_datetime")
    assert len(events) == 120 and events["id"].is_unique and cursor == epoch(39 * 86400)
    assert since == iso(9 * 86400)      # trackers created within 30 days before the cursor are read again
    assert set(again["id"]) <= set(events["id"]) and len(again) == 31 * 3
    row = events[events["tracker_id"] == "trk_0002"].iloc[-1]
    assert row[["shipment_id", "status", "city", "datetime"]].tolist() == \
        ["shp_0002", "delivered", "Austin", iso(2 * 86400 + 7200)]


def test_5xx_and_the_rate_limit_429_are_recovered():
    faults = [Fault(500, times=2, path=SHIPMENTS), Fault(503, path=SHIPMENTS, skip=1)]
    with EasyPostFake([shipment(n, n) for n in range(6)], api_key=API_KEY, limit=2, window=0.3,
                      faults=faults) as fake:
        frame, _ = client_for(fake, page_size=2, backoff=0.05).extract("shipments")
        throttled = fake.rate.refused
    assert len(frame) == 6 and frame["id"].is_unique and throttled > 0


def test_the_request_budget_keeps_the_sync_under_easypost_s_limit(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    budget = RequestBudget(engine, "easypost", 3)
    with EasyPostFake([shipment(n, n) for n in range(9)], api_key=API_KEY, limit=3, window=1.0) as fake:
        frame, _ = client_for(fake, page_size=1, budget=budget).extract("shipments")
        throttled, arrivals = fake.rate.refused, sorted(r.at for r in fake.requests)
    engine.dispose()
    assert len(frame) == 9 and throttled == 0 and arrivals[-1] - arrivals[0] >= 2.0


def test_an_inactive_key_is_one_clear_line_without_the_key_or_a_retry():
    with EasyPostFake([shipment(1, 1)], api_key=API_KEY) as fake:
        fake.deactivate_key()
        with pytest.raises(ConnectorAuthError) as caught:
            client_for(fake).extract("shipments")
        calls = len(fake.requests)
    assert str(caught.value) == ("EasyPost shipments: the credentials were refused (HTTP 401 Unauthorized); "
                                 "check IH_EASYPOST_API_KEY")
    assert API_KEY not in str(caught.value) and calls == 1


def test_an_error_answer_names_the_easypost_code_and_malformed_json_is_clear():
    error = {"error": {"code": "PARAMETER.INVALID", "message": "page_size must be between 1 and 100"}}
    with EasyPostFake([shipment(1, 1)], api_key=API_KEY, faults=[Fault(422, payload=error, path=SHIPMENTS)]) as fake:
        with pytest.raises(ConnectorAPIError) as caught:
            client_for(fake).extract("shipments")
        fake._server.inject(Fault(200, malformed=True, path=SHIPMENTS))
        with pytest.raises(ConnectorAPIError, match="malformed JSON"):
            client_for(fake).extract("shipments")
    assert str(caught.value) == ("EasyPost shipments: HTTP 422: PARAMETER.INVALID: "
                                 "page_size must be between 1 and 100")


def test_credentials_come_from_the_environment_and_stay_out_of_logs(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ValueError, match=r"^EasyPost live mode needs IH_EASYPOST_API_KEY; unset: IH_EASYPOST_API_KEY"):
        client_from_env({"IH_EASYPOST_BASE_URL": "https://example.test/v2"})
    log = ApiCallLog(f"sqlite:///{tmp_path / 'hub.db'}", run_id="r1")
    with EasyPostFake([shipment(1, 1)], api_key=API_KEY) as fake:
        client = client_from_env({"IH_EASYPOST_API_KEY": API_KEY, "IH_EASYPOST_BASE_URL": fake.base_url}, call_log=log)
        frame, _ = client.extract("shipments")
    rows = log.calls().astype(str).to_numpy().ravel()
    log.dispose()
    assert len(frame) == 1 and len(rows) > 0 and client.resource_url("shipments") == f"{fake.base_url}/shipments"
    assert not [cell for cell in rows if API_KEY in cell] and API_KEY not in caplog.text + repr(client)
