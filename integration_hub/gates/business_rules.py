"""Business rules that span records: a refund against its charge, a credit note against its invoice.

Each canonical record passed its own schema by the `mapped` stage; what no single record
can show is that a refund is ten times its charge, or credits an invoice that does not
exist. These rules judge a load's records together with what the ERP already holds, so a
refund whose charge was loaded in an earlier run passes, and refunds already loaded count
towards the charge's total. Plain pandas, vectorized: a million payments take two to
three seconds.

A parent this load sends but a rule here rejects is not what the ERP will hold, so its
children are judged against the version the ERP already holds, or found orphaned. Records
that an earlier gate rejected should be left out of `frame` for the same reason.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

DUE_BEFORE_ISSUE = "invoice.due_before_issue"


@dataclass(frozen=True)
class _Parentage:
    """How a child record (refund, credit note) names its parent, and the rules it answers to.

    Children carry negative amounts (money going back), parents positive ones; the children
    of one parent, in its currency, may together give back at most the parent's amount.
    """

    parent_kind: str
    child_kind: str
    parent_key: str
    child_key: str
    amount: str
    exists: str
    currency: str
    exceeds: str
    reference_optional: bool = False   # a child without a reference names no parent and is not judged


PARENTAGE = {
    "payment": _Parentage("charge", "refund", "external_id", "payment_ref", "amount_minor",
                          "refund.charge_exists", "refund.currency_matches_charge", "refund.exceeds_charge"),
    # A credit note names its invoice by number (applies_to), as the ledger's balances match it.
    "invoice": _Parentage("invoice", "credit_note", "invoice_number", "applies_to", "total_minor",
                          "credit_note.invoice_exists", "credit_note.currency_matches_invoice",
                          "credit_note.exceeds_invoice", reference_optional=True),
}


@dataclass(frozen=True)
class _Limit:
    """A child entity whose records together may give back at most their parent record's amount
    (a shop's refunds against the order they refund), in the parent's currency."""

    parent_entity: str
    reference: str
    amount: str          # the child's (negative: money going back)
    parent_amount: str
    currency: str
    exceeds: str


LIMITS = {"order_refund": _Limit("sales_order", "order_external_id", "amount_minor", "total_minor",
                                 "order_refund.currency_matches_order", "order_refund.exceeds_order")}


def limit_rejects(canonical: str, frame: pd.DataFrame, held: pd.DataFrame, parents: pd.DataFrame) -> pd.Series:
    """The LIMITS rule each record of `frame` breaks ('' when none). `held`: the children the ERP
    already holds; `parents`: the parent records they name, as the ERP holds them. A child whose
    parent is missing is the reference check's to reject, not this one's."""
    link = LIMITS[canonical]
    reasons = pd.Series("", index=frame.index, dtype="string")
    parent = parents.set_index("external_id")
    ref = frame[link.reference]
    known = ref.isin(parent.index).to_numpy(dtype=bool)
    currency = ref.map(parent["currency"]) if len(parent) else pd.Series(pd.NA, index=frame.index)
    wrong = known & (currency.astype("string") != frame["currency"].astype("string")).fillna(True).to_numpy(dtype=bool)
    _flag(reasons, wrong, link.currency)
    valid = known & ~wrong
    others = held[~held["external_id"].isin(frame["external_id"])]
    given_back = -pd.concat([pd.Series(others[link.amount].to_numpy(), index=others[link.reference].to_numpy(), dtype="Int64"),
                             pd.Series(frame.loc[valid, link.amount].to_numpy(), index=ref[valid].to_numpy(),
                                       dtype="Int64")]).groupby(level=0).sum()
    limit = parent[link.parent_amount].astype("Int64").reindex(given_back.index)
    over = given_back.index[(given_back > limit).fillna(False).to_numpy(dtype=bool)]
    _flag(reasons, valid & ref.isin(over).to_numpy(dtype=bool), link.exceeds)
    return reasons


def business_rule_rejects(canonical: str, frame: pd.DataFrame, held: pd.DataFrame) -> pd.Series:
    """The rule each record of `frame` breaks ('' when none), aligned to `frame.index`.

    `frame`: every `canonical` record this load sends, all source feeds together, canonical
    columns. `held`: what the ERP already holds of that entity (its read-back). A record
    breaks at most one rule, the first found: due dates, then parent, currency, amount.
    A credit note without `applies_to` credits no particular invoice and is not judged; a
    refund without `payment_ref` has no charge.
    """
    reasons = pd.Series("", index=frame.index, dtype="string")
    if canonical == "invoice":
        due, issued = frame["due_date"], frame["issue_date"]
        _flag(reasons, (due.notna() & issued.notna() & (due < issued)).to_numpy(dtype=bool), DUE_BEFORE_ISSUE)
    link = PARENTAGE.get(canonical)
    if link is not None:
        for rule, broken in _parentage_rules(link, frame, held, rejected=(reasons != "").to_numpy(dtype=bool)):
            _flag(reasons, broken, rule)
    return reasons


def _flag(reasons: pd.Series, broken, rule: str) -> None:
    reasons[broken & (reasons == "").to_numpy(dtype=bool)] = rule


def _pair(key: pd.Series, currency: pd.Series) -> pd.Series:
    """One hashable key per (parent reference, currency); missing when either is."""
    return key.astype("string") + "\x1f" + currency.astype("string")


def _parentage_rules(link: _Parentage, frame: pd.DataFrame, held: pd.DataFrame, rejected):
    """(rule, rows of `frame` breaking it) for orphans, currency mismatches and over-refunds/credits.

    Parents are the held ones overlaid by the sent ones not `rejected`. What a parent has
    given back is every held child plus every sent child that found its parent; when that
    is more than the parent's amount, each sent child of it is rejected (which one is wrong
    is for a person to say).
    """
    kind = frame["kind"].to_numpy()
    sent_parents = frame[(kind == link.parent_kind) & ~rejected]
    held_parents = held[(held["kind"] == link.parent_kind) & ~held["external_id"].isin(sent_parents["external_id"])]
    parents = pd.concat([p[[link.parent_key, "currency", link.amount]] for p in (held_parents, sent_parents)])
    # With an invoice number repeated in one currency (two billing systems), the larger total limits.
    parent_pair = _pair(parents[link.parent_key], parents["currency"]).to_numpy()
    limit = parents[link.amount].astype("Int64").groupby(parent_pair).max()

    is_child = kind == link.child_kind
    key = frame[link.child_key]
    judged = is_child & key.notna().to_numpy(dtype=bool) if link.reference_optional else is_child
    orphan = judged & ~(key.notna() & key.isin(parents[link.parent_key])).to_numpy(dtype=bool)
    pair = _pair(key, frame["currency"])
    wrong_currency = judged & ~orphan & ~pair.isin(limit.index).to_numpy(dtype=bool)
    valid = judged & ~orphan & ~wrong_currency

    sent_children = frame.loc[is_child, "external_id"]
    held_children = held[(held["kind"] == link.child_kind) & ~held["external_id"].isin(sent_children)]
    given_back = -pd.concat([
        pd.Series(held_children[link.amount].to_numpy(), dtype="Int64",
                  index=_pair(held_children[link.child_key], held_children["currency"]).to_numpy()),
        pd.Series(frame.loc[valid, link.amount].to_numpy(), dtype="Int64", index=pair[valid].to_numpy()),
    ]).groupby(level=0).sum()
    over = given_back.index[(given_back > limit.reindex(given_back.index)).fillna(False).to_numpy(dtype=bool)]
    exceeds = valid & pair.isin(over).to_numpy(dtype=bool)
    return [(link.exists, orphan), (link.currency, wrong_currency), (link.exceeds, exceeds)]
