"""The SQL ledger: the hub's embedded ERP, a SQLite file by default or a PostgreSQL database.

`upsert` applies the ledger rules to the whole batch (ledger_rules), then hands the
accepted rows to the backend's set-based merge (bulk_sqlite / bulk_postgres); verdicts
come from comparing each record with what the ledger already holds, so loading the
same batch twice reports every record unchanged and writes nothing. The comparison covers
the stored content, not only its fingerprint: a row edited in the ledger outside the hub
is rewritten to the hub's value, "updated" with a repair message (ledger_tamper). Lines (an
order's) keep their own table; a batch of lines replaces the lines of the documents it names.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from integration_hub.erp import applications
from integration_hub.canonical import registry
from integration_hub.erp.base import OUTCOME_COLUMNS, ErpTarget, LoadOutcome
from integration_hub.erp.bulk_postgres import PostgresBulk
from integration_hub.erp.bulk_sqlite import SqliteBulk
from integration_hub.erp.ledger_rules import prepare
from integration_hub.erp.codec import iso_utc
from integration_hub.erp.ledger_schema import (METADATA, PAYMENT_APPLICATIONS, TABLES, add_missing_columns,
                                               timestamp_columns, to_canonical)
from integration_hub.erp.ledger_tamper import repair_message


def normalize_url(url: str) -> str:
    """Pin PostgreSQL URLs to psycopg2 (the driver installed; SQLAlchemy 2.1 would pick psycopg 3)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # WAL lets readers run during a load; NORMAL skips the fsync per commit that WAL does not need
    cursor = dbapi_conn.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "temp_store=MEMORY", "busy_timeout=30000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


class SqlLedger(ErpTarget):
    """An ErpTarget over SQLAlchemy: `sqlite:///path/ledger.db` or `postgresql://...`."""

    def __init__(self, url: str, *, chunk_rows: int = 200_000) -> None:
        self.url = normalize_url(url)
        parsed = sa.make_url(self.url)
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = sa.create_engine(self.url)
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self._bulk = SqliteBulk(self.engine)
        elif parsed.get_backend_name() == "postgresql":
            self.engine = sa.create_engine(self.url, pool_pre_ping=True)
            self._bulk = PostgresBulk(self.engine, chunk_rows)
        else:
            raise ValueError(f"SqlLedger supports sqlite and postgresql URLs, not {parsed.get_backend_name()!r}")
        METADATA.create_all(self.engine)
        add_missing_columns(self.engine)

    def upsert(self, entity: str, records: pd.DataFrame, *, run_id: str, mapping_version: str) -> pd.DataFrame:
        spec = registry.get(entity)
        accepted, verdicts = prepare(spec, records)
        if len(accepted):
            meta = {"mapping_version": mapping_version, "run_id": run_id, "loaded_at": datetime.now(timezone.utc)}
            changed = self._bulk.merge(spec, accepted, meta)
            outcome = np.full(len(accepted), LoadOutcome.UNCHANGED.value, dtype=object)
            outcome[changed["pos"].to_numpy()] = np.where(
                changed["created"].to_numpy(), LoadOutcome.CREATED.value, LoadOutcome.UPDATED.value)
            verdicts.iloc[accepted.index, 1] = outcome
            repaired = changed[changed["edited"].notna()]
            if len(repaired):
                verdicts.iloc[accepted.index[repaired["pos"].to_numpy()], 2] = [
                    repair_message(columns) for columns in repaired["edited"]]
        if spec.parent:
            self._drop_lines_not_carried(spec, records)
        return verdicts.loc[:, list(OUTCOME_COLUMNS)]

    def _drop_lines_not_carried(self, spec, records: pd.DataFrame) -> int:
        """Delete the stored lines of the batch's parents that the batch no longer carries.

        A batch carries every line of the documents it names (sources send an order's lines
        together), so a line missing from it was removed at the source (or held back by the hub
        this run, and loads again once it passes); the ledger holds current lines, not their
        history (the audit trail and lineage keep that), as the REST targets' sublists do. A line
        the batch carries but the ledger rejects keeps its stored version, as any rejected update does."""
        table = TABLES[spec.name]
        parents = set(records[spec.parent].dropna().astype(str))
        if not parents:
            return 0
        with self.engine.connect() as conn:
            stored = pd.DataFrame(conn.execute(sa.select(table.c.external_id, table.c[spec.parent])).fetchall(),
                                  columns=["external_id", "parent"])
        gone = stored.loc[stored["parent"].isin(parents) & ~stored["external_id"].isin(
            set(records["external_id"].dropna().astype(str))), "external_id"].tolist()
        with self.engine.begin() as conn:
            for start in range(0, len(gone), 5000):
                conn.execute(table.delete().where(table.c.external_id.in_(gone[start:start + 5000])))
        return len(gone)

    def read_back(self, entity: str, external_ids=None) -> pd.DataFrame:
        """Canonical columns (int64 money, datetime64[ns, UTC]) plus mapping_version, run_id, loaded_at."""
        spec = registry.get(entity)
        ids = None
        if external_ids is not None:
            ids = pd.Series(list(external_ids), dtype=object).dropna().drop_duplicates()
        return to_canonical(spec, self._bulk.read(spec, ids))

    def read_fingerprinted(self, entity: str) -> tuple[pd.DataFrame, pd.Series]:
        """Every stored record as read_back gives it, and the content_hash stored with it."""
        spec = registry.get(entity)
        raw = self._bulk.read(spec, None, fingerprints=True)
        return to_canonical(spec, raw), pd.Series(raw["content_hash"], dtype=object, name="content_hash")

    def apply_payments(self, run_id: str) -> pd.DataFrame:
        with self.engine.begin() as conn:
            return applications.apply_payments(conn, run_id)

    def invoice_balances(self) -> pd.DataFrame:
        """Per invoice: external_id, invoice_number, currency, status, total, credited, applied, open (minor units)."""
        with self.engine.connect() as conn:
            return applications.invoice_balances(conn)

    # Rollback (governance/rollback.py): rows removed, or written back exactly as a before-image holds them.
    def delete(self, entity: str, external_ids) -> int:
        """Remove the records `external_ids` of `entity` (its lines are separate records, deleted by
        their own entity first); the number removed."""
        table, ids = TABLES[registry.get(entity).name], [str(i) for i in external_ids]
        removed = 0
        with self.engine.begin() as conn:
            for start in range(0, len(ids), 5000):
                removed += conn.execute(table.delete().where(table.c.external_id.in_(ids[start:start + 5000]))).rowcount
        return removed

    def restore(self, entity: str, records: pd.DataFrame) -> int:
        """Write `records` (read_fingerprinted's frame with its content_hash column) back exactly, load
        metadata and stored fingerprint included, replacing any stored row of the same external_id."""
        spec = registry.get(entity)
        table = TABLES[spec.name]
        names = [c.name for c in table.c]
        money, stamps = {*spec.money, *spec.nullable_money}, set(timestamp_columns(spec))
        columns = []
        for name in names:
            col = records[name]
            if name in stamps:
                columns.append(iso_utc(col))
            elif name in money:
                columns.append([None if pd.isna(v) else int(v) for v in col])
            elif name in spec.numbers:
                columns.append([None if pd.isna(v) else float(v) for v in col])
            else:
                columns.append([None if v is None or (not isinstance(v, str) and pd.isna(v)) else v for v in col])
        rows = [dict(zip(names, values)) for values in zip(*columns)]
        # untyped columns: the values are already in the stored form (ISO text timestamps on SQLite)
        plain = sa.table(table.name, *[sa.column(n) for n in names])
        ids = records["external_id"].astype(str).tolist()
        with self.engine.begin() as conn:
            for start in range(0, len(rows), 5000):
                conn.execute(table.delete().where(table.c.external_id.in_(ids[start:start + 5000])))
                conn.execute(sa.insert(plain), rows[start:start + 5000])
        return len(rows)

    def payment_applications(self) -> pd.DataFrame:
        """Every stored application: APPLICATION_COLUMNS and run_id, by payment and invoice."""
        t = PAYMENT_APPLICATIONS
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t.c.payment_external_id, t.c.invoice_external_id, t.c.applied_minor,
                                          t.c.run_id).order_by(t.c.payment_external_id, t.c.invoice_external_id))
            out = pd.DataFrame(rows.fetchall(), columns=["payment_external_id", "invoice_external_id",
                                                         "applied_minor", "run_id"])
        out["applied_minor"] = out["applied_minor"].astype("int64")
        return out

    def replace_payment_applications(self, applications: pd.DataFrame) -> None:
        """Make the stored applications exactly `applications` (payment_applications' columns)."""
        rows = [{"payment_external_id": r.payment_external_id, "invoice_external_id": r.invoice_external_id,
                 "applied_minor": int(r.applied_minor), "run_id": None if pd.isna(r.run_id) else r.run_id}
                for r in applications.itertuples(index=False)]
        with self.engine.begin() as conn:
            conn.execute(PAYMENT_APPLICATIONS.delete())
            if rows:
                conn.execute(PAYMENT_APPLICATIONS.insert(), rows)

    def close(self) -> None:
        self.engine.dispose()
