"""A phase's status as governance moved it: go-live, rollback and lock are recorded in the hub store.

phases.yaml declares each phase's starting status; every later move (locked, parallel, live,
rolled_back) is a row here, written in the same transaction as its audit entry, and the newest
row is the phase's current status. Loads read it at run time: a phase loads the ERP only while
it is `parallel` or `live`, or inside a go-live run.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from integration_hub.audit.chain import AuditTrail, Entry, engine_scope
from integration_hub.audit.store import metadata
from integration_hub.governance.phases import LOADING_STATUSES, STATUSES, Phase

GOLIVE_TAG = "integration_hub/golive"     # run tag of a go-live run: its phase may load while not yet live

phase_status = sa.Table(
    "phase_status", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("phase", sa.String(64), nullable=False, index=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("details", sa.Text),
    sa.Column("audit_seq", sa.Integer),
)


def current_status(store: str | sa.Engine, phase: Phase) -> str:
    """The newest recorded status of `phase`, else the one phases.yaml declares."""
    with engine_scope(store) as engine:
        if not sa.inspect(engine).has_table("phase_status"):
            return phase.status
        with engine.connect() as conn:
            status = conn.execute(sa.select(phase_status.c.status).where(phase_status.c.phase == phase.name)
                                  .order_by(phase_status.c.id.desc()).limit(1)).scalar()
    return status or phase.status


def may_load(store: str | sa.Engine, phase: Phase, *, golive_run: bool = False) -> tuple[bool, str]:
    """Whether `phase`'s records may reach the ERP now, and its current status."""
    status = current_status(store, phase)
    return status in LOADING_STATUSES or (golive_run and status in ("locked", "rolled_back")), status


def record_status(store: str | sa.Engine, phase: str, status: str, *, actor: str, reason: str,
                  details: dict | None = None) -> Entry:
    """Move `phase` to `status`: the history row and its "phase.status" audit entry commit together."""
    if status not in STATUSES:
        raise ValueError(f"unknown phase status {status!r}; known: {list(STATUSES)}")
    with engine_scope(store) as engine:
        phase_status.create(engine, checkfirst=True)
        trail = AuditTrail(engine)
        with trail.locked() as conn:
            entry = trail.append(actor, "phase.status", f"phase/{phase}", details={
                "status": status, "reason": reason, **(details or {})}, conn=conn)
            conn.execute(phase_status.insert().values(
                phase=phase, status=status, actor=actor, at=datetime.now(UTC), reason=reason,
                details=json.dumps(details or {}, default=str), audit_seq=entry.seq))
    return entry

