"""Set-based statements both ledger backends share, built with SQLAlchemy Core.

The backends run them on the raw DB-API connection (executemany, COPY), so statements are
compiled once to SQL text here rather than executed through the ORM or per row.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from integration_hub.erp.ledger_schema import KEY

STAGE = "ih_stage"
STAGE_IDS = "ih_stage_ids"


def stage_table(name: str, like: sa.Table, columns: tuple[str, ...], **kw) -> sa.Table:
    """A TEMPORARY table with `like`'s column types, no constraints, and `pos` (the row's place in the batch)."""
    cols = [sa.Column(c, like.c[c].type) for c in columns]
    return sa.Table(name, sa.MetaData(), *cols, sa.Column("pos", sa.BigInteger), prefixes=["TEMPORARY"], **kw)


def ids_table(**kw) -> sa.Table:
    return sa.Table(
        STAGE_IDS, sa.MetaData(), sa.Column("external_id", KEY), sa.Column("content_hash", sa.Text),
        sa.Column("pos", sa.BigInteger), prefixes=["TEMPORARY"], **kw,
    )


def _insert_for(dialect: sa.Dialect):
    return postgresql.insert if dialect.name == "postgresql" else sqlite.insert


def upsert(table: sa.Table, dialect: sa.Dialect, select: sa.Select | None = None):
    """INSERT (VALUES or from `select`) ON CONFLICT (external_id) DO UPDATE, only where content changed."""
    columns = [c.name for c in table.c]
    stmt = _insert_for(dialect)(table)
    if select is not None:
        stmt = stmt.from_select(columns, select)
    excluded = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=["external_id"],
        set_={c: excluded[c] for c in columns if c != "external_id"},
        where=table.c.content_hash.is_distinct_from(excluded.content_hash),
    )


def any_row(table: sa.Table) -> sa.Select:
    return sa.select(sa.literal(1)).select_from(table).limit(1)


def changed(table: sa.Table, staged: sa.Table) -> sa.Select:
    """Batch positions of staged rows whose content differs from the table's; `created` when not there at all."""
    join = staged.outerjoin(table, table.c.external_id == staged.c.external_id)
    return (
        sa.select(staged.c.pos, table.c.external_id.is_(None).label("created"))
        .select_from(join)
        .where(table.c.content_hash.is_distinct_from(staged.c.content_hash))
    )


def changed_rows(table: sa.Table, staged: sa.Table, meta: dict) -> sa.Select:
    """The staged rows `changed` would list, with the batch's `meta` values, in key order (B-tree locality)."""
    join = staged.outerjoin(table, table.c.external_id == staged.c.external_id)
    columns = [
        staged.c[c.name] if c.name in staged.c else sa.literal(meta[c.name], c.type).label(c.name) for c in table.c
    ]
    return (
        sa.select(*columns)
        .select_from(join)
        .where(table.c.content_hash.is_distinct_from(staged.c.content_hash))
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
