"""CLI commands for data work outside the pipeline: standardize and dedupe any export, set up an ERP."""
from __future__ import annotations

import os
import sys
from decimal import Decimal
from pathlib import Path

from integration_hub.config import settings

# Demo exchange rates per USD (the demo company's currency), so EUR and GBP documents can post in Tryton.
DEMO_RATES = {"EUR": Decimal("0.92"), "GBP": Decimal("0.79")}


class DataCommandError(Exception):
    """A mistake in the input the user can fix (unreadable file, unknown role, missing column)."""


def _bar(desc: str):
    from tqdm import tqdm

    return tqdm(desc=desc, unit="row", leave=False, disable=None, file=sys.stderr)


def cmd_standardize(args) -> int:
    from integration_hub.standardize.cli_standardize import StandardizeError, standardize_file

    with _bar("standardize") as bar:
        try:
            summary = standardize_file(Path(args.input), Path(args.out), args.entity, progress=bar.update,
                                       default_country=args.default_country)
        except StandardizeError as exc:
            raise DataCommandError(str(exc)) from exc
    print(f"{summary['rows']} rows standardized into {args.out}")
    for column, counts in summary.get("columns", {}).items():
        print(f"  {column}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def cmd_dedupe(args) -> int:
    from integration_hub.governance.master_data import resolver_config
    from integration_hub.resolve.cli_dedupe import DedupeError, dedupe_file, parse_fields
    from integration_hub.resolve.records import RecordError

    with _bar("dedupe") as bar:
        def progress(stage: str, done: int, total: int | None) -> None:
            bar.set_postfix_str(stage)
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            summary = dedupe_file(args.input, args.out, id_column=args.id_column, fields=parse_fields(args.field),
                                  config=resolver_config("customers"), progress=progress)
        except (DedupeError, RecordError) as exc:
            raise DataCommandError(str(exc)) from exc
    print(f"{summary['records']} records -> {summary['clusters']} clusters: {summary['merged']} merged, "
          f"{summary['sent_to_review']} pairs sent to review ({summary['seconds']:.1f} s)")
    print(f"  output: {summary['output']}\n  review queue: {summary['review']}\n  model: {summary['model']}")
    return 0


def tryton_location(url: str | None = None) -> str:
    return url or os.environ.get("IH_ERP_URL") or str(settings().data_dir / "tryton" / "hub.sqlite")


def cmd_erp_init(args) -> int:
    if args.kind != "tryton":
        raise DataCommandError(f"`erp init` builds a local ERP; only 'tryton' is supported, not {args.kind!r}")
    from integration_hub.erp.tryton.bootstrap import init_database

    where = tryton_location(args.url)
    if "://" not in where:
        Path(where).parent.mkdir(parents=True, exist_ok=True)
    init_database(where, company_name=args.company, rates=DEMO_RATES)
    print(f"Tryton database ready at {where} (company {args.company!r}, chart of accounts, fiscal years, "
          f"rates {', '.join(DEMO_RATES)})")
    return 0


def add_commands(sub) -> None:
    std = sub.add_parser("standardize", help="standardize names, phones, emails, addresses, SKUs of any CSV export")
    std.add_argument("input")
    std.add_argument("--entity", default="customer", choices=["customer", "vendor", "product"])
    std.add_argument("--out", required=True)
    std.add_argument("--default-country", default="US", help="country for phones and addresses that name none")
    std.set_defaults(func=cmd_standardize)

    dedupe = sub.add_parser("dedupe", help="resolve duplicates in any CSV export: adds master_id and match_confidence")
    dedupe.add_argument("input")
    dedupe.add_argument("--out", required=True)
    dedupe.add_argument("--id-column")
    dedupe.add_argument("--field", action="append", metavar="ROLE=COLUMN",
                        help="say which column holds a role (repeatable); detected from headers otherwise")
    dedupe.set_defaults(func=cmd_dedupe)

    erp = sub.add_parser("erp", help="ERP targets").add_subparsers(dest="erp_command", required=True)
    init = erp.add_parser("init", help="build a local ERP database (tryton)")
    init.add_argument("kind", choices=["tryton"])
    init.add_argument("--url", help="SQLite file or PostgreSQL URL (default $IH_ERP_URL or data/tryton/hub.sqlite)")
    init.add_argument("--company", default="Demo Company Inc")
    init.set_defaults(func=cmd_erp_init)
