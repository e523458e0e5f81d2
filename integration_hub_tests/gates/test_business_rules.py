"""Cross-record business rules: refunds against their charges, credit notes against their invoices."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from integration_hub.canonical import registry
from integration_hub.gates.business_rules import business_rule_rejects

T0 = pd.Timestamp("2024-03-01 09:30:00", tz="UTC")


def pay(external_id, amount, *, kind="charge", currency="USD", payment_ref=None, paid_at=T0):
    return {"external_id": external_id, "source_system": "stripe", "source_id": external_id.split(":")[1],
            "kind": kind, "customer_external_id": "stripe:cus_1", "amount_minor": amount, "fee_minor": None,
            "currency": currency, "paid_at": paid_at, "status": "succeeded", "invoice_ref": None,
            "payment_ref": payment_ref}


def refund(external_id, amount, charge, **kw):
    return pay(external_id, -amount, kind="refund", payment_ref=charge, **kw)


def inv(number, total, *, kind="invoice", currency="USD", applies_to=None, issue="2024-02-01", due="2024-03-02"):
    return {"external_id": f"billing:{number}", "source_system": "billing", "source_id": number,
            "invoice_number": number, "kind": kind, "customer_external_id": "billing:CUST-1",
            "issue_date": pd.Timestamp(issue, tz="UTC"), "due_date": pd.Timestamp(due, tz="UTC") if due else pd.NaT,
            "currency": currency, "subtotal_minor": total, "tax_minor": 0, "total_minor": total, "status": "open",
            "applies_to": applies_to}


def note(number, credit, invoice_number, **kw):
    return inv(number, -credit, kind="credit_note", applies_to=invoice_number, due=None, **kw)


def frame(rows, entity):
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in registry.get(entity).columns})
    out = pd.DataFrame(rows, columns=list(registry.get(entity).columns))
    for column in registry.get(entity).timestamps:
        out[column] = pd.to_datetime(out[column], utc=True)
    return out


def rules(entity, sent, held=()):
    """Rule per sent external_id, '' when none; `sent` given a non-default index to check alignment."""
    sent_frame = frame(list(sent), entity)
    sent_frame.index = sent_frame.index * 10 + 7
    result = business_rule_rejects(entity, sent_frame, frame(list(held), entity))
    assert result.index.equals(sent_frame.index)
    return dict(zip(sent_frame["external_id"], result.tolist()))


def test_refunds_within_their_charge_pass():
    assert rules("payment", [pay("stripe:ch_1", 1000), refund("stripe:re_1", 400, "stripe:ch_1"),
                             refund("stripe:re_2", 600, "stripe:ch_1")]) == {
        "stripe:ch_1": "", "stripe:re_1": "", "stripe:re_2": ""}


def test_refund_ten_times_its_charge_is_rejected():
    assert rules("payment", [pay("stripe:ch_1", 1000), refund("stripe:re_1", 10_000, "stripe:ch_1")]) == {
        "stripe:ch_1": "", "stripe:re_1": "refund.exceeds_charge"}


def test_refunds_together_above_the_charge_reject_every_sent_refund_of_it():
    result = rules("payment", [refund("stripe:re_2", 300, "stripe:ch_1"), refund("stripe:re_3", 100, "stripe:ch_1"),
                               refund("stripe:re_9", 100, "stripe:ch_2")],
                   held=[pay("stripe:ch_1", 1000), pay("stripe:ch_2", 500), refund("stripe:re_1", 700, "stripe:ch_1")])
    assert result == {"stripe:re_2": "refund.exceeds_charge", "stripe:re_3": "refund.exceeds_charge",
                      "stripe:re_9": ""}


def test_a_resent_refund_counts_once():
    held = [pay("stripe:ch_1", 1000), refund("stripe:re_1", 700, "stripe:ch_1")]
    assert rules("payment", [refund("stripe:re_1", 700, "stripe:ch_1")], held) == {"stripe:re_1": ""}
    # a corrected (sent) version replaces the held one in the sum
    assert rules("payment", [refund("stripe:re_1", 1001, "stripe:ch_1")], held) == {
        "stripe:re_1": "refund.exceeds_charge"}


def test_refund_for_a_charge_that_does_not_exist():
    # a header-only charges.csv: nothing sent, nothing held
    assert rules("payment", [refund("stripe:re_1", 100, "stripe:ch_404"), refund("stripe:re_2", 100, None)]) == {
        "stripe:re_1": "refund.charge_exists", "stripe:re_2": "refund.charge_exists"}


def test_refund_whose_charge_was_loaded_in_an_earlier_run_passes():
    assert rules("payment", [refund("stripe:re_1", 100, "stripe:ch_1")], held=[pay("stripe:ch_1", 100)]) == {
        "stripe:re_1": ""}


def test_refund_in_another_currency_than_its_charge():
    assert rules("payment", [pay("stripe:ch_1", 1000), refund("stripe:re_1", 100, "stripe:ch_1", currency="EUR")]) \
        == {"stripe:ch_1": "", "stripe:re_1": "refund.currency_matches_charge"}


def test_a_refund_of_a_rejected_charge_does_not_pass_on_its_account():
    """A charge rejected by a rule here is not what the ERP will hold; a held version still is."""
    sent = [pay("stripe:ch_1", 1000, currency="EUR"), refund("stripe:re_1", 100, "stripe:ch_1")]
    assert rules("payment", sent, held=[pay("stripe:ch_1", 1000)])["stripe:re_1"] == "refund.currency_matches_charge"


def test_credit_notes_within_their_invoice_pass():
    assert rules("invoice", [inv("INV-1", 351_191), note("CN-1", 100_000, "INV-1"), note("CN-2", 251_191, "INV-1"),
                             note("CN-3", 500, None)]) == {
        "billing:INV-1": "", "billing:CN-1": "", "billing:CN-2": "", "billing:CN-3": ""}


def test_credit_note_far_above_its_invoice():
    assert rules("invoice", [note("CN-1", 9_999_900, "INV-1")], held=[inv("INV-1", 351_191)]) == {
        "billing:CN-1": "credit_note.exceeds_invoice"}


def test_credit_notes_held_and_sent_add_up_against_the_invoice():
    held = [inv("INV-1", 1000), note("CN-1", 800, "INV-1")]
    assert rules("invoice", [note("CN-2", 300, "INV-1")], held) == {"billing:CN-2": "credit_note.exceeds_invoice"}


def test_credit_note_for_an_invoice_that_does_not_exist():
    assert rules("invoice", [inv("INV-1", 1000), note("CN-1", 10, "INV-404")]) == {
        "billing:INV-1": "", "billing:CN-1": "credit_note.invoice_exists"}


def test_credit_note_in_another_currency_than_its_invoice():
    assert rules("invoice", [note("CN-1", 10, "INV-1", currency="EUR")], held=[inv("INV-1", 1000)]) == {
        "billing:CN-1": "credit_note.currency_matches_invoice"}


def test_invoice_due_before_it_was_issued_and_its_credit_notes():
    result = rules("invoice", [inv("INV-1", 1000, issue="2024-03-01", due="2024-02-28"), inv("INV-2", 1000, due=None),
                               inv("INV-3", 1000, issue="2024-03-01", due="2024-03-01"), note("CN-1", 10, "INV-1")])
    assert result == {"billing:INV-1": "invoice.due_before_issue", "billing:INV-2": "", "billing:INV-3": "",
                      "billing:CN-1": "credit_note.invoice_exists"}


@pytest.mark.parametrize("entity", ["customer", "bank_transaction"])
def test_entities_without_rules_pass_everything(entity):
    sent = pd.DataFrame({c: ["x"] for c in registry.get(entity).columns}, index=[5])
    result = business_rule_rejects(entity, sent, sent.iloc[:0])
    assert result.tolist() == [""] and result.index.tolist() == [5]


def test_a_million_payments_take_seconds():
    n = 500_000
    ids = np.char.add("stripe:ch_", np.arange(n).astype(str)).astype(object)
    charges = pd.DataFrame({"external_id": ids, "kind": "charge", "amount_minor": np.full(n, 1000),
                            "currency": "USD", "payment_ref": None})
    refunds = pd.DataFrame({"external_id": np.char.add("stripe:re_", np.arange(n).astype(str)).astype(object),
                            "kind": "refund", "amount_minor": np.full(n, -600), "currency": "USD",
                            "payment_ref": ids[np.arange(n) // 2 * 2]})   # two refunds on every other charge
    sent = pd.concat([charges, refunds], ignore_index=True)
    started = time.perf_counter()
    result = business_rule_rejects("payment", sent, sent.iloc[:0])
    assert time.perf_counter() - started < 10
    assert (result == "refund.exceeds_charge").sum() == n and (result == "").sum() == n


def test_shop_refunds_together_may_not_exceed_their_order():
    from integration_hub.gates.business_rules import limit_rejects

    orders = pd.DataFrame({"external_id": ["shop:o1", "shop:o2"], "currency": ["USD", "EUR"],
                           "total_minor": [3229, 1000]})
    held = pd.DataFrame({"external_id": ["shop:r0"], "order_external_id": ["shop:o1"], "amount_minor": [-3000],
                         "currency": ["USD"]})
    sent = pd.DataFrame({"external_id": ["shop:r1", "shop:r2", "shop:r3", "shop:r4"],
                         "order_external_id": ["shop:o1", "shop:o2", "shop:o2", "shop:o9"],
                         "amount_minor": [-500, -400, -100, -1], "currency": ["USD", "EUR", "GBP", "USD"]})
    reasons = limit_rejects("order_refund", sent, held, orders)
    assert reasons.tolist() == ["order_refund.exceeds_order",          # 3000 already refunded + 500 > 3229
                                "",                                     # 400 of 1000
                                "order_refund.currency_matches_order",  # a GBP refund of a EUR order
                                ""]                                     # unknown order: the reference check's
