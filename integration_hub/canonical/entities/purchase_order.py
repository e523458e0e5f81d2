import pandera.pandas as pa

from integration_hub.canonical.registry import CURRENCY, CanonicalEntity, Field, money, text, timestamp

ENTITY = CanonicalEntity(
    "purchase_order", "purchase_orders",
    {
        "po_number": Field("text", nullable=False, indexed=True),
        "vendor_external_id": text(nullable=False),
        "order_date": timestamp(nullable=False),
        "status": text(nullable=False),
        "currency": CURRENCY,
        "total_minor": money(),
    },
    required=("po_number", "vendor_external_id", "order_date"),
    references={"vendor_external_id": "vendor"},
    lines="purchase_order_line",
    total="total_minor",
    checks=(pa.Check(lambda df: df["total_minor"] >= 0, name="purchase_order_total_not_negative",
                     error="a purchase order total must not be negative"),),
    description="An order placed with a vendor; its lines are purchase_order_line records.",
)
