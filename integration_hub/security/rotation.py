"""Key rotation over everything the hub stores: which keys are in use, and re-encryption under the active one.

Ciphertext lives in two places: the Parquet datasets under the asset folder (extracted
datasets hold the sensitive columns) and the hub store's quarantine, whose records copy the
extracted row. Each token is bound to its field (see security.fields), and the field is
derived again from where the token sits: ``<system>/<entity>/<stage>.parquet`` column C is
``<system>.<entity>.C``; a quarantine row's record key K is ``<system>.<entity>.K``.
Every string column of every dataset is scanned, not just the declared ones, so a token that
travelled somewhere unexpected is still found (and counted before a key is retired).

Run it while no sync is running: a dataset rewritten by a run in between would keep (or
lose) values under the old key, which `usage` then shows.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import sqlalchemy as sa

from integration_hub.audit.chain import engine_scope
from integration_hub.audit.store import quarantine
from integration_hub.security.fields import PREFIX, key_ids_in_use, reencrypt_series
from integration_hub.security.keys import Keyring
from integration_hub.security.protect import field_context


@dataclass
class Usage:
    """Ciphertext tokens per key id, per place (``"assets"``, ``"quarantine"``)."""

    by_place: dict[str, Counter] = field(default_factory=dict)

    def add(self, place: str, counts: dict[str, int]) -> None:
        self.by_place.setdefault(place, Counter()).update(counts)

    @property
    def total(self) -> Counter:
        out: Counter = Counter()
        for counts in self.by_place.values():
            out.update(counts)
        return out


@dataclass(frozen=True)
class RotationReport:
    active_id: str
    before: Usage
    after: Usage
    rewritten_files: int
    rewritten_rows: int


def usage(asset_dir: Path, store: str | sa.Engine) -> Usage:
    """How many stored tokens each key id encrypts (what `keys retire` must see at zero)."""
    found = Usage()
    for _, _, _, columns in _token_columns(asset_dir):
        for values in columns.values():
            found.add("assets", key_ids_in_use(values))
    with engine_scope(store) as engine, engine.connect() as conn:
        for row in _quarantine_rows(conn):
            for _, token in _tokens(row):
                found.add("quarantine", key_ids_in_use(pd.Series([token])))
    return found


def reencrypt_all(asset_dir: Path, store: str | sa.Engine, keyring: Keyring) -> RotationReport:
    """Re-encrypt every stored token not under the active key; returns usage before and after."""
    before = usage(asset_dir, store)
    files = rows = 0
    for path, table, (system, entity), columns in _token_columns(asset_dir):
        if set(_kids(columns.values())) <= {keyring.active_id}:
            continue
        for name, values in columns.items():
            fresh = reencrypt_series(values, field_context(system, entity, name), keyring)
            table = table.set_column(table.schema.get_field_index(name), name,
                                     pa.array(fresh.tolist(), type=pa.string(), from_pandas=True))
        _replace(path, table)
        files += 1
    with engine_scope(store) as engine, engine.begin() as conn:
        for row in _quarantine_rows(conn):
            if set(_kids(pd.Series([t]) for _, t in _tokens(row))) <= {keyring.active_id}:
                continue
            record = json.loads(row.record) if row.record else None
            value = row.value
            for key, token in _tokens(row):
                fresh = reencrypt_series(pd.Series([token], dtype=object),
                                         field_context(row.system, row.entity, key), keyring).iloc[0]
                if key == row.column_name and token == row.value:
                    value = fresh
                if record is not None and record.get(key) == token:
                    record[key] = fresh
            conn.execute(quarantine.update().where(quarantine.c.id == row.id).values(
                record=None if record is None else json.dumps(record, ensure_ascii=False), value=value))
            rows += 1
    return RotationReport(keyring.active_id, before, usage(asset_dir, store), files, rows)


def _kids(columns) -> Counter:
    found: Counter = Counter()
    for values in columns:
        found.update(key_ids_in_use(values))
    return found


def _token_columns(asset_dir: Path) -> Iterator[tuple[Path, pa.Table, tuple[str, str], dict[str, pd.Series]]]:
    """(file, its table, (system, entity), {column: values}) per dataset holding tokens, token columns only."""
    for path in sorted(Path(asset_dir).rglob("*.parquet")):
        parts = path.relative_to(asset_dir).parts
        if len(parts) < 3:
            continue
        table = pq.read_table(path)
        columns = {}
        for name in table.column_names:
            column = table.column(name)
            if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
                continue
            if pc.any(pc.starts_with(column, PREFIX)).as_py():
                columns[name] = column.to_pandas().astype(object)
        if columns:
            yield path, table, (parts[0], parts[1]), columns


def _quarantine_rows(conn) -> list:
    existing = sa.inspect(conn).get_table_names()
    if "quarantine" not in existing:
        return []
    like = f"%{PREFIX}%"
    return list(conn.execute(sa.select(quarantine).where(
        quarantine.c.record.like(like) | quarantine.c.value.like(like))))


def _tokens(row) -> list[tuple[str, str]]:
    """(field name, token) pairs in one quarantine row: its record's values and its offending value."""
    found = []
    if row.record:
        record = json.loads(row.record)
        if isinstance(record, dict):
            found += [(k, v) for k, v in record.items() if isinstance(v, str) and v.startswith(PREFIX)]
    if row.value and row.column_name and str(row.value).startswith(PREFIX):
        found.append((row.column_name, row.value))
    return found


def _replace(path: Path, table: pa.Table) -> None:
    tmp = path.with_suffix(".parquet.rotating")
    pq.write_table(table, tmp)
    tmp.replace(path)  # readers never see a half-written file

