"""`integration-hub demo`: generate the sample company if needed and run a phase end to end."""
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
    job = f"{args.phase}_phase"
    try:
        total = step_count(defs, job)
    except Exception as exc:
        raise UsageError(f"no job for phase {args.phase!r}") from exc
    skipped = ()
    if os.environ.get("IH_ERP_TARGET") == "tryton":
        skipped = ("bank",)   # the Tryton target takes customers, invoices and payments
        print("Tryton target: bank statements are not loaded; customers, invoices and payments are.")
    started = time.perf_counter()
    with local_instance() as instance, step_bar(total, f"{job}") as bar:
        def on_step(step: str, status: str, done: int) -> None:
            bar.set_postfix_str(step[:40])
            bar.update(1)

        outcome = run_job(defs, job, instance, on_step=on_step, skip_groups=skipped)
    print_summary(outcome, seconds=time.perf_counter() - started)
    return 0 if outcome.success else 1


def add_commands(sub) -> None:
    demo = sub.add_parser("demo", help="generate the sample company if needed and run a phase end to end")
    demo.add_argument("--scale", type=int, default=DEFAULT_SCALE)
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--phase", default="cash")
    demo.add_argument("--regenerate", action="store_true", help="write the sample company again first")
    demo.add_argument("--erp", choices=["ledger", "tryton"], help="load into this ERP (default $IH_ERP_TARGET or "
                      "the SQL ledger); tryton is built on first use")
    demo.set_defaults(func=cmd_demo)
