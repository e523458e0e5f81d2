"""Canonical entities every system maps into, as pandera schemas (the `mapped` stage gate).

Money is int64 minor units with an ISO 4217 code; timestamps are UTC. `external_id`
(`<system>:<source id>`) is the ERP upsert key.
"""
from __future__ import annotations

import pandera.pandas as pa

from integration_hub.connectors.bank.completeness import STATEMENT_STATUSES

UTC_TS = "datetime64[ns, UTC]"
_CURRENCY = pa.Column(str, pa.Check.str_matches(r"^[A-Z]{3}$"), nullable=False)
_E164 = pa.Check.str_matches(r"^\+[1-9]\d{6,14}$")


def _source_columns() -> dict[str, pa.Column]:
    return {
        "external_id": pa.Column(str, pa.Check.str_matches(r"^[a-z_]+:.+$"), unique=True, nullable=False),
        "source_system": pa.Column(str, nullable=False),
        "source_id": pa.Column(str, nullable=False),
    }


CUSTOMER = pa.DataFrameSchema(
    {
        **_source_columns(),
        "name": pa.Column(str, pa.Check.str_length(min_value=1), nullable=False),
        "email": pa.Column(str, pa.Check.str_matches(r"^[^@\s]+@[^@\s]+$"), nullable=True),
        "phone": pa.Column(str, _E164, nullable=True),
        "address_line1": pa.Column(str, nullable=True),
        "address_line2": pa.Column(str, nullable=True),
        "city": pa.Column(str, nullable=True),
        "region": pa.Column(str, nullable=True),
        "postal_code": pa.Column(str, nullable=True),
        "country": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{2}$"), nullable=True),
        "currency": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{3}$"), nullable=True),
        "created_at": pa.Column(UTC_TS, nullable=True),
    },
    name="customer", strict=True, coerce=True,
)

INVOICE = pa.DataFrameSchema(
    {
        **_source_columns(),
        "invoice_number": pa.Column(str, nullable=False),
        "kind": pa.Column(str, pa.Check.isin(["invoice", "credit_note"]), nullable=False),
        "customer_external_id": pa.Column(str, nullable=False),
        "issue_date": pa.Column(UTC_TS, nullable=False),
        "due_date": pa.Column(UTC_TS, nullable=True),
        "currency": _CURRENCY,
        "subtotal_minor": pa.Column("int64", nullable=False),
        "tax_minor": pa.Column("int64", nullable=False),
        "total_minor": pa.Column("int64", nullable=False),
        "status": pa.Column(str, nullable=False),
        "applies_to": pa.Column(str, nullable=True),
    },
    checks=[
        pa.Check(lambda df: df["subtotal_minor"] + df["tax_minor"] == df["total_minor"],
                 name="total_equals_subtotal_plus_tax", error="total_minor must equal subtotal_minor + tax_minor"),
        pa.Check(lambda df: (df["kind"] == "credit_note") | (df["total_minor"] >= 0),
                 name="invoice_total_not_negative", error="an invoice total must not be negative"),
    ],
    name="invoice", strict=True, coerce=True,
)

PAYMENT = pa.DataFrameSchema(
    {
        **_source_columns(),
        "kind": pa.Column(str, pa.Check.isin(["charge", "refund"]), nullable=False),
        "customer_external_id": pa.Column(str, nullable=True),
        "amount_minor": pa.Column("int64", nullable=False),
        "fee_minor": pa.Column("Int64", nullable=True),
        "currency": _CURRENCY,
        "paid_at": pa.Column(UTC_TS, nullable=False),
        "status": pa.Column(str, nullable=False),
        "invoice_ref": pa.Column(str, nullable=True),
        "payment_ref": pa.Column(str, nullable=True),
    },
    checks=[
        pa.Check(lambda df: (df["kind"] != "charge") | (df["amount_minor"] >= 0),
                 name="charge_amount_not_negative", error="a charge amount must not be negative"),
        pa.Check(lambda df: (df["kind"] != "refund") | (df["amount_minor"] <= 0),
                 name="refund_amount_not_positive", error="a refund is recorded as a negative amount"),
    ],
    name="payment", strict=True, coerce=True,
)

BANK_TRANSACTION = pa.DataFrameSchema(
    {
        **_source_columns(),
        "account_mask": pa.Column(str, pa.Check.str_matches(r"^\*+\w{1,4}$"), nullable=False),
        "statement_id": pa.Column(str, nullable=False),
        "booking_date": pa.Column(UTC_TS, nullable=False),
        "value_date": pa.Column(UTC_TS, nullable=True),
        "amount_minor": pa.Column("int64", nullable=False),
        "currency": _CURRENCY,
        "type_code": pa.Column(str, nullable=True),
        "reference": pa.Column(str, nullable=True),
        "counterparty": pa.Column(str, nullable=True),
        "description": pa.Column(str, nullable=True),
        # The hub keeps it (lineage, go-live); ERP targets load only their own columns (erp/base.py).
        "statement_status": pa.Column(str, pa.Check.isin(STATEMENT_STATUSES), nullable=False),
    },
    name="bank_transaction", strict=True, coerce=True,
)

SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "customer": CUSTOMER,
    "invoice": INVOICE,
    "payment": PAYMENT,
    "bank_transaction": BANK_TRANSACTION,
}
MONEY_COLUMNS = {"invoice": "total_minor", "payment": "amount_minor", "bank_transaction": "amount_minor"}


def columns(entity: str) -> list[str]:
    """Canonical column order for `entity`."""
    return list(SCHEMAS[entity].columns)
