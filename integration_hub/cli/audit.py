"""`integration-hub audit verify | log | purge`: check the tamper-evident trail and the ERP, read it, purge."""
from __future__ import annotations

from integration_hub.cli.common import CommandFailed, UsageError
from integration_hub.config import settings


def cmd_audit_verify(args) -> int:
    """The chain against its anchor (and a published one), then the ERP ledger against its fingerprints.

    Tampering found in the ledger is itself recorded in the trail (erp.tamper_detected).
    """
    from integration_hub.audit.anchor import Anchor
    from integration_hub.audit.chain import AuditTrail

    try:
        published = Anchor.parse(args.anchor) if args.anchor else None
    except ValueError as exc:
        raise UsageError(f"--anchor: {exc}") from None
    trail = AuditTrail(settings().hub_db_url)
    try:
        result = trail.verify(None if published is None else (published.seq, published.hash))
        erp_lines, tampered = _erp_tampering(trail)
        anchor = trail.anchor()
    finally:
        trail.dispose()
    if result.ok:
        lines = [f"OK: {result.checked} entries verified" + (f"; anchored at {anchor}" if anchor else " (empty trail)")]
    else:
        lines = [f"BROKEN at entry {result.first_broken_seq}: {result.reason} "
                 f"({result.checked} entries before it verified)"]
    text = "\n".join(lines + erp_lines)
    if not result.ok or tampered:
        raise CommandFailed(text)
    print(text)
    return 0


TAMPER_LISTED = 50


def _erp_tampering(trail) -> tuple[list[str], bool]:
    """Report lines on the configured ERP, and whether records were edited outside the hub."""
    import os

    from integration_hub.erp.factory import make_target
    from integration_hub.erp.ledger_tamper import AUDIT_SAMPLE, find_tampered, record_tampering
    from integration_hub.runner import cli_actor

    kind = (os.environ.get("IH_ERP_TARGET") or "ledger").strip().lower()
    if kind != "ledger":
        return [f"ERP {kind}: not checked (only the SQL ledger keeps content fingerprints)"], False
    with make_target("ledger") as ledger:
        found = find_tampered(ledger)
    if found.empty:
        return ["ERP ledger: no record edited outside the hub"], False
    entry = record_tampering(trail, cli_actor(), found)
    noun = "record" if len(found) == 1 else "records"
    lines = [f"TAMPERED: {len(found)} ERP {noun} edited outside the hub (audit entry {entry.seq}); "
             "the next load of each rewrites it to the hub's value:"]
    lines += [f"  {r.entity} {r.external_id}: {r.detail}" for r in found.head(TAMPER_LISTED).itertuples()]
    if len(found) > TAMPER_LISTED:
        lines.append(f"  ... and {len(found) - TAMPER_LISTED} more (audit entry {entry.seq} names up to "
                     f"{AUDIT_SAMPLE} per entity)")
    return lines, True


def cmd_audit_log(args) -> int:
    from integration_hub.audit.chain import AuditTrail

    trail = AuditTrail(settings().hub_db_url)
    entries = trail.entries().tail(args.limit)
    trail.dispose()
    for e in entries.itertuples():
        print(f"{e.seq:>6}  {str(e.at)[:19]}  {e.actor:<44}  {e.action:<18} {e.object}")
    print(f"{len(entries)} entries shown")
    return 0


def cmd_audit_purge(args) -> int:
    from integration_hub.audit.retention import RetentionPolicy, purge
    from integration_hub.runner import cli_actor

    report = purge(settings().hub_db_url, dry_run=args.dry_run, policy=RetentionPolicy.from_env(), actor=cli_actor())
    verb = "would remove" if args.dry_run else "removed"
    for table, info in report.tables.items():
        print(f"{table:<14} {verb} {info['rows']:>8} rows dated before {info['cutoff'][:10]}")
    if report.chain_seq:
        print(f"logged as audit entry {report.chain_seq}")
    print(f"{report.total} rows " + ("would be removed (dry run: nothing deleted)" if args.dry_run else "removed"))
    return 0


def add_commands(sub) -> None:
    audit = sub.add_parser("audit", help="the tamper-evident audit trail").add_subparsers(
        dest="audit_command", required=True)
    verify = audit.add_parser("verify", help="check every link of the hash chain and its anchor, and the ERP "
                                             "ledger for records edited outside the hub; exit 1 on either")
    verify.add_argument("--anchor", help="SEQ:HASH published earlier (a run's audit_anchor): also detects a "
                                         "chain rewritten together with its stored anchor")
    verify.set_defaults(func=cmd_audit_verify)
    log = audit.add_parser("log", help="the latest audit entries")
    log.add_argument("--limit", type=int, default=20)
    log.set_defaults(func=cmd_audit_log)
    purge = audit.add_parser("purge", help="delete operational records older than the retention window "
                                           "($IH_RETENTION_YEARS, default 7 years); never the trail itself")
    purge.add_argument("--dry-run", action="store_true", help="report what would go, delete nothing")
    purge.set_defaults(func=cmd_audit_purge)
