"""Roles decide who may act; every refusal is one line and an audit entry."""
from __future__ import annotations

import pytest

from integration_hub.audit.chain import AuditTrail
from integration_hub.governance.access import AccessDenied, authorize, current_actor, load_policy


@pytest.fixture
def store(tmp_path):
    return f"sqlite:///{tmp_path / 'hub.db'}"


def test_an_entitled_account_is_authorized(store):
    assert authorize(store, "change.approve", "omar").name == "Omar Haddad"
    assert AuditTrail(store).entries().empty


@pytest.mark.parametrize("actor, action, why", [
    ("dana", "change.approve", "roles ['integration_developer'] do not grant it"),
    ("lee", "change.request", "account 'lee' is departed"),
    ("mallory", "lineage.read", "'mallory' is not an account in"),
    ("sam", "lineage.read", "roles ['viewer'] do not grant it"),
])
def test_a_refusal_names_account_action_and_reason_and_is_audited(store, actor, action, why):
    with pytest.raises(AccessDenied) as refused:
        authorize(store, action, actor, obj="change/3")
    assert str(refused.value).startswith(f"refused: {actor} may not {action}")
    assert why in str(refused.value) and "\n" not in str(refused.value)
    trail = AuditTrail(store)
    entry = trail.entries().iloc[-1]
    assert (entry["actor"], entry["action"], entry["object"]) == (actor, "access.denied", "change/3")
    assert trail.verify().ok


def test_the_actor_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("IH_ACTOR", "priya")
    assert current_actor() == "priya"


def test_an_access_file_naming_an_unknown_role_or_action_is_refused(tmp_path):
    bad = tmp_path / "access.yaml"
    bad.write_text("roles: {dev: [spec.change, deploy]}\naccounts: {}\n")
    with pytest.raises(ValueError, match=r"roles.dev: unknown actions \['deploy'\]"):
        load_policy(bad)
    bad.write_text("roles: {dev: [spec.change]}\naccounts: {ann: {roles: [admin]}}\n")
    with pytest.raises(ValueError, match=r"accounts.ann: unknown roles \['admin'\]"):
        load_policy(bad)
