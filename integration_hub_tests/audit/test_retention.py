import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from integration_hub.audit.api_log import ApiCallLog
from integration_hub.audit.chain import AuditTrail
from integration_hub.audit.retention import RetentionPolicy, purge
from integration_hub.audit.store import HubStore, quarantine, run_metrics

NOW = datetime(2032, 6, 15, 12, 0, tzinfo=UTC)
CUTOFF_7Y = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
CUTOFF_2Y = datetime(2030, 6, 15, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def seed(url: str) -> HubStore:
    store = HubStore(url)
    quarantined = {"q-old": datetime(2020, 1, 1, tzinfo=UTC), "q-just-out": CUTOFF_7Y - SECOND,
                   "q-at-cutoff": CUTOFF_7Y, "q-inside": CUTOFF_7Y + timedelta(days=1), "q-new": NOW}
    with store.engine.begin() as conn:
        conn.execute(quarantine.insert(), [
            {"run_id": name, "system": "stripe", "entity": "charges", "stage": "cleaned", "rule": "r",
             "created_at": at} for name, at in quarantined.items()])
        conn.execute(run_metrics.insert(), [
            {"run_id": name, "system": "stripe", "entity": "charges", "stage": "cleaned", "rows_in": 1, "rows_out": 1,
             "quarantined": 0, "merged": 0, "created_at": at}
            for name, at in (("m-old", CUTOFF_7Y - timedelta(days=400)), ("m-new", NOW - timedelta(days=3)))])
    log = ApiCallLog(store.engine)
    for name, at in (("a-old", CUTOFF_2Y - SECOND), ("a-inside", CUTOFF_2Y + SECOND)):
        log.record({"system": "stripe", "method": "GET", "url": "https://x/v1/charges", "status": 200,
                    "run_id": name, "timestamp": at.isoformat()})
    AuditTrail(store.engine).append("ann", "load", "stripe/charges")
    return store


def remaining(store: HubStore, table: str) -> list[str]:
    with store.engine.connect() as conn:
        return sorted(conn.execute(sa.text(f"SELECT run_id FROM {table}")).scalars())


POLICY = RetentionPolicy(7, {"api_calls": 2})


def check_purge(store: HubStore, caplog) -> None:
    dry = purge(store.engine, now=NOW, dry_run=True, policy=POLICY)
    assert dry.dry_run and dry.chain_seq is None
    assert {t: info["rows"] for t, info in dry.tables.items() if info["rows"]} == \
        {"quarantine": 2, "api_calls": 1, "run_metrics": 1}
    assert {"run_failures", "record_flags"} <= set(dry.tables)
    assert len(remaining(store, "quarantine")) == 5 and AuditTrail(store.engine).head()[0] == 1

    with caplog.at_level(logging.INFO, logger="integration_hub.audit.retention"):
        report = purge(store.engine, now=NOW, policy=POLICY, actor="ops@company")
    assert report.total == 4 and report.chain_seq == 2
    assert remaining(store, "quarantine") == ["q-at-cutoff", "q-inside", "q-new"]    # nothing inside the window
    assert remaining(store, "api_calls") == ["a-inside"] and remaining(store, "run_metrics") == ["m-new"]
    assert report.tables["quarantine"]["run_ids"] == ["q-just-out", "q-old"]
    assert report.tables["api_calls"]["cutoff"] == CUTOFF_2Y.isoformat()
    assert "purged 2 quarantine rows dated before 2025-06-15T12:00:00+00:00" in caplog.text

    trail = AuditTrail(store.engine)
    assert trail.verify().ok and trail.verify().checked == 2      # the chain is never purged, only extended
    entry = trail.entries().iloc[-1]
    assert (entry["actor"], entry["action"]) == ("ops@company", "purge")
    details = json.loads(entry["details"])
    assert details["removed"]["quarantine"]["rows"] == 2 and details["policy"] == {"default_years": 7, "api_calls": 2}

    again = purge(store.engine, now=NOW, policy=POLICY)
    assert again.total == 0 and again.chain_seq is None and trail.head()[0] == 2


def test_purge_on_sqlite(tmp_path, caplog):
    check_purge(seed(f"sqlite:///{tmp_path / 'hub.db'}"), caplog)


def test_purge_on_postgresql(pg_database, caplog):
    store = seed(pg_database)
    check_purge(store, caplog)
    store.dispose()


def test_purge_skips_tables_that_do_not_exist(tmp_path):
    report = purge(f"sqlite:///{tmp_path / 'empty.db'}", now=NOW, policy=POLICY)
    assert report.tables == {} and report.total == 0


@pytest.mark.parametrize(("text", "default", "per_table"), [
    ("", 7, {}), ("10", 10, {}), ("5, api_calls=2", 5, {"api_calls": 2}), ("quarantine=9", 7, {"quarantine": 9}),
])
def test_policy_from_environment(text, default, per_table):
    policy = RetentionPolicy.from_env({"IH_RETENTION_YEARS": text})
    assert (policy.default_years, dict(policy.per_table)) == (default, per_table)


@pytest.mark.parametrize(("text", "message"), [
    ("0", "whole number of years >= 1"), ("seven", "years must be a whole number"),
    ("audit_chain=1", "audit chain is never purged"), ("api_calls=1.5", "whole number"),
])
def test_bad_policy_is_refused(text, message):
    with pytest.raises(ValueError, match=message):
        RetentionPolicy.from_env({"IH_RETENTION_YEARS": text})


def test_cutoff_on_a_leap_day():
    assert RetentionPolicy().cutoff("quarantine", datetime(2028, 2, 29, tzinfo=UTC)) == \
        datetime(2021, 2, 28, tzinfo=UTC)
