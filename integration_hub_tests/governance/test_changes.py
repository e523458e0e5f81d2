"""Change requests on a locked phase: four eyes, domain owners, the baseline moved, every step audited."""
from __future__ import annotations

import pytest

from integration_hub.audit.chain import AuditTrail
from integration_hub.governance.access import AccessDenied
from integration_hub.governance.changes import (ChangeError, approve_change, list_changes, request_change,
                                                show_change)
from integration_hub.governance.scope import lock_phase, scope_drift
from integration_hub_tests.governance.scope_env import edit, store, systems  # noqa: F401

EMAIL = ("email: {from: email}", "email: {from: email, blank: reject}")


@pytest.fixture
def customer_change(systems, store):
    """Cash locked, then the Stripe customer spec edited (the customers domain, owned by maria) and requested."""
    lock_phase(store, "cash", "omar")
    edit(systems / "stripe" / "customers.mapping.yaml", *EMAIL)
    return request_change(store, "cash", "dana", "reject Stripe customers without an email")


def test_request_captures_fields_impact_and_requester(customer_change, systems, store):
    change = customer_change
    assert (change.requester, change.status, change.phase) == ("dana", "pending", "cash")
    assert [(d.file, d.field, d.kind) for d in change.drift] == [
        (str(systems / "stripe" / "customers.mapping.yaml"), "fields.email.blank", "added")]
    assert change.impact.canonical_fields == ("customer.email",)
    assert [(d.domain, d.owner) for d in change.impact.domains] == [("customers", "maria")]
    assert change.needed == ["change", "domain:customers"]
    assert [c.id for c in list_changes(store)] == [change.id]
    assert show_change(store, change.id).justification == "reject Stripe customers without an email"


def test_request_needs_a_role_a_justification_and_a_drift(systems, store):
    lock_phase(store, "cash", "omar")
    with pytest.raises(ChangeError, match="nothing to request"):
        request_change(store, "cash", "dana", "no reason")
    edit(systems / "stripe" / "customers.mapping.yaml", *EMAIL)
    with pytest.raises(AccessDenied, match="refused: omar may not change.request"):
        request_change(store, "cash", "omar", "approvers do not request")
    with pytest.raises(ChangeError, match="business justification"):
        request_change(store, "cash", "dana", "  ")
    assert list_changes(store) == []


def test_self_approval_is_refused_and_audited(customer_change, store):
    with pytest.raises(AccessDenied) as refused:
        approve_change(store, customer_change.id, "dana")
    assert str(refused.value).startswith(f"refused: dana may not approve change/{customer_change.id}: "
                                         "they requested it (segregation of duties")
    assert "\n" not in str(refused.value)
    last = AuditTrail(store).entries().iloc[-1]
    assert (last.action, last.actor, last.object) == ("access.denied", "dana", f"change/{customer_change.id}")
    assert show_change(store, customer_change.id).approvals == ()


def test_a_non_owner_cannot_approve_a_domain_change(customer_change, store):
    with pytest.raises(AccessDenied, match=r"refused: victor may not approve change/\d+: they own none of the data "
                                           r"domains it touches: customers \(owner maria\)"):
        approve_change(store, customer_change.id, "victor")
    with pytest.raises(AccessDenied, match="refused: sam may not change.approve"):
        approve_change(store, customer_change.id, "sam")        # a viewer, neither approver nor owner
    denied = AuditTrail(store).entries().query("action == 'access.denied'")
    assert list(denied["actor"]) == ["victor", "sam"]
    assert show_change(store, customer_change.id).status == "pending"


def test_approved_by_approver_and_owner_moves_the_baseline_and_is_audited(customer_change, store):
    change = approve_change(store, customer_change.id, "omar")
    assert change.status == "pending" and change.needed == ["domain:customers"]
    assert scope_drift(store, "cash")                          # one approval of two: still drift
    with pytest.raises(ChangeError, match="omar has already approved"):
        approve_change(store, customer_change.id, "omar")
    change = approve_change(store, customer_change.id, "maria")
    assert change.status == "approved" and change.needed == []
    assert {(a.approver, a.capacity) for a in change.approvals} == {("omar", "change"), ("maria", "domain:customers")}
    assert scope_drift(store, "cash") == []
    with pytest.raises(ChangeError, match="already approved"):
        approve_change(store, customer_change.id, "grace")
    trail = AuditTrail(store)
    actions = list(trail.entries()["action"])
    assert actions == ["scope.lock", "change.request", "change.approval", "change.approval", "change.approved"]
    assert trail.verify().ok


def test_only_the_requested_fields_are_approved(customer_change, systems, store):
    spec = systems / "stripe" / "customers.mapping.yaml"
    edit(spec, "email: {from: email, blank: reject}", "email: {from: email, blank: default, default: none}")
    approve_change(store, customer_change.id, "omar")
    approve_change(store, customer_change.id, "maria")
    drift = {(d.field, d.kind) for d in scope_drift(store, "cash")}
    assert drift == {("fields.email.blank", "changed"), ("fields.email.default", "added")}


def test_one_person_in_both_capacities(systems, store):
    """grace is an approver and the chart-of-accounts owner; a change that touches no domain needs one approver."""
    lock_phase(store, "cash", "omar")
    edit(systems / "stripe" / "charges.mapping.yaml", "status: {from: status}", "status: {from: status, blank: reject}")
    change = request_change(store, "cash", "dana", "a charge without a status is not a payment")
    assert change.impact.domains == () and change.needed == ["change"]
    assert approve_change(store, change.id, "grace").status == "approved"
    assert scope_drift(store, "cash") == []


def test_the_same_workflow_on_postgresql(systems, pg_database):
    lock_phase(pg_database, "cash", "omar")
    edit(systems / "stripe" / "customers.mapping.yaml", *EMAIL)
    change = request_change(pg_database, "cash", "dana", "reject Stripe customers without an email")
    with pytest.raises(AccessDenied, match="segregation of duties"):
        approve_change(pg_database, change.id, "dana")
    approve_change(pg_database, change.id, "grace")      # approver; owns chart_of_accounts, not customers
    assert approve_change(pg_database, change.id, "maria").status == "approved"
    assert scope_drift(pg_database, "cash") == []
    trail = AuditTrail(pg_database)
    assert list(trail.entries()["action"]) == ["scope.lock", "change.request", "access.denied", "change.approval",
                                               "change.approval", "change.approved"]
    assert trail.verify().ok
    trail.dispose()
