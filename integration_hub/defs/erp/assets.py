"""ERP loads: one `erp/<entity>/loaded` asset per canonical entity, fed by every live system's mapped data."""

import json
import time
from dataclasses import dataclass

import dagster as dg
import pandas as pd

from integration_hub.audit.chain import AuditTrail
from integration_hub.audit.config_changes import record_config_changes
from integration_hub.audit.crosswalk import load_crosswalk
from integration_hub.audit.lineage import record_lineage, with_lineage
from integration_hub.audit.load_journal import begin_load, finish_load, unfinished_loads
from integration_hub.audit.load_evidence import lineage_rows, load_details, set_fingerprint
from integration_hub.canonical.models import MONEY_COLUMNS, columns
from integration_hub.canonical.totals import exact_totals
from integration_hub.connectors.bank.completeness import COMPLETE
from integration_hub.connectors.cursors import cursor_values
from integration_hub.defs.erp import evidence
from integration_hub.defs.factory import asset_key
from integration_hub.defs.master.assets import CUSTOMER_CROSSWALK, MASTER_CUSTOMERS
from integration_hub.defs.metadata import guarded, latest_materialization, preview
from integration_hub.defs.resources import ErpResource, HubStoreResource
from integration_hub.erp.ledger_tamper import record_repairs
from integration_hub.erp.references import FIXABLE_RULES, master_keys, reference_rejects, to_masters
from integration_hub.gates.business_rules import business_rule_rejects
from integration_hub.gates.conservation import account_rows
from integration_hub.mapping.systems import EntityDeclaration
from integration_hub.standardize.frame import ROW

MASTER_VERSION = "master.customers@resolver"   # golden records: fields chosen by survivorship, see field_sources
PLURAL = {"customer": "customers", "invoice": "invoices", "payment": "payments",
          "bank_transaction": "bank_transactions"}
# Entities loaded first because later ones refer to them.
REFERENCES = {"invoice": ("customer",), "payment": ("customer", "invoice")}
BUSINESS_RULE_ENTITIES = ("invoice", "payment")
REQUIRED = {"customer": ["name"], "invoice": ["invoice_number", "customer_external_id", "issue_date"],
            "payment": ["amount_minor", "paid_at"], "bank_transaction": ["amount_minor", "booking_date"]}


@dataclass(frozen=True)
class Feed:
    entity: EntityDeclaration
    requires_complete_statements: bool = False   # its phase's go-live criterion complete_statements

    @property
    def input_name(self) -> str:
        return f"{self.entity.system}__{self.entity.name}"


def loaded_key(canonical: str) -> dg.AssetKey:
    return dg.AssetKey(["erp", PLURAL[canonical], "loaded"])


def _as_masters(frame: pd.DataFrame, crosswalk: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Source customers re-keyed to their master's external id, and which rows represent their master."""
    cw = crosswalk.set_index("source_external_id")
    members = cw.loc[frame["external_id"]]
    keyed = frame.assign(external_id=members["master_external_id"].to_numpy(),
                         master_id=members["master_id"].to_numpy(), merge_evidence=members["evidence"].to_numpy())
    return keyed, pd.Series(members["representative"].to_numpy(dtype=bool), index=frame.index)


def _extracted_input(feed: Feed) -> str:
    return f"{feed.input_name}__extracted"


def build_loaded_defs(canonical: str, feeds: list[Feed], *, master: bool = False) -> list:
    """`master`: customers load as golden records, and invoices and payments point at them."""
    key = loaded_key(canonical)
    deps = [loaded_key(r) for r in REFERENCES.get(canonical, ())]
    ins = {f.input_name: dg.AssetIn(key=asset_key(f.entity, "mapped")) for f in feeds}
    # Incremental feeds: the cursor may only pass records that are safely in the ERP.
    ins.update({_extracted_input(f): dg.AssetIn(key=asset_key(f.entity, "extracted")) for f in feeds if f.entity.cursor})
    if master:
        ins["crosswalk"] = dg.AssetIn(key=CUSTOMER_CROSSWALK)
        if canonical == "customer":
            ins["golden"] = dg.AssetIn(key=MASTER_CUSTOMERS)
    entities = [f.entity for f in feeds]

    @dg.asset(key=key, ins=ins, deps=deps, group_name="erp", kinds={"sql"}, owners=["team:integration"],
              pool="erp", description=f"Canonical {canonical} records the ERP accepted, read back after an "
                                      "idempotent upsert by external id.")
    @guarded
    def loaded(context: dg.AssetExecutionContext, erp: ErpResource, hub: HubStoreResource, **mapped):
        started = time.perf_counter()
        crosswalk, golden = mapped.pop("crosswalk", None), mapped.pop("golden", None)
        extracted = {f.input_name: mapped.pop(_extracted_input(f)) for f in feeds if f.entity.cursor}
        target, store = erp.target(), hub.store()
        if crosswalk is not None and golden is None:
            keys = master_keys(load_crosswalk(store.engine), crosswalk)
            mapped = {name: to_masters(frame, keys) for name, frame in mapped.items()}
        run_id, who = context.run.run_id, evidence.actor(context)
        trail = AuditTrail(store.engine)
        record_config_changes(trail, who, evidence.config_items(entities), run_id=run_id)
        known = set(target.read_back("customer")["external_id"]) if "customer" in REFERENCES.get(canonical, ()) \
            else None
        sent_ids = golden["external_id"] if golden is not None else \
            pd.concat([mapped[f.input_name]["external_id"] for f in feeds], ignore_index=True)
        # The cross-record rules judge against everything the ERP holds: one read serves them and `before`.
        held = target.read_back(canonical) if golden is None and canonical in BUSINESS_RULE_ENTITIES else None
        before = set_fingerprint(held[held["external_id"].isin(sent_ids)] if held is not None else
                                 target.read_back(canonical, external_ids=list(sent_ids)), columns(canonical))
        journal = begin_load(store.engine, run_id, canonical)
        unfinished = unfinished_loads(store.engine, canonical, before=journal)
        counts: dict[str, int] = {}
        loaded_ids: list[pd.Series] = []
        lineage: list[pd.DataFrame] = []
        held_rows: dict[str, pd.Series] = {}
        recovered = 0
        reference = {} if golden is not None else \
            {f.input_name: reference_rejects(mapped[f.input_name], known) for f in feeds}
        business = {} if held is None else _business_rejects(canonical, mapped, reference, held)
        if golden is not None:
            golden_outcome = target.upsert(canonical, golden[columns(canonical)], run_id=run_id,
                                           mapping_version=MASTER_VERSION)
            record_repairs(trail, who, canonical, golden_outcome, run_id=run_id)
        for feed in feeds:
            frame = mapped[feed.input_name]
            if golden is not None:
                # Each master is sent once; its representative row stands for it, the others were merged.
                keyed, representative = _as_masters(frame, crosswalk)
                frame, sendable = keyed[representative], keyed
                outcome = golden_outcome[golden_outcome["external_id"].isin(frame["external_id"])]
                reasons = pd.Series("", index=frame.index, dtype="string")
                rejected = frame.iloc[:0]
            else:
                reasons = reference[feed.input_name]
                if feed.input_name in business:
                    reasons = reasons.where(reasons != "", business[feed.input_name])
                rejected = frame[reasons != ""]
                sendable = frame[reasons == ""]
                outcome = target.upsert(canonical, sendable[columns(canonical)], run_id=run_id,
                                        mapping_version=feed.entity.mapping.version_tag)
                record_repairs(trail, who, canonical, outcome, run_id=run_id)
            held_rows[feed.input_name] = rejected.loc[reasons[reasons != ""].isin(FIXABLE_RULES), ROW]
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
            answered = golden_outcome if golden is not None else outcome
            lineage_kwargs = dict(
                erp_entity=canonical, source_entity=feed.entity.name, spec=feed.entity.mapping,
                gates=evidence.gates(context, feed.entity), origins=evidence.origins(context, feed.entity),
                merges=evidence.merges(context, store, feed.entity))
            rows = [lineage_rows(sendable, answered, run_id=run_id, **lineage_kwargs)]
            if len(unfinished):
                # A dead run wrote these and never recorded where they came from: record it now, for it.
                orphans = _without_lineage(store, canonical, sendable, answered)
                rows.append(lineage_rows(sendable, orphans, run_id=unfinished["run_id"].iloc[-1], **lineage_kwargs))
                recovered += len(rows[-1])
            rows = pd.concat(rows, ignore_index=True)
            if crosswalk is not None and golden is None and len(rows):
                rules = {**rows["field_rules"].iloc[0]}
                rules["customer_external_id"] += "; then resolved to its master customer (master/customer_crosswalk)"
                rows["field_rules"] = pd.Series([rules] * len(rows), index=rows.index, dtype=object)
            if golden is not None and len(rows):
                members = sendable.set_index("source_id")
                rows["master_id"] = members["master_id"].reindex(rows["source_id"]).to_numpy()
                rows["merge_evidence"] = members["merge_evidence"].reindex(rows["source_id"]).to_numpy()
            lineage.append(rows)
            store.record_metric(context.run.run_id, feed.entity.system, feed.entity.name, "loaded",
                                rows_in=len(frame), rows_out=len(accepted), quarantined=len(bad),
                                seconds=time.perf_counter() - started)
        applied = target.apply_payments(context.run.run_id) if canonical == "payment" else None
        ids = pd.concat(loaded_ids, ignore_index=True) if loaded_ids else pd.Series([], dtype="string")
        read_back = target.read_back(canonical, external_ids=list(ids))
        lineage_frame = pd.concat(lineage, ignore_index=True) if lineage else pd.DataFrame()
        versions = {f.input_name: f.entity.mapping.version_tag for f in feeds}
        after = set_fingerprint(read_back, columns(canonical))
        logged = _logged_runs(trail, canonical) if len(unfinished) else set()
        # The load's evidence commits as one: lineage, the dead runs' entries, its own, the journal.
        with trail.locked() as conn:
            record_lineage(conn, lineage_frame)
            _complete_dead_loads(trail, who, canonical, unfinished, after, run_id=run_id, recovered=recovered,
                                 logged=logged, conn=conn)
            entry = trail.append(who, "erp.load", f"erp/{PLURAL[canonical]}", before, after, load_details(
                counts, versions, run_id=run_id, lineage_rows=len(lineage_frame),
                payment_applications=None if applied is None else len(applied)), conn=conn)
            finish_load(conn, journal, completed=unfinished["id"].tolist())
        cursors = {f.input_name: _commit_cursor(context, store, f.entity, extracted.get(f.input_name),
                                                held_rows[f.input_name]) for f in feeds if f.entity.cursor}
        metadata = {"dagster/row_count": len(read_back), **{f"records_{k}": v for k, v in counts.items()},
                    "lineage_rows": len(lineage_frame), "audit_entry": entry.seq, "audit_hash": entry.hash,
                    "audit_anchor": str(trail.anchor()),
                    "dagster/column_lineage": evidence.column_lineage(columns(canonical), entities),
                    "preview": preview(read_back)}
        if len(unfinished):
            metadata["completed_dead_loads"] = dg.MetadataValue.json(
                {"runs": unfinished["run_id"].tolist(), "lineage_rows_recovered": recovered})
        if cursors:
            metadata["cursors"] = dg.MetadataValue.json(cursors)
        money = MONEY_COLUMNS.get(canonical)
        if money and len(read_back):
            totals = read_back.groupby("currency")[money].agg(["count", "sum"]).reset_index()
            metadata["totals_by_currency"] = dg.MetadataValue.md(totals.to_markdown(index=False))
        if applied is not None:
            metadata["payment_applications"] = len(applied)
        return dg.MaterializeResult(value=read_back, metadata=metadata)

    golden_customers = master and canonical == "customer"
    return [loaded, *[_conservation_check(loaded, canonical, f, golden_customers) for f in feeds],
            *[_golive_check(loaded, canonical, f, golden_customers) for f in feeds]]


def _business_rejects(canonical: str, mapped: dict[str, pd.DataFrame], reference: dict[str, pd.Series],
                      held: pd.DataFrame) -> dict[str, pd.Series]:
    """Rule broken per row of each feed by the rules that span records (a refund above its charge),
    judged over every feed together and what the ERP `held`; rows already rejected are left out."""
    candidates = {name: frame[reference[name] == ""] for name, frame in mapped.items()}
    together = pd.concat(candidates, names=["feed", "row"])
    rules = business_rule_rejects(canonical, together, held)
    return {name: rules[rules.index.get_level_values("feed") == name].droplevel("feed").reindex(
        frame.index, fill_value="") for name, frame in mapped.items()}


def _without_lineage(store, canonical: str, sendable: pd.DataFrame, answered: pd.DataFrame) -> pd.DataFrame:
    """`answered` narrowed to records the ERP holds unchanged that no lineage row explains, marked written."""
    unchanged = answered.loc[answered["outcome"] == "unchanged", "external_id"]
    unchanged = unchanged[unchanged.isin(sendable["external_id"])]
    explained = with_lineage(store.engine, canonical, unchanged.tolist())
    orphans = unchanged[~unchanged.isin(explained)]
    return pd.DataFrame({"external_id": orphans.to_numpy(), "outcome": "created", "message": None})


def _logged_runs(trail: AuditTrail, canonical: str) -> set[str]:
    """Runs with an "erp.load" entry for `canonical`."""
    entries = trail.entries()
    loads = entries[(entries["action"] == "erp.load") & (entries["object"] == f"erp/{PLURAL[canonical]}")]
    return {json.loads(d).get("run_id") for d in loads["details"]}


def _complete_dead_loads(trail: AuditTrail, who: str, canonical: str, unfinished: pd.DataFrame, after: str | None,
                         *, run_id: str, recovered: int, logged: set[str], conn) -> None:
    """An "erp.load" entry for each dead run whose load never wrote one (`logged`: runs that did),
    naming the run that completed it; in `conn`'s transaction (the chain's lock held)."""
    for dead in dict.fromkeys(unfinished["run_id"]):
        if dead not in logged:
            trail.append(who, "erp.load", f"erp/{PLURAL[canonical]}", None, after, {
                "run_id": dead, "completed_by_run": run_id, "lineage_rows_recovered": recovered,
                "note": "the run died between its ERP writes and its audit entry; completed by a later load"},
                conn=conn)


def _commit_cursor(context, store, entity: EntityDeclaration, extracted: pd.DataFrame | None,
                   held: pd.Series) -> str | None:
    """Advance an incremental cursor only over records that are safely in the ERP.

    A record held back for a rule a later run can satisfy (its customer not yet in the ERP)
    keeps the cursor at its own position, so the next run fetches it again; the source's
    inclusive cursor makes the records re-read beside it harmless (upsert by external id)."""
    _, meta = latest_materialization(context, asset_key(entity, "extracted"))
    target = str(meta.get("next_cursor") or "") or None
    if len(held) and extracted is not None and entity.cursor in extracted:
        positions = cursor_values(extracted.loc[extracted[ROW].isin(held), entity.cursor]).dropna()
        if len(positions):
            hold = int(positions.min())
            target = str(min(hold, int(target))) if target else str(hold)
            context.log.warning(f"{entity.system}/{entity.name}: cursor held at {target}: {len(held)} records "
                                "quarantined for a reason a later run can fix are fetched again next run")
    if target and target != store.get_cursor(entity.system, entity.name):
        store.set_cursor(entity.system, entity.name, target, context.run.run_id)
    return target


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
    """What a source sent to the ERP: its mapped records, or for golden customers the crosswalk."""
    return dg.AssetIn(key=CUSTOMER_CROSSWALK if master else asset_key(entity, "mapped"))


def _as_sent(sent: pd.DataFrame, entity: EntityDeclaration, master: bool) -> pd.DataFrame:
    """Records as the ERP knows them (external_id) with their source row; a golden customer is sent
    once, through the source record that represents it (the others were merged into it)."""
    if not master:
        return sent
    mine = sent[(sent["source_system"] == entity.system) & sent["representative"].astype(bool)]
    return pd.DataFrame({"external_id": mine["master_external_id"].to_numpy(), ROW: mine["row_number"].to_numpy()})


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
        merge_runs = [runs["cleaned"], latest_materialization(context, MASTER_CUSTOMERS)[0] if master else None]
        merges = store.merged(run_ids=[r for r in merge_runs if r], system=entity.system, entity=entity.name)
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
        money = MONEY_COLUMNS.get(canonical)
        totals = {str(c): t for c, t in exact_totals(expected, "currency", money).items()} if money else None
        allowed = {}
        if feed.requires_complete_statements and "statement_status" in mapped:
            # The ERP does not hold the status; each record it holds is checked with the status it was sent with.
            held = held.merge(mapped[["external_id", "statement_status"]], on="external_id", how="left")
            allowed["statement_status"] = [COMPLETE]
        result = run_golive_suite(held, entity=canonical, expected_rows=len(expected), money_column=money,
                                  expected_total=totals, required=REQUIRED[canonical], allowed=allowed)
        failed = result.results[~result.results["success"]]
        return dg.AssetCheckResult(
            passed=result.success, severity=dg.AssetCheckSeverity.ERROR,
            description="all expectations met" if result.success else
            "failed: " + ", ".join(f"{r.expectation}({r.column or ''})" for r in failed.itertuples()),
            metadata={"expectations": dg.MetadataValue.md(result.results.to_markdown(index=False)),
                      "expected_rows": len(expected)})
    return _check


def build_erp_defs(feeds_by_entity: dict[str, list[Feed]], *, master: bool = False) -> list:
    """`master`: customers resolve into golden records before loading (master/customers)."""
    return [d for canonical in PLURAL if feeds_by_entity.get(canonical)
            for d in build_loaded_defs(canonical, feeds_by_entity[canonical],
                                       master=master and canonical in ("customer", "invoice", "payment"))]
