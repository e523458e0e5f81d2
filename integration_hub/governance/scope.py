"""Scope lock: a locked phase's declarations fingerprinted field by field, and the drift from them.

Locking a phase fingerprints every file of its systems (system.yaml, each mapping spec, any
source schema in the folder) and the rule files of the data domains those systems feed. Each
YAML or JSON file is flattened into key paths (`fields.amount_minor.from`) and every value is
hashed as canonical JSON, so a drift names the field, not only the file. The fingerprints are
the phase's baseline in the hub store; an approved change request moves exactly the fields it
asked for (governance/changes.py), and anything else that differs is drift the phase's blocking
`scope_lock` checks refuse to run past.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from integration_hub.audit.chain import AuditTrail, canonical_json, engine_scope, fingerprint
from integration_hub.audit.store import metadata
from integration_hub.governance.phases import Phase, load_phases

REPO_ROOT = Path(__file__).resolve().parents[2]
STRUCTURED = (".yaml", ".yml", ".json")
WHOLE_FILE = "(file)"          # the one "field" of a file that is not YAML or JSON (or does not parse)
KINDS = ("added", "removed", "changed")

scope_locks = sa.Table(
    "scope_locks", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("phase", sa.String(64), nullable=False, unique=True),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("files", sa.Integer, nullable=False),
    sa.Column("fields", sa.Integer, nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),   # of the baseline as locked
    sa.Column("audit_seq", sa.Integer),
)

# The baseline: what each field of a locked phase's scope may hold (the lock, moved by approved changes).
scope_baseline = sa.Table(
    "scope_baseline", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("phase", sa.String(64), nullable=False, index=True),
    sa.Column("file", sa.Text, nullable=False),
    sa.Column("field", sa.Text, nullable=False),
    sa.Column("system", sa.String(64)),          # None for a domain's rule file
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("value", sa.Text),                 # canonical JSON of the value, to show what changed
    sa.Column("change_id", sa.Integer),          # the approved change that set it; None: the lock
)


@dataclass(frozen=True)
class ScopeFile:
    key: str                 # repo-relative path (absolute for a systems folder outside the repository)
    path: Path
    system: str | None       # None: a data domain's rule file


@dataclass(frozen=True)
class FieldPrint:
    fingerprint: str
    value: str | None
    system: str | None


@dataclass(frozen=True)
class Drift:
    file: str
    field: str
    kind: str                          # added | removed | changed
    before: str | None = None          # fingerprints: the baseline's, the working file's
    after: str | None = None
    before_value: str | None = None    # canonical JSON, when the file is structured
    after_value: str | None = None
    system: str | None = None

    def describe(self) -> str:
        return f"{self.file}: {self.field} {self.kind}"

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class Lock:
    phase: str
    actor: str
    at: datetime
    files: int
    fields: int
    fingerprint: str
    audit_seq: int | None


class ScopeError(ValueError):
    """A scope operation that cannot be done as asked (unknown phase, locked twice, not locked)."""


def display_path(path: Path) -> str:
    path = Path(path).resolve()
    try:
        return path.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Key paths to leaf values: mappings by key, lists of mappings or lists by index; a list of
    scalars is one value (`allowed: [a, b]`), as is an empty mapping or list."""
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        out = {}
        for i, item in enumerate(value):
            out.update(flatten(item, f"{prefix}.{i}" if prefix else str(i)))
        return out
    return {prefix or WHOLE_FILE: value}


def field_prints(path: Path) -> dict[str, tuple[str, str | None]]:
    """field -> (sha256 of the value's canonical JSON, that JSON) for one file."""
    data = path.read_bytes()
    if path.suffix in STRUCTURED:
        try:
            parsed = json.loads(data) if path.suffix == ".json" else yaml.safe_load(data)
        except (ValueError, yaml.YAMLError):
            parsed = None
        else:
            return {k: (hashlib.sha256(canonical_json(v).encode()).hexdigest(), canonical_json(v))
                    for k, v in flatten(parsed).items()}
    return {WHOLE_FILE: (hashlib.sha256(data).hexdigest(), None)}


def scope_files(phase: Phase, systems_dir: Path | None = None) -> list[ScopeFile]:
    """The files a lock on `phase` covers: its systems' folders and its domains' rule files."""
    from integration_hub.governance.domains import load_domains
    from integration_hub.mapping.systems import load_systems, systems_dir as default_dir

    folder = systems_dir or default_dir()
    systems = [s for s in load_systems(folder) if s.name in phase.systems]
    files = [ScopeFile(display_path(p), p, s.name) for s in systems for p in sorted(s.folder.rglob("*"))
             if p.is_file() and p.suffix in STRUCTURED]
    entities = {e.canonical for s in systems for e in s.entities}
    fed = [d for d in load_domains().values()
           if entities & set(d.entities) or set(phase.systems) & {x for v in d.systems_of_record.values() for x in v}]
    rules = sorted({f for d in fed for f in d.rule_files} - {f.key for f in files})
    return files + [ScopeFile(f, REPO_ROOT / f, None) for f in rules]


def working_prints(phase: Phase, systems_dir: Path | None = None) -> dict[tuple[str, str], FieldPrint]:
    """(file, field) -> what the working files hold now."""
    return {(f.key, field): FieldPrint(fp, value, f.system)
            for f in scope_files(phase, systems_dir) for field, (fp, value) in field_prints(f.path).items()}


def _phase(name: str) -> Phase:
    phases = load_phases()
    if name not in phases:
        raise ScopeError(f"unknown phase {name!r}; declared: {', '.join(phases)}")
    return phases[name]


def _create(engine: sa.Engine) -> None:
    scope_locks.create(engine, checkfirst=True)
    scope_baseline.create(engine, checkfirst=True)


def lock_phase(store: str | sa.Engine, phase: str, actor: str | None = None, *, policy=None,
               systems_dir: Path | None = None) -> Lock:
    """Fingerprint `phase`'s scope as its baseline ("scope.lock" audit entry, same transaction) and move
    it to `locked` unless it already loads (parallel, live: the lock is kept apart from the status).
    The actor needs phase.lock; a phase is locked once, and changes after that go through requests."""
    from integration_hub.governance.access import authorize
    from integration_hub.governance.phase_state import current_status, record_status

    declared = _phase(phase)
    account = authorize(store, "phase.lock", actor, obj=f"phase/{phase}", policy=policy)
    prints = working_prints(declared, systems_dir)
    digest = fingerprint(sorted((f, k, p.fingerprint) for (f, k), p in prints.items()))
    files = len({f for f, _ in prints})
    with engine_scope(store) as engine:
        _create(engine)
        trail = AuditTrail(engine)
        with trail.locked() as conn:
            held = conn.execute(sa.select(scope_locks).where(scope_locks.c.phase == phase)).first()
            if held is not None:
                raise ScopeError(f"phase {phase} is already locked (by {held.actor} at {str(held.at)[:19]}): "
                                 "change it through `integration-hub change request`")
            entry = trail.append(account.id, "scope.lock", f"phase/{phase}", after=digest, details={
                "files": files, "fields": len(prints), "systems": list(declared.systems)}, conn=conn)
            at = datetime.now(UTC)
            conn.execute(scope_locks.insert().values(phase=phase, actor=account.id, at=at, files=files,
                                                     fields=len(prints), fingerprint=digest, audit_seq=entry.seq))
            if prints:
                conn.execute(scope_baseline.insert(), [
                    {"phase": phase, "file": f, "field": k, "system": p.system, "fingerprint": p.fingerprint,
                     "value": p.value, "change_id": None} for (f, k), p in prints.items()])
        if current_status(engine, declared) not in ("parallel", "live", "locked"):
            record_status(engine, phase, "locked", actor=account.id, reason="scope locked",
                          details={"lock_audit_seq": entry.seq})
    return Lock(phase, account.id, at, files, len(prints), digest, entry.seq)


def get_lock(store: str | sa.Engine, phase: str) -> Lock | None:
    with engine_scope(store) as engine:
        if not sa.inspect(engine).has_table("scope_locks"):
            return None
        with engine.connect() as conn:
            row = conn.execute(sa.select(scope_locks).where(scope_locks.c.phase == phase)).first()
    if row is None:
        return None
    return Lock(row.phase, row.actor, row.at, row.files, row.fields, row.fingerprint, row.audit_seq)


def read_baseline(conn: sa.Connection, phase: str) -> dict[tuple[str, str], FieldPrint]:
    rows = conn.execute(sa.select(scope_baseline).where(scope_baseline.c.phase == phase))
    return {(r.file, r.field): FieldPrint(r.fingerprint, r.value, r.system) for r in rows}


def diff(baseline: dict[tuple[str, str], FieldPrint], working: dict[tuple[str, str], FieldPrint]) -> list[Drift]:
    drifts = []
    for key in sorted(set(baseline) | set(working)):
        old, new = baseline.get(key), working.get(key)
        if old is not None and new is not None and old.fingerprint == new.fingerprint:
            continue
        kind = "added" if old is None else "removed" if new is None else "changed"
        drifts.append(Drift(key[0], key[1], kind, old and old.fingerprint, new and new.fingerprint,
                            old and old.value, new and new.value, (new or old).system))
    return drifts


def scope_drift(store: str | sa.Engine, phase: str, *, systems_dir: Path | None = None) -> list[Drift]:
    """Every field of a locked phase's scope whose working value differs from the baseline (the lock
    plus approved changes), by file and field; [] when nothing drifted. ScopeError when not locked."""
    declared = _phase(phase)
    if get_lock(store, phase) is None:
        raise ScopeError(f"phase {phase} is not locked: `integration-hub change lock {phase}` first")
    working = working_prints(declared, systems_dir)
    with engine_scope(store) as engine, engine.connect() as conn:
        return diff(read_baseline(conn, phase), working)


def move_baseline(conn: sa.Connection, phase: str, drifts: list[Drift], change_id: int) -> None:
    """Make the requested fingerprints the baseline, field by field (in the caller's transaction)."""
    for d in drifts:
        where = sa.and_(scope_baseline.c.phase == phase, scope_baseline.c.file == d.file,
                        scope_baseline.c.field == d.field)
        conn.execute(scope_baseline.delete().where(where))
        if d.after is not None:
            conn.execute(scope_baseline.insert().values(phase=phase, file=d.file, field=d.field, system=d.system,
                                                        fingerprint=d.after, value=d.after_value,
                                                        change_id=change_id))
