"""The `integration-hub` command: generate a sample company, run the demo, parse bank files, inspect, audit."""
from __future__ import annotations

import argparse
import sys

from integration_hub.cli import (access, audit, bank, change, dedupe, demo, erp, generate, golive, keys, lineage,
                                 phase, quarantine, standardize)
from integration_hub.cli.common import CommandFailed, DataCommandError, UsageError

DESCRIPTION = ("The `integration-hub` command: generate a sample company, run the demo, parse bank files, "
               "inspect, audit.")

# In the order `integration-hub --help` lists them.
GROUPS = (generate, demo, bank, quarantine, audit, lineage, keys, standardize, dedupe, erp, phase, access, change,
          golive)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="integration-hub", description=DESCRIPTION)
    parser.add_argument("--debug", action="store_true", help="show full tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.add_commands(sub)
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
        from integration_hub.governance.access import AccessDenied   # loaded already when it was raised

        if isinstance(exc, AccessDenied):
            # the command ran and was refused (the refusal is in the audit trail): 1, like a failed check
            print(f"error: {redact_text(str(exc))}", file=sys.stderr)
            return 1
        if args.debug:
            raise
        print(f"error: {type(exc).__name__}: {redact_text(str(exc))} (run with --debug for the traceback)",
              file=sys.stderr)
        return 1
