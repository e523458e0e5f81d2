"""Statements that do not prove themselves complete: kept, recorded, warned about, and held back from go-live."""
import dagster as dg
import pandas as pd

from integration_hub.audit.store import HubStore
from integration_hub.config import settings
from integration_hub.defs.io import asset_path
from integration_hub.defs.sensors import BANK_EXTRACT_OP
from integration_hub.governance.phases import PHASES_FILE, load_phases
from integration_hub_tests.defs.conftest import checks_by_name, run_phase

# One statement without its opening balance, one whose closing balance is a cent off, one complete.
FLAGGED = (":20:NOOPEN\n:25:NL91ABNA0417164300\n:28C:1/1\n:61:2403010301C25,00NTRFINV-1\n:62F:C240301EUR125,00\n-\n"
           ":20:OFFBYONE\n:25:NL91ABNA0417164300\n:28C:2/1\n:60F:C240301EUR125,00\n"
           ":61:2403020302D5,00NTRFFEE-1\n:62F:C240302EUR120,01\n-\n"
           ":20:BALANCED\n:25:NL91ABNA0417164300\n:28C:3/1\n:60F:C240302EUR120,00\n"
           ":61:2403030303C10,00NTRFINV-2\n:61:2403030303C2,50NTRFINV-3\n:62F:C240303EUR132,50\n")
SYNC = "bank_sync"
CHECK = ("bank/transactions/extracted", "complete_statements")
GOLIVE = ("erp/bank_transactions/loaded", "golive_bank__transactions")


def _sync(instance, tmp_path):
    statement = tmp_path / "flagged.sta"
    statement.write_text(FLAGGED)
    result = run_phase(instance, SYNC, {"ops": {BANK_EXTRACT_OP: {"config": {"files": [str(statement)]}}}})
    return statement, result


def test_incomplete_statements_are_kept_recorded_warned_about_and_block_go_live(hub_env, instance, tmp_path):
    statement, result = _sync(instance, tmp_path)
    checks = checks_by_name(result)
    assert checks[CHECK] is False                            # a warning: nothing downstream was stopped
    evaluation = next(e for e in result.get_asset_check_evaluations() if e.check_name == CHECK[1])
    assert evaluation.severity == dg.AssetCheckSeverity.WARN
    assert evaluation.metadata["incomplete_statements"].value == 2
    assert evaluation.metadata["transactions_affected"].value == 2
    listed = evaluation.metadata["statements"].value
    assert "NOOPEN/1/1" in listed and "OFFBYONE/2/1" in listed and "BALANCED" not in listed

    recorded = HubStore(settings().hub_db_url).incomplete_statements(run_ids=[result.run_id])
    assert recorded[["statement_id", "status", "stated_minor", "computed_minor", "transactions", "file"]] \
        .astype(object).where(recorded.notna(), None).values.tolist() == [
        ["NOOPEN/1/1", "no_opening_balance", 12500, None, 1, str(statement)],
        ["OFFBYONE/2/1", "balance_mismatch", 12001, 12000, 1, str(statement)]]

    mapped = pd.read_parquet(asset_path(settings().asset_dir, dg.AssetKey(["bank", "transactions", "mapped"])))
    assert dict(zip(mapped["reference"], mapped["statement_status"])) == {
        "INV-1": "no_opening_balance", "FEE-1": "balance_mismatch", "INV-2": "complete", "INV-3": "complete"}

    # Every transaction loaded, with its statement's status; go-live refuses the incomplete ones.
    loaded = result.asset_materializations_for_node("erp__bank_transactions__loaded")
    assert loaded, "the flagged statements' cash must still reach the ERP"
    assert checks[GOLIVE] is False
    golive = next(e for e in result.get_asset_check_evaluations() if e.check_name == GOLIVE[1])
    assert "expect_column_values_to_be_in_set(statement_status)" in golive.description


def test_without_the_criterion_flagged_statements_pass_go_live(hub_env, instance, tmp_path, monkeypatch):
    relaxed = tmp_path / "phases.yaml"
    relaxed.write_text(PHASES_FILE.read_text().replace("complete_statements: true", "complete_statements: false"))
    monkeypatch.setattr("integration_hub.definitions.load_phases", lambda: load_phases(relaxed))
    _, result = _sync(instance, tmp_path)
    checks = checks_by_name(result)
    assert checks[CHECK] is False and checks[GOLIVE] is True


def test_complete_statements_pass_the_warning_check(hub_env, instance, tmp_path):
    statement = tmp_path / "ok.sta"
    statement.write_text(FLAGGED.split("-\n")[2])
    result = run_phase(instance, SYNC, {"ops": {BANK_EXTRACT_OP: {"config": {"files": [str(statement)]}}}})
    checks = checks_by_name(result)
    assert checks[CHECK] is True and checks[GOLIVE] is True
    assert HubStore(settings().hub_db_url).incomplete_statements(run_ids=[result.run_id]).empty


def test_an_unknown_enforced_criterion_is_refused(tmp_path):
    bad = tmp_path / "phases.yaml"
    bad.write_text(PHASES_FILE.read_text().replace("complete_statements: true", "all_green: true"))
    try:
        load_phases(bad)
    except ValueError as exc:
        assert "['all_green'] cannot be enforced" in str(exc)
    else:
        raise AssertionError("an enforced criterion no check implements must not pass silently")
