"""`integration-hub dedupe INPUT --out OUTPUT`: resolve the duplicates in any CSV export.

The work is done by `integration_hub.resolve.cli_dedupe.dedupe_file`; this module parses, calls and prints.
"""
from __future__ import annotations

from integration_hub.cli.common import DataCommandError, row_bar


def cmd_dedupe(args) -> int:
    from integration_hub.governance.master_data import resolver_config
    from integration_hub.resolve.cli_dedupe import DedupeError, dedupe_file, parse_fields
    from integration_hub.resolve.records import RecordError

    with row_bar("dedupe") as bar:
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


def add_commands(sub) -> None:
    dedupe = sub.add_parser("dedupe", help="resolve duplicates in any CSV export: adds master_id and match_confidence")
    dedupe.add_argument("input")
    dedupe.add_argument("--out", required=True)
    dedupe.add_argument("--id-column")
    dedupe.add_argument("--field", action="append", metavar="ROLE=COLUMN",
                        help="say which column holds a role (repeatable); detected from headers otherwise")
    dedupe.set_defaults(func=cmd_dedupe)
