"""`integration-hub demo`: generate the sample company if needed and run its phases end to end."""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from integration_hub.cli.common import UsageError, step_bar
from integration_hub.cli.erp import cmd_erp_init
from integration_hub.cli.generate import DEFAULT_SCALE, cmd_generate
from integration_hub.config import settings


def _sample_matches(out: Path, scale: int, seed: int) -> bool:
    import json

    manifest = out / "manifest.json"
    if not manifest.is_file():
        return False
    data = json.loads(manifest.read_text())
    return data.get("scale") == scale and data.get("seed") == seed


def cmd_demo(args) -> int:
    if args.erp:
        os.environ["IH_ERP_TARGET"] = args.erp   # this process only: the ERP resource reads it at run time
    if os.environ.get("IH_ERP_TARGET") == "tryton":
        cmd_erp_init(argparse.Namespace(kind="tryton", url=None, company="Demo Company Inc"))
    from integration_hub.definitions import defs
    from integration_hub.reporting import print_summary
    from integration_hub.runner import local_instance, run_job, step_count

    cfg = settings()
    if args.regenerate or not _sample_matches(cfg.source_dir, args.scale, args.seed):
        cmd_generate(argparse.Namespace(out=str(cfg.source_dir), scale=args.scale, seed=args.seed))
    skipped = ()
    tryton = os.environ.get("IH_ERP_TARGET") == "tryton"
    if tryton:
        skipped = ("bank",)   # the Tryton target takes customers, invoices and payments
        print("Tryton target: the cash phase only (Tryton has no model for phase 2's contacts, opportunities, "
              "refunds or account hierarchy), without bank statements; customers, invoices and payments are loaded.")
    jobs = _phase_jobs(defs, args.phase or ("cash" if tryton else None))
    started = time.perf_counter()
    outcomes = []
    with local_instance() as instance, step_bar(sum(step_count(defs, j) for j in jobs), "demo") as bar:
        def on_step(step: str, status: str, done: int) -> None:
            bar.set_postfix_str(step[:40])
            bar.update(1)

        for job in jobs:
            bar.set_description(job)
            outcome = run_job(defs, job, instance, on_step=on_step, skip_groups=skipped)
            outcomes.append((job, outcome))
            if not outcome.success:
                break            # a later phase refuses to load before this one has
    print_summary(outcomes, seconds=time.perf_counter() - started)
    not_run = jobs[len(outcomes):]
    if not_run:
        print(f"  not run because {outcomes[-1][0]} failed: {', '.join(not_run)}")
    return 0 if all(o.success for _, o in outcomes) and not not_run else 1


def _phase_jobs(defs, phase: str | None) -> list[str]:
    """The one phase asked for, or every phase that loads the ERP, in go-live order."""
    from integration_hub.governance.phases import load_phases

    phases = sorted(load_phases().values(), key=lambda p: p.order)
    names = [p.name for p in phases if p.loads_erp] if phase is None else [phase]
    known = {j.name for j in defs.resolve_all_job_defs()}
    unknown = [n for n in names if f"{n}_phase" not in known]
    if unknown:
        runnable = sorted(j.removesuffix("_phase") for j in known if j.endswith("_phase"))
        raise UsageError(f"no job for phase {unknown[0]!r}; phases with a job: {', '.join(runnable)}")
    return [f"{n}_phase" for n in names]


def add_commands(sub) -> None:
    demo = sub.add_parser("demo", help="generate the sample company if needed and run its phases end to end")
    demo.add_argument("--scale", type=int, default=DEFAULT_SCALE)
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--phase", help="run only this phase (default: every live phase, in go-live order)")
    demo.add_argument("--regenerate", action="store_true", help="write the sample company again first")
    demo.add_argument("--erp", choices=["ledger", "tryton"], help="load into this ERP (default $IH_ERP_TARGET or "
                      "the SQL ledger); tryton is built on first use")
    demo.set_defaults(func=cmd_demo)
