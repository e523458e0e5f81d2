"""The end-of-run summary a person reads: per system and entity, what happened and where to look."""
from __future__ import annotations

import pandas as pd
from tabulate import tabulate

from integration_hub.audit.store import HubStore
from integration_hub.config import settings


def summary_table(store: HubStore, run_id: str, checks: pd.DataFrame) -> pd.DataFrame:
    metrics = store.metrics([run_id])
    if metrics.empty:
        return pd.DataFrame()
    wide = metrics.pivot_table(index=["system", "entity"], columns="stage",
                               values=["rows_out", "quarantined", "merged"], aggfunc="sum", fill_value=0)
    table = pd.DataFrame(index=wide.index)
    table["extracted"] = wide["rows_out"].get("extracted", 0)
    table["quarantined"] = sum(wide["quarantined"].get(s, 0) for s in ("cleaned", "mapped", "loaded"))
    table["merged"] = wide["merged"].get("cleaned", 0) + wide["merged"].get("master", 0)
    table["loaded"] = wide["rows_out"].get("loaded", 0)
    table = table.reset_index()
    passed, failed = [], []
    for row in table.itertuples():
        mine = checks[checks["asset"].str.startswith(f"{row.system}/{row.entity}/")
                      | checks["check"].str.endswith(f"{row.system}__{row.entity}")]
        passed.append(int(mine["passed"].sum()))
        failed.append(int((~mine["passed"]).sum()))
    table["checks passed"] = passed
    table["checks failed"] = failed
    return table


def print_summary(outcome, *, seconds: float) -> None:
    cfg = settings()
    store = HubStore(cfg.hub_db_url)
    table = summary_table(store, outcome.run_id, outcome.checks)
    status = "succeeded" if outcome.success else "FAILED"
    print(f"\nRun {outcome.run_id} {status} in {seconds:.1f} s\n")
    if not table.empty:
        print(tabulate(table, headers="keys", tablefmt="github", showindex=False))
    failed = outcome.checks[~outcome.checks["passed"]] if len(outcome.checks) else outcome.checks
    for row in failed.itertuples():
        print(f"  gate failed: {row.asset} {row.check}: {row.description}")
    if outcome.failed_steps:
        print(f"  failed steps: {', '.join(outcome.failed_steps)}")
    if outcome.untouched_steps:
        print(f"  not run (blocked by a failed gate): {len(outcome.untouched_steps)} steps")
    print("\nWhere to look next:")
    print("  dagster dev                          # asset graph, checks and runs at http://127.0.0.1:3000")
    print(f"  {cfg.reports_dir / 'reconciliation.md'}")
    print(f"  integration-hub quarantine --run {outcome.run_id}")
