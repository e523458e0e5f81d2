import pandera.pandas as pa

from integration_hub.canonical.registry import CURRENCY, CanonicalEntity, money, number, text

ENTITY = CanonicalEntity(
    "sales_order_line", "sales_order_lines",
    {
        "order_external_id": text(nullable=False),
        "line_number": text(nullable=False),
        "item_external_id": text(nullable=False),
        "sku": text(),
        "description": text(),
        "quantity": number(pa.Check.gt(0), nullable=False),
        "unit_price_minor": money(),
        "amount_minor": money(),
        "currency": CURRENCY,
    },
    required=("order_external_id", "item_external_id", "quantity"),
    references={"order_external_id": "sales_order", "item_external_id": "item"},
    parent="order_external_id",
    total="amount_minor",
    description="One line of a sales order: an item, a quantity and its amount.",
)
