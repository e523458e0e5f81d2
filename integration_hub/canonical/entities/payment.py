import pandera.pandas as pa

from integration_hub.canonical.registry import CURRENCY, CanonicalEntity, money, one_of, text, timestamp

ENTITY = CanonicalEntity(
    "payment", "payments",
    {
        "kind": one_of(["charge", "refund"]),
        "customer_external_id": text(),
        "amount_minor": money(),
        "fee_minor": money(nullable=True),
        "currency": CURRENCY,
        "paid_at": timestamp(nullable=False),
        "status": text(nullable=False),
        "invoice_ref": text(),     # the invoice a charge settles, by number
        "payment_ref": text(),     # a refund's charge
    },
    required=("amount_minor", "paid_at"),
    references={"customer_external_id": "customer"},
    loads_after=("invoice",),
    total="amount_minor",
    checks=(
        pa.Check(lambda df: (df["kind"] != "charge") | (df["amount_minor"] >= 0),
                 name="charge_amount_not_negative", error="a charge amount must not be negative"),
        pa.Check(lambda df: (df["kind"] != "refund") | (df["amount_minor"] <= 0),
                 name="refund_amount_not_positive", error="a refund is recorded as a negative amount"),
    ),
    description="A card charge or refund.",
)
