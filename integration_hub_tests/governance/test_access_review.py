"""The quarterly access review: departed and idle accounts listed, the review itself recorded."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from integration_hub.audit import chain
from integration_hub.audit.chain import AuditTrail
from integration_hub.governance.access import AccessDenied, load_policy
from integration_hub.governance.access_review import record_review, review


@pytest.fixture
def store(tmp_path):
    return f"sqlite:///{tmp_path / 'hub.db'}"


def plant(store, monkeypatch, actor, days_ago):
    """An entry by `actor` appended through the chain API with its clock `days_ago` days back."""
    real = datetime

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return real.now(tz) - timedelta(days=days_ago)

    with monkeypatch.context() as patch:
        patch.setattr(chain, "datetime", Clock)
        AuditTrail(store).append(actor, "erp.load", "customers", details={"rows": 1})


@pytest.fixture
def planted(store, monkeypatch):
    plant(store, monkeypatch, "dana", 120)      # acted long ago only
    plant(store, monkeypatch, "grace", 200)
    plant(store, monkeypatch, "grace", 3)       # acted long ago and recently
    plant(store, monkeypatch, "omar", 0)
    plant(store, monkeypatch, "lee", 10)        # departed, yet still acting
    return datetime.now(UTC).date()


def test_review_lists_stale_never_acted_and_departed_accounts(store, planted):
    findings = review(store, load_policy(), today=planted).set_index("account")
    assert set(findings.index) == {"dana", "lee", "maria", "victor", "priya", "sam"}
    assert findings.loc["dana", "reason"] == "no action for 120 days (limit 90)"
    assert findings.loc["dana", "last_action"] == planted - timedelta(days=120)
    assert findings.loc["dana", "roles"] == "integration_developer" and findings.loc["dana", "days_idle"] == 120
    assert findings.loc["lee", "reason"] == "departed on 2026-09-30" and findings.loc["lee", "days_idle"] == 10
    assert findings.loc["maria", "reason"] == "never acted" and findings.loc["maria", "last_action"] is None
    assert "grace" not in findings.index and "omar" not in findings.index    # acted 3 and 0 days ago


@pytest.mark.parametrize("stale_days, dana_listed", [(90, True), (120, True), (121, False), (365, False)])
def test_the_stale_limit_is_inclusive(store, planted, stale_days, dana_listed):
    findings = review(store, load_policy(), today=planted, stale_days=stale_days)
    assert ("dana" in set(findings["account"])) is dana_listed
    assert "lee" in set(findings["account"]) and "omar" not in set(findings["account"])


def test_a_review_far_enough_ahead_finds_everyone_stale(store, planted):
    findings = review(store, load_policy(), today=planted + timedelta(days=200))
    assert set(findings.set_index("account").loc[["omar", "grace"], "reason"]) == {
        "no action for 200 days (limit 90)", "no action for 203 days (limit 90)"}


def test_the_recorded_review_is_in_the_trail_and_the_chain_verifies(store, planted):
    findings = review(store, load_policy(), today=planted)
    entry = record_review(store, "priya", findings)
    trail = AuditTrail(store)
    last = trail.entries().iloc[-1]
    assert (last["seq"], last["actor"], last["action"]) == (entry.seq, "priya", "access.review")
    details = json.loads(last["details"])
    assert details["as_of"] == planted.isoformat() and details["stale_days"] == 90
    assert {f["account"]: f["reason"] for f in details["findings"]}["dana"] == "no action for 120 days (limit 90)"
    assert last["after_fingerprint"] == chain.fingerprint(load_policy().source.read_bytes())
    assert trail.verify().ok


def test_only_an_entitled_account_records_a_review(store, planted):
    findings = review(store, load_policy(), today=planted)
    with pytest.raises(AccessDenied, match=r"^refused: dana may not access.review"):
        record_review(store, "dana", findings)
    trail = AuditTrail(store)
    entries = trail.entries()
    assert list(entries["action"]).count("access.review") == 0
    assert tuple(entries.iloc[-1][["actor", "action", "object"]]) == ("dana", "access.denied", "access_review")
    assert trail.verify().ok
