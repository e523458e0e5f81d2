"""Reports finance and auditors read: reconciliation of every load, written under $IH_DATA_DIR/reports/."""

import dagster as dg
import pandas as pd

from integration_hub.config import settings
from integration_hub.canonical import registry
from integration_hub.defs.erp.assets import Feed, loaded_key
from integration_hub.defs.resources import ErpResource, HubStoreResource
from integration_hub.reconcile.report import erp_totals, open_receivables, stage_counts
from integration_hub.security.csv_cells import write_csv


def build_report_defs(feeds: dict[str, list[Feed]]) -> list:
    entities = [c for c in registry.all_entities() if feeds.get(c)]
    ins = {c: dg.AssetIn(key=loaded_key(c)) for c in entities}

    @dg.asset(key=["reports", "reconciliation"], ins=ins, group_name="reports", kinds={"pandas"},
              owners=["team:finance"],
              description="Per source: extracted, quarantined, merged and loaded counts (must balance), "
                          "ERP totals per currency, and open receivables per currency after payment application.")
    def reconciliation(context: dg.AssetExecutionContext, hub: HubStoreResource, erp: ErpResource, **loaded):
        counts = stage_counts(hub.store().metrics())
        totals = pd.concat([erp_totals(c, loaded[c]) for c in entities], ignore_index=True)
        target = erp.target()
        # Open receivables come from the ledger's own view; REST ERPs and Tryton report them themselves.
        has_balances = "invoice" in entities and hasattr(target, "invoice_balances")
        balances = target.invoice_balances() if has_balances else pd.DataFrame()
        out_dir = settings().reports_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        write_csv(counts, out_dir / "reconciliation_counts.csv", index=False)
        write_csv(totals, out_dir / "reconciliation_totals.csv", index=False)
        receivables = open_receivables(balances)
        markdown = "\n\n".join([
            "# Reconciliation", "## Records per source", counts.to_markdown(index=False),
            "## ERP totals (minor units)", totals.to_markdown(index=False),
            "## Open receivables per currency (minor units)", receivables.to_markdown(index=False)])
        (out_dir / "reconciliation.md").write_text(markdown + "\n")
        open_by_currency = dict(zip(receivables["currency"], receivables["open_minor"].tolist()))
        return dg.MaterializeResult(value=counts, metadata={
            "dagster/row_count": len(counts), "all_balanced": bool(counts["balanced"].all()) if len(counts) else True,
            "report": dg.MetadataValue.path(str(out_dir / "reconciliation.md")),
            "counts": dg.MetadataValue.md(counts.to_markdown(index=False)),
            "totals": dg.MetadataValue.md(totals.to_markdown(index=False)), "open_receivables_minor": dg.MetadataValue.json(open_by_currency)})

    return [reconciliation]
