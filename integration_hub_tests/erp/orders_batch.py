"""A small canonical order-to-cash batch for ERP adapters: a customer hierarchy, items of each
type, sales orders with lines, a refund, contacts and opportunities."""
from __future__ import annotations

import pandas as pd

DAY = pd.Timestamp("2025-04-01", tz="UTC")


def _ids(external_id: str) -> dict:
    system, source_id = external_id.split(":", 1)
    return {"external_id": external_id, "source_system": system, "source_id": source_id}


def customer(external_id: str, name: str, parent: str | None = None, country: str = "US") -> dict:
    return {**_ids(external_id), "name": name, "email": None, "phone": None, "address_line1": "1 Main St",
            "address_line2": None, "city": "Springfield", "region": "IL", "postal_code": "62701",
            "country": country, "currency": "USD", "created_at": DAY, "parent_external_id": parent}


def hierarchy() -> pd.DataFrame:
    """Grandparent, parent and child accounts plus a stand-alone one, parents first."""
    return pd.DataFrame([customer("crm:ACC-HOLD", "Umbrella Holdings"),
                         customer("crm:ACC-EU", "Umbrella Europe", parent="crm:ACC-HOLD", country="DE"),
                         customer("crm:ACC-DE", "Umbrella Berlin", parent="crm:ACC-EU", country="DE"),
                         customer("shop:C-77", "Walk-in Buyer")])


def item(external_id: str, sku: str, name: str, item_type: str, price: int | None, active: str = "true") -> dict:
    return {**_ids(external_id), "sku": sku, "name": name, "description": f"{name} ({item_type})",
            "item_type": item_type, "unit_price_minor": price, "currency": "USD", "active": active,
            "created_at": DAY}


def items() -> pd.DataFrame:
    frame = pd.DataFrame([item("shop:V-1", "WIDGET-BLUE", "Blue widget", "inventory", 1_250),
                          item("shop:V-2", "GIFT-WRAP", "Gift wrapping", "non_inventory", 300, active="false"),
                          item("crm:P-9", "SETUP-FEE", "Setup service", "service", 10_000)])
    frame["unit_price_minor"] = frame["unit_price_minor"].astype("Int64")
    return frame


def order(number: str, customer_id: str, subtotal: int, tax: int, status: str = "PAID") -> dict:
    return {**_ids(f"shop:{number}"), "order_number": number, "customer_external_id": customer_id,
            "order_date": DAY, "status": status, "currency": "USD", "subtotal_minor": subtotal,
            "tax_minor": tax, "total_minor": subtotal + tax, "invoice_ref": None}


def orders() -> pd.DataFrame:
    return pd.DataFrame([order("SO-1001", "crm:ACC-DE", 15_300, 1_224),
                         order("SO-1002", "shop:C-77", 2_500, 0, status="pending")])


def line(order_number: str, n: int, item_id: str, sku: str, quantity: float, unit: int) -> dict:
    return {**_ids(f"shop:{order_number}/L{n}"), "order_external_id": f"shop:{order_number}", "line_number": str(n),
            "item_external_id": item_id, "sku": sku, "description": f"{sku} x {quantity:g}", "quantity": quantity,
            "unit_price_minor": unit, "amount_minor": round(quantity * unit), "currency": "USD"}


def lines() -> pd.DataFrame:
    """Three lines for SO-1001 (adding up to its subtotal) and one for SO-1002."""
    return pd.DataFrame([line("SO-1001", 1, "shop:V-1", "WIDGET-BLUE", 2.0, 1_250),
                         line("SO-1001", 2, "shop:V-2", "GIFT-WRAP", 1.0, 300),
                         line("SO-1001", 3, "crm:P-9", "SETUP-FEE", 1.25, 10_000),
                         line("SO-1002", 1, "shop:V-1", "WIDGET-BLUE", 2.0, 1_250)])


def refunds() -> pd.DataFrame:
    return pd.DataFrame([{**_ids("shop:RF-1"), "order_external_id": "shop:SO-1001",
                          "refunded_at": DAY + pd.Timedelta(days=3), "amount_minor": -1_250, "currency": "USD",
                          "reason": "damaged in transit"}])


def contacts() -> pd.DataFrame:
    return pd.DataFrame([{**_ids("crm:CT-1"), "customer_external_id": "crm:ACC-DE", "first_name": "Ada",
                          "last_name": "Lovelace", "email": "ada@umbrella.example", "phone": "+4930123456",
                          "title": "Head of Purchasing", "created_at": DAY},
                         {**_ids("crm:CT-2"), "customer_external_id": "crm:ACC-HOLD", "first_name": None,
                          "last_name": "Wesker", "email": None, "phone": None, "title": None, "created_at": DAY}])


def opportunities() -> pd.DataFrame:
    frame = pd.DataFrame([{**_ids("crm:OP-1"), "customer_external_id": "crm:ACC-EU", "name": "EU rollout",
                           "stage": "Proposal", "status": "open", "amount_minor": 4_500_000, "currency": "USD",
                           "close_date": DAY + pd.Timedelta(days=60), "probability": 40.0, "created_at": DAY},
                          {**_ids("crm:OP-2"), "customer_external_id": "crm:ACC-HOLD", "name": "Renewal",
                           "stage": "Closed Won", "status": "won", "amount_minor": None, "currency": None,
                           "close_date": None, "probability": 100.0, "created_at": DAY}])
    frame["amount_minor"] = frame["amount_minor"].astype("Int64")
    return frame


# Load order: what a record refers to loads first.
BATCH = (("customer", hierarchy), ("item", items), ("sales_order", orders), ("sales_order_line", lines),
         ("order_refund", refunds), ("contact", contacts), ("opportunity", opportunities))
