"""Follow one sales order through every system it touched, as the ERP holds it: its customer (and the
source records the master merged), its lines, the warehouse's fulfilments, the carrier's shipments,
the invoice that bills it, the payments that settle the invoice and the bank lines they landed on.

Each hop is an ERP record with its lineage (source system, entity and id, the run that loaded it).
Hops come from the canonical declarations' references (a fulfilment names its order) and from the
business keys documents share by number (an order's invoice_ref is its invoice's number; a charge's
invoice_ref names the invoice it pays; a customer's wire names the invoice in its reference). A bank
line for a card payment is reached only through a processor payout, which cash application links
(not yet part of the hub): such a payment is shown without its bank line.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from integration_hub.audit.crosswalk import load_crosswalk
from integration_hub.audit.lineage import lineage_for
from integration_hub.canonical import registry
from integration_hub.erp.base import ErpTarget

# (entity, column holding the invoice number) for documents that name an invoice by number
_PAYS_INVOICE = (("payment", "invoice_ref"), ("bank_transaction", "reference"))


@dataclass
class Hop:
    """One ERP record on the order's path and where it came from."""

    role: str
    entity: str
    external_id: str
    amount_minor: int | None
    currency: str | None
    detail: str
    sources: list[str] = field(default_factory=list)
    run_id: str | None = None


@dataclass
class OrderTrace:
    order_id: str
    hops: list[Hop]

    def roles(self) -> set[str]:
        return {h.role for h in self.hops}

    def total(self, role: str) -> int:
        return sum(h.amount_minor or 0 for h in self.hops if h.role == role)

    def totals_agree(self) -> bool:
        """The order's total is what its invoice bills and what was paid against that invoice."""
        paid = self.total("payment") + self.total("bank")
        return self.total("order") == self.total("invoice") == paid


def trace_order(target: ErpTarget, store_url: str, order_id: str) -> OrderTrace:
    """Every hop of sales order `order_id` the ERP holds; raises LookupError if the ERP lacks the order."""
    order = target.read_back("sales_order", [order_id])
    if order.empty:
        raise LookupError(f"sales_order {order_id!r} is not in the ERP")
    row = order.iloc[0]
    hops = [_hop(store_url, "customer", "customer", c) for c in target.read_back(
        "customer", [row["customer_external_id"]]).itertuples(index=False)]
    crosswalk = load_crosswalk(store_url)
    for hop in hops:       # every source record resolved into the master, whichever run loaded it
        members = crosswalk[crosswalk["master_external_id"] == hop.external_id]
        hop.sources += [f"{s} {i} (crosswalk)" for s, i in zip(members["source_system"], members["source_id"])
                        if not any(src.startswith(s + "/") and src.endswith(" " + i) for src in hop.sources)]
    hops.append(_hop(store_url, "order", "sales_order", row, money="total_minor",
                     detail=f"number {row['order_number']}, status {row['status']}"))
    for role, entity, column in _referring("sales_order"):
        children = _where(target, entity, column, {order_id})
        hops += [_hop(store_url, role, entity, c) for c in children.itertuples(index=False)]
        for grand_role, grand, grand_column in _referring(entity):
            if grand_role != role + "_line":
                continue
            lines = _where(target, grand, grand_column, set(children["external_id"]))
            hops += [_hop(store_url, grand_role, grand, c) for c in lines.itertuples(index=False)]
    if pd.notna(row.get("invoice_ref")):
        invoices = _where(target, "invoice", "invoice_number", {row["invoice_ref"]})
        hops += [_hop(store_url, "invoice", "invoice", i, money="total_minor",
                      detail=f"number {i.invoice_number}") for i in invoices.itertuples(index=False)]
        for entity, column in _PAYS_INVOICE:
            paying = _where(target, entity, column, set(invoices["invoice_number"]))
            hops += [_hop(store_url, "payment" if entity == "payment" else "bank", entity, p, money="amount_minor")
                     for p in paying.itertuples(index=False)]
    return OrderTrace(order_id, hops)


def _referring(entity: str) -> list[tuple[str, str, str]]:
    """(role, entity, column) of every canonical entity that names `entity` in one of its references."""
    roles = {"sales_order_line": "line", "fulfilment": "fulfilment", "fulfilment_line": "fulfilment_line",
             "shipment": "shipment", "order_refund": "refund"}
    return [(roles.get(name, name), name, column) for name, declared in registry.all_entities().items()
            for column, referred in declared.references.items() if referred == entity and name != entity]


def _where(target: ErpTarget, entity: str, column: str, values: set) -> pd.DataFrame:
    frame = target.read_back(entity)
    if frame.empty or column not in frame:
        return frame.iloc[0:0]
    return frame[frame[column].isin(values)]


def _hop(store_url: str, role: str, entity: str, record, *, money: str | None = None, detail: str = "") -> Hop:
    values = record._asdict() if hasattr(record, "_asdict") else record.to_dict()
    answer = lineage_for(store_url, entity, values["external_id"])
    # a golden record's sources include every record merged into its master, from any run
    members = [*answer.get("sources", []), *(answer.get("merge_evidence") or [])]
    sources = list(dict.fromkeys(f"{s['source_system']}/{s['source_entity']} {s['source_id']}" for s in members))
    amount = values.get(money) if money else None
    return Hop(role=role, entity=entity, external_id=values["external_id"],
               amount_minor=None if amount is None or pd.isna(amount) else int(amount),
               currency=values.get("currency") if isinstance(values.get("currency"), str) else None,
               detail=detail or _describe(values), sources=sources, run_id=answer.get("run_id"))


def _describe(values: dict) -> str:
    shown = ("name", "item_external_id", "quantity", "carrier", "tracking_number", "status", "booking_date",
             "reference")
    return ", ".join(f"{k} {values[k]}" for k in shown if k in values and pd.notna(values[k]))


def format_trace(trace: OrderTrace) -> str:
    """The trace as an auditor reads it: one line per hop, its sources beneath, then the totals."""
    lines = [f"order {trace.order_id}: {len(trace.hops)} records across "
             + ", ".join(sorted({s.split('/')[0] for h in trace.hops for s in h.sources}))]
    for hop in trace.hops:
        money = f"  {hop.amount_minor / 100:,.2f} {hop.currency}" if hop.amount_minor is not None else ""
        lines.append(f"  {hop.role:<15} {hop.external_id}{money}  ({hop.detail})")
        lines += [f"  {'':<15}   <- {s}" + (f"  run {hop.run_id}" if hop.run_id else "") for s in hop.sources]
    agree = "agree" if trace.totals_agree() else "DIFFER"
    lines.append(f"  totals {agree}: order {trace.total('order') / 100:,.2f}, invoice {trace.total('invoice') / 100:,.2f},"
                 f" paid {(trace.total('payment') + trace.total('bank')) / 100:,.2f}")
    return "\n".join(lines)
