"""A phase loads the ERP only while parallel or live, or inside its go-live run (governance/phase_state.py)."""
from __future__ import annotations

from integration_hub_tests.defs.conftest import run_phase


def _step_failures(result) -> str:
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    return " ".join(str(e.event_specific_data.error.to_string()) for e in failures)


def _ledger_count(entity: str) -> int:
    from integration_hub.config import settings
    from integration_hub.erp.ledger import SqlLedger

    ledger = SqlLedger(settings().erp_url)
    try:
        return len(ledger.read_back(entity))
    finally:
        ledger.close()


def test_rolled_back_and_locked_phases_do_not_load_and_a_golive_run_does(company, instance):
    from integration_hub.config import settings
    from integration_hub.governance.phase_state import GOLIVE_TAG, current_status, record_status
    from integration_hub.governance.phases import load_phases

    store, cash = settings().hub_db_url, load_phases()["cash"]
    record_status(store, "cash", "rolled_back", actor="omar", reason="test: undone go-live")
    assert current_status(store, cash) == "rolled_back"
    refused = run_phase(instance)
    assert not refused.success
    assert "phase cash is rolled_back: its records do not load into the ERP" in _step_failures(refused)
    assert _ledger_count("payment") == 0

    record_status(store, "cash", "locked", actor="omar", reason="test: scope locked")
    assert not run_phase(instance).success
    from integration_hub.definitions import build_definitions

    golive = build_definitions().resolve_job_def("cash_phase").execute_in_process(
        instance=instance, raise_on_error=False, tags={GOLIVE_TAG: "cash"})
    assert golive.success, _step_failures(golive)
    assert _ledger_count("payment") > 0
