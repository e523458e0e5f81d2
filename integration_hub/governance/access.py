"""Who may do what: accounts, their roles, and the one check every governed command makes.

Accounts and roles come from an access file (governance/access.yaml shipped as the demo's,
$IH_ACCESS_FILE for a company's own). The acting identity is $IH_ACTOR, else the operating
system user. `authorize` refuses an unknown, departed or unentitled account with one line
and appends an "access.denied" entry to the audit trail, so refusals are evidence too.
"""
from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa
import yaml

from integration_hub.audit.chain import AuditTrail

ACCESS_FILE = Path(__file__).with_name("access.yaml")
ACTIONS = {
    "spec.change": "change mapping specs, system declarations and schemas",
    "change.request": "request a change to a locked phase",
    "change.approve": "approve a change request (never one's own)",
    "domain.approve": "approve a change to a data domain one owns",
    "phase.lock": "lock a phase's scope",
    "phase.golive": "take a phase live",
    "phase.rollback": "roll a phase back",
    "lineage.read": "read record lineage and the audit trail",
    "access.review": "record the quarterly access review",
}
STATUSES = ("active", "departed")


class AccessDenied(Exception):
    """An account may not take an action: the message is the one line to show."""


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    roles: tuple[str, ...]
    status: str = "active"
    departed_on: date | None = None

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class AccessPolicy:
    roles: dict[str, frozenset[str]]      # role -> actions
    accounts: dict[str, Account]
    source: Path

    def actions_of(self, account: Account) -> frozenset[str]:
        return frozenset().union(*(self.roles[r] for r in account.roles)) if account.roles else frozenset()


def access_file() -> Path:
    return Path(os.environ["IH_ACCESS_FILE"]) if os.environ.get("IH_ACCESS_FILE") else ACCESS_FILE


def load_policy(path: Path | None = None) -> AccessPolicy:
    path = path or access_file()
    if not path.exists():
        raise ValueError(f"access file {path} does not exist (set IH_ACCESS_FILE)")
    raw = yaml.safe_load(path.read_text()) or {}
    roles = {}
    for role, actions in (raw.get("roles") or {}).items():
        unknown = sorted(set(actions or ()) - set(ACTIONS))
        if unknown:
            raise ValueError(f"{path}: roles.{role}: unknown actions {unknown}; known: {sorted(ACTIONS)}")
        roles[role] = frozenset(actions or ())
    accounts = {}
    for account_id, entry in (raw.get("accounts") or {}).items():
        entry = entry or {}
        held = tuple(entry.get("roles") or ())
        unknown = sorted(set(held) - set(roles))
        if unknown:
            raise ValueError(f"{path}: accounts.{account_id}: unknown roles {unknown}; known: {sorted(roles)}")
        status = entry.get("status", "active")
        if status not in STATUSES:
            raise ValueError(f"{path}: accounts.{account_id}: status must be one of {STATUSES}, not {status!r}")
        accounts[str(account_id)] = Account(str(account_id), str(entry.get("name", account_id)), held, status,
                                            entry.get("departed_on"))
    return AccessPolicy(roles, accounts, path)


def current_actor() -> str:
    """The acting identity: $IH_ACTOR, else the operating system user."""
    return os.environ.get("IH_ACTOR") or getpass.getuser()


def authorize(store: str | sa.Engine, action: str, actor: str | None = None, *, obj: str = "",
              policy: AccessPolicy | None = None) -> Account:
    """The account of `actor` (default: current_actor()) when it may take `action`; otherwise an
    "access.denied" audit entry and AccessDenied with one line naming the account, action and why."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    actor = actor or current_actor()
    policy = policy or load_policy()
    account = policy.accounts.get(actor)
    if account is None:
        why = f"{actor!r} is not an account in {policy.source}"
    elif not account.active:
        why = f"account {actor!r} is {account.status}"
    elif action not in policy.actions_of(account):
        why = f"roles {list(account.roles) or 'none'} do not grant it"
    else:
        return account
    trail = AuditTrail(store)
    try:
        trail.append(actor, "access.denied", obj or action, details={"action": action, "reason": why})
    finally:
        if trail.engine is not store:
            trail.dispose()
    raise AccessDenied(f"refused: {actor} may not {action} ({ACTIONS[action]}): {why}")
