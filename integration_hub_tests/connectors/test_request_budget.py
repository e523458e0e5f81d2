from __future__ import annotations

import json
import multiprocessing
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from integration_hub.connectors.fakes.salesforce_fake import SalesforceFake
from integration_hub.connectors.fakes.server import Fault
from integration_hub.connectors.http import build_session
from integration_hub.connectors.request_budget import RequestBudget, request_budget, requests_per_second
from integration_hub.connectors.salesforce import SalesforceClient, SalesforceCredentials

CLIENT_ID, SECRET = "3MVG9budget.client", "budget-client-secret-5150"
LIMIT = 8
T0 = datetime(2025, 3, 1, tzinfo=UTC)
RECORDS = [{"Id": f"001BUDGET{n:06d}", "Name": f"A{n}",
            "SystemModstamp": (T0 + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")} for n in range(200)]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def sync(base_url: str, db_url: str) -> list[str]:
    """One hub run: its own engine and budget on the shared store, its own session and token."""
    engine = sa.create_engine(db_url)
    try:
        budget = RequestBudget(engine, "salesforce", LIMIT)
        session = build_session(system="salesforce", backoff_factor=0, budget=budget)
        client = SalesforceClient(base_url, SalesforceCredentials(CLIENT_ID, SECRET), session=session)
        frame, _ = client.extract("accounts")
        return frame["Id"].tolist()
    finally:
        engine.dispose()


def _sync_in_process(base_url: str, db_url: str, barrier, results) -> None:
    barrier.wait(timeout=120)   # both processes are up (imports take a while) before either syncs
    results.put(sync(base_url, db_url))


def busiest_second(arrivals: list[float]) -> int:
    ordered = sorted(arrivals)
    return max(sum(1 for t in ordered if start <= t < start + 1.0) for start in ordered)


def check_shared_budget(fake: SalesforceFake, results: list[list[str]]) -> None:
    arrivals = [r.at for r in fake.requests]
    expected = sorted(r["Id"] for r in RECORDS)
    assert [sorted(ids) for ids in results] == [expected, expected]          # each sync got every record ...
    assert all(len(ids) == len(set(ids)) for ids in results)                 # ... exactly once
    assert len(arrivals) == 2 * (1 + 10)                                     # a token and 10 batches each
    assert busiest_second(arrivals) <= LIMIT
    assert max(arrivals) - min(arrivals) >= 2.0   # 22 requests at 8 a second: the budget held them back


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.db'}"
    return request.getfixturevalue("new_pg_database")()


def test_two_threads_share_one_budget(store_url):
    results: list[list[str]] = [[], []]
    with SalesforceFake({"Account": RECORDS}, client_id=CLIENT_ID, client_secret=SECRET, batch_cap=20) as fake:
        def run(slot: int) -> None:
            results[slot] = sync(fake.base_url, store_url)
        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        check_shared_budget(fake, results)


def test_two_processes_share_one_budget(store_url):
    context = multiprocessing.get_context("spawn")
    barrier, queue = context.Barrier(2), context.Queue()
    with SalesforceFake({"Account": RECORDS}, client_id=CLIENT_ID, client_secret=SECRET, batch_cap=20) as fake:
        processes = [context.Process(target=_sync_in_process, args=(fake.base_url, store_url, barrier, queue))
                     for _ in range(2)]
        for process in processes:
            process.start()
        results = [queue.get(timeout=120) for _ in processes]
        for process in processes:
            process.join(timeout=30)
        assert [p.exitcode for p in processes] == [0, 0]
        check_shared_budget(fake, results)


def test_a_full_window_waits_until_its_oldest_slot_expires(tmp_path):
    clock = FakeClock()
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    budget = RequestBudget(engine, "shopify", 2, sleep=clock.sleep, clock=clock)
    waits = [budget.acquire() for _ in range(5)]
    assert waits == [0, 0, pytest.approx(1.05), 0, pytest.approx(1.05)]
    assert budget.waited == pytest.approx(2.1)
    # Another vendor's budget in the same table is untouched by shopify's.
    assert RequestBudget(engine, "salesforce", 1, sleep=clock.sleep, clock=clock).acquire() == 0
    engine.dispose()


def test_fractional_limits_round_down_to_whole_slots(tmp_path):
    clock = FakeClock()
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    half = RequestBudget(engine, "shopify", 0.5, sleep=clock.sleep, clock=clock)
    assert [half.acquire() for _ in range(2)] == [0, pytest.approx(2.05)]
    engine.dispose()


def test_every_request_takes_a_slot_retries_included(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    budget = RequestBudget(engine, "salesforce", 1000)
    session = build_session(system="salesforce", backoff_factor=0, budget=budget)
    faults = [Fault(503, times=2, path="/services/data/v62.0/query")]
    with SalesforceFake({"Account": RECORDS[:5]}, client_id=CLIENT_ID, client_secret=SECRET, faults=faults) as fake:
        frame, _ = SalesforceClient(fake.base_url, SalesforceCredentials(CLIENT_ID, SECRET),
                                    session=session).extract("accounts")
        served = len(fake.requests)
    with engine.connect() as conn:
        grants = json.loads(conn.execute(sa.select(request_budget.c.grants)).scalar())
    engine.dispose()
    assert len(frame) == 5 and served == 4 and len(grants) == served   # token, 2 refused, the page


def test_limits_come_from_the_environment_or_the_documented_defaults():
    assert requests_per_second("shopify", {}) == 2 and requests_per_second("salesforce", {}) == 10
    assert requests_per_second("shopify", {"IH_SHOPIFY_REQUESTS_PER_SECOND": "4.5"}) == 4.5
    with pytest.raises(ValueError, match="IH_SHOPIFY_REQUESTS_PER_SECOND='fast' is not a number"):
        requests_per_second("shopify", {"IH_SHOPIFY_REQUESTS_PER_SECOND": "fast"})
    with pytest.raises(ValueError, match="the limit must be above 0"):
        requests_per_second("salesforce", {"IH_SALESFORCE_REQUESTS_PER_SECOND": "0"})
    with pytest.raises(ValueError, match="no request limit known for 'acme': pass per_second or set IH_ACME_"):
        requests_per_second("acme", {})
