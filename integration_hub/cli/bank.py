"""`integration-hub bank parse`: show a bank statement file as canonical transactions."""
from __future__ import annotations

import sys
from pathlib import Path

from integration_hub.cli.common import UsageError


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


def add_commands(sub) -> None:
    bank = sub.add_parser("bank", help="bank statement files").add_subparsers(dest="bank_command", required=True)
    parse = bank.add_parser("parse", help="show a BAI2, camt.053 or MT940 file as canonical transactions")
    parse.add_argument("file")
    parse.add_argument("--out", help="write CSV here instead of printing")
    parse.add_argument("--max-rows", type=int, default=50)
    parse.set_defaults(func=cmd_bank_parse)
