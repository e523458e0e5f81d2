"""The `integration-hub` command: generate a sample company, run the demo, parse bank files, inspect, audit."""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from integration_hub.cli.audit import CommandFailed
from integration_hub.cli.audit import add_commands as add_audit_commands
from integration_hub.cli.data import DataCommandError
from integration_hub.cli.data import add_commands as add_data_commands
from integration_hub.config import settings

DEFAULT_SCALE = 2000


class UsageError(Exception):
    """A mistake the user can fix; shown as one line, without a traceback."""


def _progress_bar(total: int, desc: str):
    """A progress bar on a terminal's stderr; silent when output is not a terminal (CI, pipes)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="step", leave=False, disable=None, file=sys.stderr)


def cmd_generate(args) -> int:
    from integration_hub.demo import generate_company

    out = Path(args.out) if args.out else settings().source_dir
    started = time.perf_counter()
    with _progress_bar(0, "generate") as bar:
        def progress(stage: str, done: int, total: int) -> None:
            bar.total = total
            bar.set_postfix_str(stage)
            bar.update(done - bar.n)

        manifest = generate_company(out, scale=args.scale, seed=args.seed, progress=progress)
    print(f"Generated a company of {args.scale} customers (seed {args.seed}) in {out} "
          f"in {time.perf_counter() - started:.1f} s: {manifest['total_rows']} rows.")
    return 0


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
        from integration_hub.cli.data import cmd_erp_init

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
    with local_instance() as instance, _progress_bar(total, f"{job}") as bar:
        def on_step(step: str, status: str, done: int) -> None:
            bar.set_postfix_str(step[:40])
            bar.update(1)

        outcome = run_job(defs, job, instance, on_step=on_step, skip_groups=skipped)
    print_summary(outcome, seconds=time.perf_counter() - started)
    return 0 if outcome.success else 1


def cmd_bank_parse(args) -> int:
    from integration_hub.connectors.bank import StatementFormatError, statement_to_csv

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    try:
        parsed = statement_to_csv(path, Path(args.out) if args.out else None)
    except StatementFormatError as exc:
        raise UsageError(str(exc)) from exc
    for flagged in parsed.incomplete:
        print(f"warning: {flagged}", file=sys.stderr)
    frame = parsed.frame
    if args.out:
        print(f"{len(frame)} transactions written to {args.out}")
    else:
        print(frame.to_string(index=False, max_rows=args.max_rows))
    return 0


def cmd_quarantine(args) -> int:
    from integration_hub.audit.store import HubStore

    store = HubStore(settings().hub_db_url)
    rows = store.quarantined(run_ids=[args.run] if args.run else None, system=args.system, entity=args.entity)
    if rows.empty:
        print("quarantine is empty for that selection")
        return 0
    shown = rows[["run_id", "system", "entity", "stage", "source_id", "row_number", "rule", "value"]].tail(args.limit)
    print(shown.to_string(index=False))
    print(f"{len(rows)} quarantined entries in all; showing the last {len(shown)}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="integration-hub", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show full tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write a deterministic, messy sample company")
    gen.add_argument("--scale", type=int, default=DEFAULT_SCALE, help="real customers (50000 gives ~1M transactions)")
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--out", help="output folder (default $IH_SOURCE_DIR, data/sample)")
    gen.set_defaults(func=cmd_generate)

    demo = sub.add_parser("demo", help="generate the sample company if needed and run a phase end to end")
    demo.add_argument("--scale", type=int, default=DEFAULT_SCALE)
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--phase", default="cash")
    demo.add_argument("--regenerate", action="store_true", help="write the sample company again first")
    demo.add_argument("--erp", choices=["ledger", "tryton"], help="load into this ERP (default $IH_ERP_TARGET or "
                      "the SQL ledger); tryton is built on first use")
    demo.set_defaults(func=cmd_demo)

    bank = sub.add_parser("bank", help="bank statement files").add_subparsers(dest="bank_command", required=True)
    parse = bank.add_parser("parse", help="show a BAI2, camt.053 or MT940 file as canonical transactions")
    parse.add_argument("file")
    parse.add_argument("--out", help="write CSV here instead of printing")
    parse.add_argument("--max-rows", type=int, default=50)
    parse.set_defaults(func=cmd_bank_parse)

    quarantine = sub.add_parser("quarantine", help="list quarantined records with the rule each broke")
    quarantine.add_argument("--run")
    quarantine.add_argument("--system")
    quarantine.add_argument("--entity")
    quarantine.add_argument("--limit", type=int, default=20)
    quarantine.set_defaults(func=cmd_quarantine)
    add_audit_commands(sub)
    add_data_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from integration_hub.security.redact import install_redaction, redact_text

    args = build_parser().parse_args(argv)
    install_redaction()     # this process's log records, and the credentials in its environment, redacted
    try:
        return args.func(args)
    except (UsageError, DataCommandError) as exc:
        print(f"error: {redact_text(str(exc))}", file=sys.stderr)
        return 2
    except CommandFailed as exc:
        print(redact_text(str(exc)))
        return 1
    except Exception as exc:
        if args.debug:
            raise
        print(f"error: {type(exc).__name__}: {redact_text(str(exc))} (run with --debug for the traceback)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
