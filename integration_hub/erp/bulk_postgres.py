"""PostgreSQL side of the ledger: COPY into a TEMP staging table, then one INSERT ... SELECT ... ON CONFLICT.

CSV travels both ways through pyarrow (fast, and it keeps NULL apart from the empty
string: quoted "" is text, an unquoted empty field is NULL). The target table is locked
against other writers for the transaction, so the created/updated verdicts computed from
the staged join are exactly what the upsert then does. The join compares content as well
as fingerprints, so a stored row edited outside the hub is found and rewritten.
"""
from __future__ import annotations

import io
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa

from integration_hub.erp import bulk
from integration_hub.canonical.registry import CanonicalEntity
from integration_hub.erp.base import LOAD_METADATA
from integration_hub.erp.codec import iso_utc
from integration_hub.erp.ledger_schema import TABLES, staged_columns, timestamp_columns

_WRITE = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")


def _arrow_types(spec: CanonicalEntity, names) -> dict[str, pa.DataType]:
    money = {*spec.money, *spec.nullable_money}
    stamps = timestamp_columns(spec)
    return {
        n: pa.timestamp("us", tz="UTC") if n in stamps else pa.int64() if n in money
        else pa.float64() if n in spec.numbers else pa.string() for n in names
    }


def _to_arrow(frame: pd.DataFrame, types: dict[str, pa.DataType], first_pos: int | None = None) -> pa.Table:
    """Arrow columns for the CSV writer, plus `pos` numbered from `first_pos` when given.

    Timestamps go as ISO text: Arrow's own timestamp formatting is about ten times slower.
    """
    arrays = []
    for name, kind in types.items():
        if pa.types.is_timestamp(kind):
            arrays.append(pa.array(iso_utc(frame[name]), type=pa.string(), from_pandas=True))
        elif kind == pa.string():
            arrays.append(pa.array(frame[name].to_numpy(dtype=object), type=kind, from_pandas=True))
        else:
            arrays.append(pa.array(frame[name], type=kind, from_pandas=True))
    names = list(types)
    if first_pos is not None:
        arrays.append(pa.array(np.arange(first_pos, first_pos + len(frame))))
        names.append("pos")
    return pa.Table.from_arrays(arrays, names=names)


class PostgresBulk:
    def __init__(self, engine: sa.Engine, chunk_rows: int = 200_000) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self.chunk_rows = chunk_rows

    @contextmanager
    def _transaction(self):
        pooled = self.engine.raw_connection()
        conn = pooled.driver_connection
        try:
            with conn.cursor() as cur:
                yield cur
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            pooled.close()

    def _copy_in(self, cur, staged: sa.Table, frame: pd.DataFrame, types: dict[str, pa.DataType],
                 *, positions: bool = False) -> None:
        """COPY `frame` into `staged` in chunks, so the CSV buffer stays small."""
        columns = [*types, "pos"] if positions else list(types)
        statement = f"COPY {bulk.quoted(self.dialect, staged, columns)} FROM STDIN WITH (FORMAT csv)"
        for start in range(0, len(frame), self.chunk_rows):
            chunk = _to_arrow(frame.iloc[start:start + self.chunk_rows], types, start if positions else None)
            buffer = io.BytesIO()
            pacsv.write_csv(chunk, buffer, _WRITE)
            buffer.seek(0)
            cur.copy_expert(statement, buffer)

    def _stage_ids(self, cur, ids: pd.Series) -> sa.Table:
        staged = bulk.ids_table(postgresql_on_commit="DROP")
        cur.execute(bulk.sql(sa.schema.CreateTable(staged), self.dialect))
        frame = pd.DataFrame({"external_id": ids.to_numpy(dtype=object)})
        self._copy_in(cur, staged, frame, {"external_id": pa.string()})
        cur.execute(f"ANALYZE {bulk.quoted(self.dialect, staged)}")
        return staged

    def merge(self, spec: CanonicalEntity, frame: pd.DataFrame, meta: dict) -> pd.DataFrame:
        """Upsert `frame` (staged columns) with the batch `meta`.

        Returns the rows written: `pos` (position in `frame`), `created` (else updated) and
        `edited` (the columns found edited outside the hub, None when the row was not).
        """
        table = TABLES[spec.name]
        columns = staged_columns(spec)
        staged = bulk.stage_table(bulk.STAGE, table, columns, postgresql_on_commit="DROP")
        with self._transaction() as cur:
            cur.execute(f"LOCK TABLE {bulk.quoted(self.dialect, table)} IN SHARE ROW EXCLUSIVE MODE")
            cur.execute(bulk.sql(sa.schema.CreateTable(staged), self.dialect))
            self._copy_in(cur, staged, frame, _arrow_types(spec, columns), positions=True)
            cur.execute(f"ANALYZE {bulk.quoted(self.dialect, staged)}")
            cur.execute(bulk.sql(bulk.any_row(table), self.dialect, literal=True))
            if cur.fetchone() is None:
                changed = pd.DataFrame({"pos": np.arange(len(frame)), "created": True, "edited": None})
            else:
                cur.execute(bulk.sql(bulk.changed(table, staged), self.dialect))
                changed = pd.DataFrame.from_records(cur.fetchall(), columns=["pos", "created", "edited"])
                edits = {}
                if changed["edited"].any():
                    cur.execute(bulk.sql(bulk.edited(table, staged), self.dialect))
                    edits = bulk.edited_columns(cur.fetchall(), table)
                changed["edited"] = pd.Series([edits.get(int(p)) for p in changed["pos"]], dtype=object)
            if len(changed):
                rows = bulk.changed_rows(table, staged, meta)
                cur.execute(*bulk.sql_params(bulk.upsert(table, self.dialect, rows), self.dialect))
        return changed.astype({"pos": "int64", "created": bool})

    def read(self, spec: CanonicalEntity, ids: pd.Series | None, *, fingerprints: bool = False) -> pd.DataFrame:
        """Stored rows, optionally only `ids`, ordered by external_id; timestamps as epoch microseconds;
        with `fingerprints`, their content_hash too."""
        table = TABLES[spec.name]
        names = [*spec.columns, *LOAD_METADATA, *(["content_hash"] if fingerprints else [])]
        stamps = timestamp_columns(spec)
        exprs = [
            sa.cast(sa.extract("epoch", table.c[n]) * 1_000_000, sa.BigInteger).label(n) if n in stamps else table.c[n]
            for n in names
        ]
        # Timestamps arrive as epoch microseconds; text and decimal numbers (a fractional quantity) keep their types.
        types = {n: t if t in (pa.string(), pa.float64()) else pa.int64() for n, t in _arrow_types(spec, names).items()}
        buffer = io.BytesIO()
        with self._transaction() as cur:
            staged = self._stage_ids(cur, ids) if ids is not None else None
            query = bulk.sql(bulk.read(table, exprs, staged), self.dialect, literal=True)
            cur.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)", buffer)
        if not buffer.getbuffer().nbytes:
            return pd.DataFrame({n: pd.Series(dtype={pa.int64(): "Int64", pa.float64(): "float64"}.get(t, object))
                                 for n, t in types.items()})
        buffer.seek(0)
        parsed = pacsv.read_csv(
            buffer,
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=types, null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=False,
            ),
        )
        return parsed.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
