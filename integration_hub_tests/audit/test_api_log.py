import json

import pandas as pd
import pytest
import sqlalchemy as sa

from integration_hub.audit.api_log import ApiCallLog
from integration_hub.connectors.fakes import Fault, StripeFake
from integration_hub.connectors.http import build_session
from integration_hub.connectors.stripe import StripeAPIError, StripeClient

KEY = "sk_test_hub_log_0123456789"
T0 = 1_735_689_600


def charges(n: int) -> list[dict]:
    return [{"id": f"ch_{i:04d}", "amount": 1000 + i, "amount_refunded": 0, "currency": "usd", "customer": "cus_1",
             "created": T0 + i, "status": "succeeded", "description": f"order {i}", "metadata": {},
             "balance_transaction": f"txn_{i:04d}", "payment_method_details": {"type": "card"}} for i in range(n)]


def all_text(frame: pd.DataFrame) -> str:
    return frame.astype(str).to_csv()


@pytest.fixture
def log(tmp_path):
    return ApiCallLog(f"sqlite:///{tmp_path / 'hub.db'}", run_id="run-42")


def test_paged_extraction_logs_every_call_and_never_the_key(log):
    with StripeFake({"charges": charges(25)}, api_key=KEY, faults=[Fault(429, retry_after="0")]) as fake:
        session = build_session(system="stripe", backoff_factor=0, call_log=log.record)
        frame, _ = StripeClient(KEY, base_url=fake.base_url, session=session, page_size=10).extract("charges")
        seen = list(fake.requests)
    assert len(frame) == 25 and len(seen) == 4          # one refused with 429, then three pages
    calls = log.calls("run-42")
    assert len(calls) == 3                              # the retry belongs to its call
    assert calls["system"].unique().tolist() == ["stripe"] and calls["method"].unique().tolist() == ["GET"]
    assert calls["status"].tolist() == [200, 200, 200] and calls["retries"].tolist() == [1, 0, 0]
    assert calls["url"].str.startswith(f"{fake.base_url}/v1/charges?limit=10").all()
    assert "starting_after=ch_0015" in calls["url"].iloc[1]
    assert (calls["response_bytes"] > 0).all() and (calls["latency_ms"] >= 0).all()
    assert calls["timestamp"].notna().all() and calls["error"].isna().all()
    text = all_text(calls)
    assert KEY not in text and "Bearer" not in text and "Authorization" not in text


def test_failed_calls_are_logged_with_their_status(log):
    with StripeFake({"charges": charges(1)}, api_key=KEY) as fake:
        session = build_session(system="stripe", backoff_factor=0, call_log=log.record)
        with pytest.raises(StripeAPIError):
            StripeClient(KEY[:-1] + "X", base_url=fake.base_url, session=session).extract("charges")
        session = build_session(system="stripe", backoff_factor=0, max_retries=0, call_log=log.record)
        fake_url = fake.base_url
    with pytest.raises(Exception):
        session.get(f"{fake_url}/v1/charges", timeout=(0.5, 0.5))      # the server is gone
    calls = log.calls()
    assert calls["status"].iloc[0] == 401 and pd.isna(calls["status"].iloc[1])
    assert calls["error"].iloc[1] == "ConnectionError"
    assert KEY[:-1] not in all_text(calls)


def test_bodies_are_redacted_before_they_are_truncated(tmp_path):
    secret = "billing-secret-abcdef123456"
    log = ApiCallLog(f"sqlite:///{tmp_path / 'hub.db'}", run_id="run-42", secrets=[secret])
    account, ssn = "4421987650", "123-45-6789"
    request = json.dumps({"api_key": KEY, "customer": {"ssn": ssn, "note": f"acct {account}"}}).encode()
    response = "x" * 2040 + secret + " tail"       # the secret straddles the 2048-character limit
    log.record({"system": "billing", "method": "post", "url": "https://billing.example/api?api_key=REDACTED",
                "status": 201, "latency_ms": 12.5, "request_bytes": len(request), "response_bytes": len(response),
                "timestamp": "2025-01-01T10:00:00+00:00", "retries": 0, "error": None,
                "request_body": request, "response_body": response,
                "headers": {"Authorization": f"Bearer {KEY}"}})
    row = log.calls().iloc[0]
    body = json.loads(row["request_body"])
    assert body == {"api_key": "[REDACTED]", "customer": {"ssn": "[REDACTED]", "note": "acct [number ****7650]"}}
    assert row["method"] == "POST" and row["run_id"] == "run-42"
    assert row["response_body"] == "x" * 2040 + "[REDACTE...[truncated 7 chars]"
    text = all_text(log.calls())
    assert "billing-secret" not in text and KEY not in text and account not in text and "Bearer" not in text
    assert pd.Timestamp(row["timestamp"]).hour == 10


def test_api_log_on_postgresql(pg_database):
    log = ApiCallLog(sa.create_engine(pg_database), run_id="run-pg")
    with StripeFake({"charges": charges(3)}, api_key=KEY) as fake:
        session = build_session(system="stripe", backoff_factor=0, call_log=log.record)
        StripeClient(KEY, base_url=fake.base_url, session=session, page_size=2).extract("charges")
    calls = log.calls("run-pg")
    assert calls["status"].tolist() == [200, 200] and KEY not in all_text(calls)
    log.engine.dispose()


def test_response_bodies_are_logged_redacted_and_cut(log):
    page = charges(100)                  # listed newest first: the last is on top of the page
    page[-1]["description"] = f"card 4111 1111 1111 1111 acct 4421987650 key {KEY}"
    with StripeFake({"charges": page}, api_key=KEY) as fake:
        session = build_session(system="stripe", backoff_factor=0, call_log=log.record)
        StripeClient(KEY, base_url=fake.base_url, session=session, page_size=100).extract("charges")
    call = log.calls().iloc[0]
    body = call["response_body"]
    assert body.startswith('{"object": "list"') and "[card ****1111]" in body
    assert KEY not in body and "4111 1111" not in body and "4421987650" not in body
    kept, _, note = body.partition("...[truncated ")
    assert len(kept) == 2048 and int(note.split()[0]) > call["response_bytes"] - 2048 - 200   # whole body counted
    assert pd.isna(call["request_body"])                                      # a GET sends none


def test_a_big_body_costs_little_to_log(log):
    import time

    body = json.dumps({"data": charges(2000)}).encode()          # ~400 KB
    started = time.perf_counter()
    for _ in range(20):
        row = log.row({"system": "stripe", "method": "GET", "url": "https://x", "response_body": body})
    assert len(row["response_body"]) < 2100
    assert (time.perf_counter() - started) / 20 < 0.05          # redacting all of it took ~0.3 s a call
