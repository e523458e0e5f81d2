"""Canonical test records, built in memory."""
from __future__ import annotations

import numpy as np
import pandas as pd

T0 = pd.Timestamp("2024-03-01 09:30:00", tz="UTC")


def payments(n: int = 3, *, prefix: str = "ch_", seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = [f"{prefix}{i:07d}" for i in range(n)]
    fee = pd.array(rng.integers(10, 500, n), dtype="Int64")
    fee[::4] = pd.NA
    return pd.DataFrame({
        "external_id": [f"stripe:{i}" for i in ids], "source_system": "stripe", "source_id": ids,
        "kind": "charge", "customer_external_id": [f"stripe:cus_{i % 7}" for i in range(n)],
        "amount_minor": rng.integers(100, 100_000, n), "fee_minor": fee,
        "currency": "USD", "paid_at": T0 + pd.to_timedelta(rng.integers(0, 10**7, n), unit="s"),
        "status": "succeeded", "invoice_ref": None, "payment_ref": None,
    })


def payment(external_id: str, amount: int, *, invoice_ref=None, paid_at=T0, currency="USD",
            kind="charge", status="succeeded") -> dict:
    return {
        "external_id": external_id, "source_system": external_id.split(":")[0], "source_id": external_id.split(":")[1],
        "kind": kind, "customer_external_id": "billing:CUST-1", "amount_minor": amount, "fee_minor": None,
        "currency": currency, "paid_at": paid_at, "status": status, "invoice_ref": invoice_ref, "payment_ref": None,
    }


def invoice(number: str, total: int, *, kind="invoice", currency="USD", status="open", applies_to=None) -> dict:
    return {
        "external_id": f"billing:{number}", "source_system": "billing", "source_id": number,
        "invoice_number": number, "kind": kind, "customer_external_id": "billing:CUST-1",
        "issue_date": pd.Timestamp("2024-02-01", tz="UTC"), "due_date": pd.Timestamp("2024-03-02", tz="UTC"),
        "currency": currency, "subtotal_minor": total, "tax_minor": 0, "total_minor": total,
        "status": status, "applies_to": applies_to,
    }


def customers() -> pd.DataFrame:
    return pd.DataFrame([
        {"external_id": "billing:CUST-1", "source_system": "billing", "source_id": "CUST-1", "name": "Acme GmbH",
         "email": "ap@acme.example", "phone": "+4930123456", "address_line1": "Hauptstr. 1", "address_line2": "",
         "city": "Berlin", "region": None, "postal_code": "10115", "country": "DE", "currency": "EUR",
         "created_at": pd.Timestamp("2023-05-04 10:11:12.345678", tz="UTC"), "parent_external_id": None},
        {"external_id": "crm:0015g00000abcdEAAQ", "source_system": "crm", "source_id": "0015g00000abcdEAAQ",
         "name": "Zoë \"Quotes\", Ltd\nline two", "email": None, "phone": None, "address_line1": None,
         "address_line2": None, "city": None, "region": None, "postal_code": None, "country": None,
         "currency": None, "created_at": None, "parent_external_id": "billing:CUST-1"},
    ])
