"""Before-images: what the ERP held of a phase's entities just before its go-live loaded.

`capture` reads back every record of the entities the phase's systems load (their line entities
too, and on the SQL ledger the payment applications when the phase loads payments), with a
fingerprint per record, and the incremental cursors of every feed of those entities; they are
kept in the hub store under the go-live's id, and rollback.py returns the ERP to them.

Records are stored as JSON of their canonical columns and load metadata, exactly as the target
reads them back, so a restore can write them unchanged. The canonical registry declares no
sensitive column (the ERP receives masks only: ssn_mask, tax_id_mask, ...), so nothing here is
plaintext that field encryption would have to cover; `sensitive_columns` says so per entity and
`capture` encrypts any column a later declaration marks sensitive.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import sqlalchemy as sa

from integration_hub.audit.store import metadata
from integration_hub.canonical import registry
from integration_hub.erp.base import LOAD_METADATA, ErpTarget, fingerprint
from integration_hub.erp.ledger_schema import to_canonical
from integration_hub.governance.phases import Phase
from integration_hub.mapping.systems import SystemDeclaration, load_systems

golive_captures = sa.Table(
    "golive_captures", metadata,
    sa.Column("golive_id", sa.String(64), primary_key=True),
    sa.Column("phase", sa.String(64), nullable=False, index=True),
    sa.Column("target", sa.String(64), nullable=False),
    sa.Column("entities", sa.Text, nullable=False),            # JSON list, in load order
    sa.Column("records", sa.Integer, nullable=False),
    sa.Column("applications", sa.Integer),                     # None: payment applications not captured
    sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("rolled_back_at", sa.DateTime(timezone=True)),
    sa.Column("rollback_audit_seq", sa.Integer),
)

before_image_records = sa.Table(
    "before_image_records", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("golive_id", sa.String(64), nullable=False),
    sa.Column("entity", sa.String(64), nullable=False),
    sa.Column("external_id", sa.Text, nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("record", sa.Text, nullable=False),
    sa.Index("ix_before_image_records_golive", "golive_id", "entity"),
)

before_image_applications = sa.Table(
    "before_image_applications", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("golive_id", sa.String(64), nullable=False, index=True),
    sa.Column("payment_external_id", sa.Text, nullable=False),
    sa.Column("invoice_external_id", sa.Text, nullable=False),
    sa.Column("applied_minor", sa.BigInteger, nullable=False),
    sa.Column("run_id", sa.Text),
)

before_image_cursors = sa.Table(
    "before_image_cursors", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("golive_id", sa.String(64), nullable=False, index=True),
    sa.Column("system", sa.String(64), nullable=False),
    sa.Column("entity", sa.String(64), nullable=False),
    sa.Column("cursor", sa.Text),                              # None: the feed had no cursor yet
    sa.Column("run_id", sa.String(64)),
)

TABLES = (golive_captures, before_image_records, before_image_applications, before_image_cursors)


@dataclass(frozen=True)
class Capture:
    golive_id: str
    phase: str
    target: str
    entities: tuple[str, ...]
    records: dict[str, int]
    applications: int | None
    captured_at: datetime
    rolled_back_at: datetime | None = None


def create_tables(engine: sa.Engine) -> None:
    for table in TABLES:
        table.create(engine, checkfirst=True)


def phase_entities(phase: Phase, systems: list[SystemDeclaration] | None = None) -> tuple[str, ...]:
    """The canonical entities the phase's systems load, with their line entities, in load order."""
    declared = {s.name: s for s in (systems if systems is not None else load_systems())}
    entities = {e.canonical for name in phase.systems if name in declared for e in declared[name].entities}
    entities |= {registry.get(e).lines for e in entities if registry.get(e).lines}
    return tuple(e for e in registry.all_entities() if e in entities)


def feeds_of(entities, systems: list[SystemDeclaration] | None = None) -> list[tuple[str, str]]:
    """(system, source entity) of every incremental feed of `entities`, whichever phase owns it: a
    shared load (customers) moves the cursors of other phases' feeds too."""
    wanted = set(entities)
    return [(s.name, e.name) for s in (systems if systems is not None else load_systems())
            for e in s.entities if e.canonical in wanted and e.cursor]


def sensitive_columns(entity: str) -> tuple[str, ...]:
    """Columns the canonical registry marks sensitive (none today: the ERP holds masks only)."""
    spec = registry.get(entity)
    return tuple(c for c in spec.columns if getattr(spec.fields.get(c), "sensitive", False))


def read_image(target: ErpTarget, entity: str) -> tuple[pd.DataFrame, pd.Series]:
    """Every record of `entity` as the target reads it back, and its fingerprint (the ledger's
    stored content hash; otherwise the hash over the canonical columns read back)."""
    if hasattr(target, "read_fingerprinted"):
        frame, hashes = target.read_fingerprinted(entity)
        return frame, pd.Series(hashes.to_numpy(), index=frame.index, dtype=object)
    frame = target.read_back(entity)
    return frame, fingerprint(frame, entity)


def _json_value(value):
    if value is None or value is pd.NaT or (np.isscalar(value) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _encode(frame: pd.DataFrame, entity: str, keyring) -> list[str]:
    columns = [c for c in (*registry.get(entity).columns, *LOAD_METADATA) if c in frame.columns]
    sensitive = sensitive_columns(entity)
    if sensitive:
        from integration_hub.security.fields import encrypt_series

        frame = frame.assign(**{c: encrypt_series(frame[c].astype(object), f"before_image.{entity}.{c}", keyring)
                                for c in sensitive})
    values = [frame[c].astype(object).to_numpy() for c in columns]
    return [json.dumps({c: _json_value(v) for c, v in zip(columns, row)}) for row in zip(*values)]


def decode(entity: str, rows: list[str], keyring=None) -> pd.DataFrame:
    """Stored records back as the canonical frame read_back gives (dtypes included)."""
    spec = registry.get(entity)
    names = (*spec.columns, *LOAD_METADATA)
    parsed = [json.loads(r) for r in rows]
    raw = {n: np.array([p.get(n) for p in parsed], dtype=object) for n in names}
    for c in sensitive_columns(entity):
        from integration_hub.security.fields import decrypt_series

        raw[c] = decrypt_series(pd.Series(raw[c], dtype=object), f"before_image.{entity}.{c}", keyring).to_numpy()
    return to_canonical(spec, raw)


def capture(store, target: ErpTarget, phase: Phase, golive_id: str, *, systems=None, keyring=None) -> Capture:
    """Store the before-image of `phase`'s entities under `golive_id` (one transaction)."""
    engine = store.engine
    create_tables(engine)
    systems = systems if systems is not None else load_systems()
    entities = phase_entities(phase, systems)
    if keyring is None and any(sensitive_columns(e) for e in entities):
        from integration_hub.config import settings
        from integration_hub.security.keystore import hub_keyring

        keyring = hub_keyring(settings().data_dir)
    images = {e: read_image(target, e) for e in entities}
    applications = None
    if "payment" in entities and hasattr(target, "payment_applications"):
        applications = target.payment_applications()
    cursors = [(system, name, store.get_cursor(system, name)) for system, name in feeds_of(entities, systems)]
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for entity, (frame, hashes) in images.items():
            records = _encode(frame, entity, keyring)
            rows = [{"golive_id": golive_id, "entity": entity, "external_id": str(i), "fingerprint": str(h),
                     "record": r} for i, h, r in zip(frame["external_id"], hashes, records)]
            for start in range(0, len(rows), 5000):
                conn.execute(before_image_records.insert(), rows[start:start + 5000])
        if applications is not None and len(applications):
            conn.execute(before_image_applications.insert(), [
                {"golive_id": golive_id, "payment_external_id": r.payment_external_id,
                 "invoice_external_id": r.invoice_external_id, "applied_minor": int(r.applied_minor),
                 "run_id": None if pd.isna(r.run_id) else r.run_id} for r in applications.itertuples(index=False)])
        if cursors:
            conn.execute(before_image_cursors.insert(), [
                {"golive_id": golive_id, "system": s, "entity": n, "cursor": c} for s, n, c in cursors])
        counts = {e: len(images[e][0]) for e in entities}
        conn.execute(golive_captures.insert().values(
            golive_id=golive_id, phase=phase.name, target=type(target).__name__, entities=json.dumps(entities),
            records=sum(counts.values()), applications=None if applications is None else len(applications),
            captured_at=now))
    return Capture(golive_id, phase.name, type(target).__name__, entities, counts,
                   None if applications is None else len(applications), now)


def latest_capture(store, phase: str) -> Capture | None:
    """The phase's newest before-image, rolled back or not; None when it never went live."""
    engine = store.engine
    create_tables(engine)
    with engine.connect() as conn:
        row = conn.execute(sa.select(golive_captures).where(golive_captures.c.phase == phase)
                           .order_by(golive_captures.c.captured_at.desc()).limit(1)).first()
        if row is None:
            return None
        counts = dict(conn.execute(
            sa.select(before_image_records.c.entity, sa.func.count())
            .where(before_image_records.c.golive_id == row.golive_id)
            .group_by(before_image_records.c.entity)).fetchall())
    entities = tuple(json.loads(row.entities))
    return Capture(row.golive_id, row.phase, row.target, entities, {e: int(counts.get(e, 0)) for e in entities},
                   row.applications, row.captured_at, row.rolled_back_at)


def image_records(store, golive_id: str, entity: str, keyring=None) -> tuple[pd.DataFrame, pd.Series]:
    """The before-image of one entity: records (as read back) and their fingerprints, by external_id."""
    q = (sa.select(before_image_records.c.fingerprint, before_image_records.c.record)
         .where(before_image_records.c.golive_id == golive_id, before_image_records.c.entity == entity)
         .order_by(before_image_records.c.id))
    with store.engine.connect() as conn:
        rows = conn.execute(q).fetchall()
    frame = decode(entity, [r.record for r in rows], keyring)
    return frame, pd.Series([r.fingerprint for r in rows], index=frame.index, dtype=object, name="content_hash")


def image_applications(store, golive_id: str) -> pd.DataFrame:
    q = (sa.select(before_image_applications.c.payment_external_id, before_image_applications.c.invoice_external_id,
                   before_image_applications.c.applied_minor, before_image_applications.c.run_id)
         .where(before_image_applications.c.golive_id == golive_id))
    with store.engine.connect() as conn:
        out = pd.DataFrame(conn.execute(q).fetchall(),
                           columns=["payment_external_id", "invoice_external_id", "applied_minor", "run_id"])
    out["applied_minor"] = out["applied_minor"].astype("int64")
    return out


def image_cursors(store, golive_id: str) -> list[tuple[str, str, str | None]]:
    q = (sa.select(before_image_cursors.c.system, before_image_cursors.c.entity, before_image_cursors.c.cursor)
         .where(before_image_cursors.c.golive_id == golive_id))
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(q).fetchall()]
