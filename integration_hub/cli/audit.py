"""The `audit`, `lineage` and `keys` commands: verify and purge the trail, trace a record, rotate keys."""
from __future__ import annotations

import json
from typing import Any

from integration_hub.config import settings

ENTITIES = {"customer": "customer", "customers": "customer", "invoice": "invoice", "invoices": "invoice",
            "payment": "payment", "payments": "payment", "bank_transaction": "bank_transaction",
            "bank_transactions": "bank_transaction"}


class CommandFailed(Exception):
    """A check that found a problem: printed as it is, exit status 1."""


def cmd_audit_verify(args) -> int:
    """The chain against its anchor (and a published one), then the ERP ledger against its fingerprints.

    Tampering found in the ledger is itself recorded in the trail (erp.tamper_detected).
    """
    from integration_hub.audit.anchor import Anchor
    from integration_hub.audit.chain import AuditTrail

    try:
        published = Anchor.parse(args.anchor) if args.anchor else None
    except ValueError as exc:
        raise _usage(f"--anchor: {exc}") from None
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


def cmd_lineage(args) -> int:
    from integration_hub.audit.lineage import lineage_for

    entity = ENTITIES.get(args.entity.lower())
    if entity is None:
        raise _usage(f"unknown entity {args.entity!r}; one of {', '.join(sorted(set(ENTITIES.values())))}")
    answer = lineage_for(settings().hub_db_url, entity, args.external_id)
    if args.json:
        print(json.dumps(answer, indent=2, default=str))
    else:
        print(format_lineage(answer))
    return 0 if answer["found"] else 1


def format_lineage(answer: dict[str, Any]) -> str:
    """A lineage answer as an auditor reads it."""
    head = f"{answer['entity']} {answer['external_id']}"
    if not answer["found"]:
        return f"{head}: no lineage recorded (never loaded, or loaded before lineage was kept)"
    lines = [head + (f"  (merged into {answer['merged_into']})" if answer.get("merged_into") else ""),
             f"  loaded by run {answer['run_id']} at {answer['loaded_at']}",
             f"  mapping spec  {answer['mapping_version']}",
             "  gates passed  " + (", ".join(g["check"] if isinstance(g, dict) else str(g)
                                            for g in answer["gates_passed"] or []) or "none recorded")]
    if answer.get("master_id"):
        lines.append(f"  master id     {answer['master_id']}")
    lines.append("  source records:")
    for s in answer["sources"]:
        lines.append(f"    {s['source_system']}/{s['source_entity']} {s['source_id']}  row {s['source_row']}  "
                     f"from {s['origin'] or '?'}  extracted {s['extracted_at'] or '?'}")
        lines += [f"      {line}" for line in _evidence(s.get("merge_evidence"))]
    lines.append("  fields:")
    width = max(map(len, answer["field_rules"] or {"": ""}))
    lines += [f"    {field:<{width}}  <- {rule}" for field, rule in (answer["field_rules"] or {}).items()]
    if len(answer["loads"]) > 1:
        lines.append("  earlier loads: " + ", ".join(f"{l['run_id']} ({l['loaded_at'][:19]})"
                                                     for l in answer["loads"][1:]))
    return "\n".join(lines)


def _usage(message: str) -> Exception:
    from integration_hub.cli.main import UsageError

    return UsageError(message)


def _evidence(evidence: Any) -> list[str]:
    """Merge evidence as lines: duplicates folded into the record, or the match that made a golden record."""
    if not evidence:
        return []
    if isinstance(evidence, list):
        return [f"folded in: row {e.get('row')} ({e.get('reason')})" if isinstance(e, dict) else f"folded in: {e}"
                for e in evidence]
    if isinstance(evidence, dict) and "matched_with" in evidence:
        fields = ", ".join(f"{name} {info.get('level', '?')}" for name, info in (evidence.get("fields") or {}).items())
        return [f"matched with {evidence['matched_with']} (probability {evidence.get('probability')}): {fields}"]
    return [f"evidence: {json.dumps(evidence, default=str)}"]


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

    lineage = sub.add_parser("lineage", help="where an ERP record came from: sources, mapping rules, run, gates")
    lineage.add_argument("entity", help="customer, invoice, payment or bank_transaction")
    lineage.add_argument("external_id", help="the ERP record's external id, e.g. stripe:ch_123")
    lineage.add_argument("--json", action="store_true", help="the full answer as JSON")
    lineage.set_defaults(func=cmd_lineage)

    from integration_hub.cli.keys import add_key_commands

    add_key_commands(sub)
