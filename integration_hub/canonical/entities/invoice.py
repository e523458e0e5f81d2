import pandera.pandas as pa

from integration_hub.canonical.registry import CURRENCY, CanonicalEntity, Field, money, one_of, text, timestamp

ENTITY = CanonicalEntity(
    "invoice", "invoices",
    {
        "invoice_number": Field("text", nullable=False, indexed=True),
        "kind": one_of(["invoice", "credit_note"]),
        "customer_external_id": text(nullable=False),
        "issue_date": timestamp(nullable=False),
        "due_date": timestamp(),
        "currency": CURRENCY,
        "subtotal_minor": money(),
        "tax_minor": money(),
        "total_minor": money(),
        "status": text(nullable=False),
        "applies_to": text(),      # a credit note's invoice, by number
    },
    required=("invoice_number", "customer_external_id", "issue_date"),
    references={"customer_external_id": "customer"},
    total="total_minor",
    checks=(
        pa.Check(lambda df: df["subtotal_minor"] + df["tax_minor"] == df["total_minor"],
                 name="total_equals_subtotal_plus_tax", error="total_minor must equal subtotal_minor + tax_minor"),
        pa.Check(lambda df: (df["kind"] == "credit_note") | (df["total_minor"] >= 0),
                 name="invoice_total_not_negative", error="an invoice total must not be negative"),
    ),
    description="An invoice or credit note.",
)
