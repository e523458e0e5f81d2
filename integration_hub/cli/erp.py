"""`integration-hub erp init tryton`: build a local ERP database to load into."""
from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

from integration_hub.cli.common import DataCommandError
from integration_hub.config import settings

# Demo exchange rates per USD (the demo company's currency), so EUR and GBP documents can post in Tryton.
DEMO_RATES = {"EUR": Decimal("0.92"), "GBP": Decimal("0.79")}


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
    erp = sub.add_parser("erp", help="ERP targets").add_subparsers(dest="erp_command", required=True)
    init = erp.add_parser("init", help="build a local ERP database (tryton)")
    init.add_argument("kind", choices=["tryton"])
    init.add_argument("--url", help="SQLite file or PostgreSQL URL (default $IH_ERP_URL or data/tryton/hub.sqlite)")
    init.add_argument("--company", default="Demo Company Inc")
    init.set_defaults(func=cmd_erp_init)
