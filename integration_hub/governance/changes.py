"""Change control for locked phases: requests with their impact, four-eyes approvals, the baseline moved.

A request captures the phase's drift from its lock (each field's requested fingerprint and
value), who asks and why, and the impact analysis. It is approved once someone other than the
requester holding change.approve has approved, and so has the owner of every data domain it
touches (domain.approve); one person may approve in both capacities. Approval moves the lock's
baseline to exactly the requested fingerprints: a field edited again after the request still
drifts. Requests, approvals and the approval itself are audit-trail entries, written in the
same transaction as their rows; every refusal is an "access.denied" entry.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from integration_hub.audit.chain import AuditTrail, engine_scope, fingerprint
from integration_hub.audit.store import metadata
from integration_hub.governance.access import AccessDenied, AccessPolicy, authorize, load_policy
from integration_hub.governance.impact import Impact, analyze
from integration_hub.governance.scope import Drift, ScopeError, move_baseline, scope_drift

PENDING, APPROVED = "pending", "approved"
CHANGE = "change"                 # the capacity of a change approver; a domain owner's is "domain:<name>"

change_requests = sa.Table(
    "change_requests", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("phase", sa.String(64), nullable=False, index=True),
    sa.Column("requester", sa.String(128), nullable=False),
    sa.Column("justification", sa.Text, nullable=False),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("drift", sa.Text, nullable=False),       # JSON: the requested fields, before and after
    sa.Column("impact", sa.Text, nullable=False),      # JSON: impact.Impact
    sa.Column("approved_at", sa.DateTime(timezone=True)),
    sa.Column("audit_seq", sa.Integer),
)

change_approvals = sa.Table(
    "change_approvals", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("change_id", sa.Integer, nullable=False, index=True),
    sa.Column("approver", sa.String(128), nullable=False),
    sa.Column("capacity", sa.String(96), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("audit_seq", sa.Integer),
)


class ChangeError(ValueError):
    """A change request that cannot be made or approved as asked: the message is the one line to show."""


@dataclass(frozen=True)
class Approval:
    approver: str
    capacity: str
    at: datetime


@dataclass(frozen=True)
class ChangeRequest:
    id: int
    phase: str
    requester: str
    justification: str
    requested_at: datetime
    status: str
    drift: tuple[Drift, ...]
    impact: Impact
    approvals: tuple[Approval, ...] = ()
    approved_at: datetime | None = None

    @property
    def needed(self) -> list[str]:
        """The capacities still to approve: "change", then "domain:<name>" per touched domain."""
        return [c for c in [CHANGE, *(f"domain:{d.domain}" for d in self.impact.domains)]
                if c not in {a.capacity for a in self.approvals}]


def _create(engine: sa.Engine) -> None:
    change_requests.create(engine, checkfirst=True)
    change_approvals.create(engine, checkfirst=True)


def request_change(store: str | sa.Engine, phase: str, requester: str | None = None, justification: str = "", *,
                   policy: AccessPolicy | None = None, graph=None, systems_dir: Path | None = None) -> ChangeRequest:
    """Record a request for the locked `phase`'s current drift: the requester needs change.request and
    a business justification; the impact analysis is computed now and kept with it."""
    account = authorize(store, "change.request", requester, obj=f"phase/{phase}", policy=policy)
    if not justification.strip():
        raise ChangeError("a change request needs a business justification (--justification)")
    drift = scope_drift(store, phase, systems_dir=systems_dir)
    if not drift:
        raise ChangeError(f"phase {phase} has not changed since its lock and its approved changes: nothing to request")
    from integration_hub.mapping.systems import load_systems

    impact = analyze(drift, graph, load_systems(systems_dir), phase=phase, store=store)
    requested = [d.as_dict() for d in drift]
    with engine_scope(store) as engine:
        _create(engine)
        trail = AuditTrail(engine)
        at = datetime.now(UTC)
        with trail.locked() as conn:
            inserted = conn.execute(change_requests.insert().values(
                phase=phase, requester=account.id, justification=justification.strip(), requested_at=at,
                status=PENDING, drift=json.dumps(requested), impact=json.dumps(impact.as_dict())))
            change_id = inserted.inserted_primary_key[0]
            entry = trail.append(account.id, "change.request", f"change/{change_id}",
                                 after=fingerprint([(d.file, d.field, d.after) for d in drift]), details={
                                     "phase": phase, "justification": justification.strip(),
                                     "fields": [d.describe() for d in drift], "assets": len(impact.assets),
                                     "domains": [d.domain for d in impact.domains]}, conn=conn)
            conn.execute(change_requests.update().where(change_requests.c.id == change_id)
                         .values(audit_seq=entry.seq))
    return show_change(store, change_id)


def _deny(store, actor: str, obj: str, action: str, why: str) -> AccessDenied:
    trail = AuditTrail(store)
    try:
        trail.append(actor, "access.denied", obj, details={"action": action, "reason": why})
    finally:
        if trail.engine is not store:
            trail.dispose()
    return AccessDenied(f"refused: {actor} may not approve {obj}: {why}")


def _capacities(store, change: ChangeRequest, actor: str, policy: AccessPolicy) -> list[str]:
    """What `actor` may approve `change` as; refuses (audited) self-approval and non-owners."""
    from integration_hub.governance.domains import load_domains

    obj = f"change/{change.id}"
    if actor == change.requester:
        raise _deny(store, actor, obj, "change.approve", "they requested it (segregation of duties: "
                                                        "a change is approved by someone other than its requester)")
    account = policy.accounts.get(actor)
    actions = policy.actions_of(account) if account is not None and account.active else frozenset()
    owners = {d.name: d.owner for d in load_domains(policy=policy).values()}
    owned = [f"domain:{d.domain}" for d in change.impact.domains
             if owners.get(d.domain, d.owner) == actor and "domain.approve" in actions]
    capacities = ([CHANGE] if "change.approve" in actions else []) + owned
    if not capacities and "domain.approve" in actions and change.impact.domains:
        named = ", ".join(f"{d.domain} (owner {owners.get(d.domain, d.owner)})" for d in change.impact.domains)
        raise _deny(store, actor, obj, "domain.approve", f"they own none of the data domains it touches: {named}")
    if not capacities:
        authorize(store, "change.approve", actor, obj=obj, policy=policy)      # refuses, with its own line
        raise AssertionError("unreachable: an account without change.approve was authorized")
    authorize(store, "domain.approve" if capacities[0] != CHANGE else "change.approve", actor, obj=obj,
              policy=policy)
    return capacities


def approve_change(store: str | sa.Engine, change_id: int, approver: str | None = None, *,
                   policy: AccessPolicy | None = None) -> ChangeRequest:
    """Approve change `change_id` in every capacity `approver` holds (change approver; owner of a touched
    domain). The last approval needed approves the change and moves the lock's baseline."""
    from integration_hub.governance.access import current_actor

    approver = approver or current_actor()
    policy = policy or load_policy()
    change = show_change(store, change_id)
    if change.status != PENDING:
        raise ChangeError(f"change {change_id} is already {change.status}")
    capacities = [c for c in _capacities(store, change, approver, policy) if c in change.needed]
    if not capacities:
        raise ChangeError(f"{approver} has already approved change {change_id}; it still needs: "
                          f"{', '.join(change.needed)}")
    with engine_scope(store) as engine:
        trail = AuditTrail(engine)
        at = datetime.now(UTC)
        with trail.locked() as conn:
            status = conn.execute(sa.select(change_requests.c.status)
                                  .where(change_requests.c.id == change_id)).scalar()
            if status != PENDING:
                raise ChangeError(f"change {change_id} is already {status}")
            entry = trail.append(approver, "change.approval", f"change/{change_id}", details={
                "phase": change.phase, "capacities": capacities}, conn=conn)
            conn.execute(change_approvals.insert(), [
                {"change_id": change_id, "approver": approver, "capacity": c, "at": at, "audit_seq": entry.seq}
                for c in capacities])
            if not [c for c in change.needed if c not in capacities]:
                move_baseline(conn, change.phase, list(change.drift), change_id)
                trail.append(approver, "change.approved", f"change/{change_id}",
                                    after=fingerprint([(d.file, d.field, d.after) for d in change.drift]), details={
                                        "phase": change.phase, "fields": [d.describe() for d in change.drift],
                                        "approvers": sorted({a.approver for a in change.approvals} | {approver})},
                                    conn=conn)
                conn.execute(change_requests.update().where(change_requests.c.id == change_id)
                             .values(status=APPROVED, approved_at=at))
    return show_change(store, change_id)


def _change(row, approvals: list[Approval]) -> ChangeRequest:
    return ChangeRequest(row.id, row.phase, row.requester, row.justification, row.requested_at, row.status,
                         tuple(Drift(**d) for d in json.loads(row.drift)), Impact.from_dict(json.loads(row.impact)),
                         tuple(approvals), row.approved_at)


def list_changes(store: str | sa.Engine, phase: str | None = None, status: str | None = None) -> list[ChangeRequest]:
    """Every change request, oldest first, with its approvals."""
    with engine_scope(store) as engine:
        _create(engine)
        query = sa.select(change_requests).order_by(change_requests.c.id)
        if phase is not None:
            query = query.where(change_requests.c.phase == phase)
        if status is not None:
            query = query.where(change_requests.c.status == status)
        with engine.connect() as conn:
            rows = conn.execute(query).all()
            approvals: dict[int, list[Approval]] = {}
            for a in conn.execute(sa.select(change_approvals).order_by(change_approvals.c.id)):
                approvals.setdefault(a.change_id, []).append(Approval(a.approver, a.capacity, a.at))
    return [_change(r, approvals.get(r.id, [])) for r in rows]


def show_change(store: str | sa.Engine, change_id: int) -> ChangeRequest:
    with engine_scope(store) as engine:
        _create(engine)
        with engine.connect() as conn:
            row = conn.execute(sa.select(change_requests).where(change_requests.c.id == int(change_id))).first()
            if row is None:
                raise ChangeError(f"no change request {change_id}")
            approvals = [Approval(a.approver, a.capacity, a.at) for a in conn.execute(
                sa.select(change_approvals).where(change_approvals.c.change_id == row.id)
                .order_by(change_approvals.c.id))]
    return _change(row, approvals)


__all__ = ["APPROVED", "PENDING", "Approval", "ChangeError", "ChangeRequest", "ScopeError", "approve_change",
           "list_changes", "request_change", "show_change"]
