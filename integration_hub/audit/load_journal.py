"""Pending-load journal: which ERP loads started and whether their evidence was written.

The ERP and the hub store are different databases (a ledger file, NetSuite), so a load's
records and its lineage, audit entry and cursor cannot commit in one transaction. A load
opens a journal entry before its first ERP write and closes it in the same hub-store
transaction that stores its lineage and its "erp.load" audit entry: the three commit
together or not at all. An entry still open when the next load of the entity
starts belongs to a run that died in between: that load completes what is missing (lineage
of records the ERP holds without any, an audit entry for the dead run) and closes it.
"""
from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa

from integration_hub.audit.chain import engine_scope
from integration_hub.audit.store import metadata

PENDING, DONE, COMPLETED_LATER = "pending", "done", "completed_by_later_run"

load_journal = sa.Table(
    "load_journal", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Column("erp_entity", sa.String(64), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("completed_by", sa.String(64)),
    sa.Index("ix_load_journal_open", "erp_entity", "status"),
)


def begin_load(store: str | sa.Engine, run_id: str, entity: str) -> int:
    """Open the journal entry of `run_id`'s load of `entity`, before anything reaches the ERP."""
    with engine_scope(store) as engine, engine.begin() as conn:
        load_journal.create(conn, checkfirst=True)
        result = conn.execute(load_journal.insert().values(
            run_id=run_id, erp_entity=entity, status=PENDING, started_at=datetime.now(UTC)))
        return int(result.inserted_primary_key[0])


def unfinished_loads(store: str | sa.Engine, entity: str, *, before: int) -> pd.DataFrame:
    """Open entries of `entity` older than entry `before`: loads whose run died mid-way (id, run_id)."""
    with engine_scope(store) as engine, engine.begin() as conn:
        load_journal.create(conn, checkfirst=True)
        rows = conn.execute(sa.select(load_journal.c.id, load_journal.c.run_id).where(
            load_journal.c.erp_entity == entity, load_journal.c.status == PENDING,
            load_journal.c.id < before).order_by(load_journal.c.id)).fetchall()
    return pd.DataFrame.from_records(rows, columns=["id", "run_id"])


def finish_load(store: str | sa.Engine | sa.Connection, entry: int, *, completed: list[int] = ()) -> None:
    """Close `entry`, and the dead runs' entries this load `completed`, in one transaction: a
    Connection's open one (so the load's lineage and audit entry commit with it), else a new one."""
    if isinstance(store, sa.Connection):
        _close(store, entry, completed)
        return
    with engine_scope(store) as engine, engine.begin() as conn:
        _close(conn, entry, completed)


def _close(conn: sa.Connection, entry: int, completed) -> None:
    now = datetime.now(UTC)
    conn.execute(load_journal.update().where(load_journal.c.id == entry).values(status=DONE, finished_at=now))
    if completed:
        run_id = conn.execute(sa.select(load_journal.c.run_id).where(load_journal.c.id == entry)).scalar_one()
        conn.execute(load_journal.update().where(load_journal.c.id.in_(list(completed))).values(
            status=COMPLETED_LATER, finished_at=now, completed_by=run_id))
