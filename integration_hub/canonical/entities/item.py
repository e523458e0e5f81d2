from integration_hub.canonical.registry import (OPTIONAL_CURRENCY, CanonicalEntity, Field, money, one_of, text,
                                                timestamp)

ITEM_TYPES = ("inventory", "non_inventory", "service")

ENTITY = CanonicalEntity(
    "item", "items",
    {
        "sku": Field("text", nullable=False, indexed=True),   # standardized (standardize/sku.py)
        "name": text(nullable=False),
        "description": text(),
        "item_type": one_of(ITEM_TYPES),
        "unit_price_minor": money(nullable=True),
        "currency": OPTIONAL_CURRENCY,
        "active": one_of(["true", "false"]),
        "created_at": timestamp(),
    },
    required=("sku", "name"),
    description="A product or service sold, by SKU; products resolve into master items.",
)
