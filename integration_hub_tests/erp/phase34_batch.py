"""A small canonical operations and people batch for the Acumatica and Tryton tests (phases 3 and 4): vendors with
masked tax ids and bank accounts, purchase orders with their lines, employees with their
managers, inventory levels, and fulfilments of the order batch's sales orders with their lines.
The plaintext the masks stand for is here only so tests can show it never reaches an ERP."""
from __future__ import annotations

import pandas as pd

from integration_hub_tests.erp.orders_batch import DAY, _ids

# What the masks hide: never sent, searched for in everything an ERP received.
PLAINTEXT = ("12-3456789", "DE89370400440532013000", "078-05-1120", "GB29NWBK60161331926819")


def vendor(external_id: str, name: str, tax_mask: str | None, bank_mask: str | None, **extra) -> dict:
    return {**_ids(external_id), "name": name, "tax_id_mask": tax_mask, "bank_account_mask": bank_mask,
            "email": "ap@supplier.example", "phone": "+14155550123", "address_line1": "9 Dock Rd",
            "address_line2": None, "city": "Oakland", "region": "CA", "postal_code": "94607", "country": "US",
            "currency": "USD", "payment_terms": "NET30", "status": "active", "created_at": DAY, **extra}


def vendors() -> pd.DataFrame:
    return pd.DataFrame([vendor("procurement:S-1", "Acme Parts", "**-***6789", "****3000"),
                         vendor("procurement:S-2", "Boxes & Co", None, "****6819", email=None, phone=None)])


def purchase_order(number: str, vendor_id: str, total: int, status: str = "issued") -> dict:
    return {**_ids(f"procurement:{number}"), "po_number": number, "vendor_external_id": vendor_id,
            "order_date": DAY, "status": status, "currency": "USD", "total_minor": total}


def purchase_orders() -> pd.DataFrame:
    return pd.DataFrame([purchase_order("PO-501", "procurement:S-1", 13_500),
                         purchase_order("PO-502", "procurement:S-2", 4_000)])


def po_line(number: str, n: int, item: str | None, description: str, quantity: float, unit: int,
            received: float = 0.0) -> dict:
    return {**_ids(f"procurement:{number}/L{n}"), "po_external_id": f"procurement:{number}", "line_number": str(n),
            "item_external_id": item, "description": description, "quantity": quantity,
            "quantity_received": received, "unit_price_minor": unit, "amount_minor": round(quantity * unit),
            "currency": "USD"}


def po_lines() -> pd.DataFrame:
    """Two lines for PO-501 (an item and a free-text freight line) and one for PO-502."""
    return pd.DataFrame([po_line("PO-501", 1, "shop:V-1", "Blue widgets", 10.0, 1_250),
                         po_line("PO-501", 2, None, "Freight", 1.0, 1_000),
                         po_line("PO-502", 1, None, "Shipping boxes", 40.0, 100)])


def employee(external_id: str, number: str, first: str, last: str, manager: str | None, **extra) -> dict:
    return {**_ids(external_id), "employee_number": number, "first_name": first, "last_name": last,
            "email": f"{first.lower()}@hub.example", "department": "OPS", "job_title": "Staff",
            "manager_external_id": manager, "status": "Active", "hire_date": DAY - pd.Timedelta(days=365),
            "termination_date": None, "ssn_mask": "***-**-1120", "bank_account_mask": "****6819", **extra}


def employees() -> pd.DataFrame:
    """A chief, her manager and his report, reports first (the target must reorder them)."""
    frame = pd.DataFrame([employee("hr:3", "E-003", "Rui", "Costa", "hr:2"),
                          employee("hr:2", "E-002", "Ben", "Okafor", "hr:1", job_title="Ops manager"),
                          employee("hr:1", "E-001", "Ana", "Silva", None, job_title="COO", department="EXEC",
                                   ssn_mask=None)])
    frame["termination_date"] = pd.to_datetime(frame["termination_date"], utc=True)
    return frame


def inventory_levels() -> pd.DataFrame:
    frame = pd.DataFrame([{**_ids("warehouse:INV-1"), "item_external_id": "shop:V-1", "location": "WH-EAST",
                           "quantity_on_hand": 12.0, "quantity_available": 12.0, "unit_cost_minor": 700,
                           "value_minor": 8_400, "currency": "USD", "as_of": DAY},
                          {**_ids("warehouse:INV-2"), "item_external_id": "shop:V-1", "location": "WH-WEST",
                           "quantity_on_hand": 3.0, "quantity_available": 3.0, "unit_cost_minor": 650,
                           "value_minor": 1_950, "currency": "USD", "as_of": DAY}])
    for column in ("unit_cost_minor", "value_minor"):
        frame[column] = frame[column].astype("Int64")
    return frame


def fulfilments() -> pd.DataFrame:
    return pd.DataFrame([{**_ids("warehouse:F-1"), "order_external_id": "shop:SO-1001", "location": "WH-EAST",
                          "status": "Completed", "fulfilled_at": DAY + pd.Timedelta(days=1), "carrier": "UPS",
                          "tracking_number": "1Z999AA10123456784"},
                         {**_ids("warehouse:F-2"), "order_external_id": "shop:SO-1002", "location": "WH-WEST",
                          "status": "Processing", "fulfilled_at": DAY + pd.Timedelta(days=2), "carrier": None,
                          "tracking_number": None}])


def fulfilment_lines() -> pd.DataFrame:
    def line(fulfilment: str, n: int, item: str, quantity: float) -> dict:
        return {**_ids(f"warehouse:{fulfilment}/L{n}"), "fulfilment_external_id": f"warehouse:{fulfilment}",
                "line_number": str(n), "item_external_id": item, "quantity": quantity}

    return pd.DataFrame([line("F-1", 1, "shop:V-1", 2.0), line("F-1", 2, "shop:V-2", 1.0),
                         line("F-2", 1, "shop:V-1", 2.0)])


# Load order after the order batch: what a record refers to loads first.
BATCH = (("vendor", vendors), ("purchase_order", purchase_orders), ("purchase_order_line", po_lines),
         ("employee", employees), ("inventory_level", inventory_levels), ("fulfilment", fulfilments),
         ("fulfilment_line", fulfilment_lines))
