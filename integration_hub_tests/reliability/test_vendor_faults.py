"""Vendor faults: the Stripe and billing clients (and the cash phase) against fakes that misbehave.

Every scenario ends with each record exactly once, or with a clear error naming the vendor,
the endpoint and the status, after a bounded number of calls (counted on the fake). Each
test prints what it tried: `pytest -s` shows the lines.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime

import pytest
import requests

from integration_hub.connectors import http
from integration_hub.connectors.billing import BillingAPIError, BillingClient
from integration_hub.connectors.fakes import BillingFake, Fault, StripeFake
from integration_hub.connectors.fakes import billing_fake, stripe_fake
from integration_hub.connectors.http import RetriesExhaustedError, build_session
from integration_hub.connectors.stripe import StripeAPIError, StripeClient
from integration_hub_tests.defs.conftest import company, company_template, instance  # noqa: F401 (fixtures)

STRIPE_KEY = "sk_test_faults_0123456789"
BILLING_KEY = "test_billing_faults_key"
T0 = int(datetime(2025, 3, 1, tzinfo=UTC).timestamp())
CHARGES = "/v1/charges"
INVOICES = "/api/v2/invoices"


def charge(i: int, created: int) -> dict:
    return {"id": f"ch_{i:05d}", "object": "charge", "amount": 1000 + i, "amount_refunded": 0, "currency": "usd",
            "customer": f"cus_{i % 5:04d}", "created": created, "status": "succeeded", "description": None,
            "metadata": {}, "balance_transaction": f"txn_{i:05d}", "payment_method_details": {"type": "card"}}


def invoice(i: int) -> dict:
    return {"id": f"INV-{i:06d}", "customer_id": "CUST-000001", "date": T0 + i * 86400, "due_date": T0 + (i + 30) * 86400,
            "currency_code": "USD", "sub_total": 900, "tax": 100, "total": 1000, "status": "paid", "po_number": None,
            "updated_at": T0 + i}


def stripe_fake_with(n: int = 250, **kwargs) -> StripeFake:
    return StripeFake({"charges": [charge(i, T0 + i) for i in range(n)]}, api_key=STRIPE_KEY, **kwargs)


def stripe_client(fake: StripeFake, **session) -> StripeClient:
    session.setdefault("backoff_factor", 0)
    return StripeClient(STRIPE_KEY, base_url=fake.base_url, session=build_session(system="stripe", **session))


def billing_client(fake: BillingFake, **session) -> BillingClient:
    session.setdefault("backoff_factor", 0)
    return BillingClient(BILLING_KEY, base_url=fake.base_url, page_size=10,
                         session=build_session(system="billing", **session))


def calls(fake, path: str) -> int:
    return sum(1 for r in fake.requests if r.path == path)


def exactly_once(frame, column: str, expected: int) -> None:
    assert len(frame) == expected and frame[column].is_unique, (len(frame), frame[column].duplicated().sum())


def report(text: str) -> None:
    print(f"\n  {text}")


def assert_names(error: BaseException, *parts: str) -> None:
    message = str(error)
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"


# --- transient faults are survived: every record once --------------------------------------

def test_a_429_storm_with_retry_after_is_waited_out():
    storm = Fault(429, times=12, retry_after="0", path=CHARGES, skip=1,
                  payload={"error": {"type": "rate_limit_error", "message": "Too many requests"}})
    with stripe_fake_with(faults=[storm]) as fake:
        frame, cursor = stripe_client(fake).extract("charges")
        n = calls(fake, CHARGES)
    exactly_once(frame, "id", 250)
    assert cursor == T0 + 249 and n == 3 + 12          # three pages, the second refused twelve times
    report(f"stripe {CHARGES}: 12x 429 (Retry-After: 0) on page 2 then ok -> {len(frame)} records once, {n} calls")


def test_429_retry_after_is_honoured_in_a_storm():
    with stripe_fake_with(20, faults=[Fault(429, times=3, retry_after="1", path=CHARGES)]) as fake:
        started = time.monotonic()
        frame, _ = stripe_client(fake).extract("charges")
        waited = time.monotonic() - started
        n = calls(fake, CHARGES)
    exactly_once(frame, "id", 20)
    assert n == 4 and waited >= 2.9
    report(f"stripe {CHARGES}: 3x 429 (Retry-After: 1) -> {len(frame)} records once, {n} calls, {waited:.1f} s")


def test_5xx_on_several_pages_are_retried():
    faults = [Fault(500, path=CHARGES), Fault(502, times=2, path=CHARGES, skip=1), Fault(503, path=CHARGES, skip=1)]
    with stripe_fake_with(faults=faults) as fake:
        frame, _ = stripe_client(fake).extract("charges")
        statuses = len(fake.requests)
    exactly_once(frame, "id", 250)
    assert statuses == 3 + 4
    report(f"stripe {CHARGES}: 500 on page 1, 2x 502 on page 2, 503 on page 3 -> 250 records once, {statuses} calls")


@pytest.mark.parametrize("fault", ["timeout", "reset", "cut"])
def test_a_slow_reset_or_cut_page_is_fetched_again(fault):
    flags = {"timeout": {"delay": 0.8}, "reset": {"reset": True}, "cut": {"truncate": True}}[fault]
    with stripe_fake_with(faults=[Fault(200, times=2, path=CHARGES, skip=1, **flags)]) as fake:
        frame, _ = stripe_client(fake, timeout=(2, 0.3)).extract("charges")
        n = calls(fake, CHARGES)
    exactly_once(frame, "id", 250)
    assert n == 3 + 2
    report(f"stripe {CHARGES}: page 2 {fault} twice then ok -> 250 records once, {n} calls")


def test_billing_offset_pagination_survives_resets_and_503s():
    faults = [Fault(503, times=2, path=INVOICES, skip=2), Fault(200, reset=True, path=INVOICES, skip=1),
              Fault(200, truncate=True, path=INVOICES)]
    with BillingFake({"invoices": [invoice(i) for i in range(45)]}, api_key=BILLING_KEY, faults=faults) as fake:
        frame, cursor = billing_client(fake).extract("invoices")
        n = calls(fake, INVOICES)
    exactly_once(frame, "invoice_number", 45)
    assert cursor == T0 + 44 and n == 5 + 4
    report(f"billing {INVOICES}: 2x 503, a reset and a cut body across 5 pages -> 45 records once, {n} calls")


# --- a page that repeats a record: de-duplicated by id, counted, logged ------------------------

def test_stripe_page_repeating_an_object_of_the_previous_page(caplog):
    repeat = Fault(200, path=CHARGES, skip=1, rewrite=stripe_fake.repeat_from_previous_page(2))
    with stripe_fake_with(faults=[repeat]) as fake, caplog.at_level(logging.WARNING):
        client = stripe_client(fake)
        frame, _ = client.extract("charges")
        n = calls(fake, CHARGES)
    exactly_once(frame, "id", 250)
    assert client.duplicates_skipped == {"charges": 2} and n == 3
    assert "2 object(s) already seen skipped" in caplog.text
    report(f"stripe {CHARGES}: page 2 repeats 2 objects of page 1 -> 250 records once, 2 dropped, {n} calls")


def test_billing_page_repeating_an_entry_of_the_previous_page(caplog):
    repeat = Fault(200, times=3, path=INVOICES, skip=1, rewrite=billing_fake.repeat_from_previous_page(1))
    with BillingFake({"invoices": [invoice(i) for i in range(45)]}, api_key=BILLING_KEY, faults=[repeat]) as fake, \
            caplog.at_level(logging.WARNING):
        client = billing_client(fake)
        frame, _ = client.extract("invoices")
        n = calls(fake, INVOICES)
    exactly_once(frame, "invoice_number", 45)
    assert client.duplicates_skipped == {"invoices": 3} and n == 5
    assert "already seen on an earlier page skipped" in caplog.text
    report(f"billing {INVOICES}: pages 2-4 each repeat the last entry of the page before -> 45 once, 3 dropped")


def test_pagination_that_does_not_advance_stops_with_a_clear_error():
    # The server ignores starting_after / hands back the same offset: without a guard, an endless loop.
    same_page = Fault(200, times=1000, path=CHARGES, skip=1, rewrite=lambda page, previous: previous)
    with stripe_fake_with(faults=[same_page]) as fake, pytest.raises(StripeAPIError) as stripe_error:
        stripe_client(fake).extract("charges")
    stripe_calls = calls(fake, CHARGES)
    same_offset = Fault(200, times=1000, path=INVOICES, skip=1,
                        rewrite=lambda page, previous: {**page, "next_offset": previous["next_offset"]})
    with BillingFake({"invoices": [invoice(i) for i in range(45)]}, api_key=BILLING_KEY,
                     faults=[same_offset]) as fake, pytest.raises(BillingAPIError) as billing_error:
        billing_client(fake).extract("invoices")
    billing_calls = calls(fake, INVOICES)
    assert stripe_calls == 2 and billing_calls == 2
    assert_names(stripe_error.value, "Stripe API", CHARGES, "pagination does not advance")
    assert_names(billing_error.value, "billing API", INVOICES, "pagination does not advance")
    report(f"stripe {CHARGES} page 2 = page 1, billing {INVOICES} same next_offset -> clear error after "
           f"{stripe_calls} and {billing_calls} calls")


# --- faults that do not pass: a bounded, clear failure ----------------------------------------

def test_a_permanent_429_gives_up_after_both_budgets():
    with stripe_fake_with(faults=[Fault(429, times=10_000, retry_after="0", path=CHARGES)]) as fake:
        with pytest.raises(RetriesExhaustedError) as caught:
            stripe_client(fake, max_retries=2, rate_limit_retries=4).extract("charges")
        n = calls(fake, CHARGES)
    assert n == 1 + 4 + 2
    error = caught.value
    assert (error.system, error.status, error.attempts) == ("stripe", 429, n)
    assert_names(error, "stripe", CHARGES, "HTTP 429", f"gave up after {n} attempts")
    assert STRIPE_KEY not in str(error)
    report(f"stripe {CHARGES}: 429 forever -> gave up after {n} calls: {error}")


def test_a_permanent_503_on_billing_gives_up():
    with BillingFake({"invoices": [invoice(i) for i in range(45)]}, api_key=BILLING_KEY,
                     faults=[Fault(503, times=10_000, path=INVOICES, skip=1)]) as fake:
        with pytest.raises(RetriesExhaustedError) as caught:
            billing_client(fake, max_retries=3).extract("invoices")
        n = calls(fake, INVOICES)
    assert n == 1 + 4 and caught.value.status == 503
    assert_names(caught.value, "billing", INVOICES, "HTTP 503", "gave up after 4 attempts")
    report(f"billing {INVOICES}: 503 forever from page 2 -> gave up after {n} calls: {caught.value}")


@pytest.mark.parametrize("fault", ["timeout", "reset", "cut"])
def test_a_page_that_never_arrives_whole_gives_up(fault):
    flags = {"timeout": {"delay": 0.6}, "reset": {"reset": True}, "cut": {"truncate": True}}[fault]
    with stripe_fake_with(faults=[Fault(200, times=10_000, path=CHARGES, skip=1, **flags)]) as fake:
        with pytest.raises(RetriesExhaustedError) as caught:
            stripe_client(fake, max_retries=2, timeout=(2, 0.2)).extract("charges")
        n = calls(fake, CHARGES)
    assert n == 1 + 3
    assert caught.value.system == "stripe" and caught.value.status is None
    assert_names(caught.value, "stripe: GET", CHARGES, "gave up after 3 attempts",
                 {"timeout": "read timeout", "reset": "no answer", "cut": "truncated body"}[fault])
    report(f"stripe {CHARGES}: page 2 {fault} forever -> gave up after {n} calls: {caught.value}")


@pytest.mark.parametrize("vendor", ["stripe", "billing"])
def test_malformed_json_is_a_clear_error_not_a_decoder_traceback(vendor):
    if vendor == "stripe":
        fake, path, error_type = stripe_fake_with(faults=[Fault(200, malformed=True, path=CHARGES, skip=1)]), \
            CHARGES, StripeAPIError
    else:
        fake, path, error_type = BillingFake({"invoices": [invoice(i) for i in range(45)]}, api_key=BILLING_KEY,
                                             faults=[Fault(200, malformed=True, path=INVOICES, skip=1)]), \
            INVOICES, BillingAPIError
    with fake:
        client = stripe_client(fake) if vendor == "stripe" else billing_client(fake)
        with pytest.raises(error_type) as caught:
            client.extract("charges" if vendor == "stripe" else "invoices")
        n = calls(fake, path)
    error = caught.value
    assert not isinstance(error, json.JSONDecodeError) and error.__cause__ is None and error.__suppress_context__
    assert error.status == 200 and n == 2
    assert_names(error, "Stripe API 200" if vendor == "stripe" else "billing API 200", path, "malformed JSON")
    report(f"{vendor} {path}: page 2 malformed JSON -> {error} after {n} calls")


def test_post_is_never_retried_on_a_reset():
    # A reset after the server may have acted on a POST must not send it twice.
    with stripe_fake_with(1, faults=[Fault(200, reset=True)]) as fake:
        with pytest.raises(requests.exceptions.ConnectionError):
            build_session(system="stripe", backoff_factor=0).post(f"{fake.base_url}{CHARGES}", data=b"x")
        assert len(fake.requests) == 1
    report(f"stripe POST {CHARGES}: reset -> raised after 1 call, not re-sent")


# --- the cash phase in live mode ---------------------------------------------------------------

def _fast_backoff(monkeypatch):
    """The pipeline's sessions keep every budget but do not sleep between retries (Retry-After is
    tested above): the phase under a storm stays a test of seconds."""
    original = http.build_session
    monkeypatch.setattr(http, "build_session", lambda **kw: original(**{**kw, "backoff_factor": 0}))


def _live_stripe(monkeypatch, fake: StripeFake) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", fake.api_key)
    monkeypatch.setenv("STRIPE_API_BASE", fake.base_url)


def _stripe_objects(n: int = 250) -> dict:
    from integration_hub_tests.defs.test_live_sources import BASE, customer
    from integration_hub_tests.defs.test_live_sources import charge as live_charge

    return {"customers": [customer(i) for i in range(5)],
            "charges": [live_charge(i, BASE + 100 + i) for i in range(n)], "refunds": []}


def _stripe_payments() -> list[str]:
    from integration_hub.config import settings
    from integration_hub.erp.ledger import SqlLedger

    ledger = SqlLedger(settings().erp_url)
    try:
        payments = ledger.read_back("payment")
    finally:
        ledger.close()
    return payments.loc[payments["source_system"] == "stripe", "source_id"].tolist()


def test_cash_phase_against_a_faulty_stripe_loads_every_charge_once(company, instance, monkeypatch):
    from integration_hub.audit.store import HubStore
    from integration_hub.config import settings
    from integration_hub_tests.defs.conftest import metadata, run_phase
    from integration_hub_tests.defs.test_live_sources import BASE

    _fast_backoff(monkeypatch)
    faults = [Fault(503, times=2, path="/v1/customers"),
              Fault(429, times=12, retry_after="0", path=CHARGES, skip=1),
              Fault(200, truncate=True, path=CHARGES),
              Fault(200, path=CHARGES, rewrite=stripe_fake.repeat_from_previous_page(3)),
              Fault(200, reset=True, path="/v1/refunds")]
    with StripeFake(_stripe_objects(), faults=faults) as fake:
        _live_stripe(monkeypatch, fake)
        result = run_phase(instance)
        n, left = calls(fake, CHARGES), fake._server.pending_faults()
    assert result.success
    assert left == 0                                              # every scheduled fault was met
    assert metadata(result, "stripe__charges__extracted")["dagster/row_count"] == 250
    assert metadata(result, "stripe__charges__extracted")["repeated_records_skipped"] == 3
    assert metadata(result, "stripe__charges__mapped")["dagster/row_count"] == 250
    payments = _stripe_payments()
    assert len(payments) == 250 and len(set(payments)) == 250
    assert HubStore(settings().hub_db_url).get_cursor("stripe", "charges") == str(BASE + 349)
    assert n == 3 + 12 + 1
    report(f"cash phase, stripe live: 2x 503 on customers, 12x 429 + a cut body + 3 repeated objects on "
           f"charges, a reset on refunds -> 250 charges extracted, mapped and loaded once, {n} charges calls")


def test_cash_phase_fails_naming_the_call_and_keeps_the_cursor(company, instance, monkeypatch):
    from integration_hub.audit.store import HubStore
    from integration_hub.config import settings
    from integration_hub_tests.defs.conftest import run_phase
    from integration_hub_tests.defs.test_live_sources import BASE

    _fast_backoff(monkeypatch)
    store = HubStore(settings().hub_db_url)
    store.set_cursor("stripe", "charges", str(BASE + 100), "an-earlier-run")     # where a previous run left it
    with StripeFake(_stripe_objects(), faults=[Fault(200, malformed=True, path=CHARGES, skip=1)]) as fake:
        _live_stripe(monkeypatch, fake)
        result = run_phase(instance)
        n = calls(fake, CHARGES)
    assert not result.success
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert [e.step_key for e in failures] == ["stripe__charges__extracted"]
    message = _error_text(failures[0].event_specific_data.error)
    for part in ("Stripe API 200", CHARGES, "malformed JSON"):
        assert part in message, message
    assert store.get_cursor("stripe", "charges") == str(BASE + 100) and n == 2
    assert not _stripe_payments() or all(not p.startswith("ch_") for p in _stripe_payments())
    report(f"cash phase, stripe live: charges page 2 malformed -> step failed with '{message.split(' <- ')[-1]}', "
           f"cursor kept at {BASE + 100}, {n} charges calls")


def _error_text(error) -> str:
    """The step failure's message with its causes (Dagster wraps the op's exception)."""
    parts = []
    while error is not None:
        parts.append(error.message.strip())
        error = error.cause or error.context
    return " <- ".join(parts)


KILLED_RUN = textwrap.dedent("""
    import dagster as dg
    from integration_hub_tests.defs.conftest import run_phase
    with dg.DagsterInstance.ephemeral() as instance:
        run_phase(instance)
""")


def test_sigkill_mid_pagination_then_a_rerun_loads_every_charge_once(company, instance, monkeypatch):
    from integration_hub.audit.store import HubStore
    from integration_hub.config import settings
    from integration_hub_tests.defs.conftest import metadata, run_phase
    from integration_hub_tests.defs.test_live_sources import BASE

    # Page 2 of the charges hangs; the child is killed while it waits for it.
    hang = Fault(200, delay=20, path=CHARGES, skip=1)
    with StripeFake(_stripe_objects(), faults=[hang]) as fake:
        _live_stripe(monkeypatch, fake)
        child = subprocess.Popen([sys.executable, "-c", KILLED_RUN], env={**os.environ, "GX_ANALYTICS_ENABLED": "False"},
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 120
            while calls(fake, CHARGES) < 2 and child.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert calls(fake, CHARGES) == 2, child.stderr.read().decode()[-3000:] if child.poll() is not None else ""
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(10)
            child.stderr.close()
        assert child.returncode == -signal.SIGKILL
        store = HubStore(settings().hub_db_url)
        assert store.get_cursor("stripe", "charges") is None and _stripe_payments() == []
        killed_at = calls(fake, CHARGES)

        rerun = run_phase(instance)
        rerun_calls = calls(fake, CHARGES) - killed_at
    assert rerun.success
    assert metadata(rerun, "stripe__charges__extracted")["dagster/row_count"] == 250
    payments = _stripe_payments()
    assert len(payments) == 250 and len(set(payments)) == 250
    assert store.get_cursor("stripe", "charges") == str(BASE + 349) and rerun_calls == 3
    report(f"stripe {CHARGES}: SIGKILL while page 2 hung -> cursor untouched, nothing loaded; re-run: "
           f"250 charges once in {rerun_calls} calls, cursor {BASE + 349}")


# --- the write side: an ERP that answers too late -------------------------------------------

def test_acumatica_payment_whose_answer_was_lost_is_created_once(tmp_path):
    """Acumatica numbers payments itself: a PUT without a key creates. When the answer to that PUT
    is lost (the server acted, the client timed out), sending it again would create a second payment."""
    from integration_hub.connectors.fakes.acumatica_fake import AcumaticaFake
    from integration_hub.erp.acumatica import AcumaticaTarget
    from integration_hub.erp.posting import PostingLog
    from integration_hub_tests.erp import erp_batch
    from integration_hub_tests.erp.test_acumatica import COMPANY, PASSWORD, USER

    postings = PostingLog(f"sqlite:///{tmp_path / 'hub.db'}")
    path = "/entity/Default/23.200.001/Payment"
    with AcumaticaFake(USER, PASSWORD, COMPANY) as fake:
        session = build_session(system="acumatica", backoff_factor=0, timeout=(2, 0.5))
        target = AcumaticaTarget(fake.base_url, USER, PASSWORD, COMPANY, postings, session=session, concurrency=1)
        target.upsert("customer", erp_batch.customers(), run_id="r1", mapping_version="v")
        target.upsert("invoice", erp_batch.invoices(), run_id="r1", mapping_version="v")
        fake.inject(Fault(200, delay=1.0, path=path, method="PUT"), Fault(503, path=path, method="PUT"))
        out = target.upsert("payment", erp_batch.payments(), run_id="r1", mapping_version="v")
        time.sleep(1.2)                       # the create whose answer was lost lands meanwhile
        puts = sum(1 for r in fake.requests if r.method == "PUT" and r.path == path)
        refs = [p["PaymentRef"] for p in fake.values("Payment")]
        # A second run (nothing in the posting record for a payment whose answer was lost) adds nothing.
        before = len(fake.requests)
        again = target.upsert("payment", erp_batch.payments(), run_id="r2", mapping_version="v")
        second_run_bodies = [r.json() for r in fake.requests[before:] if r.method == "PUT"]
        refs_after = [p["PaymentRef"] for p in fake.values("Payment")]
        target.close()
    assert sorted(refs) == ["stripe:ch_0001", "stripe:re_0001"]           # the lost create did land, once
    assert sorted(refs_after) == ["stripe:ch_0001", "stripe:ch_0002", "stripe:re_0001"], refs_after
    # The lost create and the one refused with a 503 come back rejected (not replayed) ...
    assert out["outcome"].tolist() == ["rejected", "rejected", "created"], out["message"].tolist()
    assert "no answer from acumatica to a create" in out["message"].iloc[0]
    assert "503" in out["message"].iloc[1] and "PaymentRef" in out["message"].iloc[1]
    # ... and the next run finds the one that landed (sent again by its id, an update in Acumatica) and
    # creates the other once; both are first postings for the hub.
    assert again["outcome"].tolist() == ["created", "created", "unchanged"], again["message"].tolist()
    assert second_run_bodies[0].get("id") and not second_run_bodies[1].get("id")
    report(f"acumatica PUT {path}: a create's answer lost (timeout after it landed), another refused with "
           f"503 -> run 1 rejects both without replaying, run 2 updates one and creates the other: "
           f"{len(refs_after)} payments once, {puts} PUTs in run 1")
