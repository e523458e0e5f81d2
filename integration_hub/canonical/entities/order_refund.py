import pandera.pandas as pa

from integration_hub.canonical.registry import CURRENCY, CanonicalEntity, money, text, timestamp

ENTITY = CanonicalEntity(
    "order_refund", "order_refunds",
    {
        "order_external_id": text(nullable=False),
        "refunded_at": timestamp(nullable=False),
        "amount_minor": money(),
        "currency": CURRENCY,
        "reason": text(),
    },
    required=("order_external_id", "amount_minor", "refunded_at"),
    references={"order_external_id": "sales_order"},
    total="amount_minor",
    checks=(pa.Check(lambda df: df["amount_minor"] <= 0, name="order_refund_not_positive",
                     error="a refund is recorded as a negative amount"),),
    description="Money given back against a sales order.",
)
