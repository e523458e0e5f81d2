"""A small canonical cash batch (customers, invoices with a credit note, payments with a refund) for ERP adapters."""
from __future__ import annotations

import pandas as pd

DAY = pd.Timestamp("2025-03-03", tz="UTC")


def customers() -> pd.DataFrame:
    rows = []
    for n, (name, country) in enumerate([("Acme Corp", "US"), ("Globex GmbH", "DE"), ("Initech LLC", "US")], 1):
        rows.append({"external_id": f"billing:CUST-{n:06d}", "source_system": "billing", "source_id": f"CUST-{n:06d}",
                     "name": name, "email": f"ap{n}@{name.split()[0].lower()}.com", "phone": f"+1415555010{n}",
                     "address_line1": f"{n} Main St", "address_line2": None, "city": "Springfield", "region": "IL",
                     "postal_code": "62701", "country": country, "currency": "USD", "created_at": DAY,
                     "parent_external_id": None})
    return pd.DataFrame(rows)


def invoice(n: int, subtotal: int, tax: int, *, customer: int = 1, kind: str = "invoice", applies_to=None,
            issue: pd.Timestamp = DAY) -> dict:
    number = f"{'CN' if kind == 'credit_note' else 'INV'}-{n:06d}"
    return {"external_id": f"billing:{number}", "source_system": "billing", "source_id": number,
            "invoice_number": number, "kind": kind, "customer_external_id": f"billing:CUST-{customer:06d}",
            "issue_date": issue, "due_date": issue + pd.Timedelta(days=30), "currency": "USD",
            "subtotal_minor": subtotal, "tax_minor": tax, "total_minor": subtotal + tax, "status": "open",
            "applies_to": applies_to}


def invoices() -> pd.DataFrame:
    return pd.DataFrame([invoice(1, 100_000, 8_250), invoice(2, 250_050, 0, customer=2),
                         invoice(3, 9_999, 825, customer=3),
                         invoice(1, -20_000, -1_650, kind="credit_note", applies_to="INV-000001")])


def payment(source_id: str, amount: int, *, customer: int | None = 1, kind: str = "charge", invoice_ref=None,
            payment_ref=None, status: str = "succeeded") -> dict:
    return {"external_id": f"stripe:{source_id}", "source_system": "stripe", "source_id": source_id, "kind": kind,
            "customer_external_id": None if customer is None else f"billing:CUST-{customer:06d}",
            "amount_minor": amount, "fee_minor": None, "currency": "USD",
            "paid_at": DAY + pd.Timedelta(days=2, hours=10), "status": status, "invoice_ref": invoice_ref,
            "payment_ref": payment_ref}


def payments() -> pd.DataFrame:
    frame = pd.DataFrame([payment("ch_0001", 108_250, invoice_ref="INV-000001"),
                          payment("ch_0002", 100_000, customer=2, invoice_ref="INV-000002"),
                          payment("re_0001", -5_000, kind="refund", payment_ref="stripe:ch_0002", customer=2)])
    frame["fee_minor"] = frame["fee_minor"].astype("Int64")
    return frame


def totals(frame: pd.DataFrame, column: str) -> int:
    return int(frame[column].sum())
