"""Bank statements kept although incomplete: recorded at extraction, listed by a warning check.

The check warns and does not block: the cash is real and reconciliation needs it. What blocks
is the phase's go-live criterion `complete_statements: true` (see erp/assets.py), so a phase can
run in parallel on flagged statements but not go live on them.
"""
import dagster as dg
import pandas as pd

from integration_hub.connectors.bank.completeness import COMPLETE
from integration_hub.connectors.exports import ORIGIN
from integration_hub.connectors.extractors import Extraction
from integration_hub.defs.metadata import guarded, latest_materialization
from integration_hub.defs.resources import HubStoreResource

CHECK_NAME = "complete_statements"
_SHOWN = ["file", "line", "statement_id", "account_mask", "status", "currency", "stated_minor", "computed_minor",
          "transactions", "detail"]


def record_incomplete_statements(context, store, extraction: Extraction) -> int:
    """Store the extraction's flagged statements in the hub store and log one warning for each."""
    flagged = extraction.incomplete_statements
    frame = extraction.frame
    counts = (frame.groupby([ORIGIN, "statement_id"]).size().to_dict()
              if flagged and len(frame) else {})
    store.add_incomplete_statements(context.run.run_id, flagged, counts)
    for statement in flagged:
        context.log.warning(str(statement))
    return len(flagged)


def complete_statements_check(extracted_def: dg.AssetsDefinition):
    """WARN when any extracted transaction comes from a statement that is not proven complete."""

    @dg.asset_check(asset=extracted_def, name=CHECK_NAME, blocking=False,
                    description="Warns when statements were kept although they do not prove themselves complete "
                                "(closing balance not opening plus entries, summary disagreeing, no opening "
                                "balance, nothing to verify against); lists them with the bank's figures.")
    @guarded
    def _check(context: dg.AssetCheckExecutionContext, hub: HubStoreResource,
               extracted: pd.DataFrame) -> dg.AssetCheckResult:
        status = extracted.get("statement_status", pd.Series(dtype=object))
        flagged_rows = extracted[status.notna() & (status != COMPLETE)]
        run_id, _ = latest_materialization(context, extracted_def.key)
        recorded = hub.store().incomplete_statements(run_ids=[run_id] if run_id else [])
        listed = recorded[_SHOWN] if len(recorded) else (
            flagged_rows.groupby(["statement_id", "account_mask", "statement_status"]).size()
            .rename("transactions").reset_index())
        statements = flagged_rows[["statement_id", "account_mask"]].drop_duplicates()
        return dg.AssetCheckResult(
            passed=flagged_rows.empty, severity=dg.AssetCheckSeverity.WARN,
            description="every statement is complete" if flagged_rows.empty else
            f"{len(statements)} statement(s) kept but incomplete, {len(flagged_rows)} transaction(s): ask the bank",
            metadata={"incomplete_statements": len(statements), "transactions_affected": len(flagged_rows),
                      "statements": dg.MetadataValue.md(listed.to_markdown(index=False) if len(listed)
                                                        else "_none_")})
    return _check
