"""Record-level lineage: for any ERP record, where it came from and what was done to it.

One row per (ERP record, source record, load): the source system, entity, id and row, the
file or URL it was read from, when it was extracted, the mapping-spec version and the rule
applied to each target field, the run that loaded it and the gates it passed. Golden records
add their master id and the evidence that merged each source record into it. `lineage_for`
turns those rows into the answer an auditor asks for.

Bulk writes go through the driver's fast path: PostgreSQL COPY, SQLite executemany in one
transaction (see SPEED_NOTES.md). The field rules and gates of one load are the same for all
its rows (~600 bytes of JSON), so they are stored once in `lineage_texts`, keyed by their
hash, and each row holds the 32-character key: a million rows take ~0.5 GB less.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from integration_hub.audit.chain import engine_scope
from integration_hub.audit.store import metadata

lineage = sa.Table(
    "lineage", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("erp_entity", sa.String(64), nullable=False),
    sa.Column("external_id", sa.Text, nullable=False),
    sa.Column("source_system", sa.String(64), nullable=False),
    sa.Column("source_entity", sa.String(64)),
    sa.Column("source_id", sa.Text, nullable=False),
    sa.Column("source_row", sa.Integer),
    sa.Column("origin", sa.Text),
    sa.Column("extracted_at", sa.DateTime(timezone=True)),
    sa.Column("mapping_version", sa.String(64)),
    sa.Column("field_rules", sa.Text),
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("gates_passed", sa.Text),
    sa.Column("master_id", sa.Text),
    sa.Column("merge_evidence", sa.Text),
    sa.Index("ix_lineage_record", "erp_entity", "external_id"),
    sa.Index("ix_lineage_master", "erp_entity", "master_id"),
    sa.Index("ix_lineage_source", "source_system", "source_id"),
)

lineage_texts = sa.Table(
    "lineage_texts", metadata,
    sa.Column("digest", sa.String(32), primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
)

REQUIRED = ("erp_entity", "external_id", "source_system", "source_id", "run_id")
SHARED_COLUMNS = ("field_rules", "gates_passed")   # stored once per distinct text, by digest
JSON_COLUMNS = ("field_rules", "gates_passed", "merge_evidence")
TIME_COLUMNS = ("extracted_at", "loaded_at")
COLUMNS = [c.name for c in lineage.columns if c.name != "id"]
_TIME_TEXT = "%Y-%m-%d %H:%M:%S.%f"


def record_lineage(store: str | sa.Engine | sa.Connection, frame: pd.DataFrame) -> int:
    """Insert one lineage row per row of `frame`; returns the count.

    Columns are those of the table (all but the REQUIRED ones optional). field_rules,
    gates_passed and merge_evidence may be dicts/lists or JSON text; timestamps may be
    pandas datetimes or ISO text; a missing loaded_at is now. Given a Connection, the rows
    are written in its open transaction (committed, or rolled back, with what else it holds).
    """
    columns = None if frame.empty else _prepared(frame)
    if isinstance(store, sa.Connection):
        _write(store, columns)
        return len(frame)
    with engine_scope(store) as engine, engine.begin() as conn:
        _write(conn, columns)
    return len(frame)


def _write(conn: sa.Connection, columns: dict[str, list] | None) -> None:
    lineage.create(conn, checkfirst=True)
    lineage_texts.create(conn, checkfirst=True)
    if columns is not None:
        _store_shared(conn, columns)
        _insert(conn, columns)


def with_lineage(store: str | sa.Engine, entity: str, external_ids: list[str]) -> set[str]:
    """Which of `external_ids` of ERP `entity` have at least one lineage row."""
    found: set[str] = set()
    with engine_scope(store) as engine, engine.begin() as conn:
        lineage.create(conn, checkfirst=True)
        for start in range(0, len(external_ids), 500):   # SQLite's bound-parameter limit
            chunk = list(external_ids[start:start + 500])
            found.update(conn.execute(sa.select(lineage.c.external_id).distinct().where(
                lineage.c.erp_entity == entity, lineage.c.external_id.in_(chunk))).scalars())
    return found


def _store_shared(conn: sa.Connection, columns: dict[str, list]) -> None:
    """Replace each shared JSON text by its digest, storing texts not yet stored."""
    texts: dict[str, str] = {}
    for column in SHARED_COLUMNS:
        digests: dict[str, str] = {}
        for i, text in enumerate(columns[column]):
            if text is not None:
                digest = digests.get(text) or digests.setdefault(text, hashlib.sha256(text.encode()).hexdigest()[:32])
                texts[digest] = text
                columns[column][i] = digest
    if texts:
        known = set(conn.execute(sa.select(lineage_texts.c.digest)
                                 .where(lineage_texts.c.digest.in_(list(texts)))).scalars())
        missing = [{"digest": d, "body": b} for d, b in texts.items() if d not in known]
        if missing:
            conn.execute(lineage_texts.insert(), missing)


def lineage_for(store: str | sa.Engine, entity: str, external_id: str) -> dict[str, Any]:
    """Everything known about ERP record (`entity`, `external_id`), JSON-ready.

    Keys: entity, external_id, found, merged_into (set when `external_id` names a source
    record that was merged into another ERP record), systems, sources (one per source
    record, latest load first), mapping_version and field_rules (of the latest load),
    run_id, loaded_at and gates_passed (latest load), loads (every run that loaded it),
    master_id (a sorted list if its sources disagree), and merge_evidence (every source
    record of that master id, with its evidence).
    """
    with engine_scope(store) as engine, engine.connect() as conn:
        lineage.create(conn, checkfirst=True)
        lineage_texts.create(conn, checkfirst=True)
        rows = _rows(conn, (lineage.c.erp_entity == entity) & (lineage.c.external_id == external_id))
        merged_into = None
        if not rows:
            system, _, source_id = external_id.partition(":")
            via_source = _rows(conn, (lineage.c.erp_entity == entity) & (lineage.c.source_system == system)
                               & (lineage.c.source_id == source_id))
            if via_source:
                merged_into = via_source[0]["external_id"]
                rows = _rows(conn, (lineage.c.erp_entity == entity) & (lineage.c.external_id == merged_into))
        master_ids = sorted({r["master_id"] for r in rows if r["master_id"]})
        members = _rows(conn, (lineage.c.erp_entity == entity) & lineage.c.master_id.in_(master_ids)) \
            if master_ids else []
        conn.commit()
    answer: dict[str, Any] = {"entity": entity, "external_id": external_id, "found": bool(rows),
                              "merged_into": merged_into}
    if not rows:
        return answer
    latest = rows[0]
    answer.update({
        "systems": sorted({r["source_system"] for r in rows}),
        "sources": _latest_per_source(rows),
        "mapping_version": latest["mapping_version"], "field_rules": latest["field_rules"],
        "run_id": latest["run_id"], "loaded_at": latest["loaded_at"], "gates_passed": latest["gates_passed"],
        "loads": _loads(rows),
        "master_id": master_ids[0] if len(master_ids) == 1 else (master_ids or None),
        "merge_evidence": [{k: r[k] for k in ("source_system", "source_entity", "source_id", "external_id",
                                              "merge_evidence", "run_id")}
                           for r in _latest_per_source(members)] if members else None,
    })
    return answer


def _insert(conn: sa.Connection, columns: dict[str, list]) -> None:
    dialect = conn.dialect.name
    if dialect == "postgresql":
        for column in TIME_COLUMNS:
            columns[column] = [None if v is None else v + "+00" for v in columns[column]]
        _copy(conn, list(zip(*(columns[c] for c in COLUMNS))))
    elif dialect == "sqlite":
        # The text is what SQLAlchemy's SQLite DateTime itself stores, so reads parse it back.
        placeholders = ", ".join("?" * len(COLUMNS))
        conn.exec_driver_sql(f"INSERT INTO lineage ({', '.join(COLUMNS)}) VALUES ({placeholders})",
                             list(zip(*(columns[c] for c in COLUMNS))))
    else:
        for column in TIME_COLUMNS:
            columns[column] = [None if v is None else datetime.fromisoformat(v + "+00:00") for v in columns[column]]
        conn.execute(lineage.insert(), [dict(zip(COLUMNS, row)) for row in zip(*(columns[c] for c in COLUMNS))])


def _prepared(frame: pd.DataFrame) -> dict[str, list]:
    """Each table column as a list of plain values (None for missing), timestamps as UTC text, checked."""
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ValueError(f"lineage frame lacks required column(s) {', '.join(missing)}")
    unknown = sorted(set(frame.columns) - set(COLUMNS))
    if unknown:
        raise ValueError(f"lineage frame has column(s) the lineage table does not know: {', '.join(unknown)}")
    out: dict[str, list] = {}
    for column in COLUMNS:
        values = frame[column] if column in frame.columns else pd.Series(None, index=frame.index, dtype=object)
        if column in REQUIRED:
            blank = values.isna() | values.isin(["", " "])
            if blank.any():
                raise ValueError(f"lineage rows {_labels(blank)}: {column} is required but empty")
        if column in JSON_COLUMNS:
            out[column] = _json_column(values)
        elif column in TIME_COLUMNS:
            out[column] = _utc_column(values)
        elif column == "source_row":
            numbers = pd.to_numeric(values, errors="raise").astype("Int64")
            out[column] = [None if v is pd.NA else int(v) for v in numbers.tolist()]
        else:
            present = values.notna().to_numpy()
            out[column] = [str(v) if keep else None for v, keep in zip(values.tolist(), present)]
    now = datetime.now(UTC).strftime(_TIME_TEXT)
    out["loaded_at"] = [now if v is None else v for v in out["loaded_at"]]
    return out


def _json_column(values: pd.Series) -> list[str | None]:
    cache: dict[int, str] = {}  # rows of one load usually share one rules dict

    def encode(value: Any) -> str | None:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return None
        if isinstance(value, str):
            return value
        key = id(value)
        if key not in cache:
            cache[key] = json.dumps(value, sort_keys=True, default=str)
        return cache[key]

    return [encode(v) for v in values.tolist()]


def _utc_column(values: pd.Series) -> list[str | None]:
    stamps = pd.to_datetime(values, utc=True, errors="raise").dt.tz_localize(None).to_numpy("datetime64[us]")
    text = np.datetime_as_string(stamps, unit="us")
    return [None if v == "NaT" else v.replace("T", " ") for v in text.tolist()]


def _copy(conn: sa.Connection, rows: list[tuple]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for record in rows:
        writer.writerow(["\\N" if v is None else v for v in record])
    buffer.seek(0)
    cursor = conn.connection.dbapi_connection.cursor()
    cursor.copy_expert(f"COPY lineage ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer)


def _rows(conn: sa.Connection, condition: Any) -> list[dict[str, Any]]:
    result = conn.execute(sa.select(lineage).where(condition)
                          .order_by(lineage.c.loaded_at.desc(), lineage.c.id.desc()))
    rows = [dict(r._mapping) for r in result]
    digests = {r[c] for r in rows for c in SHARED_COLUMNS if r[c] is not None}
    texts = dict(conn.execute(sa.select(lineage_texts.c.digest, lineage_texts.c.body)
                              .where(lineage_texts.c.digest.in_(list(digests)))).all()) if digests else {}
    for row in rows:
        for column in SHARED_COLUMNS:
            if row[column] is not None:
                row[column] = texts.get(row[column], row[column])
    return [_decoded(row) for row in rows]


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    for column in JSON_COLUMNS:
        if row[column] is not None:
            row[column] = json.loads(row[column])
    for column in ("extracted_at", "loaded_at"):
        value = row[column]
        if value is not None:
            row[column] = (value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)).isoformat()
    row.pop("id")
    return row


def _latest_per_source(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen, out = set(), []
    for row in rows:  # newest first, so the first row per source record is its latest load
        key = (row["source_system"], row["source_entity"], row["source_id"])
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


def _loads(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    loads: dict[str, dict[str, Any]] = {}
    for row in rows:
        loads.setdefault(row["run_id"], {"run_id": row["run_id"], "loaded_at": row["loaded_at"],
                                         "mapping_version": row["mapping_version"],
                                         "gates_passed": row["gates_passed"]})
    return list(loads.values())


def _labels(mask: pd.Series, limit: int = 5) -> str:
    labels = list(mask[mask].index[:limit])
    more = int(mask.sum()) - len(labels)
    return ", ".join(map(repr, labels)) + (f" and {more} more" if more > 0 else "")
