"""Tables of the SQL ledger (SQLAlchemy Core), and the frame <-> row conversions they need.

One table per canonical entity, keyed by external_id, with the load metadata and the
record's content hash; payment_applications links payments to the invoices they settle.
Money is BIGINT minor units; timestamps are timezone-aware (SQLite keeps fixed-width ISO
8601 UTC text, which sorts in time order).
"""
from __future__ import annotations

from itertools import repeat

import numpy as np
import pandas as pd
import sqlalchemy as sa

from integration_hub.canonical import registry
from integration_hub.canonical.registry import CanonicalEntity
from integration_hub.erp.base import LOAD_METADATA
from integration_hub.erp.codec import int_values, iso_utc

METADATA = sa.MetaData()
# byte-order keys on PostgreSQL: the same order as SQLite, and B-tree inserts skip locale-aware
# comparison (the server's C.UTF-8 default is not the fast "C" path)
KEY = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _entity_table(spec: CanonicalEntity) -> sa.Table:
    columns = []
    for name in spec.columns:
        if name in spec.money:
            columns.append(sa.Column(name, sa.BigInteger, nullable=False))
        elif name in spec.nullable_money:
            columns.append(sa.Column(name, sa.BigInteger))
        elif name in spec.timestamps:
            columns.append(sa.Column(name, sa.DateTime(timezone=True)))
        elif name in spec.numbers:
            columns.append(sa.Column(name, sa.Float(precision=53)))
        else:
            key = name == "external_id" or name in spec.indexed
            columns.append(sa.Column(name, KEY if key else sa.Text, primary_key=name == "external_id"))
    indexes = [sa.Index(f"ix_{spec.table}_{name}", name) for name in spec.indexed]
    return sa.Table(
        spec.table, METADATA, *columns, *indexes,
        sa.Column("mapping_version", sa.Text), sa.Column("run_id", sa.Text),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
    )


TABLES: dict[str, sa.Table] = {name: _entity_table(spec) for name, spec in registry.all_entities().items()}

PAYMENT_APPLICATIONS = sa.Table(
    "payment_applications", METADATA,
    sa.Column("payment_external_id", KEY, primary_key=True),
    sa.Column("invoice_external_id", KEY, primary_key=True),
    sa.Column("applied_minor", sa.BigInteger, nullable=False),
    sa.Column("run_id", sa.Text),
)


def staged_columns(spec: CanonicalEntity) -> tuple[str, ...]:
    """What a load sends per record; the load metadata is constant per batch and sent once."""
    return (*spec.columns, "content_hash")


def timestamp_columns(spec: CanonicalEntity) -> tuple[str, ...]:
    return (*spec.timestamps, "loaded_at")


def _values(spec: CanonicalEntity, frame: pd.DataFrame, take: np.ndarray) -> list[np.ndarray]:
    """Canonical columns of rows `take` as the driver binds them, column by column: taking rows of
    the whole frame would first copy it into consolidated blocks."""
    money = {*spec.money, *spec.nullable_money}
    parts = []
    for name in spec.columns:
        col = frame[name].take(take)
        if name in spec.timestamps:
            parts.append(iso_utc(col))
        elif name in money:
            parts.append(int_values(col))
        else:
            parts.append(col.to_numpy(dtype=object))
    return parts


def to_rows(spec: CanonicalEntity, frame: pd.DataFrame, meta: dict, take: np.ndarray) -> list[tuple]:
    """Rows `take` (positions) of `frame` as Python tuples in stored column order (SQLite path).

    `frame` holds the canonical columns and content_hash; `meta` the batch's constant
    mapping_version, run_id and loaded_at.
    """
    loaded_at = iso_utc(pd.Series([meta["loaded_at"]]))[0]
    constants = [repeat(meta["mapping_version"]), repeat(meta["run_id"]), repeat(loaded_at)]
    return list(zip(*_values(spec, frame, take), *constants, frame["content_hash"].to_numpy(dtype=object)[take]))


def staged_rows(spec: CanonicalEntity, frame: pd.DataFrame, take: np.ndarray) -> list[tuple]:
    """Rows `take` as staged for comparison with the stored ones (SQLite path): staged_columns, then
    `pos`, the row's place in `take`."""
    hashes = frame["content_hash"].to_numpy(dtype=object)[take]
    return list(zip(*_values(spec, frame, take), hashes, range(len(take))))


def to_canonical(spec: CanonicalEntity, raw) -> pd.DataFrame:
    """Give columns read from the database (`raw[name]`, array-likes) their canonical dtypes.

    Timestamps may arrive as ISO text (SQLite) or integer epoch microseconds (PostgreSQL);
    missing text is already None from both drivers.
    """
    out = {}
    for name in (*spec.columns, *LOAD_METADATA):
        col = pd.Series(raw[name], copy=False)
        if name in spec.money:
            col = col.astype("int64")
        elif name in spec.nullable_money:
            col = col.astype("Int64")
        elif name in spec.numbers:
            col = pd.to_numeric(col).astype("float64")
        elif name in timestamp_columns(spec):
            col = _timestamps(col)
        out[name] = col.to_numpy() if col.dtype == object else col.array
    return pd.DataFrame(out)


def _timestamps(col: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(col.dtype):
        micros = col.astype("Int64").to_numpy(dtype="int64", na_value=np.iinfo("int64").min)
        stamps = pd.Series(micros.view("datetime64[us]"))  # int64 min is NaT
        return stamps.dt.tz_localize("UTC").astype("datetime64[ns, UTC]")
    return pd.to_datetime(col, utc=True, format="ISO8601").astype("datetime64[ns, UTC]")


def add_missing_columns(engine: sa.Engine) -> list[str]:
    """Add the nullable columns a newer declaration gained to a ledger created before it (a
    customer's parent, say); `create_all` makes missing tables but never alters existing ones.
    A missing column that may not be null cannot be added to rows that lack it: that is refused."""
    inspector = sa.inspect(engine)
    added = []
    for table in METADATA.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            if not column.nullable:
                raise RuntimeError(f"ledger table {table.name} lacks required column {column.name}; "
                                   "migrate it by hand (it cannot be filled for the rows already there)")
            kind = column.type.compile(dialect=engine.dialect)
            with engine.begin() as conn:
                conn.exec_driver_sql(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}')
            added.append(f"{table.name}.{column.name}")
    return added
