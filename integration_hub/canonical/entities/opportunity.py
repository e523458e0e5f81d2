import pandera.pandas as pa

from integration_hub.canonical.registry import (OPTIONAL_CURRENCY, CanonicalEntity, money, number, one_of, text,
                                                timestamp)

ENTITY = CanonicalEntity(
    "opportunity", "opportunities",
    {
        "customer_external_id": text(nullable=False),
        "name": text(nullable=False),
        "stage": text(nullable=False),
        "status": one_of(["open", "won", "lost"]),
        "amount_minor": money(nullable=True),
        "currency": OPTIONAL_CURRENCY,
        "close_date": timestamp(),
        "probability": number(pa.Check.in_range(0, 100)),
        "created_at": timestamp(),
    },
    required=("customer_external_id", "name", "stage"),
    references={"customer_external_id": "customer"},
    total="amount_minor",
    description="A deal in the CRM pipeline.",
)
