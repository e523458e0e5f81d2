"""`integration-hub quarantine`: list quarantined records with the rule each broke."""
from __future__ import annotations

from integration_hub.config import settings


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


def add_commands(sub) -> None:
    quarantine = sub.add_parser("quarantine", help="list quarantined records with the rule each broke")
    quarantine.add_argument("--run")
    quarantine.add_argument("--system")
    quarantine.add_argument("--entity")
    quarantine.add_argument("--limit", type=int, default=20)
    quarantine.set_defaults(func=cmd_quarantine)
