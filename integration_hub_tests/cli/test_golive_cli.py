"""`integration-hub golive` and `rollback`: refusals are one line and exit 1; --date only plans (with --dry-run)."""
from __future__ import annotations

from integration_hub.cli.main import main


def _lock(phase: str) -> None:
    from integration_hub.config import settings
    from integration_hub.governance.phase_state import record_status

    record_status(settings().hub_db_url, phase, "locked", actor="omar", reason="test: scope locked")


def test_golive_dry_run_in_the_last_week_of_a_quarter_names_the_next_safe_window(hub_env, monkeypatch, capsys):
    monkeypatch.setenv("IH_ACTOR", "omar")
    _lock("customers")
    assert main(["golive", "customers", "--dry-run", "--date", "2026-09-28"]) == 1
    out = capsys.readouterr().out
    assert ("go-live of customers refused: 2026-09-28 is in the final week of fiscal Q3 2026 (ends 2026-09-30); "
            "next safe window 2026-10-01 to 2026-10-14") in out


def test_golive_dry_run_in_a_safe_window_lists_criteria_not_yet_passing(hub_env, monkeypatch, capsys):
    monkeypatch.setenv("IH_ACTOR", "omar")
    _lock("customers")
    assert main(["golive", "customers", "--dry-run", "--date", "2026-10-05"]) == 1    # nothing measured yet
    out = capsys.readouterr().out
    assert "dry run: customers may go live on 2026-10-05" in out
    assert "conservation: not measured" in out and "criteria not passing now: conservation" in out


def test_a_dated_golive_without_dry_run_is_a_usage_error(hub_env, capsys):
    assert main(["golive", "customers", "--date", "2026-10-05"]) == 2
    assert "--date plans a go-live: use it with --dry-run" in capsys.readouterr().err


def test_rollback_without_a_golive_and_golive_without_the_right_are_refused(hub_env, monkeypatch, capsys):
    from integration_hub.audit.chain import AuditTrail
    from integration_hub.config import settings

    monkeypatch.setenv("IH_ACTOR", "omar")
    assert main(["rollback", "customers"]) == 1
    assert "rollback refused: phase customers has no go-live recorded" in capsys.readouterr().out
    monkeypatch.setenv("IH_ACTOR", "sam")
    assert main(["golive", "customers", "--dry-run"]) == 1
    assert "refused: sam may not phase.golive" in capsys.readouterr().out
    assert AuditTrail(settings().hub_db_url).entries()["action"].tolist() == ["phase.rollback.refused",
                                                                               "access.denied"]
