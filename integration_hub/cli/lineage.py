"""`integration-hub lineage ENTITY EXTERNAL_ID`: where an ERP record came from: sources, mapping rules, run."""
from __future__ import annotations

import json
from typing import Any

from integration_hub.cli.common import UsageError
from integration_hub.config import settings


def _entity(name: str) -> str | None:
    """A canonical entity by its name or plural (sales_order, sales_orders)."""
    from integration_hub.canonical import registry

    entities = registry.all_entities()
    name = name.lower()
    return name if name in entities else next((n for n, e in entities.items() if e.plural == name), None)


def cmd_lineage(args) -> int:
    from integration_hub.audit.lineage import lineage_for
    from integration_hub.canonical import registry
    from integration_hub.governance.access import authorize

    entity = _entity(args.entity)
    if entity is None:
        raise UsageError(f"unknown entity {args.entity!r}; one of {', '.join(sorted(registry.all_entities()))}")
    # Lineage shows source records and who loaded what: a role's right ($IH_ACTOR), refusals audited.
    authorize(settings().hub_db_url, "lineage.read", obj=f"lineage/{entity}/{args.external_id}")
    if args.follow:
        return _follow(entity, args.external_id)
    answer = lineage_for(settings().hub_db_url, entity, args.external_id)
    if args.json:
        print(json.dumps(answer, indent=2, default=str))
    else:
        print(format_lineage(answer))
    return 0 if answer["found"] else 1


def _follow(entity: str, external_id: str) -> int:
    """An order's whole path: customer, lines, fulfilments, shipments, invoice, payments, bank lines."""
    from integration_hub.audit.trace import format_trace, trace_order
    from integration_hub.erp.factory import make_target

    if entity != "sales_order":
        raise UsageError("--follow traces a sales order: integration-hub lineage sales_order ID --follow")
    with make_target() as target:
        try:
            print(format_trace(trace_order(target, settings().hub_db_url, external_id)))
        except LookupError as exc:
            print(exc)
            return 1
    return 0


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
    lineage = sub.add_parser("lineage", help="where an ERP record came from: sources, mapping rules, run, gates")
    lineage.add_argument("entity", help="a canonical entity, e.g. customer, invoice, payment, sales_order "
                         "(an unknown name lists them all)")
    lineage.add_argument("external_id", help="the ERP record's external id, e.g. stripe:ch_123")
    lineage.add_argument("--json", action="store_true", help="the full answer as JSON")
    lineage.add_argument("--follow", action="store_true",
                         help="for a sales order: every hop from customer and shop to warehouse, carrier, invoice, "
                              "payments and bank, with each record's sources and the totals")
    lineage.set_defaults(func=cmd_lineage)
