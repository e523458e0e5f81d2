"""Cash application in the ledger: succeeded charges settle the invoices they name.

A charge applies to the invoice (kind "invoice", not void) whose invoice_number equals its
invoice_ref in the same currency; a reference matching several such invoices is ambiguous
and left unapplied. Charges settle an invoice oldest first (paid_at, then external_id),
each for min(its amount, what is still open), so a partial payment leaves a balance and an
overpayment leaves unapplied cash. A charge already applied is never applied again, which
makes the step idempotent. Open balance = total + credit notes applying to the invoice
(negative totals) - applications; a void invoice owes nothing.
"""
from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from integration_hub.erp.base import APPLICATION_COLUMNS
from integration_hub.erp.bulk import quoted
from integration_hub.erp.ledger_schema import PAYMENT_APPLICATIONS as APPS
from integration_hub.erp.ledger_schema import TABLES

INV, PAY = TABLES["invoice"], TABLES["payment"]
BALANCE_COLUMNS = ("external_id", "invoice_number", "currency", "status", "total_minor", "credited_minor",
                   "applied_minor", "open_minor")


def _balances_query() -> sa.Select:
    applied = (
        sa.select(APPS.c.invoice_external_id, sa.func.sum(APPS.c.applied_minor).label("applied"))
        .group_by(APPS.c.invoice_external_id).subquery()
    )
    notes = INV.alias("credit_notes")
    credited = (
        sa.select(notes.c.applies_to, notes.c.currency, sa.func.sum(notes.c.total_minor).label("credited"))
        .where(notes.c.kind == "credit_note", notes.c.applies_to.is_not(None))
        .group_by(notes.c.applies_to, notes.c.currency).subquery()
    )
    join = INV.outerjoin(applied, applied.c.invoice_external_id == INV.c.external_id).outerjoin(
        credited, sa.and_(credited.c.applies_to == INV.c.invoice_number, credited.c.currency == INV.c.currency)
    )
    return (
        sa.select(INV.c.external_id, INV.c.invoice_number, INV.c.currency, INV.c.status, INV.c.total_minor,
                  sa.func.coalesce(credited.c.credited, 0).label("credited_minor"),
                  sa.func.coalesce(applied.c.applied, 0).label("applied_minor"))
        .select_from(join).where(INV.c.kind == "invoice").order_by(INV.c.external_id)
    )


def invoice_balances(conn: sa.Connection) -> pd.DataFrame:
    """One row per invoice: BALANCE_COLUMNS, money as int64."""
    rows = conn.execute(_balances_query()).fetchall()
    out = pd.DataFrame.from_records(rows, columns=list(BALANCE_COLUMNS[:-1]))
    for name in ("total_minor", "credited_minor", "applied_minor"):
        out[name] = out[name].astype("int64")
    owed = out["total_minor"] + out["credited_minor"] - out["applied_minor"]
    out["open_minor"] = owed.where(out["status"].fillna("") != "void", 0).astype("int64")
    return out


def _candidates(conn: sa.Connection) -> pd.DataFrame:
    already = sa.select(APPS.c.payment_external_id).where(APPS.c.payment_external_id == PAY.c.external_id)
    join = PAY.join(INV, sa.and_(
        INV.c.invoice_number == PAY.c.invoice_ref, INV.c.currency == PAY.c.currency, INV.c.kind == "invoice",
        sa.func.coalesce(INV.c.status, "") != "void",
    ))
    query = (
        sa.select(PAY.c.external_id, INV.c.external_id, PAY.c.amount_minor)
        .select_from(join)
        .where(PAY.c.kind == "charge", PAY.c.status == "succeeded", PAY.c.amount_minor > 0, ~sa.exists(already))
        .order_by(PAY.c.paid_at, PAY.c.external_id)
    )
    rows = conn.execute(query).fetchall()
    found = pd.DataFrame.from_records(rows, columns=["payment_external_id", "invoice_external_id", "amount_minor"])
    found["amount_minor"] = found["amount_minor"].astype("int64")
    return found[~found["payment_external_id"].duplicated(keep=False)]


def apply_payments(conn: sa.Connection, run_id: str) -> pd.DataFrame:
    """Record new applications in `conn`'s transaction; returns them (APPLICATION_COLUMNS)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"LOCK TABLE {quoted(conn.dialect, APPS)} IN SHARE ROW EXCLUSIVE MODE")
    found = _candidates(conn)
    balances = invoice_balances(conn).set_index("external_id")["open_minor"].clip(lower=0)
    found = found.assign(open=found["invoice_external_id"].map(balances).fillna(0).astype("int64"))
    amount = found["amount_minor"]
    before = found.groupby("invoice_external_id", sort=False)["amount_minor"].cumsum() - amount
    found["applied_minor"] = (found["open"] - before).clip(lower=0).clip(upper=amount).astype("int64")
    new = found.loc[found["applied_minor"] > 0, list(APPLICATION_COLUMNS)].reset_index(drop=True)
    if len(new):
        insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(APPS)
        conn.execute(insert.on_conflict_do_nothing(), new.assign(run_id=run_id).to_dict("records"))
    return new
