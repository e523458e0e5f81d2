import pandera.pandas as pa

from integration_hub.canonical.registry import OPTIONAL_CURRENCY, CanonicalEntity, money, number, text, timestamp

ENTITY = CanonicalEntity(
    "inventory_level", "inventory_levels",
    {
        "item_external_id": text(nullable=False),
        "location": text(nullable=False),
        "quantity_on_hand": number(pa.Check.ge(0), nullable=False),
        "quantity_available": number(),
        "unit_cost_minor": money(nullable=True),
        "value_minor": money(nullable=True),   # quantity on hand x unit cost, what the ERP's stock is worth
        "currency": OPTIONAL_CURRENCY,
        "as_of": timestamp(nullable=False),
    },
    required=("item_external_id", "location", "quantity_on_hand", "as_of"),
    references={"item_external_id": "item"},
    total="value_minor",
    description="Stock of one item at one warehouse location at a point in time.",
)
