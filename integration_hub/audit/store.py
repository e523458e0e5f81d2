"""The hub store: quarantine, merges, record flags, incomplete statements, cursors, run metrics, failures.

One SQLAlchemy database (SQLite file by default, PostgreSQL for teams) that outlives
Dagster's own storage, so an auditor can ask what happened to any record.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pandas as pd
import sqlalchemy as sa

from integration_hub.config import ensure_sqlite_dir, normalize_db_url

metadata = sa.MetaData()

quarantine = sa.Table(
    "quarantine", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(64), nullable=False, index=True),
    sa.Column("system", sa.String(64), nullable=False),
    sa.Column("entity", sa.String(64), nullable=False),
    sa.Column("stage", sa.String(32), nullable=False),
    sa.Column("source_id", sa.Text),
    sa.Column("row_number", sa.Integer),
    sa.Column("rule", sa.Text, nullable=False),
    sa.Column("column_name", sa.Text),
    sa.Column("value", sa.Text),
    sa.Column("record", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_quarantine_entity", "system", "entity", "stage"),
)

merges = sa.Table(
    "merges", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(64), nullable=False, index=True),
    sa.Column("system", sa.String(64), nullable=False),
    sa.Column("entity", sa.String(64), nullable=False),
    sa.Column("source_id", sa.Text),
    sa.Column("row_number", sa.Integer),
    sa.Column("merged_into", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# Records the hub kept but changed for safety (a card number masked in free text): which, where, why.
record_flags = sa.Table(
    "record_flags", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(64), nullable=False, index=True),
    sa.Column("system", sa.String(64), nullable=False),
    sa.Column("entity", sa.String(64), nullable=False),
    sa.Column("stage", sa.String(32), nullable=False),
    sa.Column("source_id", sa.Text),
    sa.Column("row_number", sa.Integer),
    sa.Column("column_name", sa.Text),
    sa.Column("flag", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# Bank statements kept although they do not prove themselves complete (connectors/bank/completeness.py).
incomplete_statements = sa.Table(
    "incomplete_statements", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(64), nullable=False, index=True),
    sa.Column("file", sa.Text, nullable=False),
    sa.Column("line", sa.Integer, nullable=False),
    sa.Column("statement_id", sa.Text, nullable=False),
    sa.Column("account_mask", sa.String(64), nullable=False),
    sa.Column("currency", sa.String(3)),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("stated_minor", sa.BigInteger),
    sa.Column("computed_minor", sa.BigInteger),
    sa.Column("transactions", sa.Integer, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

cursors = sa.Table(
    "cursors", metadata,
    sa.Column("system", sa.String(64), primary_key=True),
    sa.Column("entity", sa.String(64), primary_key=True),
    sa.Column("cursor", sa.Text, nullable=False),
    sa.Column("run_id", sa.String(64)),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

run_metrics = sa.Table(
    "run_metrics", metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("system", sa.String(64), primary_key=True),
    sa.Column("entity", sa.String(64), primary_key=True),
    sa.Column("stage", sa.String(32), primary_key=True),
    sa.Column("rows_in", sa.BigInteger, nullable=False),
    sa.Column("rows_out", sa.BigInteger, nullable=False),
    sa.Column("quarantined", sa.BigInteger, nullable=False, default=0),
    sa.Column("merged", sa.BigInteger, nullable=False, default=0),
    sa.Column("seconds", sa.Float),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

run_failures = sa.Table(
    "run_failures", metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("job_name", sa.String(255), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
)

QUARANTINE_COLUMNS = ["source_id", "row_number", "rule", "column_name", "value", "record"]


def _now() -> datetime:
    return datetime.now(timezone.utc)


class HubStore:
    """Typed access to the hub store tables; creates them on first use."""

    def __init__(self, url: str):
        url = normalize_db_url(url)
        ensure_sqlite_dir(url)
        self.engine = sa.create_engine(url, future=True)
        metadata.create_all(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()

    # quarantine -------------------------------------------------------------
    def add_quarantine(self, run_id: str, system: str, entity: str, stage: str, rows: pd.DataFrame) -> int:
        """Store rejected records; `rows` has QUARANTINE_COLUMNS (record as a dict or JSON text).

        Rules, values and records are scrubbed here, for every caller: a rejected row is stored
        whole, and whatever free text it carries (an SSN, a pasted key) must not be."""
        if rows.empty:
            return 0
        from integration_hub.security.scrub import scrub_records, scrub_series

        now = _now()
        rows = rows[QUARANTINE_COLUMNS].reset_index(drop=True)
        rows = rows.assign(rule=scrub_series(rows["rule"].astype(object)),
                           value=scrub_series(rows["value"].astype(object)), record=scrub_records(rows["record"]))
        payload = [
            {
                "run_id": run_id, "system": system, "entity": entity, "stage": stage, "created_at": now,
                "source_id": _text(r.source_id), "row_number": None if pd.isna(r.row_number) else int(r.row_number),
                "rule": str(r.rule), "column_name": _text(r.column_name), "value": _text(r.value),
                "record": r.record if isinstance(r.record, str) or r.record is None else json.dumps(r.record, default=str),
            }
            for r in rows.itertuples(index=False)
        ]
        with self.engine.begin() as conn:
            conn.execute(quarantine.insert(), payload)
        return len(payload)

    def quarantined(self, *, run_ids: list[str] | None = None, system: str | None = None,
                    entity: str | None = None, stage: str | None = None) -> pd.DataFrame:
        query = sa.select(quarantine)
        for column, value in (("system", system), ("entity", entity), ("stage", stage)):
            if value is not None:
                query = query.where(quarantine.c[column] == value)
        if run_ids is not None:
            query = query.where(quarantine.c.run_id.in_(run_ids))
        with self.engine.connect() as conn:
            return pd.read_sql(query.order_by(quarantine.c.id), conn)

    # merges -----------------------------------------------------------------
    def add_merges(self, run_id: str, system: str, entity: str, rows: pd.DataFrame) -> int:
        """Record rows folded into another record (source_id, row_number, merged_into, reason)."""
        if rows.empty:
            return 0
        now = _now()
        payload = [
            {"run_id": run_id, "system": system, "entity": entity, "created_at": now,
             "source_id": _text(r.source_id), "row_number": None if pd.isna(r.row_number) else int(r.row_number),
             "merged_into": str(r.merged_into), "reason": str(r.reason)}
            for r in rows[["source_id", "row_number", "merged_into", "reason"]].itertuples(index=False)
        ]
        with self.engine.begin() as conn:
            conn.execute(merges.insert(), payload)
        return len(payload)

    def merged(self, *, run_ids: list[str], system: str, entity: str) -> pd.DataFrame:
        query = sa.select(merges).where(merges.c.run_id.in_(run_ids), merges.c.system == system,
                                        merges.c.entity == entity)
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)

    # record flags -----------------------------------------------------------
    def add_flags(self, run_id: str, system: str, entity: str, stage: str, flag: str, rows: pd.DataFrame) -> int:
        """Flag records (source_id, row_number, column_name) with `flag`, e.g. "card_number_masked"."""
        if rows.empty:
            return 0
        now = _now()
        payload = [{"run_id": run_id, "system": system, "entity": entity, "stage": stage, "flag": flag,
                    "created_at": now, "source_id": _text(r.source_id),
                    "row_number": None if pd.isna(r.row_number) else int(r.row_number),
                    "column_name": _text(r.column_name)}
                   for r in rows[["source_id", "row_number", "column_name"]].itertuples(index=False)]
        with self.engine.begin() as conn:
            conn.execute(record_flags.insert(), payload)
        return len(payload)

    def flags(self, *, run_ids: list[str] | None = None, flag: str | None = None) -> pd.DataFrame:
        query = sa.select(record_flags)
        if run_ids is not None:
            query = query.where(record_flags.c.run_id.in_(run_ids))
        if flag is not None:
            query = query.where(record_flags.c.flag == flag)
        with self.engine.connect() as conn:
            return pd.read_sql(query.order_by(record_flags.c.id), conn)

    # incomplete statements --------------------------------------------------
    def add_incomplete_statements(self, run_id: str, flagged: list, transactions: dict[tuple[str, str], int]) -> int:
        """Record each IncompleteStatement with how many transactions it brought in;
        `transactions` counts rows by (file, statement_id)."""
        if not flagged:
            return 0
        now = _now()
        payload = [{"run_id": run_id, "file": f.file, "line": f.line, "statement_id": f.statement_id,
                    "account_mask": f.account_mask, "currency": f.currency, "status": f.status,
                    "stated_minor": f.stated_minor, "computed_minor": f.computed_minor,
                    "transactions": int(transactions.get((f.file, f.statement_id), 0)),
                    "detail": f.detail, "created_at": now} for f in flagged]
        with self.engine.begin() as conn:
            conn.execute(incomplete_statements.insert(), payload)
        return len(payload)

    def incomplete_statements(self, run_ids: list[str] | None = None) -> pd.DataFrame:
        query = sa.select(incomplete_statements)
        if run_ids is not None:
            query = query.where(incomplete_statements.c.run_id.in_(run_ids))
        with self.engine.connect() as conn:
            return pd.read_sql(query.order_by(incomplete_statements.c.id), conn)

    # cursors ----------------------------------------------------------------
    def get_cursor(self, system: str, entity: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(cursors.c.cursor).where(
                cursors.c.system == system, cursors.c.entity == entity)).scalar_one_or_none()

    def set_cursor(self, system: str, entity: str, value: str, run_id: str | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(cursors.delete().where(cursors.c.system == system, cursors.c.entity == entity))
            conn.execute(cursors.insert().values(system=system, entity=entity, cursor=value, run_id=run_id,
                                                 updated_at=_now()))

    # metrics and failures ---------------------------------------------------
    def record_metric(self, run_id: str, system: str, entity: str, stage: str, *, rows_in: int, rows_out: int,
                      quarantined: int = 0, merged: int = 0, seconds: float | None = None) -> None:
        key = (run_metrics.c.run_id == run_id) & (run_metrics.c.system == system) & \
              (run_metrics.c.entity == entity) & (run_metrics.c.stage == stage)
        with self.engine.begin() as conn:
            conn.execute(run_metrics.delete().where(key))
            conn.execute(run_metrics.insert().values(
                run_id=run_id, system=system, entity=entity, stage=stage, rows_in=rows_in, rows_out=rows_out,
                quarantined=quarantined, merged=merged, seconds=seconds, created_at=_now()))

    def metrics(self, run_ids: list[str] | None = None) -> pd.DataFrame:
        query = sa.select(run_metrics)
        if run_ids is not None:
            query = query.where(run_metrics.c.run_id.in_(run_ids))
        with self.engine.connect() as conn:
            return pd.read_sql(query.order_by(run_metrics.c.created_at), conn)

    def record_failure(self, run_id: str, job_name: str, message: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(run_failures.delete().where(run_failures.c.run_id == run_id))
            conn.execute(run_failures.insert().values(run_id=run_id, job_name=job_name, message=message,
                                                      failed_at=_now()))

    def failures(self) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return pd.read_sql(sa.select(run_failures).order_by(run_failures.c.failed_at), conn)


def _text(value) -> str | None:
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return None
    return str(value)
