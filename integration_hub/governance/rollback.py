"""Rollback: return the ERP to its state before a phase's latest go-live, from the hub's before-images.

Per entity of the before-image (before_images.py), a record the ERP holds that the image lacks
was created since and is removed; a record the image holds that the ERP lacks, or holds with
another fingerprint or load metadata, is written back exactly as the image holds it. Removals
run children first (lines before their documents, then the load order reversed), restores parents
first. On the SQL ledger the result equals the before-image: every record's stored fingerprint,
and the payment applications when the phase loads payments. The incremental cursors of the
entities' feeds go back to where they stood, so a later go-live sends those records again.

A target that cannot remove and write back records (NetSuite, Acumatica and Tryton targets have
no `delete`/`restore`) is refused before anything changes, naming the before-image to undo the
go-live from by hand. So is a rollback that would leave records of other entities naming a
record it removes (a payment loaded since for a customer the go-live created).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa

from integration_hub.audit.chain import AuditTrail
from integration_hub.audit.store import cursors as cursor_table
from integration_hub.canonical import registry
from integration_hub.erp.base import LOAD_METADATA, ErpTarget
from integration_hub.governance import before_images
from integration_hub.governance.access import authorize
from integration_hub.governance.phase_state import record_status
from integration_hub.governance.phases import Phase, load_phases


class RollbackRefused(Exception):
    """A rollback that cannot or may not run: the message is the one line to show."""


@dataclass
class RollbackOutcome:
    phase: str
    golive_id: str
    removed: dict[str, int] = field(default_factory=dict)
    restored: dict[str, int] = field(default_factory=dict)
    applications_restored: bool = False
    cursors_reset: list[str] = field(default_factory=list)
    audit_seq: int | None = None

    def summary(self) -> str:
        removed, restored = sum(self.removed.values()), sum(self.restored.values())
        return (f"phase {self.phase} rolled back to before go-live {self.golive_id}: {removed} records removed, "
                f"{restored} restored" + (", payment applications restored" if self.applications_restored else "")
                + (f", {len(self.cursors_reset)} cursors reset" if self.cursors_reset else ""))


def _phase(phase: Phase | str) -> Phase:
    if isinstance(phase, Phase):
        return phase
    phases = load_phases()
    if phase not in phases:
        raise RollbackRefused(f"rollback refused: no phase {phase!r}; phases: {', '.join(phases)}")
    return phases[phase]


def _refuse(store, actor: str, phase: str, why: str) -> RollbackRefused:
    AuditTrail(store.engine).append(actor, "phase.rollback.refused", f"phase/{phase}", details={"reason": why})
    return RollbackRefused(f"rollback refused: {why}")


@dataclass
class _Plan:
    entity: str
    remove: list[str]
    restore: pd.DataFrame          # before-image rows to write back, with content_hash
    before: pd.Series              # the image's fingerprints by external_id
    now: pd.Series                 # the ERP's fingerprints by external_id


def _plan(store, target: ErpTarget, golive_id: str, entity: str) -> _Plan:
    image, image_hashes = before_images.image_records(store, golive_id, entity)
    current, current_hashes = before_images.read_image(target, entity)
    before = pd.Series(image_hashes.to_numpy(), index=image["external_id"].to_numpy(), dtype=object)
    now = pd.Series(current_hashes.to_numpy(), index=current["external_id"].to_numpy(), dtype=object)
    remove = sorted(set(now.index) - set(before.index))
    meta = current.set_index("external_id")[list(LOAD_METADATA)]
    keyed = image.set_index("external_id", drop=False)
    changed = [i for i in before.index if i not in now.index or now[i] != before[i]
               or not _same(meta.loc[i], keyed.loc[i, list(LOAD_METADATA)])]
    restore = keyed.loc[changed].reset_index(drop=True).assign(content_hash=before.reindex(changed).to_numpy())
    return _Plan(entity, remove, restore, before, now)


def _same(a: pd.Series, b: pd.Series) -> bool:
    return all((pd.isna(x) and pd.isna(y)) or x == y for x, y in zip(a.to_numpy(), b.to_numpy()))


def _dangling(target: ErpTarget, plans: dict[str, _Plan]) -> list[str]:
    """Records of entities outside the image that name a record the rollback would remove."""
    found = []
    for name, spec in registry.all_entities().items():
        if name in plans:
            continue
        columns = {c: e for c, e in spec.references.items() if e in plans and plans[e].remove}
        if not columns:
            continue
        held = target.read_back(name)
        for column, entity in columns.items():
            n = int(held[column].isin(set(plans[entity].remove)).sum())
            if n:
                found.append(f"{n} {spec.plural} name {registry.get(entity).plural} the go-live created ({column})")
    return found


def rollback(store, target: ErpTarget, phase: Phase | str, actor: str | None = None) -> RollbackOutcome:
    """Return `target` to its state before `phase`'s latest go-live (authorized as "phase.rollback"),
    move the phase to rolled_back and append a "phase.rollback" audit entry with the counts."""
    phase = _phase(phase)
    actor = authorize(store.engine, "phase.rollback", actor, obj=f"phase/{phase.name}").id
    capture = before_images.latest_capture(store, phase.name)
    if capture is None:
        raise _refuse(store, actor, phase.name, f"phase {phase.name} has no go-live recorded, so there is no "
                                                "before-image to return to")
    if capture.rolled_back_at is not None:
        raise _refuse(store, actor, phase.name, f"phase {phase.name}'s latest go-live {capture.golive_id} was "
                                                f"already rolled back at {capture.rolled_back_at:%Y-%m-%d %H:%M}")
    kind = type(target).__name__
    if not (callable(getattr(target, "delete", None)) and callable(getattr(target, "restore", None))):
        raise _refuse(store, actor, phase.name, f"the {kind} target cannot remove and write back records through "
                      f"the hub; undo go-live {capture.golive_id} in the ERP by hand from its before-image "
                      "(hub store tables before_image_records, before_image_cursors)")
    if capture.target != kind:
        raise _refuse(store, actor, phase.name, f"go-live {capture.golive_id}'s before-image was taken from a "
                                                f"{capture.target} target, not {kind}")
    plans = {e: _plan(store, target, capture.golive_id, e) for e in capture.entities}
    dangling = _dangling(target, plans)
    if dangling:
        raise _refuse(store, actor, phase.name, "records loaded since would be left naming removed ones: "
                      + "; ".join(dangling))
    before_fp = {e: p.now.sort_index().to_dict() for e, p in plans.items()}
    outcome = RollbackOutcome(phase.name, capture.golive_id)
    for entity in reversed(capture.entities):       # children (lines, then referring entities) first
        outcome.removed[entity] = target.delete(entity, plans[entity].remove) if plans[entity].remove else 0
    for entity in capture.entities:
        outcome.restored[entity] = target.restore(entity, plans[entity].restore) if len(plans[entity].restore) else 0
    if capture.applications is not None:
        image = before_images.image_applications(store, capture.golive_id)
        current = target.payment_applications()
        key = ["payment_external_id", "invoice_external_id", "applied_minor", "run_id"]
        if not current[key].sort_values(key[:2]).reset_index(drop=True).equals(
                image[key].sort_values(key[:2]).reset_index(drop=True)):
            target.replace_payment_applications(image)
            outcome.applications_restored = True
    outcome.cursors_reset = _reset_cursors(store, capture.golive_id)
    after = {e: before_images.read_image(target, e) for e in capture.entities}
    after_fp = {e: dict(sorted(zip(f["external_id"], h))) for e, (f, h) in after.items()}
    verified = all(after_fp[e] == plans[e].before.sort_index().to_dict() for e in capture.entities)
    details = {"golive_id": capture.golive_id, "target": kind, "removed": outcome.removed,
               "restored": outcome.restored, "applications_restored": outcome.applications_restored,
               "cursors_reset": outcome.cursors_reset, "matches_before_image": verified}
    record_status(store.engine, phase.name, "rolled_back", actor=actor,
                  reason=f"rolled back go-live {capture.golive_id}", details={"golive_id": capture.golive_id})
    trail = AuditTrail(store.engine)
    with trail.locked() as conn:
        entry = trail.append(actor, "phase.rollback", f"phase/{phase.name}", before_fp, after_fp, details, conn=conn)
        conn.execute(before_images.golive_captures.update()
                     .where(before_images.golive_captures.c.golive_id == capture.golive_id)
                     .values(rolled_back_at=datetime.now(UTC), rollback_audit_seq=entry.seq))
    outcome.audit_seq = entry.seq
    if not verified:
        raise RuntimeError(f"rollback of {phase.name} wrote the before-image but the ERP reads back otherwise; "
                           f"see audit entry {entry.seq}")
    return outcome


def _reset_cursors(store, golive_id: str) -> list[str]:
    """Put the feeds' cursors back where the go-live found them (removed where there was none)."""
    reset = []
    with store.engine.begin() as conn:
        for system, entity, value in before_images.image_cursors(store, golive_id):
            key = (cursor_table.c.system == system) & (cursor_table.c.entity == entity)
            now = conn.execute(sa.select(cursor_table.c.cursor).where(key)).scalar_one_or_none()
            if now == value:
                continue
            conn.execute(cursor_table.delete().where(key))
            if value is not None:
                conn.execute(cursor_table.insert().values(system=system, entity=entity, cursor=value,
                                                          run_id=None, updated_at=datetime.now(UTC)))
            reset.append(f"{system}/{entity}")
    return reset
