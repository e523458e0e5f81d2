"""A phase's success criteria measured from evidence: the hub store's figures and Dagster's check results.

Each criterion phases.yaml names has one measurement here (MEASURES); a name without one reads
"no measurement defined" and is neither passed nor failed. `passed` is None while there is no
evidence yet (the phase never ran, or the check never evaluated). What each one reads:

| criterion | evidence | passes when |
| --- | --- | --- |
| conservation | run_metrics (latest run of each stage) and the `conservation_<system>__<entity>` checks | every entity: extracted = loaded + quarantined + merged, and no conservation check failed |
| reconciliation | the `golive_<system>__<entity>` checks (row count and money total per currency as sent) | every feed's latest go-live suite passed |
| complete_statements | incomplete_statements of each statement system's latest extraction | no statement kept incomplete |
| duplicates | `one_record_per_master` checks on the golden records; merges into masters | every master check of the phase's mastered entities passed |
| references, hierarchy | quarantine at the load: records held for naming a record the ERP lacks (or their own ancestor) | held records within the phase's error budget of those sent |
| inventory | the go-live and conservation checks of the stock levels feeds | both passed |
| sensitive | the latest extraction's `encrypted_columns` and the canonical fields | every declared sensitive column encrypted at extraction, none a canonical field |
| expected_volumes | the latest extraction of each declared entity | 50%..200% of the expected rows |
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import dagster as dg
import pandas as pd

from integration_hub.audit.store import HubStore
from integration_hub.governance.phases import Phase

VOLUME_TOLERANCE = (0.5, 2.0)
EXISTS_IN_ERP, CYCLE = ".exists_in_erp", ".cycle"     # erp/references.py: rules of a record held at load


@dataclass(frozen=True)
class CriterionResult:
    name: str
    description: str
    measured: str
    passed: bool | None


class Evidence:
    """What the hub store and the Dagster instance hold about one phase's systems."""

    def __init__(self, phase: Phase, store: HubStore, instance: dg.DagsterInstance | None):
        from integration_hub.mapping.systems import load_systems

        self.phase, self.store, self.instance = phase, store, instance
        systems = [s for s in load_systems() if s.name in phase.systems]
        self.extractors = {s.name: s.extractor for s in systems}
        self.entities = [e for s in systems for e in s.entities]
        metrics = store.metrics()
        self.metrics = metrics[metrics["system"].isin(phase.systems)]

    def latest(self, system: str, entity: str, stage: str) -> pd.Series | None:
        rows = self.metrics[(self.metrics["system"] == system) & (self.metrics["entity"] == entity)
                            & (self.metrics["stage"] == stage)]
        return None if rows.empty else rows.sort_values("created_at").iloc[-1]

    def checks(self, keys: list[dg.AssetCheckKey]) -> dict[dg.AssetCheckKey, bool]:
        """Latest evaluation of each key that has one: passed or not."""
        if self.instance is None or not keys:
            return {}
        records = self.instance.event_log_storage.get_latest_asset_check_execution_by_key(keys)
        return {k: r.status.value == "SUCCEEDED" for k, r in records.items() if r.status.value in ("SUCCEEDED", "FAILED")}

    def feed_checks(self, prefix: str, entities=None) -> list[dg.AssetCheckKey]:
        from integration_hub.canonical import registry

        return [dg.AssetCheckKey(dg.AssetKey(["erp", registry.get(e.canonical).plural, "loaded"]),
                                 f"{prefix}_{e.system}__{e.name}") for e in (entities or self.entities)]

    def materialization(self, key: dg.AssetKey) -> dict | None:
        if self.instance is None:
            return None
        event = self.instance.get_latest_materialization_event(key)
        if event is None or event.asset_materialization is None:
            return None
        return {k: getattr(v, "value", v) for k, v in event.asset_materialization.metadata.items()}


def _checks_verdict(found: dict, keys: list) -> tuple[str, bool | None]:
    """False when a check failed, True when every one passed, None while some never evaluated."""
    if not found:
        return f"0/{len(keys)} checks evaluated", None
    failed = [f"{k.asset_key.to_user_string()}:{k.name}" for k, ok in found.items() if not ok]
    text = f"{len(found) - len(failed)}/{len(keys)} checks passed" + (f" (failed: {', '.join(failed)})" if failed else "")
    if len(found) < len(keys):
        text += f", {len(keys) - len(found)} never evaluated"
    return text, False if failed else (True if len(found) == len(keys) else None)


def conservation(ev: Evidence) -> tuple[str, bool | None]:
    from integration_hub.reconcile.report import stage_counts

    extracted = ev.metrics.loc[ev.metrics["stage"] == "extracted", ["system", "entity"]].drop_duplicates()
    if extracted.empty:
        return "no extraction recorded yet", None
    counts = stage_counts(ev.metrics.merge(extracted, on=["system", "entity"]))
    off = counts[~counts["balanced"]]
    text = f"{len(counts) - len(off)}/{len(counts)} entities balanced (extracted = loaded + quarantined + merged)"
    if len(off):
        text += "; off: " + "; ".join(f"{r.system}/{r.entity} {r.extracted} extracted, {r.loaded} loaded + "
                                      f"{r.quarantined} quarantined + {r.merged} merged" for r in off.itertuples())
    keys = ev.feed_checks("conservation")
    found = ev.checks(keys)
    checks_text, checks_ok = _checks_verdict(found, keys)
    return f"{text}; conservation {checks_text}", bool(off.empty) and checks_ok is not False


def reconciliation(ev: Evidence) -> tuple[str, bool | None]:
    keys = ev.feed_checks("golive")
    text, ok = _checks_verdict(ev.checks(keys), keys)
    return f"go-live suites (rows and totals per currency as sent): {text}", ok


def complete_statements(ev: Evidence) -> tuple[str, bool | None]:
    statements = [e for e in ev.entities if ev.extractors.get(e.system) == "bank_files"]
    runs = [r.run_id for e in statements if (r := ev.latest(e.system, e.name, "extracted")) is not None]
    if not statements:
        return "the phase has no bank statement system", None
    if not runs:
        return "no statement extraction recorded yet", None
    flagged = ev.store.incomplete_statements(run_ids=runs)
    affected = int(flagged["transactions"].sum()) if len(flagged) else 0
    return f"{len(flagged)} statement(s) kept incomplete, {affected} transaction(s), in the latest extraction", \
        flagged.empty


def duplicates(ev: Evidence) -> tuple[str, bool | None]:
    from integration_hub.defs.master.assets import MASTERS

    mastered = sorted({e.canonical for e in ev.entities if e.canonical in MASTERS})
    keys = [dg.AssetCheckKey(MASTERS[c][0], "one_record_per_master") for c in mastered if c != "item"]
    merged = int(ev.metrics.loc[ev.metrics["stage"] == "master", "merged"].sum()) if len(ev.metrics) else 0
    items = ev.materialization(MASTERS["item"][0]) if "item" in mastered else None
    text, ok = _checks_verdict(ev.checks(keys), keys)
    extra = f"; {merged} source records merged into masters"
    if items:
        extra += f"; {items.get('dagster/row_count')} master items from {items.get('source_records')} source items"
    return f"one_record_per_master {text}{extra}", ok


def _held_at_load(ev: Evidence, entities, rule: Callable[[pd.Series], pd.Series], what: str):
    sent, held, parts = 0, 0, []
    for e in entities:
        row = ev.latest(e.system, e.name, "loaded")
        if row is None:
            continue
        rules = ev.store.quarantined(run_ids=[row.run_id], system=e.system, entity=e.name, stage="loaded")["rule"]
        n = int(rule(rules.astype(str)).sum())
        sent, held = sent + int(row.rows_in), held + n
        parts += [f"{e.system}/{e.name} {n}"] if n else []
    if sent == 0:
        return "no load recorded yet", None
    text = f"{held} of {sent} records sent held back for {what}" + (f" ({', '.join(parts)})" if parts else "")
    return text + f"; budget {ev.phase.error_budget:.0%}", bool(held <= ev.phase.error_budget * sent)


def references(ev: Evidence) -> tuple[str, bool | None]:
    return _held_at_load(ev, ev.entities, lambda r: r.str.endswith(EXISTS_IN_ERP), "naming a record the ERP lacks")


def hierarchy(ev: Evidence) -> tuple[str, bool | None]:
    from integration_hub.canonical import registry

    selfref = [e for e in ev.entities if registry.get(e.canonical).self_reference]
    if not selfref:
        return "the phase has no hierarchical entity", None
    columns = tuple(registry.get(e.canonical).self_reference for e in selfref)
    return _held_at_load(ev, selfref, lambda r: r.str.startswith(columns) & r.str.endswith((EXISTS_IN_ERP, CYCLE)),
                         "a manager (parent) not loaded before them, or a cycle")


def inventory(ev: Evidence) -> tuple[str, bool | None]:
    stock = [e for e in ev.entities if e.canonical == "inventory_level"]
    if not stock:
        return "the phase has no stock levels", None
    keys = ev.feed_checks("golive", stock) + ev.feed_checks("conservation", stock)
    text, ok = _checks_verdict(ev.checks(keys), keys)
    return f"stock levels go-live and conservation {text}", ok


def sensitive(ev: Evidence) -> tuple[str, bool | None]:
    from integration_hub.canonical import registry

    guarded = [e for e in ev.entities if e.sensitive]
    if not guarded:
        return "the phase declares no sensitive field", None
    parts, ok = [], True
    for e in guarded:
        meta = ev.materialization(dg.AssetKey([e.system, e.name, "extracted"]))
        if meta is None:
            return f"{e.system}/{e.name} not extracted yet", None
        encrypted = {c.strip() for c in str(meta.get("encrypted_columns", "")).split(",")}
        plain = sorted(set(e.sensitive) - encrypted) + sorted(set(e.sensitive) & set(registry.get(e.canonical).all_columns))
        ok = ok and not plain
        parts.append(f"{e.system}/{e.name}: {', '.join(e.sensitive)} encrypted at extraction"
                     + (f"; NOT protected: {', '.join(plain)}" if plain else "; the ERP gets masks only"))
    return "; ".join(parts), ok


def expected_volumes(ev: Evidence) -> tuple[str, bool | None]:
    low, high = VOLUME_TOLERANCE
    parts, ok, seen = [], True, 0
    for key, expected in ev.phase.expected_volumes:
        system, entity = key.split("/", 1)
        row = ev.latest(system, entity, "extracted")
        if row is None:
            parts.append(f"{key} not extracted")
            ok = False
            continue
        seen += 1
        share = row.rows_in / expected if expected else float(row.rows_in == 0)
        ok = ok and bool(low <= share <= high)
        parts.append(f"{key} {int(row.rows_in)}/{expected} ({share:.0%})")
    return "; ".join(parts), (ok if seen else None)


MEASURES: dict[str, Callable[[Evidence], tuple[str, bool | None]]] = {
    "conservation": conservation, "reconciliation": reconciliation, "complete_statements": complete_statements,
    "duplicates": duplicates, "references": references, "hierarchy": hierarchy, "inventory": inventory,
    "sensitive": sensitive}


def measure_phase(phase: Phase, store: HubStore, instance: dg.DagsterInstance | None = None) -> list[CriterionResult]:
    """Every success criterion of `phase`, then its expected volumes (50%..200% of each passes)."""
    ev = Evidence(phase, store, instance)
    results = []
    for name, description in phase.criteria:
        measure = MEASURES.get(name)
        measured, passed = measure(ev) if measure else ("no measurement defined", None)
        results.append(CriterionResult(name, description, measured, passed))
    if phase.expected_volumes:
        measured, passed = expected_volumes(ev)
        results.append(CriterionResult("expected_volumes", "the latest extraction of each entity brings "
                                       f"{VOLUME_TOLERANCE[0]:.0%}-{VOLUME_TOLERANCE[1]:.0%} of its expected rows",
                                       measured, passed))
    return results
