"""Payments posted in Tryton, for a whole batch in one server transaction.

A charge that names an open invoice in its currency goes through Tryton's own invoice payment
(Invoice.pay_invoice, what its "Pay" wizard runs): a receipt move against the invoice, any
amount above what is owed booked as overpayment, and an invoice paid in full reconciled, which
Tryton then marks paid. Any other payment (unapplied cash, a refund) is a receipt move: cash
against the customer's receivable, converted to the company currency at Tryton's rate of the
day for a foreign currency. Tryton refuses what breaks its rules (no period, a closed period,
no rate, no party); the batch is then rolled back and each payment tried alone, so every
refusal is attributed to its payment with Tryton's message. Running the batch in one
transaction instead of a wizard session per payment is about 7x faster here.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from integration_hub.erp.tryton.books import Books, day, major, tryton_message
from integration_hub.erp.tryton.runtime import TrytonDatabase, in_transaction

Result = tuple[bool, Any]


@dataclass(frozen=True)
class Payment:
    index: Any
    row: dict
    party: int | None
    currency: int
    invoice: int | None = None  # the open invoice this charge pays


def _receipt(pool, books_ids: dict, payment: Payment) -> int:
    from trytond.transaction import Transaction

    Currency, Move = pool.get("currency.currency"), pool.get("account.move")
    company = pool.get("company.company")(books_ids["company"])
    row, date = payment.row, day(payment.row["paid_at"])
    amount = major(row["amount_minor"], row["currency"])
    currency = Currency(payment.currency)
    foreign = currency != company.currency
    if foreign:
        with Transaction().set_context(date=date):
            amount_company = Currency.compute(currency, amount, company.currency)
    else:
        amount_company = amount

    def line(account: str, sign: int, **extra) -> dict:
        value = sign * amount_company
        out = {"account": books_ids[account], "debit": max(value, 0), "credit": max(-value, 0), **extra}
        return out | ({"second_currency": currency.id, "amount_second_currency": sign * amount} if foreign else {})

    reference = row.get("invoice_ref") or row.get("payment_ref")
    move, = Move.create([{
        "journal": books_ids["cash_journal"], "company": company.id, "date": date, "description": row["external_id"],
        "period": pool.get("account.period").find(company, date=date),
        "lines": [("create", [line("cash", 1, description=reference if isinstance(reference, str) else None),
                              line("receivable", -1, party=payment.party)])]}])
    Move.post([move])
    return move.id


def _pay(pool, method, payment: Payment) -> int:
    Invoice, Line = pool.get("account.invoice"), pool.get("account.move.line")
    invoice = Invoice(payment.invoice)
    row = payment.row
    amount, owed = major(row["amount_minor"], row["currency"]), invoice.amount_to_pay
    overpayment = max(amount - owed, Decimal(0))
    lines = invoice.pay_invoice(amount, method, day(row["paid_at"]), row["external_id"], overpayment)
    if overpayment or amount == owed:
        paid = Invoice(payment.invoice)
        Line.reconcile([line for line in (*paid.lines_to_pay, *paid.payment_lines) if not line.reconciliation])
    return lines[0].move.id


def _post(pool, books_ids: dict, payments: list[Payment]) -> dict[Any, Result]:
    Invoice = pool.get("account.invoice")
    method = pool.get("account.invoice.payment.method")(books_ids["method"])
    results: dict[Any, Result] = {}
    for payment in payments:
        # an invoice paid in full earlier in this batch leaves this charge as unapplied cash
        pays = payment.invoice is not None and Invoice(payment.invoice).amount_to_pay > 0
        results[payment.index] = (True, _pay(pool, method, payment) if pays else _receipt(pool, books_ids, payment))
    return results


def post_payments(database: TrytonDatabase, books: Books, payments: list[Payment]) -> dict[Any, Result]:
    """Post each payment; (accepted, account.move id) or (refused, Tryton's message) per index."""
    from trytond.exceptions import UserError

    if not payments:
        return {}
    ids = {"company": books.company.id, "method": books.payment_method.id, "cash_journal": books.journals["cash"],
           "cash": books.accounts["cash"], "receivable": books.accounts["receivable"]}
    try:
        return in_transaction(database, books.cfg.user, dict(books.cfg.context),
                              lambda pool: _post(pool, ids, payments), locks=books.posting_locks)
    except UserError as error:
        if len(payments) == 1:
            return {payments[0].index: (False, tryton_message(error))}
    results: dict[Any, Result] = {}
    for payment in payments:
        results.update(post_payments(database, books, [payment]))
    return results
