"""Canonical items as Tryton products.

An item is a product.template with one variant (product.product): the variant's code is the
SKU and its identifier (a product.identifier without type) the item's external id, which is how
the hub finds it again. inventory items are goods, non_inventory items consumable goods (Tryton
lets those move regardless of stock), service items services. The unit price is the template's
list price, which Tryton holds in the company currency: an item priced in another currency is
refused. Items are salable, sold in the decimal unit bootstrap adds, and in the "Hub items"
account category, so a sale of them can be invoiced.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from integration_hub.erp.tryton.books import Books, major, text

TYPES = {"inventory": ("goods", False), "non_inventory": ("goods", True), "service": ("service", False)}
ITEM_TYPES = {tryton: item for item, tryton in TYPES.items()}


def item_ids(books: Books, external_ids) -> dict[str, int]:
    """external id -> product.product id of the items Tryton holds, inactive ones included."""
    ids = sorted({i for i in external_ids if isinstance(i, str)})
    found = books.search_read("product.identifier", [("code", "in", ids), ("type", "=", None)], ["code", "product"],
                              inactive=True)
    return {r["code"]: r["product"] for r in found}


def refusal(row: dict, company_currency: str) -> str | None:
    """Why Tryton cannot hold this item as it is, or None."""
    currency = text(row["currency"])
    if currency and currency != company_currency and not pd.isna(row["unit_price_minor"]):
        return (f"item {row['external_id']}: its price is in {currency}, and Tryton holds a product's list price "
                f"in the company currency {company_currency}; currency.is_company_currency")
    return None


def template_values(books: Books, row: dict) -> dict[str, Any]:
    kind, consumable = TYPES[row["item_type"]]
    price = row["unit_price_minor"]
    return {"name": row["name"], "type": kind, "consumable": consumable, "salable": True,
            "default_uom": books.unit, "sale_uom": books.unit, "account_category": books.item_category,
            "list_price": None if pd.isna(price) else major(price, books.company_currency),
            "active": row["active"] == "true"}


def variant_values(row: dict) -> dict[str, Any]:
    return {"suffix_code": row["sku"], "description": text(row["description"])}


def new_item(books: Books, row: dict) -> dict[str, Any]:
    variant = {**variant_values(row), "identifiers": [("create", [{"code": row["external_id"]}])]}
    return {**template_values(books, row), "products": [("create", [variant])]}


def rewrite_item(pool, product_id: int, template: dict, variant: dict) -> int:
    """Write a changed item onto its product, in a Tryton transaction; returns the template id.

    Tryton lets a deactivated product only be reactivated, so the product is active while it is
    written and deactivated again after when the item is inactive."""
    Product, Template = pool.get("product.product"), pool.get("product.template")
    product = Product(product_id)
    held = product.template
    Template.write([held], {"active": True})
    Template.write([held], {k: v for k, v in template.items() if k != "active"})
    Product.write([product], variant)
    if not template["active"]:
        Template.write([held], {"active": False})
    return held.id
