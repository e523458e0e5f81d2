"""ERP loads: one `erp/<entity>/loaded` asset per canonical entity, fed by every live system's mapped data."""

import time
from dataclasses import dataclass

import dagster as dg
import pandas as pd

from integration_hub.audit.chain import AuditTrail
from integration_hub.audit.config_changes import record_config_changes
from integration_hub.audit.lineage import record_lineage
from integration_hub.audit.load_evidence import lineage_rows, load_details, set_fingerprint
from integration_hub.canonical.models import MONEY_COLUMNS, columns
from integration_hub.defs.erp import evidence
from integration_hub.defs.factory import asset_key
from integration_hub.defs.metadata import guarded, latest_materialization, preview
from integration_hub.defs.resources import ErpResource, HubStoreResource
from integration_hub.gates.conservation import account_rows
from integration_hub.mapping.systems import EntityDeclaration
from integration_hub.standardize.frame import ROW

PLURAL = {"customer": "customers", "invoice": "invoices", "payment": "payments",
          "bank_transaction": "bank_transactions"}
# Entities loaded first because later ones refer to them.
REFERENCES = {"invoice": ("customer",), "payment": ("customer", "invoice")}
REQUIRED = {"customer": ["name"], "invoice": ["invoice_number", "customer_external_id", "issue_date"],
            "payment": ["amount_minor", "paid_at"], "bank_transaction": ["amount_minor", "booking_date"]}


@dataclass(frozen=True)
class Feed:
    entity: EntityDeclaration

    @property
    def input_name(self) -> str:
        return f"{self.entity.system}__{self.entity.name}"


def loaded_key(canonical: str) -> dg.AssetKey:
    return dg.AssetKey(["erp", PLURAL[canonical], "loaded"])


def _reference_rejects(frame: pd.DataFrame, known_customers: set[str] | None) -> pd.Series:
    """Rule broken per row ('' when none): a record must not point at a customer the ERP does not hold."""
    reasons = pd.Series("", index=frame.index, dtype="string")
    if known_customers is not None and "customer_external_id" in frame:
        ref = frame["customer_external_id"]
        unknown = ref.notna() & ~ref.isin(known_customers)
        reasons[unknown] = "customer_external_id.exists_in_erp"
    return reasons


def build_loaded_defs(canonical: str, feeds: list[Feed]) -> list:
    key = loaded_key(canonical)
    deps = [loaded_key(r) for r in REFERENCES.get(canonical, ())]
    ins = {f.input_name: dg.AssetIn(key=asset_key(f.entity, "mapped")) for f in feeds}
    entities = [f.entity for f in feeds]

    @dg.asset(key=key, ins=ins, deps=deps, group_name="erp", kinds={"sql"}, owners=["team:integration"],
              pool="erp", description=f"Canonical {canonical} records the ERP accepted, read back after an "
                                      "idempotent upsert by external id.")
    @guarded
    def loaded(context: dg.AssetExecutionContext, erp: ErpResource, hub: HubStoreResource, **mapped):
        started = time.perf_counter()
        target, store = erp.target(), hub.store()
        run_id, who = context.run.run_id, evidence.actor(context)
        trail = AuditTrail(store.engine)
        record_config_changes(trail, who, evidence.config_items(entities), run_id=run_id)
        known = set(target.read_back("customer")["external_id"]) if "customer" in REFERENCES.get(canonical, ()) \
            else None
        sent_ids = pd.concat([mapped[f.input_name]["external_id"] for f in feeds], ignore_index=True)
        before = set_fingerprint(target.read_back(canonical, external_ids=list(sent_ids)), columns(canonical))
        counts: dict[str, int] = {}
        loaded_ids: list[pd.Series] = []
        lineage: list[pd.DataFrame] = []
        for feed in feeds:
            frame = mapped[feed.input_name]
            reasons = _reference_rejects(frame, known)
            rejected = frame[reasons != ""]
            sendable = frame[reasons == ""]
            outcome = target.upsert(canonical, sendable[columns(canonical)], run_id=context.run.run_id,
                                    mapping_version=feed.entity.mapping.version_tag)
            erp_rejected = outcome[outcome["outcome"] == "rejected"]
            bad = pd.DataFrame({
                "external_id": [*rejected["external_id"], *erp_rejected["external_id"]],
                "rule": [*reasons[reasons != ""], *("erp_rejected: " + erp_rejected["message"].astype(str))]})
            records = frame.set_index("external_id").loc[bad["external_id"]]
            store.add_quarantine(context.run.run_id, feed.entity.system, feed.entity.name, "loaded", pd.DataFrame({
                "source_id": records["source_id"].to_numpy(), "row_number": records[ROW].to_numpy(),
                "rule": bad["rule"].to_numpy(), "column_name": None, "value": bad["external_id"].to_numpy(),
                "record": [r.to_json(date_format="iso") for _, r in records.reset_index().iterrows()]}))
            for name, n in outcome["outcome"].value_counts().items():
                counts[name] = counts.get(name, 0) + int(n)
            counts["rejected"] = counts.get("rejected", 0) + len(rejected)
            accepted = outcome.loc[outcome["outcome"] != "rejected", "external_id"]
            loaded_ids.append(accepted)
            lineage.append(lineage_rows(
                sendable, outcome, erp_entity=canonical, source_entity=feed.entity.name, spec=feed.entity.mapping,
                run_id=run_id, gates=evidence.gates(context, feed.entity),
                origins=evidence.origins(context, feed.entity), merges=evidence.merges(context, store, feed.entity)))
            store.record_metric(context.run.run_id, feed.entity.system, feed.entity.name, "loaded",
                                rows_in=len(frame), rows_out=len(accepted), quarantined=len(bad),
                                seconds=time.perf_counter() - started)
            _commit_cursor(context, store, feed.entity)
        applied = target.apply_payments(context.run.run_id) if canonical == "payment" else None
        ids = pd.concat(loaded_ids, ignore_index=True) if loaded_ids else pd.Series([], dtype="string")
        read_back = target.read_back(canonical, external_ids=list(ids))
        lineage_frame = pd.concat(lineage, ignore_index=True) if lineage else pd.DataFrame()
        record_lineage(store.engine, lineage_frame)
        entry = trail.append(who, "erp.load", f"erp/{PLURAL[canonical]}", before,
                             set_fingerprint(read_back, columns(canonical)), load_details(
                                 counts, {f.input_name: f.entity.mapping.version_tag for f in feeds}, run_id=run_id,
                                 lineage_rows=len(lineage_frame),
                                 payment_applications=None if applied is None else len(applied)))
        metadata = {"dagster/row_count": len(read_back), **{f"records_{k}": v for k, v in counts.items()},
                    "lineage_rows": len(lineage_frame), "audit_entry": entry.seq, "audit_hash": entry.hash,
                    "dagster/column_lineage": evidence.column_lineage(columns(canonical), entities),
                    "preview": preview(read_back)}
        money = MONEY_COLUMNS.get(canonical)
        if money and len(read_back):
            totals = read_back.groupby("currency")[money].agg(["count", "sum"]).reset_index()
            metadata["totals_by_currency"] = dg.MetadataValue.md(totals.to_markdown(index=False))
        if applied is not None:
            metadata["payment_applications"] = len(applied)
        return dg.MaterializeResult(value=read_back, metadata=metadata)

    return [loaded, *[_conservation_check(loaded, canonical, f) for f in feeds],
            *[_golive_check(loaded, canonical, f) for f in feeds]]


def _commit_cursor(context, store, entity: EntityDeclaration) -> None:
    """Advance an incremental cursor only once its records are safely in the ERP."""
    if not entity.cursor:
        return
    _, meta = latest_materialization(context, asset_key(entity, "extracted"))
    if meta.get("next_cursor"):
        store.set_cursor(entity.system, entity.name, str(meta["next_cursor"]), context.run.run_id)


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


def _conservation_check(loaded_def: dg.AssetsDefinition, canonical: str, feed: Feed):
    entity, key = feed.entity, loaded_def.key

    @dg.asset_check(asset=loaded_def, name=f"conservation_{feed.input_name}", blocking=True,
                    additional_ins={"extracted": dg.AssetIn(key=asset_key(entity, "extracted")),
                                    "mapped": dg.AssetIn(key=asset_key(entity, "mapped"))},
                    description=f"{entity.system}/{entity.name}: extracted = loaded + quarantined + merged, row by "
                                "row: no record is lost or counted twice.")
    @guarded
    def _check(context: dg.AssetCheckExecutionContext, hub: HubStoreResource, loaded: pd.DataFrame,
               extracted: pd.DataFrame, mapped: pd.DataFrame) -> dg.AssetCheckResult:
        store = hub.store()
        quarantine = _quarantine(store, context, entity, key)
        runs = _run_ids(context, entity, key)
        merges = store.merged(run_ids=[runs["cleaned"]], system=entity.system, entity=entity.name)
        load_rejected = set(quarantine.loc[quarantine["stage"] == "loaded", "row_number"].dropna().astype(int))
        # `loaded` is the ERP's own read-back after the load, not what the hub sent.
        accepted = mapped[mapped["external_id"].isin(loaded["external_id"]) & ~mapped[ROW].isin(load_rejected)]
        result = account_rows(extracted[ROW], accepted[ROW], quarantine["row_number"], merges["row_number"])
        return dg.AssetCheckResult(passed=result.holds, severity=dg.AssetCheckSeverity.ERROR,
                                   description=result.describe(), metadata={
                                       "extracted": result.extracted, "loaded": result.loaded,
                                       "quarantined": result.quarantined, "merged": result.merged,
                                       "unaccounted": len(result.unaccounted)})
    return _check


def _golive_check(loaded_def: dg.AssetsDefinition, canonical: str, feed: Feed):
    entity, key = feed.entity, loaded_def.key

    @dg.asset_check(asset=loaded_def, name=f"golive_{feed.input_name}", blocking=True,
                    additional_ins={"mapped": dg.AssetIn(key=asset_key(entity, "mapped"))},
                    description=f"Great Expectations go-live checkpoint for {entity.system}/{entity.name}: row "
                                "count and amount total equal what was sent, key fields present and unique.")
    @guarded
    def _check(context: dg.AssetCheckExecutionContext, hub: HubStoreResource, loaded: pd.DataFrame,
               mapped: pd.DataFrame) -> dg.AssetCheckResult:
        from integration_hub.gates.golive import run_golive_suite

        quarantine = _quarantine(hub.store(), context, entity, key)
        rejected_ids = set(quarantine.loc[quarantine["stage"] == "loaded", "value"])
        expected = mapped[~mapped["external_id"].isin(rejected_ids)]
        held = loaded[loaded["external_id"].isin(mapped["external_id"])]
        money = MONEY_COLUMNS.get(canonical)
        result = run_golive_suite(held, entity=canonical, expected_rows=len(expected), money_column=money,
                                  expected_total=int(expected[money].sum()) if money else None,
                                  required=REQUIRED[canonical])
        failed = result.results[~result.results["success"]]
        return dg.AssetCheckResult(
            passed=result.success, severity=dg.AssetCheckSeverity.ERROR,
            description="all expectations met" if result.success else
            "failed: " + ", ".join(f"{r.expectation}({r.column or ''})" for r in failed.itertuples()),
            metadata={"expectations": dg.MetadataValue.md(result.results.to_markdown(index=False)),
                      "expected_rows": len(expected)})
    return _check


def build_erp_defs(feeds_by_entity: dict[str, list[Feed]]) -> list:
    return [d for canonical in PLURAL if feeds_by_entity.get(canonical)
            for d in build_loaded_defs(canonical, feeds_by_entity[canonical])]
