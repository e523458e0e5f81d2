"""The scope_lock gate: a locked phase whose declarations changed without approval stops at extraction."""
from __future__ import annotations

from integration_hub_tests.defs.conftest import checks_by_name, run_phase
from integration_hub_tests.governance.scope_env import copy_systems, edit


def _evaluation(result, asset: str, check: str = "scope_lock"):
    return next(e for e in result.get_asset_check_evaluations()
                if (e.asset_key.to_user_string(), e.check_name) == (asset, check))


def test_unapproved_change_blocks_the_phase_until_approved(company, instance, tmp_path, monkeypatch):
    from integration_hub.audit.chain import AuditTrail
    from integration_hub.config import settings
    from integration_hub.governance.changes import approve_change, request_change
    from integration_hub.governance.scope import lock_phase

    systems = copy_systems(tmp_path / "defs")
    monkeypatch.setenv("IH_SYSTEMS_DIR", str(systems))
    store = settings().hub_db_url

    unlocked = run_phase(instance)
    assert unlocked.success
    assert _evaluation(unlocked, "stripe/charges/extracted").metadata["scope"].value == "phase not locked"

    lock_phase(store, "cash", "omar")
    spec = systems / "stripe" / "charges.mapping.yaml"
    edit(spec, "status: {from: status}", "status: {from: status, blank: reject}")
    blocked = run_phase(instance)
    assert not blocked.success
    failed = _evaluation(blocked, "stripe/charges/extracted")
    assert not failed.passed and failed.severity.value == "ERROR"
    assert failed.description == f"{spec}: fields.status.blank added without an approved change request"
    assert blocked.is_node_untouched("stripe__charges__cleaned")
    assert blocked.is_node_untouched("erp__payments__loaded")
    assert not blocked.asset_materializations_for_node("stripe__charges__mapped")
    checks = checks_by_name(blocked)
    assert checks[("billing/invoices/extracted", "scope_lock")] is True      # billing's own files did not change

    change = request_change(store, "cash", "dana", "a charge without a status cannot be applied")
    approve_change(store, change.id, "omar")
    passed = run_phase(instance)
    assert passed.success
    assert _evaluation(passed, "stripe/charges/extracted").passed
    assert passed.asset_materializations_for_node("erp__payments__loaded")
    actions = list(AuditTrail(store).entries()["action"])
    assert {"scope.lock", "change.request", "change.approval", "change.approved"} <= set(actions)
    assert AuditTrail(store).verify().ok
