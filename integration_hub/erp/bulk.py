"""Set-based statements both ledger backends share, built with SQLAlchemy Core.

The backends run them on the raw DB-API connection (executemany, COPY), so statements are
compiled once to SQL text here rather than executed through the ORM or per row.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from integration_hub.erp.base import LOAD_METADATA
from integration_hub.erp.ledger_schema import KEY

STAGE = "ih_stage"
STAGE_IDS = "ih_stage_ids"


def stage_table(name: str, like: sa.Table, columns: tuple[str, ...], **kw) -> sa.Table:
    """A TEMPORARY table with `like`'s column types, no constraints, and `pos` (the row's place in the batch)."""
    cols = [sa.Column(c, like.c[c].type) for c in columns]
    return sa.Table(name, sa.MetaData(), *cols, sa.Column("pos", sa.BigInteger), prefixes=["TEMPORARY"], **kw)


def ids_table(**kw) -> sa.Table:
    return sa.Table(
        STAGE_IDS, sa.MetaData(), sa.Column("external_id", KEY),
        sa.Column("pos", sa.BigInteger), prefixes=["TEMPORARY"], **kw,
    )


def _insert_for(dialect: sa.Dialect):
    return postgresql.insert if dialect.name == "postgresql" else sqlite.insert


def _content(table: sa.Table) -> list[str]:
    """The record's own columns: what the fingerprint covers, bar the key."""
    return [c.name for c in table.c if c.name not in ("external_id", "content_hash", *LOAD_METADATA)]


def differs(table: sa.Table, other) -> sa.ColumnElement:
    """`other`'s row (staged or excluded columns) is not the stored one: a new fingerprint, or the same
    fingerprint over stored content that was edited in place, outside the hub."""
    return sa.or_(table.c.content_hash.is_distinct_from(other.content_hash),
                  *[table.c[c].is_distinct_from(other[c]) for c in _content(table)])


def upsert(table: sa.Table, dialect: sa.Dialect, select: sa.Select | None = None):
    """INSERT (VALUES or from `select`) ON CONFLICT (external_id) DO UPDATE, only where the row differs."""
    columns = [c.name for c in table.c]
    stmt = _insert_for(dialect)(table)
    if select is not None:
        stmt = stmt.from_select(columns, select)
    excluded = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=["external_id"],
        set_={c: excluded[c] for c in columns if c != "external_id"},
        where=differs(table, excluded),
    )


def any_row(table: sa.Table) -> sa.Select:
    return sa.select(sa.literal(1)).select_from(table).limit(1)


def changed(table: sa.Table, staged: sa.Table) -> sa.Select:
    """Batch positions of staged rows that differ from the table's; `created` when not there at all,
    `edited` when there with the staged fingerprint (so its content was edited outside the hub)."""
    join = staged.outerjoin(table, table.c.external_id == staged.c.external_id)
    return (
        sa.select(staged.c.pos, table.c.external_id.is_(None).label("created"),
                  sa.func.coalesce(table.c.content_hash == staged.c.content_hash, sa.false()).label("edited"))
        .select_from(join)
        .where(differs(table, staged.c))
    )


def edited(table: sa.Table, staged: sa.Table) -> sa.Select:
    """Staged rows with the stored fingerprint whose stored content is not theirs: rows edited in the
    ERP behind the hub's back. Their `pos` and, per content column, whether it was edited; run only
    when `changed` flagged some, since it joins the batch once more."""
    columns = _content(table)
    join = staged.join(table, table.c.external_id == staged.c.external_id)
    return (
        sa.select(staged.c.pos, *[table.c[c].is_distinct_from(staged.c[c]).label(c) for c in columns])
        .select_from(join)
        .where(table.c.content_hash == staged.c.content_hash,
               sa.or_(*[table.c[c].is_distinct_from(staged.c[c]) for c in columns]))
    )


def edited_columns(rows, table: sa.Table) -> dict[int, list[str]]:
    """`edited` rows as batch position -> the edited column names."""
    columns = _content(table)
    return {int(pos): [c for c, flag in zip(columns, flags) if flag] for pos, *flags in rows}


def changed_rows(table: sa.Table, staged: sa.Table, meta: dict) -> sa.Select:
    """The staged rows `changed` would list, with the batch's `meta` values, in key order (B-tree locality)."""
    join = staged.outerjoin(table, table.c.external_id == staged.c.external_id)
    columns = [
        staged.c[c.name] if c.name in staged.c else sa.literal(meta[c.name], c.type).label(c.name) for c in table.c
    ]
    return (
        sa.select(*columns)
        .select_from(join)
        .where(differs(table, staged.c))
        .order_by(staged.c.external_id)
    )


def read(table: sa.Table, columns: list[sa.ColumnElement], ids: sa.Table | None) -> sa.Select:
    query = sa.select(*columns)
    if ids is not None:
        query = query.select_from(table.join(ids, ids.c.external_id == table.c.external_id))
    return query.order_by(table.c.external_id)


def sql(stmt, dialect: sa.Dialect, *, literal: bool = False) -> str:
    """SQL text of a Core statement or DDL element for the raw DB-API cursor."""
    kwargs = {"literal_binds": True} if literal else {}
    return str(stmt.compile(dialect=dialect, compile_kwargs=kwargs))


def sql_params(stmt, dialect: sa.Dialect) -> tuple[str, dict]:
    """SQL text and bound parameters (named, as psycopg2 takes them)."""
    compiled = stmt.compile(dialect=dialect)
    return str(compiled), compiled.params


def quoted(dialect: sa.Dialect, table: sa.Table, columns=None) -> str:
    """`table (col, ...)` with identifiers quoted by the dialect, for COPY and LOCK."""
    prep = dialect.identifier_preparer
    name = prep.format_table(table)
    if columns is None:
        return name
    return f"{name} ({', '.join(prep.quote(c) for c in columns)})"
