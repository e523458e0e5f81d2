from __future__ import annotations

import pandas as pd

from integration_hub_tests.erp.frames import T0, invoice, payment

DAY = pd.Timedelta(days=1)


def _setup(ledger, invoices, payments):
    assert ledger.upsert("invoice", pd.DataFrame(invoices), run_id="r", mapping_version="v")["outcome"].eq(
        "created").all()
    assert ledger.upsert("payment", pd.DataFrame(payments), run_id="r", mapping_version="v")["outcome"].eq(
        "created").all()


def _applied(frame: pd.DataFrame) -> dict:
    return {(p, i): a for p, i, a in frame[["payment_external_id", "invoice_external_id", "applied_minor"]].itertuples(
        index=False)}


def _balances(ledger) -> dict:
    b = ledger.invoice_balances().set_index("external_id")
    return {k: (r.total_minor, r.credited_minor, r.applied_minor, r.open_minor) for k, r in b.iterrows()}


def test_full_and_partial_payments_and_idempotency(ledger):
    _setup(ledger, [invoice("INV-1", 10_000), invoice("INV-2", 5_000), invoice("INV-3", 700)], [
        payment("stripe:ch_a", 10_000, invoice_ref="INV-1"),
        payment("stripe:ch_b", 2_000, invoice_ref="INV-2"),
        payment("stripe:ch_c", 999, invoice_ref="INV-9"),  # no such invoice
    ])
    first = ledger.apply_payments("run-1")
    assert list(first.columns) == ["payment_external_id", "invoice_external_id", "applied_minor"]
    assert first["applied_minor"].dtype == "int64"
    assert _applied(first) == {("stripe:ch_a", "billing:INV-1"): 10_000, ("stripe:ch_b", "billing:INV-2"): 2_000}
    assert _balances(ledger) == {
        "billing:INV-1": (10_000, 0, 10_000, 0), "billing:INV-2": (5_000, 0, 2_000, 3_000),
        "billing:INV-3": (700, 0, 0, 700)}
    assert ledger.apply_payments("run-2").empty
    assert _balances(ledger)["billing:INV-2"] == (5_000, 0, 2_000, 3_000)


def test_later_payments_settle_the_rest_oldest_first_and_overpayment_stays_unapplied(ledger):
    _setup(ledger, [invoice("INV-1", 10_000)], [
        payment("stripe:ch_late", 6_000, invoice_ref="INV-1", paid_at=T0 + 2 * DAY),
        payment("stripe:ch_early", 3_000, invoice_ref="INV-1", paid_at=T0),
    ])
    assert _applied(ledger.apply_payments("r1")) == {
        ("stripe:ch_early", "billing:INV-1"): 3_000, ("stripe:ch_late", "billing:INV-1"): 6_000}
    ledger.upsert("payment", pd.DataFrame([payment("stripe:ch_third", 5_000, invoice_ref="INV-1")]),
                  run_id="r2", mapping_version="v")
    assert _applied(ledger.apply_payments("r2")) == {("stripe:ch_third", "billing:INV-1"): 1_000}
    assert _balances(ledger)["billing:INV-1"] == (10_000, 0, 10_000, 0)


def test_only_succeeded_charges_in_the_invoice_currency_apply(ledger):
    _setup(ledger, [invoice("INV-1", 10_000), invoice("INV-2", 10_000, status="void")], [
        payment("stripe:ch_eur", 1_000, invoice_ref="INV-1", currency="EUR"),
        payment("stripe:ch_failed", 1_000, invoice_ref="INV-1", status="failed"),
        payment("stripe:re_1", -1_000, invoice_ref="INV-1", kind="refund"),
        payment("stripe:ch_void", 1_000, invoice_ref="INV-2"),
        payment("stripe:ch_ok", 1_000, invoice_ref="INV-1"),
    ])
    assert _applied(ledger.apply_payments("r")) == {("stripe:ch_ok", "billing:INV-1"): 1_000}
    assert _balances(ledger)["billing:INV-2"] == (10_000, 0, 0, 0)  # a void invoice owes nothing


def test_credit_notes_reduce_what_is_open(ledger):
    _setup(ledger, [invoice("INV-1", 10_000), invoice("CN-1", -4_000, kind="credit_note", applies_to="INV-1")], [
        payment("stripe:ch_a", 10_000, invoice_ref="INV-1")])
    assert _applied(ledger.apply_payments("r")) == {("stripe:ch_a", "billing:INV-1"): 6_000}
    assert _balances(ledger) == {"billing:INV-1": (10_000, -4_000, 6_000, 0)}


def test_an_ambiguous_invoice_number_is_left_unapplied(ledger):
    twin = invoice("INV-1", 5_000) | {"external_id": "erp2:INV-1", "source_system": "erp2"}
    _setup(ledger, [invoice("INV-1", 5_000), twin], [payment("stripe:ch_a", 5_000, invoice_ref="INV-1")])
    assert ledger.apply_payments("r").empty
    assert ledger.invoice_balances()["applied_minor"].eq(0).all()
