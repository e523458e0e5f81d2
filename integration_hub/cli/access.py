"""`integration-hub access whoami | review`: the acting identity's roles, and the quarterly access review."""
from __future__ import annotations

import argparse
import datetime as dt

from integration_hub.cli.common import DataCommandError, UsageError
from integration_hub.config import settings


def cmd_whoami(args) -> int:
    from integration_hub.governance.access import current_actor, load_policy

    policy, actor = load_policy(), current_actor()
    account = policy.accounts.get(actor)
    if account is None:
        raise DataCommandError(f"{actor!r} is not an account in {policy.source} (set IH_ACTOR to your account)")
    print(f"{account.id} ({account.name}), {account.status}; access file {policy.source}")
    print(f"  roles    {', '.join(account.roles) or 'none'}")
    actions = sorted(policy.actions_of(account)) if account.active else []
    print(f"  actions  {', '.join(actions) or 'none'}")
    return 0


def cmd_review(args) -> int:
    """Departed accounts and those idle for --days days; --record appends the review to the audit trail."""
    import pandas as pd

    from integration_hub.governance.access import authorize, current_actor, load_policy
    from integration_hub.governance.access_review import record_review, review

    if args.days < 1:
        raise UsageError(f"--days must be at least 1, not {args.days}")
    store, policy = settings().hub_db_url, load_policy()
    if args.record:
        # refused before anything is printed: one line, and the refusal in the trail
        authorize(store, "access.review", obj="access_review", policy=policy)
    today = args.as_of or dt.datetime.now(dt.UTC).date()
    findings = review(store, policy, today=today, stale_days=args.days)
    head = (f"access review as of {today}: {len(findings)} of {len(policy.accounts)} accounts departed or idle "
            f"for {args.days}+ days ({policy.source})")
    shown = findings.assign(last_action=[str(d) if d else "never" for d in findings["last_action"]],
                            days_idle=[("" if pd.isna(n) else str(n)) for n in findings["days_idle"]])
    table = shown.to_string(index=False) if len(findings) else ""
    print("\n".join(line for line in (head, table) if line))
    if args.record:
        entry = record_review(store, current_actor(), findings, policy=policy)
        print(f"review recorded by {entry.actor} as audit entry {entry.seq}")
    return 0


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, not {text!r}") from None


def add_commands(sub) -> None:
    access = sub.add_parser("access", help="who the acting identity is, and the quarterly access review")
    commands = access.add_subparsers(dest="access_command", required=True)
    whoami = commands.add_parser("whoami", help="the account $IH_ACTOR names: its roles and the actions they grant")
    whoami.set_defaults(func=cmd_whoami)
    review = commands.add_parser("review", help="accounts departed or without an action in the audit trail for "
                                 "--days days, with their roles; --record records the review")
    review.add_argument("--days", type=int, default=90, help="idle this many days or more is stale (default 90)")
    review.add_argument("--record", action="store_true",
                        help="append the review to the audit trail as done by $IH_ACTOR (needs access.review)")
    review.add_argument("--as-of", type=_day, default=None, metavar="YYYY-MM-DD",
                        help="count idle days up to this day instead of today (UTC)")
    review.set_defaults(func=cmd_review)
