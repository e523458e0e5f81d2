"""The audit chain's anchor: seq and hash of its newest entry, kept apart from the chain's table.

A hash chain proves that no entry inside it was changed, but a chain that was dropped,
emptied or cut short is still a valid chain: it just verifies fewer entries. The anchor is
written in the same transaction as every append, in its own table, so `verify` can tell
"0 entries, and there never were any" from "0 entries, where entry 412 used to be". It
is a one-row table: whoever can rewrite both tables consistently is only caught by an
anchor published outside the store (run metadata, `audit verify --anchor`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from integration_hub.audit.store import metadata

_ROW = 1
_TEXT = re.compile(r"(\d+):([0-9a-f]{64})")

audit_anchor = sa.Table(
    "audit_anchor", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class Anchor:
    """An entry the chain must still hold unchanged: as text, SEQ:HASH."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Anchor:
        match = _TEXT.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"an anchor is SEQ:HASH (a number, a colon, 64 hex digits), got {text!r}")
        return cls(int(match.group(1)), match.group(2))


def read_anchor(conn: sa.Connection) -> Anchor | None:
    row = conn.execute(sa.select(audit_anchor.c.seq, audit_anchor.c.hash).where(audit_anchor.c.id == _ROW)).first()
    return Anchor(row.seq, row.hash) if row else None


def write_anchor(conn: sa.Connection, anchor: Anchor) -> None:
    """Move the anchor to `anchor`; call it in the transaction that appended that entry."""
    values = {"seq": anchor.seq, "hash": anchor.hash, "updated_at": datetime.now(UTC)}
    if conn.execute(audit_anchor.update().where(audit_anchor.c.id == _ROW).values(**values)).rowcount == 0:
        conn.execute(audit_anchor.insert().values(id=_ROW, **values))
