"""`integration-hub change lock | drift | request | approve | list | show`: scope lock and change control.

The acting identity is $IH_ACTOR (governance/access.py); a refused action is one line on
stderr, exit status 1, and an "access.denied" audit entry.
"""
from __future__ import annotations

import functools
import sys
from contextlib import contextmanager

from integration_hub.cli.common import CommandFailed, UsageError
from integration_hub.config import settings


@contextmanager
def _one_line():
    from integration_hub.governance.changes import ChangeError
    from integration_hub.governance.scope import ScopeError

    try:
        yield
    except (ChangeError, ScopeError) as exc:
        raise UsageError(str(exc)) from None


def _refusable(command):
    """A refused action: its one line on stderr and exit status 1 (the refusal is in the audit trail)."""
    @functools.wraps(command)
    def run(args) -> int:
        from integration_hub.governance.access import AccessDenied

        try:
            return command(args)
        except AccessDenied as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    return run


@_refusable
def cmd_lock(args) -> int:
    from integration_hub.governance.access import current_actor
    from integration_hub.governance.scope import lock_phase

    with _one_line():
        lock = lock_phase(settings().hub_db_url, args.phase, current_actor())
    print(f"phase {lock.phase} locked by {lock.actor}: {lock.fields} fields in {lock.files} files fingerprinted "
          f"(audit entry {lock.audit_seq})")
    return 0


def cmd_drift(args) -> int:
    from integration_hub.governance.scope import scope_drift

    with _one_line():
        drift = scope_drift(settings().hub_db_url, args.phase)
    if not drift:
        print(f"phase {args.phase}: no change since its lock and its approved changes")
        return 0
    raise CommandFailed("\n".join([f"phase {args.phase}: {len(drift)} fields changed without an approved change "
                                   "request:", *(f"  {d.describe()}" for d in drift)]))


def _print_change(change, *, full: bool) -> None:
    print(f"change {change.id}  phase {change.phase}  {change.status}  requested by {change.requester} "
          f"at {str(change.requested_at)[:19]}")
    print(f"  justification: {change.justification}")
    approvals = ", ".join(f"{a.approver} as {a.capacity}" for a in change.approvals) or "none"
    print(f"  approvals: {approvals}" + (f"; still needed: {', '.join(change.needed)}" if change.needed
                                          and change.status == "pending" else ""))
    if full:
        print("  fields:")
        for d in change.drift:
            print(f"    {d.describe()}: {d.before_value if d.before_value is not None else '-'} -> "
                  f"{d.after_value if d.after_value is not None else '-'}")
        print("  impact:")
        for line in change.impact.lines():
            print(f"  {line}")


@_refusable
def cmd_request(args) -> int:
    from integration_hub.governance.access import current_actor
    from integration_hub.governance.changes import request_change

    with _one_line():
        change = request_change(settings().hub_db_url, args.phase, current_actor(), args.justification)
    _print_change(change, full=True)
    return 0


@_refusable
def cmd_approve(args) -> int:
    from integration_hub.governance.access import current_actor
    from integration_hub.governance.changes import approve_change

    with _one_line():
        change = approve_change(settings().hub_db_url, args.id, current_actor())
    _print_change(change, full=False)
    return 0


def cmd_list(args) -> int:
    from integration_hub.governance.changes import list_changes

    changes = list_changes(settings().hub_db_url, phase=args.phase)
    for change in changes:
        _print_change(change, full=False)
    print(f"{len(changes)} change requests")
    return 0


def cmd_show(args) -> int:
    from integration_hub.governance.changes import show_change

    with _one_line():
        _print_change(show_change(settings().hub_db_url, args.id), full=True)
    return 0


def add_commands(sub) -> None:
    change = sub.add_parser("change", help="lock a phase's scope; request, approve and inspect changes to it")
    commands = change.add_subparsers(dest="change_command", required=True)
    lock = commands.add_parser("lock", help="fingerprint PHASE's declarations field by field (needs phase.lock)")
    lock.add_argument("phase")
    lock.set_defaults(func=cmd_lock)
    drift = commands.add_parser("drift", help="fields of a locked PHASE changed without an approved request "
                                              "(exit 1 when any)")
    drift.add_argument("phase")
    drift.set_defaults(func=cmd_drift)
    request = commands.add_parser("request", help="request approval of a locked PHASE's drift, with its impact "
                                                  "(needs change.request)")
    request.add_argument("phase")
    request.add_argument("--justification", required=True, help="the business reason, kept with the request")
    request.set_defaults(func=cmd_request)
    approve = commands.add_parser("approve", help="approve change ID as a change approver and/or the owner of a "
                                                  "data domain it touches (never one's own request)")
    approve.add_argument("id", type=int)
    approve.set_defaults(func=cmd_approve)
    listing = commands.add_parser("list", help="every change request with its approvals")
    listing.add_argument("--phase", default=None)
    listing.set_defaults(func=cmd_list)
    show = commands.add_parser("show", help="one change request: its fields, approvals and impact analysis")
    show.add_argument("id", type=int)
    show.set_defaults(func=cmd_show)
