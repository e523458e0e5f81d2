"""`integration-hub standardize INPUT --out OUTPUT`: standardize the known columns of any CSV export.

The work is done by `integration_hub.standardize.cli_standardize.standardize_file`;
this module parses, calls and prints.
"""
from __future__ import annotations

from pathlib import Path

from integration_hub.cli.common import DataCommandError, row_bar


def cmd_standardize(args) -> int:
    from integration_hub.standardize.cli_standardize import StandardizeError, standardize_file

    with row_bar("standardize") as bar:
        try:
            summary = standardize_file(Path(args.input), Path(args.out), args.entity, progress=bar.update,
                                       default_country=args.default_country)
        except StandardizeError as exc:
            raise DataCommandError(str(exc)) from exc
    print(f"{summary['rows']} rows standardized into {args.out}")
    for column, counts in summary.get("columns", {}).items():
        print(f"  {column}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def add_commands(sub) -> None:
    std = sub.add_parser("standardize", help="standardize names, phones, emails, addresses, SKUs of any CSV export")
    std.add_argument("input")
    std.add_argument("--entity", default="customer", choices=["customer", "vendor", "product"])
    std.add_argument("--out", required=True)
    std.add_argument("--default-country", default="US", help="country for phones and addresses that name none")
    std.set_defaults(func=cmd_standardize)
