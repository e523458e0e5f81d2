"""The master crosswalk every run has built, kept in the hub store.

A run resolves only the customers it extracted; an incremental run may extract none of the
customers its new invoices and payments point at. Their references resolve through this
table, which holds the latest master of every source customer any run has seen, so a
payment of a customer loaded last week is re-keyed to its master instead of quarantined.
"""
from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa

from integration_hub.audit.chain import engine_scope
from integration_hub.audit.store import metadata

COLUMNS = ("source_external_id", "source_system", "source_id", "master_id", "master_external_id")

master_crosswalk = sa.Table(
    "master_crosswalk", metadata,
    sa.Column("source_external_id", sa.Text, primary_key=True),
    sa.Column("source_system", sa.String(64), nullable=False),
    sa.Column("source_id", sa.Text, nullable=False),
    sa.Column("master_id", sa.Text, nullable=False),
    sa.Column("master_external_id", sa.Text, nullable=False),
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)


def save_crosswalk(store: str | sa.Engine, crosswalk: pd.DataFrame, run_id: str) -> int:
    """Upsert this run's crosswalk rows (COLUMNS): a source customer's latest master wins."""
    if crosswalk.empty:
        return 0
    now = datetime.now(UTC)
    rows = [{**dict(zip(COLUMNS, values)), "run_id": run_id, "updated_at": now}
            for values in crosswalk[list(COLUMNS)].astype(str).itertuples(index=False, name=None)]
    keys = [r["source_external_id"] for r in rows]
    with engine_scope(store) as engine, engine.begin() as conn:
        master_crosswalk.create(conn, checkfirst=True)
        for start in range(0, len(keys), 500):   # stay under SQLite's bound-parameter limit
            conn.execute(master_crosswalk.delete().where(
                master_crosswalk.c.source_external_id.in_(keys[start:start + 500])))
        conn.execute(master_crosswalk.insert(), rows)
    return len(rows)


def load_crosswalk(store: str | sa.Engine) -> pd.DataFrame:
    """Every source customer any run resolved, with its latest master (COLUMNS)."""
    with engine_scope(store) as engine, engine.begin() as conn:
        master_crosswalk.create(conn, checkfirst=True)
        rows = conn.execute(sa.select(*[master_crosswalk.c[c] for c in COLUMNS])).fetchall()
    return pd.DataFrame.from_records(rows, columns=list(COLUMNS))
