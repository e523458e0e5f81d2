"""`integration-hub golive PHASE` and `integration-hub rollback PHASE` (governance/golive.py, rollback.py).

A real go-live runs on today's date: `--date` plans one (checks the calendar and the criteria on
that day without loading), so it is accepted only with `--dry-run` and no one back-dates a go-live.
"""
from __future__ import annotations

from datetime import date

from integration_hub.cli.common import CommandFailed, UsageError


def _store():
    from integration_hub.audit.store import HubStore
    from integration_hub.config import settings

    return HubStore(settings().hub_db_url)


def _day(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--date must be YYYY-MM-DD, not {text!r}") from None


def cmd_golive(args) -> int:
    from integration_hub.governance.access import AccessDenied
    from integration_hub.governance.golive import GoLiveRefused, golive
    from integration_hub.runner import local_instance

    if args.date and not args.dry_run:
        raise UsageError("--date plans a go-live: use it with --dry-run (a real go-live runs today)")
    store = _store()
    try:
        with local_instance() as instance:
            outcome = golive(store, args.phase, today=_day(args.date), instance=instance, dry_run=args.dry_run)
    except (AccessDenied, GoLiveRefused) as exc:
        raise CommandFailed(str(exc)) from None
    finally:
        store.dispose()
    for c in outcome.criteria:
        mark = {True: "pass", False: "FAIL", None: "not measured"}[c["passed"]]
        print(f"  {c['name']}: {mark} ({c['measured']})")
    if not outcome.ok:
        raise CommandFailed(outcome.message)
    print(outcome.message)
    return 0


def cmd_rollback(args) -> int:
    from integration_hub.erp.factory import make_target
    from integration_hub.governance.access import AccessDenied
    from integration_hub.governance.rollback import RollbackRefused, rollback

    store = _store()
    try:
        with make_target() as target:
            outcome = rollback(store, target, args.phase)
    except (AccessDenied, RollbackRefused) as exc:
        raise CommandFailed(str(exc)) from None
    finally:
        store.dispose()
    print(outcome.summary())
    return 0


def add_commands(sub) -> None:
    go = sub.add_parser("golive", help="take a phase live inside the close calendar, judged by its success criteria")
    go.add_argument("phase")
    go.add_argument("--date", help="with --dry-run: the planned go-live day (YYYY-MM-DD; default today)")
    go.add_argument("--dry-run", action="store_true",
                    help="check the calendar and the criteria as they stand, without loading")
    go.set_defaults(func=cmd_golive)
    back = sub.add_parser("rollback", help="return the ERP to its state before a phase's latest go-live")
    back.add_argument("phase")
    back.set_defaults(func=cmd_rollback)
