"""ERP loads: one `erp/<entity>/loaded` asset per canonical entity, fed by every live system's mapped data."""

from dataclasses import dataclass

import dagster as dg
import pandas as pd

from integration_hub.audit.chain import AuditTrail
from integration_hub.audit.config_changes import record_config_changes
from integration_hub.audit.crosswalk import load_crosswalk
from integration_hub.canonical import registry
from integration_hub.canonical.totals import exact_totals
from integration_hub.connectors.bank.completeness import COMPLETE
from integration_hub.defs.erp import evidence
from integration_hub.defs.factory import asset_key
from integration_hub.defs.master.assets import MASTERS
from integration_hub.defs.metadata import guarded, latest_materialization, preview
from integration_hub.defs.resources import ErpResource, HubStoreResource
from integration_hub.erp.load import LoadResult, LoadRun, SourceBatch, load_entity
from integration_hub.erp.load_golden import load_golden
from integration_hub.erp.references import master_keys
from integration_hub.gates.conservation import account_rows
from integration_hub.governance.phase_state import GOLIVE_TAG, may_load
from integration_hub.governance.phases import Phase, PhaseNotReady, check_dependencies_loaded
from integration_hub.mapping.systems import EntityDeclaration
from integration_hub.resolve.continuity import MASTER_PREFIX
from integration_hub.standardize.frame import ROW


@dataclass(frozen=True)
class Feed:
    entity: EntityDeclaration
    requires_complete_statements: bool = False   # its phase's go-live criterion complete_statements
    phase: Phase | None = None

    @property
    def input_name(self) -> str:
        return f"{self.entity.system}__{self.entity.name}"


def loaded_key(canonical: str) -> dg.AssetKey:
    return dg.AssetKey(["erp", registry.get(canonical).plural, "loaded"])


def _extracted_input(feed: Feed) -> str:
    return f"{feed.input_name}__extracted"


def _batch(context, store, feed: Feed, records: pd.DataFrame, extracted: pd.DataFrame | None) -> SourceBatch:
    """A feed's records with the evidence Dagster holds about them: gates passed, origins, merges, cursor."""
    _, meta = latest_materialization(context, asset_key(feed.entity, "extracted"))
    return SourceBatch(entity=feed.entity, records=records, extracted=extracted,
                       next_cursor=str(meta.get("next_cursor") or "") or None,
                       gates=evidence.gates(context, feed.entity), origins=evidence.origins(context, feed.entity),
                       merges=evidence.merges(context, store, feed.entity))


def _lines_input(feed: Feed) -> str:
    return f"lines__{feed.input_name}"


def build_loaded_defs(canonical: str, feeds: list[Feed], *, masters: tuple[str, ...] = (),
                      phases: dict[str, Phase] | None = None, line_feeds: list[Feed] | None = None) -> list:
    """`masters`: entities resolved into golden records (customers, items); such an entity loads its
    golden records, and what refers to one is re-keyed to the masters. `line_feeds`: the feeds of
    the entity's lines (a sales order's), whose mapped records its documents are created with."""
    declared = registry.get(canonical)
    key = loaded_key(canonical)
    deps = [loaded_key(r) for r in declared.depends_on]
    ins = {f.input_name: dg.AssetIn(key=asset_key(f.entity, "mapped")) for f in feeds}
    ins.update({_lines_input(f): dg.AssetIn(key=asset_key(f.entity, "mapped")) for f in line_feeds or []})
    # Incremental feeds: the cursor may only pass records that are safely in the ERP.
    ins.update({_extracted_input(f): dg.AssetIn(key=asset_key(f.entity, "extracted")) for f in feeds if f.entity.cursor})
    golden_records = canonical in masters
    referred = [e for e in dict.fromkeys(declared.references.values()) if e in masters and e != canonical]
    if golden_records:
        ins["golden"] = dg.AssetIn(key=MASTERS[canonical][0])
    ins.update({f"crosswalk__{e}": dg.AssetIn(key=MASTERS[e][1]) for e in ([canonical] if golden_records else referred)})
    entities = [f.entity for f in feeds]

    @dg.asset(key=key, ins=ins, deps=deps, group_name="erp", kinds={"sql"}, owners=["team:integration"],
              pool="erp", description=f"Canonical {canonical} records the ERP accepted, read back after an "
                                      "idempotent upsert by external id.")
    @guarded
    def loaded(context: dg.AssetExecutionContext, erp: ErpResource, hub: HubStoreResource, **inputs):
        golden = inputs.pop("golden", None)
        crosswalks = [inputs.pop(name) for name in [n for n in inputs if n.startswith("crosswalk__")]]
        lines = [inputs.pop(_lines_input(f)) for f in line_feeds or []]
        store = hub.store()
        run = LoadRun(run_id=context.run.run_id, actor=evidence.actor(context), target=erp.target(), store=store,
                      log=context.log)
        record_config_changes(AuditTrail(store.engine), run.actor, evidence.config_items(entities),
                              run_id=run.run_id)
        batches = [_batch(context, store, f, inputs[f.input_name], inputs.get(_extracted_input(f))) for f in feeds]
        _refuse_before_dependencies(store, feeds, batches, phases or {})
        _refuse_unless_phase_loads(context, store, feeds, batches, phases or {})
        current = pd.concat(crosswalks, ignore_index=True) if crosswalks else None
        persisted = master_keys(load_crosswalk(store.engine), current) if current is not None else None
        if golden is not None:
            result = load_golden(canonical, batches, run, golden, current, persisted)
        else:
            result = load_entity(canonical, batches, run, master_keys=persisted, lines=lines)
        return dg.MaterializeResult(value=result.read_back, metadata=_metadata(canonical, entities, result))

    return [loaded, *[_conservation_check(loaded, canonical, f, golden_records) for f in feeds],
            *[_golive_check(loaded, canonical, f, golden_records) for f in feeds]]


def _refuse_before_dependencies(store, feeds: list[Feed], batches: list[SourceBatch],
                                phases: dict[str, Phase]) -> None:
    """A phase's records load only once every phase it depends on has loaded at least once."""
    waiting = [f.phase for f, b in zip(feeds, batches) if f.phase is not None and f.phase.depends_on and len(b.records)]
    if waiting:
        metrics = store.metrics()
        loaded = set(metrics.loc[metrics["stage"] == "loaded", "system"])
        for phase in dict.fromkeys(waiting):
            check_dependencies_loaded(phase, phases, loaded)


def _refuse_unless_phase_loads(context, store, feeds: list[Feed], batches: list[SourceBatch],
                               phases: dict[str, Phase]) -> None:
    """The run's phase (a phase job's `phase` tag; else every phase with records in this load) must be
    parallel or live now, or this be its go-live run: a locked or rolled-back phase does not load."""
    tagged = context.run.tags.get("phase")
    names = [tagged] if tagged in phases else [f.phase.name for f, b in zip(feeds, batches)
                                               if f.phase is not None and len(b.records)]
    golive_run = context.run.tags.get(GOLIVE_TAG) in names
    for name in dict.fromkeys(names):
        allowed, status = may_load(store.engine, phases[name], golive_run=golive_run)
        if not allowed:
            raise PhaseNotReady(f"phase {name} is {status}: its records do not load into the ERP "
                                f"until `integration-hub golive {name}` takes it live")


def _metadata(canonical: str, entities: list[EntityDeclaration], result: LoadResult) -> dict:
    declared, read_back = registry.get(canonical), result.read_back
    metadata = {"dagster/row_count": len(read_back), **{f"records_{k}": v for k, v in result.counts.items()},
                "lineage_rows": result.lineage_rows, "audit_entry": result.audit_seq, "audit_hash": result.audit_hash,
                "audit_anchor": result.audit_anchor,
                "dagster/column_lineage": evidence.column_lineage(list(declared.all_columns), entities),
                "preview": preview(read_back)}
    if result.dead_runs:
        metadata["completed_dead_loads"] = dg.MetadataValue.json(
            {"runs": result.dead_runs, "lineage_rows_recovered": result.lineage_recovered})
    if result.cursors:
        metadata["cursors"] = dg.MetadataValue.json(result.cursors)
    if declared.total and len(read_back):
        totals = read_back.groupby("currency")[declared.total].agg(["count", "sum"]).reset_index()
        metadata["totals_by_currency"] = dg.MetadataValue.md(totals.to_markdown(index=False))
    if result.payment_applications is not None:
        metadata["payment_applications"] = result.payment_applications
    return metadata


def _run_ids(context, entity: EntityDeclaration, loaded: dg.AssetKey) -> dict[str, str | None]:
    stages = {s: asset_key(entity, s) for s in ("extracted", "cleaned", "mapped")}
    stages["loaded"] = loaded
    return {stage: latest_materialization(context, k)[0] for stage, k in stages.items()}


def _quarantine(store, context, entity: EntityDeclaration, loaded: dg.AssetKey) -> pd.DataFrame:
    """Quarantine entries of the runs that produced the current version of each stage."""
    runs = _run_ids(context, entity, loaded)
    frames = [store.quarantined(run_ids=[run], system=entity.system, entity=entity.name, stage=stage)
              for stage, run in runs.items() if run]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["stage", "row_number", "value"])


def _sent_input(entity: EntityDeclaration, master: bool) -> dg.AssetIn:
    """What a source sent to the ERP: its mapped records, or for golden records the crosswalk."""
    return dg.AssetIn(key=MASTERS[entity.canonical][1] if master else asset_key(entity, "mapped"))


def _as_sent(sent: pd.DataFrame, entity: EntityDeclaration, master: bool) -> pd.DataFrame:
    """Records as the ERP knows them (external_id) with their source row; a golden customer is sent
    once, through the source record that represents it (the others were merged into it)."""
    if not master:
        return sent
    mine = sent[(sent["source_system"] == entity.system) & sent["representative"].astype(bool)]
    return pd.DataFrame({"external_id": mine["master_external_id"].to_numpy(), ROW: mine["row_number"].to_numpy()})


def _merges(store, entity: EntityDeclaration, cleaned_run: str | None, master_run: str | None) -> pd.DataFrame:
    """Rows folded into another: duplicates within the source (by the run that cleaned it) and, for
    golden records, rows folded into a master (by the latest master run only: a run that cleaned a
    source and resolved masters records both, and a later master run supersedes just the latter)."""
    def recorded(run_id: str | None, into_master: bool) -> pd.DataFrame:
        if not run_id:
            return pd.DataFrame(columns=["row_number"])
        rows = store.merged(run_ids=[run_id], system=entity.system, entity=entity.name)
        return rows[rows["merged_into"].astype(str).str.startswith(MASTER_PREFIX) == into_master]
    return pd.concat([recorded(cleaned_run, False), recorded(master_run, True)], ignore_index=True)


def _conservation_check(loaded_def: dg.AssetsDefinition, canonical: str, feed: Feed, master: bool):
    entity, key = feed.entity, loaded_def.key
    additional = {"extracted": dg.AssetIn(key=asset_key(entity, "extracted")), "sent": _sent_input(entity, master)}

    @dg.asset_check(asset=loaded_def, name=f"conservation_{feed.input_name}", blocking=True,
                    additional_ins=additional,
                    description=f"{entity.system}/{entity.name}: extracted = loaded + quarantined + merged, row by "
                                "row: no record is lost or counted twice.")
    @guarded
    def _check(context: dg.AssetCheckExecutionContext, hub: HubStoreResource, loaded: pd.DataFrame,
               extracted: pd.DataFrame, sent: pd.DataFrame) -> dg.AssetCheckResult:
        mapped = _as_sent(sent, entity, master)
        store = hub.store()
        quarantine = _quarantine(store, context, entity, key)
        runs = _run_ids(context, entity, key)
        merges = _merges(store, entity, runs["cleaned"],
                         latest_materialization(context, MASTERS[canonical][0])[0] if master else None)
        load_rejected = set(quarantine.loc[quarantine["stage"] == "loaded", "row_number"].dropna().astype(int))
        # `loaded` is the ERP's own read-back after the load, not what the hub sent.
        accepted = mapped[mapped["external_id"].isin(loaded["external_id"]) & ~mapped[ROW].isin(load_rejected)]
        result = account_rows(extracted[ROW], accepted[ROW], quarantine["row_number"], merges["row_number"],
                              rejected_at_extraction=quarantine.loc[quarantine["stage"] == "extracted", "row_number"])
        return dg.AssetCheckResult(passed=result.holds, severity=dg.AssetCheckSeverity.ERROR,
                                   description=result.describe(), metadata={
                                       "extracted": result.extracted, "loaded": result.loaded,
                                       "quarantined": result.quarantined, "merged": result.merged,
                                       "unaccounted": len(result.unaccounted)})
    return _check


def _golive_check(loaded_def: dg.AssetsDefinition, canonical: str, feed: Feed, master: bool):
    entity, key = feed.entity, loaded_def.key
    @dg.asset_check(asset=loaded_def, name=f"golive_{feed.input_name}", blocking=True,
                    additional_ins={"sent": _sent_input(entity, master)},
                    description=f"Great Expectations go-live checkpoint for {entity.system}/{entity.name}: row "
                                "count and amount total equal what was sent, key fields present and unique"
                                + ("; every statement complete (the phase's complete_statements criterion)."
                                   if feed.requires_complete_statements else "."))
    @guarded
    def _check(context: dg.AssetCheckExecutionContext, hub: HubStoreResource, loaded: pd.DataFrame,
               sent: pd.DataFrame) -> dg.AssetCheckResult:
        from integration_hub.gates.golive import run_golive_suite

        mapped = _as_sent(sent, entity, master)
        quarantine = _quarantine(hub.store(), context, entity, key)
        rejected_ids = set(quarantine.loc[quarantine["stage"] == "loaded", "value"])
        expected = mapped[~mapped["external_id"].isin(rejected_ids)]
        held = loaded[loaded["external_id"].isin(mapped["external_id"])]
        money = registry.get(canonical).total
        totals = {str(c): t for c, t in exact_totals(expected, "currency", money).items()} if money else None
        allowed = {}
        if feed.requires_complete_statements and "statement_status" in mapped:
            # The ERP does not hold the status; each record it holds is checked with the status it was sent with.
            held = held.merge(mapped[["external_id", "statement_status"]], on="external_id", how="left")
            allowed["statement_status"] = [COMPLETE]
        result = run_golive_suite(held, entity=canonical, expected_rows=len(expected), money_column=money,
                                  expected_total=totals, required=list(registry.get(canonical).required), allowed=allowed)
        failed = result.results[~result.results["success"]]
        return dg.AssetCheckResult(
            passed=result.success, severity=dg.AssetCheckSeverity.ERROR,
            description="all expectations met" if result.success else
            "failed: " + ", ".join(f"{r.expectation}({r.column or ''})" for r in failed.itertuples()),
            metadata={"expectations": dg.MetadataValue.md(result.results.to_markdown(index=False)),
                      "expected_rows": len(expected)})
    return _check


def build_erp_defs(feeds_by_entity: dict[str, list[Feed]], *, masters: tuple[str, ...] = (),
                   phases: dict[str, Phase] | None = None) -> list:
    """`masters`: entities that resolve into golden records before loading (master/<entity>)."""
    return [d for canonical, declared in registry.all_entities().items() if feeds_by_entity.get(canonical)
            for d in build_loaded_defs(canonical, feeds_by_entity[canonical], masters=masters, phases=phases,
                                       line_feeds=feeds_by_entity.get(declared.lines) if declared.lines else None)]
