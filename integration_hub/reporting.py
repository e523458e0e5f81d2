"""The end-of-run summary a person reads: per system and entity, what happened and where to look."""
from __future__ import annotations

import pandas as pd
from tabulate import tabulate

from integration_hub.audit.store import HubStore
from integration_hub.config import settings


def summary_table(store: HubStore, run_ids: list[str], checks: pd.DataFrame) -> pd.DataFrame:
    """One row per system and entity the runs extracted. Over several runs (the phases of one
    demo), each stage's figures come from the last run that recorded it: a later phase re-resolves
    phase 1's customers into masters with its own, so its master and load figures are the current ones."""
    metrics = store.metrics(run_ids)
    if metrics.empty:
        return pd.DataFrame()
    metrics = metrics.drop_duplicates(subset=["system", "entity", "stage"], keep="last")
    extracted = metrics.loc[metrics["stage"] == "extracted", ["system", "entity"]]
    metrics = metrics.merge(extracted, on=["system", "entity"])   # systems outside the runs' jobs show nothing
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
    checks = checks.drop_duplicates(subset=["asset", "check"], keep="last")
    passed, failed = [], []
    for row in table.itertuples():
        mine = checks[checks["asset"].str.startswith(f"{row.system}/{row.entity}/")
                      | checks["check"].str.endswith(f"{row.system}__{row.entity}")]
        passed.append(int(mine["passed"].sum()))
        failed.append(int((~mine["passed"]).sum()))
    table["checks passed"] = passed
    table["checks failed"] = failed
    return table


def print_summary(outcomes: list, *, seconds: float) -> None:
    """`outcomes`: (job name, RunOutcome) in the order the jobs ran."""
    cfg = settings()
    store = HubStore(cfg.hub_db_url)
    checks = pd.concat([o.checks for _, o in outcomes], ignore_index=True)
    table = summary_table(store, [o.run_id for _, o in outcomes], checks)
    print()
    for job, outcome in outcomes:
        print(f"Run {outcome.run_id} ({job}) {'succeeded' if outcome.success else 'FAILED'}")
    print(f"{len(outcomes)} run(s) in {seconds:.1f} s\n")
    if not table.empty:
        print(tabulate(table, headers="keys", tablefmt="github", showindex=False))
    for job, outcome in outcomes:
        failed = outcome.checks[~outcome.checks["passed"]] if len(outcome.checks) else outcome.checks
        for row in failed.itertuples():
            print(f"  {job}: gate failed: {row.asset} {row.check}: {row.description}")
        if outcome.failed_steps:
            print(f"  {job}: failed steps: {', '.join(outcome.failed_steps)}")
        if outcome.untouched_steps:
            print(f"  {job}: not run (blocked by a failed gate): {len(outcome.untouched_steps)} steps")
    print("\nWhere to look next:")
    print("  dagster dev                          # asset graph, checks and runs at http://127.0.0.1:3000")
    print(f"  {cfg.reports_dir / 'reconciliation.md'}")
    for _, outcome in outcomes:
        print(f"  integration-hub quarantine --run {outcome.run_id}")
