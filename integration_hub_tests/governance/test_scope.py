"""Scope lock: field-level fingerprints of a phase's declarations and the drift from them."""
from __future__ import annotations

import pytest

from integration_hub.audit.chain import AuditTrail
from integration_hub.governance.access import AccessDenied
from integration_hub.governance.phase_state import current_status
from integration_hub.governance.phases import load_phases
from integration_hub.governance.scope import (ScopeError, field_prints, flatten, get_lock, lock_phase,
                                              scope_drift, scope_files)
from integration_hub_tests.governance.scope_env import edit, store, systems  # noqa: F401


@pytest.mark.parametrize("value, expected", [
    ({"fields": {"amount": {"from": "amount", "blank": "reject"}}},
     {"fields.amount.from": "amount", "fields.amount.blank": "reject"}),
    ({"allowed": ["a", "b"]}, {"allowed": ["a", "b"]}),                       # a list of scalars is one value
    ({"checks": [{"rule": "r", "require": "x <= y"}]}, {"checks.0.rule": "r", "checks.0.require": "x <= y"}),
    ({"options": {}}, {"options": {}}),
    ("text", {"(file)": "text"}),
])
def test_flatten(value, expected):
    assert flatten(value) == expected


def test_scope_covers_the_phase_systems_and_its_domains_rule_files(systems):
    files = {f.key: f.system for f in scope_files(load_phases()["cash"])}
    charges = str(systems / "stripe" / "charges.mapping.yaml")
    assert files[charges] == "stripe" and files[str(systems / "bank" / "system.yaml")] == "bank"
    assert files["integration_hub/governance/master_data.yaml"] is None    # cash feeds the customers domain
    assert not [f for f in files if "/crm/" in f]                           # phase 2's systems are not cash's
    assert "fields.amount_minor.from" in field_prints(systems / "stripe" / "charges.mapping.yaml")


def test_lock_then_edit_names_file_and_field(systems, store):
    lock = lock_phase(store, "cash", "dana")
    assert lock.fields > 100 and lock.files == 11
    assert get_lock(store, "cash").actor == "dana"
    assert scope_drift(store, "cash") == []
    charges = systems / "stripe" / "charges.mapping.yaml"
    edit(charges, "amount_minor: {from: amount, blank: reject}", "amount_minor: {from: amount_refunded, blank: reject}")
    edit(charges, "  payment_ref: {const: null}\n", "  payment_ref: {const: null}\n  fee_note: {const: x}\n")
    drift = {(d.file, d.field): d for d in scope_drift(store, "cash")}
    assert set(drift) == {(str(charges), "fields.amount_minor.from"), (str(charges), "fields.fee_note.const")}
    changed, added = drift[(str(charges), "fields.amount_minor.from")], drift[(str(charges), "fields.fee_note.const")]
    assert (changed.kind, changed.before_value, changed.after_value, changed.system) == (
        "changed", '"amount"', '"amount_refunded"', "stripe")
    assert added.kind == "added" and added.before is None
    edit(systems / "stripe" / "refunds.mapping.yaml", "  fee_minor: {const: null}\n", "")
    removed = [d for d in scope_drift(store, "cash") if d.file.endswith("refunds.mapping.yaml")]
    assert [(d.field, d.kind, d.after) for d in removed] == [("fields.fee_minor.const", "removed", None)]


def test_lock_is_audited_once_and_needs_phase_lock(systems, store):
    with pytest.raises(AccessDenied, match="refused: maria may not phase.lock"):
        lock_phase(store, "cash", "maria")
    lock_phase(store, "cash", "omar")
    with pytest.raises(ScopeError, match="already locked"):
        lock_phase(store, "cash", "omar")
    entries = AuditTrail(store).entries()
    assert list(entries["action"]) == ["access.denied", "scope.lock"]
    assert AuditTrail(store).verify().ok
    assert current_status(store, load_phases()["cash"]) == "live"     # the lock is apart from a live status


def test_a_planned_phase_moves_to_locked(systems, store, tmp_path, monkeypatch):
    import integration_hub.governance.scope as scope
    from integration_hub.governance import phases as phases_module

    text = phases_module.PHASES_FILE.read_text().replace("    status: live\n    depends_on: [operations]",
                                                         "    status: planned\n    depends_on: [operations]")
    planned = tmp_path / "phases.yaml"
    planned.write_text(text)
    monkeypatch.setattr(scope, "load_phases", lambda: phases_module.load_phases(planned))
    people = phases_module.load_phases(planned)["people"]
    assert current_status(store, people) == "planned"
    lock_phase(store, "people", "omar")
    assert current_status(store, people) == "locked"


def test_drift_of_an_unlocked_phase_is_refused(systems, store):
    with pytest.raises(ScopeError, match="phase cash is not locked"):
        scope_drift(store, "cash")
