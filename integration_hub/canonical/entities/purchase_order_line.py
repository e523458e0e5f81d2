import pandera.pandas as pa

from integration_hub.canonical.registry import CURRENCY, CanonicalEntity, money, number, text

ENTITY = CanonicalEntity(
    "purchase_order_line", "purchase_order_lines",
    {
        "po_external_id": text(nullable=False),
        "line_number": text(nullable=False),
        "item_external_id": text(),          # none for a free-text line (services, freight)
        "description": text(),
        "quantity": number(pa.Check.gt(0), nullable=False),
        "quantity_received": number(pa.Check.ge(0)),
        "unit_price_minor": money(),
        "amount_minor": money(),
        "currency": CURRENCY,
    },
    required=("po_external_id", "line_number", "quantity"),
    references={"po_external_id": "purchase_order", "item_external_id": "item"},
    parent="po_external_id",
    total="amount_minor",
    description="One line of a purchase order: an item or a description, ordered and received quantities.",
)
