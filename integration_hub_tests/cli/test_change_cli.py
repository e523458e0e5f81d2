"""`integration-hub change ...`: lock, drift, request with its impact, refused and granted approvals."""
from __future__ import annotations

import pytest

from integration_hub.cli import main
from integration_hub_tests.governance.scope_env import copy_systems, edit


@pytest.fixture
def systems(hub_env, tmp_path, monkeypatch):
    folder = copy_systems(tmp_path / "defs")
    monkeypatch.setenv("IH_SYSTEMS_DIR", str(folder))
    return folder


def _as(monkeypatch, actor, argv):
    monkeypatch.setenv("IH_ACTOR", actor)
    return main(argv)


def test_change_workflow_from_the_command_line(systems, monkeypatch, capsys):
    from integration_hub.audit.chain import AuditTrail
    from integration_hub.config import settings

    assert _as(monkeypatch, "sam", ["change", "lock", "cash"]) == 1
    assert capsys.readouterr().err.strip().startswith("error: refused: sam may not phase.lock")
    assert _as(monkeypatch, "omar", ["change", "lock", "cash"]) == 0
    assert "phase cash locked by omar" in capsys.readouterr().out
    assert _as(monkeypatch, "dana", ["change", "drift", "cash"]) == 0
    assert "no change since its lock" in capsys.readouterr().out

    spec = systems / "stripe" / "customers.mapping.yaml"
    edit(spec, "email: {from: email}", "email: {from: email, blank: reject}")
    assert _as(monkeypatch, "dana", ["change", "drift", "cash"]) == 1
    assert f"{spec}: fields.email.blank added" in capsys.readouterr().out

    assert _as(monkeypatch, "dana", ["change", "request", "cash", "--justification", "email is required"]) == 0
    out = capsys.readouterr().out
    assert "change 1  phase cash  pending  requested by dana" in out
    assert "canonical fields:  customer.email" in out and "data domains:      customers (owner maria)" in out
    assert "downstream phases: customers, operations, people" in out

    assert _as(monkeypatch, "dana", ["change", "approve", "1"]) == 1          # own request
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "segregation of duties" in err[0]
    assert _as(monkeypatch, "victor", ["change", "approve", "1"]) == 1        # not the customers owner
    assert "they own none of the data domains it touches: customers (owner maria)" in capsys.readouterr().err
    assert _as(monkeypatch, "omar", ["change", "approve", "1"]) == 0
    assert "still needed: domain:customers" in capsys.readouterr().out
    assert _as(monkeypatch, "maria", ["change", "approve", "1"]) == 0
    assert "change 1  phase cash  approved" in capsys.readouterr().out
    assert _as(monkeypatch, "dana", ["change", "drift", "cash"]) == 0
    capsys.readouterr()

    assert _as(monkeypatch, "priya", ["change", "show", "1"]) == 0
    shown = capsys.readouterr().out
    assert "approvals: omar as change, maria as domain:customers" in shown
    assert f'{spec}: fields.email.blank added: - -> "reject"' in shown
    assert _as(monkeypatch, "priya", ["change", "list"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("1 change requests")
    assert _as(monkeypatch, "priya", ["change", "show", "7"]) == 2
    assert "no change request 7" in capsys.readouterr().err

    trail = AuditTrail(settings().hub_db_url)
    actions = list(trail.entries()["action"])
    assert actions == ["access.denied", "scope.lock", "change.request", "access.denied", "access.denied",
                       "change.approval", "change.approval", "change.approved"]
    assert trail.verify().ok
    trail.dispose()
