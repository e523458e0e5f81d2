"""Typed transaction frames -> the export files' text columns, in the contract's column order."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from integration_hub.demo import ids
from integration_hub.demo.csvtext import as_text, date_text, epoch_text, styled_money, timestamp_text, where

STRIPE_CREATED_EPOCH_SHARE = 0.015  # some rows of a Stripe export carry unix seconds instead of a timestamp


def _created(rng, ts: np.ndarray) -> pa.Array:
    ts = np.asarray(ts, dtype="datetime64[s]")
    return where(rng.random(len(ts)) < STRIPE_CREATED_EPOCH_SHARE, epoch_text(ts), timestamp_text(ts))


@dataclass
class StripeIds:
    """Object ids as arrow arrays (a million Python strings would cost seconds) and their cross references."""
    charge: pa.Array
    refund: pa.Array
    payout: pa.Array
    balance: pa.Array
    balance_source: pa.Array   # per balance transaction: id of its charge/refund/payout, null for stripe_fee
    charge_balance: pa.Array   # per charge: its balance transaction id, null unless succeeded


def assign_ids(rng, ch: pd.DataFrame, re: pd.DataFrame, po: pd.DataFrame, bt: pd.DataFrame) -> StripeIds:
    charge, refund = ids.stripe_ids(rng, len(ch), "ch_"), ids.stripe_ids(rng, len(re), "re_")
    payout, balance = ids.stripe_ids(rng, len(po), "po_"), ids.stripe_ids(rng, len(bt), "txn_")
    kind, row = bt["kind"].to_numpy(), bt["row"].to_numpy()
    offset = {"charge": 0, "refund": len(ch), "payout": len(ch) + len(re)}
    index = np.full(len(bt), -1, dtype=np.int64)
    for name, base in offset.items():
        index[kind == name] = base + row[kind == name]
    every = pa.concat_arrays([charge, refund, payout])
    source = every.take(pa.array(index, mask=index < 0))
    charge_bt = np.full(len(ch), -1, dtype=np.int64)
    charge_bt[row[kind == "charge"]] = np.flatnonzero(kind == "charge")
    refunded = np.zeros(len(ch), dtype=np.int64)
    np.add.at(refunded, re["charge"].to_numpy(), re["amount"].to_numpy(dtype=np.int64))
    ch["amount_refunded"] = refunded
    po["id"] = payout.to_numpy(zero_copy_only=False)  # small; the bank statements need them
    return StripeIds(charge, refund, payout, balance, source, balance.take(pa.array(charge_bt, mask=charge_bt < 0)))


def stripe_customer_of(rng, owner: np.ndarray, stripe_ids: pa.Array, stripe_owner: np.ndarray) -> pa.Array:
    """The Stripe customer a payment was made under: usually the first record, sometimes a duplicate."""
    order = np.argsort(stripe_owner, kind="stable")  # records are in creation order, so the primary comes first
    count = np.bincount(stripe_owner, minlength=owner.max(initial=0) + 1)
    start = np.cumsum(count) - count
    pick = np.where(rng.random(len(owner)) < 0.8, 0, (rng.random(len(owner)) * count[owner]).astype(np.int64))
    return stripe_ids.take(pa.array(order[start[owner] + pick]))


_LOOSE_TEXT = pa.array(["Subscription update", "Subscription creation", "Monthly plan", "Usage charges", ""])


def _charge_text(rng, ch: pd.DataFrame) -> tuple[pa.Array, pa.Array]:
    """(description, metadata_invoice_number): the invoice in metadata, only in the description, or both."""
    n = len(ch)
    number = as_text(ch["invoice_number"].to_numpy())
    has_invoice = pa.array(ch["invoice_number"].to_numpy() != "")
    roll = rng.random(n)
    text_only, meta_only = roll < 0.10, (roll >= 0.10) & (roll < 0.15)
    blank = pa.scalar("", pa.string())
    described = pc.if_else(pa.array(text_only), pc.binary_join_element_wise("Payment for ", number, ""),
                           pc.if_else(pa.array(meta_only), blank, pc.binary_join_element_wise("Invoice ", number, "")))
    pick = rng.integers(0, len(_LOOSE_TEXT) + 1, n)
    orders = pc.binary_join_element_wise("Order #", as_text(rng.integers(100_000, 999_999, n)), "")
    loose = pc.if_else(pa.array(pick == len(_LOOSE_TEXT)), orders, _LOOSE_TEXT.take(pa.array(np.minimum(pick, len(_LOOSE_TEXT) - 1))))
    return pc.if_else(has_invoice, described, loose), pc.if_else(pa.array(text_only), blank, number)


def _lower(values) -> pa.Array:
    return pc.utf8_lower(as_text(values))


def charges_columns(rng, ch: pd.DataFrame, sid: StripeIds, customer_ids: pa.Array) -> dict:
    description, invoice = _charge_text(rng, ch)
    return {"id": sid.charge, "amount": ch["amount"].to_numpy(), "amount_refunded": ch["amount_refunded"].to_numpy(),
            "currency": _lower(ch["currency"]), "customer_id": customer_ids,
            "created": _created(rng, ch["created"].to_numpy()), "status": as_text(ch["status"]),
            "description": description, "metadata_invoice_number": invoice, "balance_transaction_id": sid.charge_balance,
            "payment_method_type": as_text(ch["payment_method_type"])}


def refunds_columns(rng, re: pd.DataFrame, sid: StripeIds) -> dict:
    return {"id": sid.refund, "charge_id": sid.charge.take(pa.array(re["charge"].to_numpy())),
            "amount": re["amount"].to_numpy(), "currency": _lower(re["currency"]),
            "created": _created(rng, re["created"].to_numpy()), "status": re["status"].to_numpy(),
            "reason": re["reason"].to_numpy()}


def payouts_columns(rng, po: pd.DataFrame, sid: StripeIds) -> dict:
    return {"id": sid.payout, "amount": po["amount"].to_numpy(), "currency": _lower(po["currency"]),
            "arrival_date": date_text(po["arrival_date"].to_numpy()), "created": _created(rng, po["created"].to_numpy()),
            "status": po["status"].to_numpy(), "description": np.full(len(po), "STRIPE PAYOUT")}


def balance_columns(rng, bt: pd.DataFrame, sid: StripeIds) -> dict:
    return {"id": sid.balance, "amount": bt["amount"].to_numpy(), "fee": bt["fee"].to_numpy(),
            "net": bt["net"].to_numpy(), "currency": _lower(bt["currency"]), "type": as_text(bt["kind"]),
            "source_id": sid.balance_source, "created": _created(rng, bt["created"].to_numpy()),
            "available_on": timestamp_text(bt["available_on"].to_numpy())}


def _money_style(rng, n: int) -> np.ndarray:
    roll = rng.random(n)
    return np.where(roll < 0.04, 1, np.where(roll < 0.06, 2, 0))


def invoices_columns(rng, inv: pd.DataFrame, billing_id: np.ndarray) -> dict:
    style, currency = _money_style(rng, len(inv)), inv["currency"].to_numpy()
    return {"invoice_number": inv["invoice_number"].to_numpy(), "customer_id": billing_id[inv["owner"].to_numpy()],
            "issue_date": date_text(inv["issue_date"].to_numpy()), "due_date": date_text(inv["due_date"].to_numpy()),
            "currency": currency, **{k: styled_money(inv[k].to_numpy(), style, currency) for k in ("subtotal", "tax", "total")},
            "status": inv["status"].to_numpy(), "po_number": inv["po_number"].to_numpy()}


def credit_notes_columns(rng, cn: pd.DataFrame, billing_id: np.ndarray) -> dict:
    return {"credit_note_number": cn["credit_note_number"].to_numpy(), "invoice_number": cn["invoice_number"].to_numpy(),
            "customer_id": billing_id[cn["owner"].to_numpy()], "issue_date": date_text(cn["issued_at"].to_numpy()),
            "currency": cn["currency"].to_numpy(),
            "total": styled_money(cn["total"].to_numpy(), _money_style(rng, len(cn)), cn["currency"].to_numpy()),
            "reason": cn["reason"].to_numpy()}
