"""Stripe in live mode through the pipeline: paging, the incremental cursor, and a 429 survived."""
from datetime import datetime, timezone

from integration_hub.audit.store import HubStore
from integration_hub.config import settings
from integration_hub.connectors.fakes.server import Fault
from integration_hub.connectors.fakes.stripe_fake import StripeFake
from integration_hub.erp.ledger import SqlLedger
from integration_hub_tests.defs.conftest import checks_by_name, metadata, run_phase

BASE = int(datetime(2025, 3, 1, tzinfo=timezone.utc).timestamp())


def customer(i):
    return {"id": f"cus_{i:04d}", "object": "customer", "name": f"Customer {i} LLC", "email": f"ap{i}@example.com",
            "phone": "+1 415 555 0132", "created": BASE + i, "currency": "usd",
            "address": {"line1": "1 Market Street", "city": "San Francisco", "state": "CA",
                        "postal_code": "94105", "country": "US"}}


def charge(i, created):
    return {"id": f"ch_{i:05d}", "object": "charge", "amount": 1000 + i, "amount_refunded": 0, "currency": "usd",
            "customer": f"cus_{i % 5:04d}", "created": created, "status": "succeeded", "description": None,
            "metadata": {}, "balance_transaction": f"txn_{i:05d}", "payment_method_details": {"type": "card"}}


def test_live_stripe_pages_resumes_from_its_cursor_and_survives_429(company, instance, monkeypatch):
    objects = {"customers": [customer(i) for i in range(5)],
               "charges": [charge(i, BASE + 100 + i) for i in range(250)],
               "refunds": [{"id": "re_1", "object": "refund", "charge": "ch_00001", "amount": 500, "currency": "usd",
                            "created": BASE + 500, "status": "succeeded", "reason": "requested_by_customer"}]}
    with StripeFake(objects, faults=[Fault(429, times=1, retry_after="1")]) as fake:
        monkeypatch.setenv("STRIPE_API_KEY", fake.api_key)
        monkeypatch.setenv("STRIPE_API_BASE", fake.base_url)
        first = run_phase(instance)
        assert first.success, [k for k, v in checks_by_name(first).items() if not v]
        assert metadata(first, "stripe__charges__extracted")["dagster/row_count"] == 250
        charge_pages = [r for r in fake.requests if r.path == "/v1/charges"]
        assert len(charge_pages) >= 3                                  # 100 per page, plus the retried 429
        assert any("starting_after" in r.query for r in charge_pages)
        assert all(r.headers.get("Authorization") == f"Bearer {fake.api_key}" for r in fake.requests)
        store = HubStore(settings().hub_db_url)
        assert store.get_cursor("stripe", "charges") == str(BASE + 349)

        fake.add("charges", charge(9999, BASE + 10_000))
        second = run_phase(instance)
        assert second.success
        # inclusive `created[gte]` re-reads the newest charge of the last run; the upsert makes it harmless
        extracted = metadata(second, "stripe__charges__extracted")["dagster/row_count"]
        assert extracted == 2
        assert store.get_cursor("stripe", "charges") == str(BASE + 10_000)
    payments = SqlLedger(settings().erp_url).read_back("payment")
    assert {"stripe:ch_09999", "stripe:re_1"} <= set(payments["external_id"])
    assert len(payments[payments["source_system"] == "stripe"]) == 252
