"""Configuration changes, detected when they take effect and written to the audit trail.

Mapping specs, system declarations and the phase plan are files in the repository; git keeps
their history, but not when a changed version first moved data, nor under which run. Each
load therefore fingerprints the configuration it runs with and compares it with the last
fingerprint the trail recorded for that object: the first sighting is "config.registered",
a different fingerprint "config.changed" (before = the old fingerprint, after = the new).
The comparison and the append happen under the chain's write lock, so two loads starting at
once record a change once.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from integration_hub.audit.chain import AuditTrail, Entry, audit_chain
from integration_hub.mapping.spec import MappingSpec

ACTIONS = ("config.registered", "config.changed")


@dataclass(frozen=True)
class ConfigItem:
    object: str                 # what changed, e.g. "mapping/bank.transactions" or "governance/phases.yaml"
    fingerprint: str            # 64 hex: sha256 of its content
    details: Mapping[str, Any]


def spec_item(spec: MappingSpec) -> ConfigItem:
    """A mapping spec, identified by name; its fingerprint covers its version tag (which hashes its text)."""
    digest = hashlib.sha256(spec.version_tag.encode()).hexdigest()
    return ConfigItem(f"mapping/{spec.name}", digest, {"version": spec.version, "version_tag": spec.version_tag})


def file_item(path: Path, name: str) -> ConfigItem:
    """A configuration file by its bytes (phases.yaml, a system.yaml)."""
    data = Path(path).read_bytes()
    return ConfigItem(name, hashlib.sha256(data).hexdigest(), {"bytes": len(data)})


def last_fingerprints(conn: sa.Connection, objects: Iterable[str]) -> dict[str, str]:
    """The fingerprint the trail last recorded for each of `objects` (absent when never recorded)."""
    objects = list(objects)
    if not objects:
        return {}
    rows = conn.execute(sa.select(audit_chain.c.object, audit_chain.c.after_fingerprint)
                        .where(audit_chain.c.action.in_(ACTIONS), audit_chain.c.object.in_(objects))
                        .order_by(audit_chain.c.seq))
    return {obj: fp for obj, fp in rows}


def record_config_changes(trail: AuditTrail, actor: str, items: Iterable[ConfigItem],
                          run_id: str | None = None) -> list[Entry]:
    """Append one entry per item whose fingerprint differs from the last recorded one; returns them."""
    items = sorted({i.object: i for i in items}.values(), key=lambda i: i.object)
    entries = []
    with trail.locked() as conn:
        seen = last_fingerprints(conn, [i.object for i in items])
        for item in items:
            previous = seen.get(item.object)
            if previous == item.fingerprint:
                continue
            action = "config.changed" if previous else "config.registered"
            entries.append(trail.append(actor, action, item.object, previous, item.fingerprint,
                                        {**item.details, "run_id": run_id}, conn=conn))
    return entries
