"""The tamper-evident audit trail: an append-only, hash-chained log of loads and changes.

Each entry's hash is sha256 over a canonical JSON of its fields and the previous entry's
hash, so editing, deleting, inserting or reordering any entry breaks every link after it,
and `verify` names the first broken one. What a chain alone cannot show is the loss of its
newest entries, or of all of them: every append also moves the anchor (audit.anchor: seq
and hash of the newest entry, its own table, same transaction), and `verify` holds the
chain against it. An append chains onto the anchored entry, so a truncated tail stays a
visible gap; one that finds the anchor lost first chains an "audit.anchor_missing" entry.
A rewrite of both tables by someone with write access is caught only by an anchor
published elsewhere (run metadata, a report), passed back as `verify(anchor=...)`.

Appends are serialized: on SQLite the writer takes the database write lock up front
(BEGIN IMMEDIATE), on PostgreSQL it locks the table against other writers (readers go on),
so two processes never chain onto the same predecessor. `seq` is the primary key as well,
which turns any writer that slips past the lock into an error instead of a fork.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from integration_hub.audit.anchor import Anchor, audit_anchor, read_anchor, write_anchor
from integration_hub.audit.store import metadata
from integration_hub.config import ensure_sqlite_dir, normalize_db_url
from integration_hub.security.redact import redact_mapping

GENESIS = "0" * 64
ANCHOR_MISSING = "audit.anchor_missing"

audit_chain = sa.Table(
    "audit_chain", metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(255), nullable=False),
    sa.Column("action", sa.String(255), nullable=False),
    sa.Column("object", sa.Text, nullable=False),
    sa.Column("before_fingerprint", sa.String(64)),
    sa.Column("after_fingerprint", sa.String(64)),
    sa.Column("details", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False, unique=True),
)


@dataclass(frozen=True)
class Entry:
    seq: int
    at: datetime
    actor: str
    action: str
    object: str
    before_fingerprint: str | None
    after_fingerprint: str | None
    details: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str | None = None


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def fingerprint(obj: Any) -> str | None:
    """sha256 hex of `obj`'s content: a DataFrame or Series by its columns, dtypes and values, bytes as
    they are, anything else as canonical JSON. None stays None (nothing before a create)."""
    if obj is None:
        return None
    digest = hashlib.sha256()
    if isinstance(obj, (pd.DataFrame, pd.Series)):
        frame = obj.to_frame() if isinstance(obj, pd.Series) else obj
        digest.update(canonical_json([[str(c), str(t)] for c, t in frame.dtypes.items()]).encode())
        digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    elif isinstance(obj, (bytes, bytearray, memoryview)):
        digest.update(bytes(obj))
    else:
        digest.update(canonical_json(obj).encode())
    return digest.hexdigest()


def entry_hash(seq: int, at: datetime, actor: str, action: str, obj: str, before: str | None,
               after: str | None, details: str, prev_hash: str) -> str:
    body = {"seq": seq, "at": _iso(at), "actor": actor, "action": action, "object": obj,
            "before_fingerprint": before, "after_fingerprint": after, "details": details, "prev_hash": prev_hash}
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


class AuditTrail:
    """Append to and verify the audit chain in a hub store (URL or SQLAlchemy engine)."""

    def __init__(self, store: str | sa.Engine) -> None:
        self.engine = engine_for(store)
        audit_chain.create(self.engine, checkfirst=True)
        audit_anchor.create(self.engine, checkfirst=True)

    @contextmanager
    def locked(self) -> Iterator[sa.Connection]:
        """A transaction holding the chain's write lock: do related writes and `append(..., conn=conn)`
        in it, and they commit (or roll back) together with the entry."""
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.exec_driver_sql("ROLLBACK")
                    raise
                conn.exec_driver_sql("COMMIT")
            return
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "postgresql":
                conn.execute(sa.text("LOCK TABLE audit_chain IN SHARE ROW EXCLUSIVE MODE"))
            yield conn

    def append(self, actor: str, action: str, obj: str, before: Any = None, after: Any = None,
               details: dict | None = None, *, conn: sa.Connection | None = None) -> Entry:
        """Chain one entry. `before`/`after` are fingerprinted unless already 64-hex fingerprints;
        `details` is redacted (security.redact) before it is stored.

        Pass `conn` only from inside `locked()`; otherwise the append takes the lock itself.
        """
        if conn is None:
            with self.locked() as locked_conn:
                return self.append(actor, action, obj, before, after, details, conn=locked_conn)
        last = conn.execute(sa.select(audit_chain.c.seq, audit_chain.c.hash)
                            .order_by(audit_chain.c.seq.desc()).limit(1)).first()
        head, anchor = (Anchor(last.seq, last.hash) if last else None), read_anchor(conn)
        if head is not None and (anchor is None or anchor.seq < head.seq):
            # The anchor was deleted (or the store predates it), or entries were written around it:
            # say so in the chain itself before re-anchoring, so the next verify cannot forget it.
            head = self._chain(conn, head, actor, ANCHOR_MISSING, "audit_anchor", None, None, {
                "anchor": None if anchor is None else str(anchor), "chain_head": head.seq})
        elif anchor is not None:
            head = anchor   # onto the anchored entry: entries deleted since stay a gap in the chain
        return self._chain(conn, head, actor, action, obj, before, after, details)

    def _chain(self, conn: sa.Connection, prev: Anchor | None, actor: str, action: str, obj: str, before: Any,
               after: Any, details: dict | None) -> Entry:
        """Insert the entry after `prev` and move the anchor to it, in `conn`'s transaction."""
        seq, prev_hash = (prev.seq + 1, prev.hash) if prev else (1, GENESIS)
        at = datetime.now(UTC)
        row = {"seq": seq, "at": at, "actor": str(actor), "action": str(action), "object": str(obj),
               "before_fingerprint": _as_fingerprint(before), "after_fingerprint": _as_fingerprint(after),
               "details": canonical_json(redact_mapping(details or {})), "prev_hash": prev_hash}
        row["hash"] = entry_hash(seq, at, row["actor"], row["action"], row["object"], row["before_fingerprint"],
                                 row["after_fingerprint"], row["details"], prev_hash)
        conn.execute(audit_chain.insert().values(**row))
        write_anchor(conn, Anchor(seq, row["hash"]))
        return Entry(**row)

    def dispose(self) -> None:
        self.engine.dispose()

    def head(self) -> tuple[int, str] | None:
        """(seq, hash) of the newest entry: publish it elsewhere to detect a truncated chain later."""
        with self.engine.connect() as conn:
            last = conn.execute(sa.select(audit_chain.c.seq, audit_chain.c.hash)
                                .order_by(audit_chain.c.seq.desc()).limit(1)).first()
        return (last.seq, last.hash) if last else None

    def anchor(self) -> Anchor | None:
        """The anchor as the last append left it: publish str() of it (SEQ:HASH) with each run."""
        with self.engine.connect() as conn:
            return read_anchor(conn)

    def entries(self, since_seq: int = 0) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return pd.read_sql(sa.select(audit_chain).where(audit_chain.c.seq > since_seq)
                               .order_by(audit_chain.c.seq), conn)

    @contextmanager
    def _snapshot(self) -> Iterator[sa.Connection]:
        """One consistent read of the chain and its anchor, while appends go on."""
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("BEGIN")
                try:
                    yield conn
                finally:
                    conn.exec_driver_sql("COMMIT")
            return
        with self.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            yield conn

    def verify(self, anchor: tuple[int, str] | None = None) -> VerifyResult:
        """Walk the chain from its first entry; report the first entry whose link or content is broken,
        then hold its newest entry against the stored anchor (dropped, emptied or truncated chain).

        `anchor` is a (seq, hash) published earlier by `head()`: the chain must still hold that
        entry, unchanged, or it was truncated or rewritten.
        """
        expected_seq, prev_hash, checked, anchor_seen, head = 1, GENESIS, 0, False, None
        with self._snapshot() as conn:
            stored = read_anchor(conn)
            rows = conn.execution_options(yield_per=5000).execute(sa.select(audit_chain).order_by(audit_chain.c.seq))
            for row in rows:
                broken = _check(row, expected_seq, prev_hash)
                if broken:
                    return VerifyResult(False, checked, *broken)
                if anchor and row.seq == anchor[0]:
                    if row.hash != anchor[1]:
                        return VerifyResult(False, checked, row.seq,
                                            f"entry {row.seq} differs from the published anchor: chain rewritten")
                    anchor_seen = True
                checked += 1
                expected_seq, prev_hash, head = row.seq + 1, row.hash, Anchor(row.seq, row.hash)
        broken = _against_anchor(head, stored, checked)
        if broken:
            return VerifyResult(False, checked, *broken)
        if anchor and not anchor_seen:
            return VerifyResult(False, checked, expected_seq,
                                f"chain ends before the published anchor entry {anchor[0]}: entries "
                                f"{expected_seq}-{anchor[0]} were deleted")
        return VerifyResult(True, checked)


def _against_anchor(head: Anchor | None, stored: Anchor | None, checked: int) -> tuple[int, str] | None:
    """The chain's newest entry must be the anchored one."""
    if stored is None:
        return None if head is None else (head.seq, (
            f"the anchor is missing (audit_anchor emptied or dropped) but the chain holds {checked} entries: "
            "whether newer entries were deleted can no longer be told"))
    if head is None:
        return 1, (f"the chain is empty (audit_chain dropped or emptied) but the anchor records entry {stored.seq}: "
                   "every entry was deleted")
    if head.seq < stored.seq:
        return head.seq + 1, (f"the chain ends at entry {head.seq} but the anchor records entry {stored.seq}: "
                              f"entries {head.seq + 1}-{stored.seq} were deleted")
    if head.seq > stored.seq:
        return stored.seq + 1, (f"entry {stored.seq + 1} was written without moving the anchor (at entry "
                                f"{stored.seq}): entries {stored.seq + 1}-{head.seq} were added outside the trail")
    if head.hash != stored.hash:
        return head.seq, f"entry {head.seq} differs from the anchor: the newest entries were rewritten"
    return None


def _check(row: sa.Row, expected_seq: int, prev_hash: str) -> tuple[int, str] | None:
    if row.seq > expected_seq:
        return expected_seq, f"entry {expected_seq} is missing (deleted): the chain jumps to {row.seq}"
    if row.prev_hash != prev_hash:
        return row.seq, (f"entry {row.seq} does not link to entry {row.seq - 1}: an entry was deleted, inserted "
                         f"or reordered")
    recomputed = entry_hash(row.seq, row.at, row.actor, row.action, row.object, row.before_fingerprint,
                            row.after_fingerprint, row.details, row.prev_hash)
    if recomputed != row.hash:
        return row.seq, f"entry {row.seq} was edited: its content no longer matches its hash"
    return None


def _as_fingerprint(value: Any) -> str | None:
    if isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return value
    return fingerprint(value)


def _iso(at: datetime) -> str:
    # SQLite hands timestamps back without a zone; they were written in UTC.
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.isoformat(timespec="microseconds")


def engine_for(store: str | sa.Engine) -> sa.Engine:
    """The engine itself, or a new one for a hub store URL (PostgreSQL pinned to psycopg2)."""
    if isinstance(store, sa.Engine):
        return store
    url = normalize_db_url(store)
    ensure_sqlite_dir(url)
    return sa.create_engine(url)


@contextmanager
def engine_scope(store: str | sa.Engine) -> Iterator[sa.Engine]:
    """`engine_for(store)` for one call: an engine made here from a URL is disposed afterwards."""
    engine = engine_for(store)
    try:
        yield engine
    finally:
        if engine is not store:
            engine.dispose()
