"""One factory turns a system declaration into extracted → cleaned → mapped assets with their gates."""

import time

import dagster as dg
import pandas as pd
import pandera.pandas as pa

from integration_hub.canonical import registry
from integration_hub.connectors.csv_encoding import UTF8
from integration_hub.connectors.extractors import (Extraction, extract_export, extract_from_api,
                                                   extract_statements, statement_files)
from integration_hub.defs.metadata import guarded, latest_materialization, preview, table_schema
from integration_hub.connectors.exports import EXTRACTED_AT, ORIGIN
from integration_hub.defs.statement_checks import complete_statements_check, record_incomplete_statements
from integration_hub.defs.resources import (VENDOR_CONNECTORS, BillingApiResource, HubStoreResource,
                                            SalesforceResource, SecurityResource, ShopifyResource, SourcesResource,
                                            StripeResource, VendorApiResource)
from integration_hub.gates.budget import within_budget
from integration_hub.gates.quarantine import combine_rejects, quarantine_records, rule_summary
from integration_hub.gates.validation import validate_rows
from integration_hub.governance.phases import Phase
from integration_hub.mapping.engine import apply_spec
from integration_hub.mapping.systems import EntityDeclaration, SystemDeclaration
from integration_hub.security.protect import (FREE_TEXT_FLAGS, check_sensitive_declaration, conceal,
                                              protect_frame)
from integration_hub.security.fields import mask_last4
from integration_hub.security.redact import redact_text
from integration_hub.standardize.frame import ROW, clean_frame, cleaned_schema
from integration_hub.standardize.text import blank_to_na


# The gates each stage passes before its records may load; lineage names them per record.
STAGE_CHECKS = {"extracted": ("source_shape", "error_budget"), "cleaned": ("error_budget",),
                "mapped": ("error_budget",)}


class ExtractConfig(dg.Config):
    """Files to read instead of the system's default export location (the bank sensor passes new drops)."""

    files: list[str] = []


def asset_key(entity: EntityDeclaration, stage: str) -> dg.AssetKey:
    return dg.AssetKey([entity.system, entity.name, stage])


# Extractors with a live API; each is in export-file mode until its resource's variables are set.
LIVE_EXTRACTORS = ("stripe", "billing", "salesforce", "shopify", *VENDOR_CONNECTORS)
# Vendors whose documented request limit is shared by every run: one budget in the hub store.
BUDGETED = ("salesforce", "shopify", *VENDOR_CONNECTORS)


def _extract(system: SystemDeclaration, entity: EntityDeclaration, config: ExtractConfig,
             sources: SourcesResource, cursor: str | None, live_sources: dict, store, call_log) -> Extraction:
    from pathlib import Path

    if system.extractor == "bank_files":
        files = [Path(f) for f in config.files] or statement_files(
            sources.source_path() / system.name, sources.inbox_path() / system.name)
        return extract_statements(files)
    resource = live_sources.get(system.extractor)
    live = None
    if resource is not None and system.extractor in BUDGETED:
        from integration_hub.connectors.request_budget import RequestBudget

        live = resource.client(call_log=call_log, budget=RequestBudget(store.engine, system.extractor))
    elif resource is not None:
        live = resource.client(call_log=call_log)
    if live is not None:
        return extract_from_api(live, entity, cursor)
    return extract_export(sources.source_path(), entity)


def _with_masks(entity: EntityDeclaration, frame: pd.DataFrame) -> pd.DataFrame:
    """A declared `<column>_mask` of a sensitive column the source does not send (BambooHR's ssn) is
    derived from the plaintext before it is encrypted: the last four characters, all canonical carries."""
    declared = {c.column for c in entity.columns}
    masks = {f"{c}_mask": blank_to_na(frame[c].astype("string")).map(mask_last4, na_action="ignore")
             for c in entity.sensitive
             if f"{c}_mask" in declared and f"{c}_mask" not in frame and c in frame}
    return frame.assign(**masks) if masks else frame


def _protect(context, store, security: SecurityResource, entity: EntityDeclaration, frame: pd.DataFrame):
    """Encrypt the declared sensitive columns and mask card, account and SSN numbers and secrets in free
    text before the frame is first stored; each record that held one is flagged in the hub store."""
    frame = _with_masks(entity, frame)
    protected = protect_frame(frame, system=entity.system, entity=entity.name, sensitive=entity.sensitive,
                              keyring=security.keyring() if entity.sensitive else None,
                              skip=(entity.source_id, ROW, ORIGIN, EXTRACTED_AT))
    for flag, flags in protected.flags.groupby("flag"):
        rows = flags["row"].to_numpy()
        source_ids = frame.loc[rows, entity.source_id] if entity.source_id in frame else pd.Series(None, index=rows)
        store.add_flags(context.run.run_id, entity.system, entity.name, "extracted", flag, pd.DataFrame({
            "source_id": source_ids.to_numpy(), "row_number": frame.loc[rows, ROW].to_numpy(),
            "column_name": flags["column_name"].to_numpy()}))
        context.log.warning(f"{protected.flagged_rows(flag)} {entity.system}/{entity.name} records: {flag} "
                            "(free text held it; masked and flagged)")
    return protected


def _log_rejects(context, extraction: Extraction) -> None:
    """One line per rejected file, one per rule for rejected rows (a bad file may hold thousands)."""
    for rejected in extraction.rejected_files:
        context.log.warning(f"rejected file {rejected.file} ({rejected.rule}): {redact_text(rejected.reason)}")
    rows = extraction.rejected_rows
    for rule, lines in rows.groupby("rule")["line"]:
        context.log.warning(f"{extraction.origin}: {len(lines)} entries quarantined for {rule}, "
                            f"first at line(s) {', '.join(map(str, lines.head(5)))}")
    if extraction.encoding not in (None, UTF8):
        context.log.info(f"{extraction.origin} is not UTF-8: read as {extraction.encoding}")


def _budget_check(asset_def: dg.AssetsDefinition, phase: Phase, stage: str):
    @dg.asset_check(asset=asset_def, name="error_budget", blocking=True,
                    description=f"Blocks loading when the {stage} stage quarantines more than the "
                                f"{phase.name} phase's error budget ({phase.error_budget:.0%}).")
    @guarded
    def _check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        _, meta = latest_materialization(context, asset_def.key)
        verdict = within_budget(int(meta.get("quarantined", 0)), int(meta.get("rows_in", 0)), phase.error_budget)
        return dg.AssetCheckResult(passed=verdict.passed, severity=dg.AssetCheckSeverity.ERROR,
                                   description=verdict.description,
                                   metadata={"quarantine_rate": verdict.rate, "budget": phase.error_budget})
    return _check


def _scope_check(asset_def: dg.AssetsDefinition, system: SystemDeclaration, phase: Phase):
    @dg.asset_check(asset=asset_def, name="scope_lock", blocking=True,
                    description=f"Blocks the {system.name} stages when phase {phase.name} is locked and a file of "
                                "its scope changed without an approved change request (governance/scope.py).")
    @guarded
    def _check(hub: HubStoreResource) -> dg.AssetCheckResult:
        from integration_hub.governance.scope import get_lock, scope_drift

        store = hub.db_url()
        if get_lock(store, phase.name) is None:
            return dg.AssetCheckResult(passed=True, metadata={"scope": "phase not locked"})
        drift = [d for d in scope_drift(store, phase.name) if d.system in (system.name, None)]
        lines = [f"{d.file}: {d.field} {d.kind} without an approved change request" for d in drift]
        return dg.AssetCheckResult(passed=not drift, severity=dg.AssetCheckSeverity.ERROR,
                                   description="; ".join(lines[:5]) or f"phase {phase.name}: scope as locked",
                                   metadata={"scope": f"phase {phase.name} locked", "unapproved_fields": len(drift),
                                             "drift": dg.MetadataValue.md("\n".join(f"- {x}" for x in lines)
                                                                          or "_none_")})
    return _check


def build_entity_defs(system: SystemDeclaration, entity: EntityDeclaration, phase: Phase) -> list:
    common = dict(group_name=system.name, kinds={"pandas"}, owners=["team:integration"],
                  tags={"phase": phase.name, "system": system.name})
    label = f"{system.title}: {entity.name}"
    check_sensitive_declaration(f"{system.name}/{entity.name}", entity.sensitive, [c.column for c in entity.columns],
                                entity.source_id)

    @dg.asset(key=asset_key(entity, "extracted"), pool=f"source_{system.name}",
              description=f"{label} exactly as the source gave them, one text column per source field, "
                          "with row number, origin and extraction time.", **common)
    @guarded
    def extracted(context: dg.AssetExecutionContext, config: ExtractConfig, sources: SourcesResource,
                  hub: HubStoreResource, stripe: StripeResource, billing_api: BillingApiResource,
                  salesforce: SalesforceResource, shopify: ShopifyResource, shipbob: VendorApiResource,
                  easypost: VendorApiResource, coupa: VendorApiResource, bamboohr: VendorApiResource,
                  security: SecurityResource):
        store = hub.store()
        started = time.perf_counter()
        previous = store.get_cursor(system.name, entity.name) if entity.cursor else None
        call_log = hub.call_log(context.run.run_id) if system.extractor in LIVE_EXTRACTORS else None
        live_sources = {"stripe": stripe, "billing": billing_api, "salesforce": salesforce, "shopify": shopify,
                        "shipbob": shipbob, "easypost": easypost, "coupa": coupa, "bamboohr": bamboohr}
        try:
            extraction = _extract(system, entity, config, sources, previous, live_sources, store, call_log)
        finally:
            if call_log is not None:
                call_log.dispose()
        protected = _protect(context, store, security, entity, extraction.frame)
        frame = protected.frame
        rejected = extraction.quarantine(entity.sensitive)
        store.add_quarantine(context.run.run_id, system.name, entity.name, "extracted", rejected)
        _log_rejects(context, extraction)
        incomplete = record_incomplete_statements(context, store, extraction)
        bad_rows = extraction.rejected_rows["row_number"].nunique()     # header entries name no row
        store.record_metric(context.run.run_id, system.name, entity.name, "extracted",
                            rows_in=len(frame) + bad_rows, rows_out=len(frame),
                            quarantined=bad_rows + len(extraction.rejected_files),
                            seconds=time.perf_counter() - started)
        return dg.MaterializeResult(value=frame, metadata={
            "dagster/row_count": len(frame), "origin": extraction.origin[:500],
            "next_cursor": extraction.cursor or "", "rejected_files": len(extraction.rejected_files),
            "repeated_records_skipped": extraction.repeated_skipped,
            "rows_in": len(frame) + bad_rows, "quarantined": bad_rows, "encoding": extraction.encoding or "n/a",
            "rules_broken": dg.MetadataValue.md(
                rejected["rule"].value_counts().rename_axis("rule").reset_index(name="entries")
                .to_markdown(index=False) if len(rejected) else "_none_"),
            "encrypted_columns": ", ".join(entity.sensitive) or "none",
            **({"incomplete_statements": incomplete} if system.extractor == "bank_files" else {}),
            **{flag: protected.flagged_rows(flag) for flag in FREE_TEXT_FLAGS},
            "dagster/column_schema": table_schema(frame), "preview": preview(conceal(frame, entity.sensitive))})

    source_shape = pa.DataFrameSchema({c.column: pa.Column(nullable=True) for c in entity.columns},
                                      name=f"{system.name}.{entity.name}.source", strict=False)

    @dg.asset_check(asset=extracted, name="source_shape", blocking=True,
                    description="Every column the declaration cleans is present in the export.")
    @guarded
    def extracted_shape(extracted: pd.DataFrame) -> dg.AssetCheckResult:
        missing = [c for c in source_shape.columns if c not in extracted.columns]
        if not missing:
            source_shape.validate(extracted.head(0))
        return dg.AssetCheckResult(passed=not missing, severity=dg.AssetCheckSeverity.ERROR,
                                   metadata={"missing_columns": ", ".join(missing) or "none",
                                             "rows": len(extracted)})

    @dg.asset(key=asset_key(entity, "cleaned"), ins={"extracted": dg.AssetIn(key=extracted.key)},
              description=f"{label} with standardized values; rows that break a rule are quarantined "
                          "with the rule, exact re-exports are merged into their first copy.", **common)
    @guarded
    def cleaned(context: dg.AssetExecutionContext, extracted: pd.DataFrame, hub: HubStoreResource):
        store = hub.store()
        started = time.perf_counter()
        result = clean_frame(extracted, entity)
        good, failures = validate_rows(result.cleaned, cleaned_schema(entity))
        rejects = combine_rejects(result.rejects, failures)
        records = quarantine_records(rejects, extracted, entity.source_id)
        store.add_quarantine(context.run.run_id, system.name, entity.name, "cleaned", records)
        merged = result.merged.assign(source_id=result.merged["merged_into"],
                                      row_number=extracted.loc[result.merged["row"], ROW].to_numpy())
        store.add_merges(context.run.run_id, system.name, entity.name, merged)
        n_rejected = rejects["row"].nunique()
        store.record_metric(context.run.run_id, system.name, entity.name, "cleaned", rows_in=len(extracted),
                            rows_out=len(good), quarantined=n_rejected, merged=len(merged),
                            seconds=time.perf_counter() - started)
        return dg.MaterializeResult(value=good, metadata={
            "dagster/row_count": len(good), "rows_in": len(extracted), "quarantined": n_rejected,
            "merged": len(merged), "rules_broken": dg.MetadataValue.md(
                rule_summary(rejects).to_markdown(index=False) if n_rejected else "_none_"),
            "preview": preview(conceal(good, entity.sensitive))})

    @dg.asset(key=asset_key(entity, "mapped"), ins={"cleaned": dg.AssetIn(key=cleaned.key)},
              description=f"{label} as canonical {entity.canonical} records, through the declarative "
                          f"mapping spec {entity.mapping.name}.", **common)
    @guarded
    def mapped(context: dg.AssetExecutionContext, cleaned: pd.DataFrame, hub: HubStoreResource):
        store = hub.store()
        started = time.perf_counter()
        spec = entity.mapping
        result = apply_spec(spec, cleaned)
        candidates = result.mapped.drop(index=pd.Index(result.rejects["row"].unique()))
        good, failures = validate_rows(candidates, registry.get(entity.canonical).schema)
        rejects = combine_rejects(result.rejects, failures)
        records = quarantine_records(rejects, cleaned, entity.source_id)
        store.add_quarantine(context.run.run_id, system.name, entity.name, "mapped", records)
        n_rejected = rejects["row"].nunique()
        store.record_metric(context.run.run_id, system.name, entity.name, "mapped", rows_in=len(cleaned),
                            rows_out=len(good), quarantined=n_rejected, seconds=time.perf_counter() - started)
        lineage = dg.TableColumnLineage(deps_by_column={
            target: [dg.TableColumnDep(asset_key=cleaned_key, column_name=c) for c in sources]
            for target, sources in spec.column_lineage().items() if sources})
        good[ROW] = cleaned.loc[good.index, ROW]   # source row number, for conservation and lineage
        return dg.MaterializeResult(value=good.reset_index(drop=True), metadata={
            "dagster/row_count": len(good), "rows_in": len(cleaned), "quarantined": n_rejected,
            "mapping_version": spec.version_tag, "dagster/column_lineage": lineage,
            "field_rules": dg.MetadataValue.md(pd.DataFrame(
                [(f.target, f.describe()) for f in spec.fields], columns=["field", "rule"]).to_markdown(index=False)),
            "rules_broken": dg.MetadataValue.md(
                rule_summary(rejects).to_markdown(index=False) if n_rejected else "_none_"),
            "preview": preview(good)})

    cleaned_key = cleaned.key
    statements = [complete_statements_check(extracted)] if system.extractor == "bank_files" else []
    # rows malformed in the file count against the budget too: a file of bad rows must not load as nothing
    return [extracted, extracted_shape, _scope_check(extracted, system, phase),
            _budget_check(extracted, phase, "extracted"), *statements,
            cleaned, _budget_check(cleaned, phase, "cleaned"),
            mapped, _budget_check(mapped, phase, "mapped")]


def build_system_defs(system: SystemDeclaration, phase: Phase) -> list:
    return [d for entity in system.entities for d in build_entity_defs(system, entity, phase)]
