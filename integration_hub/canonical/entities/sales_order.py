import pandera.pandas as pa

from integration_hub.canonical.registry import CURRENCY, CanonicalEntity, Field, money, text, timestamp

ENTITY = CanonicalEntity(
    "sales_order", "sales_orders",
    {
        "order_number": Field("text", nullable=False, indexed=True),
        "customer_external_id": text(nullable=False),
        "order_date": timestamp(nullable=False),
        "status": text(nullable=False),
        "currency": CURRENCY,
        "subtotal_minor": money(),
        "tax_minor": money(),
        "total_minor": money(),
        "invoice_ref": text(),     # the invoice that bills it, by number
    },
    required=("order_number", "customer_external_id", "order_date"),
    references={"customer_external_id": "customer"},
    lines="sales_order_line",
    total="total_minor",
    checks=(
        pa.Check(lambda df: df["subtotal_minor"] + df["tax_minor"] == df["total_minor"],
                 name="order_total_equals_subtotal_plus_tax",
                 error="total_minor must equal subtotal_minor + tax_minor"),
        pa.Check(lambda df: df["total_minor"] >= 0, name="order_total_not_negative",
                 error="an order total must not be negative"),
    ),
    description="A customer's order; its lines are sales_order_line records.",
)
