"""A small canonical procure-to-ship batch for ERP adapters: vendors, purchase orders with
lines, employees with their managers, stock levels, fulfilments with lines and shipments, on
top of the order-to-cash batch's customers, items and sales orders."""
from __future__ import annotations

import pandas as pd

from integration_hub.canonical import registry
from integration_hub_tests.erp import orders_batch

DAY = pd.Timestamp("2025-05-05", tz="UTC")
_ids = orders_batch._ids


def vendor(external_id: str, name: str, **values) -> dict:
    return {**_ids(external_id), "name": name, "tax_id_mask": None, "bank_account_mask": None, "email": None,
            "phone": None, "address_line1": None, "address_line2": None, "city": None, "region": None,
            "postal_code": None, "country": None, "currency": None, "payment_terms": None, "status": "active",
            "created_at": DAY, **values}


def vendors() -> pd.DataFrame:
    return pd.DataFrame([vendor("procurement:V-1", "Widgets Wholesale Inc", tax_id_mask="**-***6789",
                                bank_account_mask="****4321", email="ar@widgets.example", phone="+13125550100",
                                address_line1="9 Dock Rd", city="Chicago", region="IL", postal_code="60601",
                                country="US", currency="USD", payment_terms="Net 30"),
                         vendor("procurement:V-2", "Tokyo Parts KK", currency="JPY", status="pending")])


def purchase_order(number: str, vendor_id: str, currency: str, total: int, status: str = "approved") -> dict:
    return {**_ids(f"procurement:{number}"), "po_number": number, "vendor_external_id": vendor_id,
            "order_date": DAY, "status": status, "currency": currency, "total_minor": total}


def purchase_orders() -> pd.DataFrame:
    return pd.DataFrame([purchase_order("PO-1", "procurement:V-1", "USD", 25_000 + 4_999),
                         purchase_order("PO-2", "procurement:V-2", "JPY", 150_000)])


def po_line(number: str, n: int, item_id, quantity: float, unit: int, currency: str, received=None,
            description=None) -> dict:
    return {**_ids(f"procurement:{number}/{n}"), "po_external_id": f"procurement:{number}", "line_number": str(n),
            "item_external_id": item_id, "description": description, "quantity": quantity,
            "quantity_received": received, "unit_price_minor": unit, "amount_minor": round(quantity * unit),
            "currency": currency}


def po_lines() -> pd.DataFrame:
    """PO-1: an item line and a free-text freight line; PO-2: one item line in yen."""
    return pd.DataFrame([po_line("PO-1", 1, "shop:V-1", 20.0, 1_250, "USD", received=5.0),
                         po_line("PO-1", 2, None, 1.0, 4_999, "USD", description="Inbound freight"),
                         po_line("PO-2", 1, "shop:V-1", 100.0, 1_500, "JPY", received=0.0)])


def employee(n: int, last: str, manager: int | None, title: str, department: str = "Operations") -> dict:
    return {**_ids(f"hr:{n}"), "employee_number": f"E-{n:04d}", "first_name": "Pat", "last_name": last,
            "email": f"{last.lower()}@hub.example", "department": department, "job_title": title,
            "manager_external_id": None if manager is None else f"hr:{manager}", "status": "Active",
            "hire_date": DAY - pd.Timedelta(days=400 * n), "termination_date": None,
            "ssn_mask": f"***-**-{1000 + n}", "bank_account_mask": f"****{2000 + n}"}


def employees() -> pd.DataFrame:
    """A reporting chain listed people first, managers last: CEO <- VP <- engineer, and a peer."""
    frame = pd.DataFrame([employee(3, "Engineer", 2, "Engineer", department="Engineering"),
                          employee(4, "Analyst", 1, "Analyst", department="Finance"),
                          employee(2, "Vice", 1, "VP Operations"),
                          employee(1, "Chief", None, "CEO")])
    frame["termination_date"] = pd.to_datetime(frame["termination_date"], utc=True)
    return frame


def stock(n: int, location: str, quantity: float, cost: int | None, currency: str | None = "USD") -> dict:
    return {**_ids(f"warehouse:STK-{n}"), "item_external_id": "shop:V-1", "location": location,
            "quantity_on_hand": quantity, "quantity_available": quantity - 1, "unit_cost_minor": cost,
            "value_minor": None if cost is None else round(quantity * cost), "currency": currency,
            "as_of": DAY + pd.Timedelta(hours=6, minutes=30, seconds=15)}


def stock_levels() -> pd.DataFrame:
    frame = pd.DataFrame([stock(1, "Chicago DC", 120.0, 733), stock(2, "Reno DC", 7.5, 733),
                          stock(3, "Wilmington DC", 3.0, None, currency=None)])
    for column in ("unit_cost_minor", "value_minor"):
        frame[column] = frame[column].astype("Int64")
    return frame


def fulfilment(n: int, order: str, status: str = "Completed") -> dict:
    return {**_ids(f"warehouse:F-{n}"), "order_external_id": f"shop:{order}", "location": "Chicago DC",
            "status": status, "fulfilled_at": DAY + pd.Timedelta(hours=14, minutes=5, seconds=9),
            "carrier": "UPS", "tracking_number": f"1Z999AA1012345678{n}"}


def fulfilments() -> pd.DataFrame:
    return pd.DataFrame([fulfilment(1, "SO-1001"), fulfilment(2, "SO-1002", status="Processing")])


def fulfilment_line(n: int, line: int, item_id: str, quantity: float) -> dict:
    return {**_ids(f"warehouse:F-{n}/{line}"), "fulfilment_external_id": f"warehouse:F-{n}",
            "line_number": str(line), "item_external_id": item_id, "quantity": quantity}


def fulfilment_lines() -> pd.DataFrame:
    return pd.DataFrame([fulfilment_line(1, 1, "shop:V-1", 2.0), fulfilment_line(1, 2, "shop:V-2", 1.0),
                         fulfilment_line(2, 1, "shop:V-1", 1.0)])


def shipments() -> pd.DataFrame:
    shipped = DAY + pd.Timedelta(hours=16, minutes=45)
    frame = pd.DataFrame([
        {**_ids("shipping:shp_1"), "order_external_id": "shop:SO-1001", "carrier": "UPS", "service": "Ground",
         "tracking_number": "1Z999AA10123456781", "status": "delivered", "shipped_at": shipped,
         "delivered_at": shipped + pd.Timedelta(days=2, seconds=7), "label_cost_minor": 1_234,
         "freight_cost_minor": 560, "currency": "USD"},
        {**_ids("shipping:shp_2"), "order_external_id": "shop:SO-1002", "carrier": "USPS", "service": None,
         "tracking_number": None, "status": "pre_transit", "shipped_at": None, "delivered_at": None,
         "label_cost_minor": 99, "freight_cost_minor": None, "currency": "USD"}])
    frame["freight_cost_minor"] = frame["freight_cost_minor"].astype("Int64")
    for column in ("shipped_at", "delivered_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


# Load order: what a record refers to loads first.
BATCH = (*orders_batch.BATCH[:4], ("vendor", vendors), ("purchase_order", purchase_orders),
         ("purchase_order_line", po_lines), ("employee", employees), ("inventory_level", stock_levels),
         ("fulfilment", fulfilments), ("fulfilment_line", fulfilment_lines), ("shipment", shipments))
NEW = tuple(entity for entity, _ in BATCH[4:])


def load_all(target, run: str = "run-1") -> dict[str, pd.DataFrame]:
    """Every entity of the batch in load order, each document with its lines as load_entity gives them."""
    batch = dict(BATCH)
    out = {}
    for entity, build in BATCH:
        lines = registry.get(entity).lines
        out[entity] = target.upsert_with_lines(entity, build(), batch[lines](), run_id=run, mapping_version="test@v1") \
            if lines else target.upsert(entity, build(), run_id=run, mapping_version="test@v1")
    return out
