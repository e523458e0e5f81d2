import pandera.pandas as pa

from integration_hub.canonical.registry import CURRENCY, CanonicalEntity, money, text, timestamp

ENTITY = CanonicalEntity(
    "shipment", "shipments",
    {
        "order_external_id": text(nullable=False),
        "carrier": text(nullable=False),
        "service": text(),
        "tracking_number": text(),
        "status": text(nullable=False),
        "shipped_at": timestamp(),
        "delivered_at": timestamp(),
        "label_cost_minor": money(),
        "freight_cost_minor": money(nullable=True),
        "currency": CURRENCY,
    },
    required=("order_external_id", "carrier", "status"),
    references={"order_external_id": "sales_order"},
    total="label_cost_minor",
    checks=(pa.Check(lambda df: df["label_cost_minor"] >= 0, name="label_cost_not_negative",
                     error="a label cost must not be negative"),),
    description="A carrier's shipment of an order: tracking, status and what the label and freight cost.",
)
