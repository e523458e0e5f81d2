"""`integration-hub access whoami | review` and lineage as a role: refusals are one line and audited."""
from __future__ import annotations

import json

import pytest

from integration_hub.audit.chain import AuditTrail
from integration_hub.cli import main
from integration_hub.config import settings


@pytest.fixture
def trail(hub_env):
    trail = AuditTrail(settings().hub_db_url)
    yield trail
    trail.dispose()


def test_whoami_shows_account_roles_and_actions(hub_env, monkeypatch, capsys):
    monkeypatch.setenv("IH_ACTOR", "grace")
    assert main(["access", "whoami"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("grace (Grace Lindqvist), active")
    assert "roles    data_owner, approver" in out
    assert "actions  change.approve, domain.approve, lineage.read, phase.golive, phase.lock, phase.rollback" in out


def test_whoami_for_an_unknown_identity_is_one_line(hub_env, monkeypatch, capsys):
    monkeypatch.setenv("IH_ACTOR", "mallory")
    assert main(["access", "whoami"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: 'mallory' is not an account in") and "\n" not in err


def test_review_prints_the_findings_and_records_the_review(trail, monkeypatch, capsys):
    trail.append("omar", "change.approve", "change/1")
    monkeypatch.setenv("IH_ACTOR", "priya")
    assert main(["access", "review", "--record"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("access review as of ") and "7 of 8 accounts departed or idle for 90+ days" in out
    rows = {line.split()[0]: line for line in out.splitlines()[2:-1]}
    assert set(rows) == {"dana", "maria", "victor", "grace", "priya", "sam", "lee"}
    assert "departed on 2026-09-30" in rows["lee"] and "never acted" in rows["sam"]
    entry = trail.entries().iloc[-1]
    assert out.splitlines()[-1] == f"review recorded by priya as audit entry {entry['seq']}"
    assert (entry["actor"], entry["action"]) == ("priya", "access.review")
    assert len(json.loads(entry["details"])["findings"]) == 7
    assert trail.verify().ok


def test_review_as_of_a_later_day_finds_the_recent_actor_idle(trail, monkeypatch, capsys):
    trail.append("omar", "change.approve", "change/1")
    assert main(["access", "review", "--days", "30", "--as-of", "2099-01-01"]) == 0
    out = capsys.readouterr().out
    assert "8 of 8 accounts" in out and "(limit 30)" in out
    assert "access.review" not in set(trail.entries()["action"])     # not recorded without --record


@pytest.mark.parametrize("actor", ["sam", "lee", "dana"])
def test_recording_a_review_without_the_right_is_refused_in_one_line(trail, monkeypatch, capsys, actor):
    monkeypatch.setenv("IH_ACTOR", actor)
    assert main(["access", "review", "--record"]) == 1
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith(f"error: refused: {actor} may not access.review") and "\n" not in err
    assert captured.out == ""
    entries = trail.entries()
    assert tuple(entries.iloc[-1][["actor", "action"]]) == (actor, "access.denied")
    assert "access.review" not in set(entries["action"]) and trail.verify().ok


def test_a_viewer_may_not_read_lineage(trail, monkeypatch, capsys):
    monkeypatch.setenv("IH_ACTOR", "sam")
    assert main(["lineage", "customer", "crm:001"]) == 1
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err == ("error: refused: sam may not lineage.read (read record lineage and the audit trail): "
                   "roles ['viewer'] do not grant it") and captured.out == ""
    entry = trail.entries().iloc[-1]
    assert (entry["actor"], entry["action"], entry["object"]) == ("sam", "access.denied", "lineage/customer/crm:001")
    assert trail.verify().ok


@pytest.mark.parametrize("actor", ["priya", "dana", "omar", "maria"])
def test_entitled_roles_read_lineage(hub_env, monkeypatch, capsys, actor):
    monkeypatch.setenv("IH_ACTOR", actor)
    assert main(["lineage", "customer", "crm:001"]) == 1     # allowed: nothing was loaded in this store
    assert "no lineage recorded" in capsys.readouterr().out
