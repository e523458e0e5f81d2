"""Small hand-written exports of the phase 3 and 4 systems, in the columns their live connectors return.

Each record's fate is known: the warehouse ships shop order 1 (ShipBob's order `reference_id` is
the Shopify order id), and among many good records holds one line of quantity 0 and one negative
stock level, each breaking its rule (one bad record in FILLER + 1 stays within the 2% error budget).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from integration_hub_tests.defs.phase2_exports import _write

TS = "2026-02-01T10:00:00Z"
FILLER = 60
SHOP_ORDER = "shop:gid://shopify/Order/1"     # what the shop names its order 1 (defs/shop/orders.mapping.yaml)
VENDOR_VARIABLES = ("IH_SHIPBOB_TOKEN", "IH_SHIPBOB_BASE_URL", "IH_EASYPOST_API_KEY", "IH_EASYPOST_BASE_URL",
                    "IH_COUPA_INSTANCE_URL", "IH_COUPA_CLIENT_ID", "IH_COUPA_CLIENT_SECRET", "IH_BAMBOOHR_API_KEY",
                    "IH_BAMBOOHR_COMPANY", "IH_BAMBOOHR_BASE_URL",
                    "IH_BAMBOOHR_BANK_ACCOUNT_FIELD")


@pytest.fixture
def sources(hub_env, tmp_path, monkeypatch):
    """An empty export folder ($IH_SOURCE_DIR) outside the data folder, export mode for every vendor: the
    files are the run's inputs, so a scan of what the run wrote does not find their plaintext."""
    for name in VENDOR_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "sources"
    folder.mkdir()
    monkeypatch.setenv("IH_SOURCE_DIR", str(folder))
    return folder


def mapped(result, system: str, entity: str):
    return result.output_for_node(f"{system}__{entity}__mapped").set_index("external_id")


def quarantined(system: str, entity: str):
    from integration_hub.audit.store import HubStore
    from integration_hub.config import settings

    records = HubStore(settings().hub_db_url).quarantined()
    return records[(records["system"] == system) & (records["entity"] == entity)]


def write_warehouse(sources: Path) -> dict:
    folder = sources / "warehouse"
    level = {"inventory_id": "1001", "name": "Widget", "committed_quantity": "5", "awaiting_quantity": "0",
             "internal_transfer_quantity": "0"}
    _write(folder / "inventory_levels.csv", [
        {"id": "1001@228", "sku": "ab 1001", "location_id": "228", "location_name": "Moreno Valley (CA)",
         "on_hand_quantity": "90", "fulfillable_quantity": "85", **level},
        {"id": "1001@101", "sku": "ab 1001", "location_id": "101", "location_name": "Cicero (IL)",
         "on_hand_quantity": "-3", "fulfillable_quantity": "0", **level},        # negative stock: refused
        *({"id": f"{n}@228", "sku": f"FILL-{n}", "location_id": "228", "location_name": "Moreno Valley (CA)",
           "on_hand_quantity": "1", "fulfillable_quantity": "1", **level, "inventory_id": str(n)}
          for n in range(FILLER))])
    _write(folder / "shipments.csv", [{
        "id": "90001", "order_id": "5001", "order_number": "#1001", "order_reference_id": "1", "status": "Completed",
        "location_id": "228", "location_name": "Moreno Valley (CA)", "carrier": "USPS",
        "tracking_number": "9400100000000000000001", "invoice_amount": "7.77", "invoice_currency_code": "USD",
        "created_date": TS, "actual_fulfillment_date": TS, "last_update_at": TS}])
    line = {"shipment_id": "90001", "order_id": "5001", "product_id": "77", "reference_id": "77", "name": "Widget",
            "last_update_at": TS}
    _write(folder / "shipment_lines.csv", [
        {"id": "90001-77-1001", "sku": "ab 1001", "inventory_id": "1001", "quantity": "2", **line},
        {"id": "90001-77-1002", "sku": "CD-2001", "inventory_id": "1002", "quantity": "0", **line},   # nothing shipped
        *({**line, "id": f"90002-{n}-{n}", "shipment_id": "90002", "sku": f"FILL-{n}", "inventory_id": str(n),
           "quantity": "1"} for n in range(FILLER))])
    return {"order": SHOP_ORDER, "fulfilment": "warehouse:90001", "bad_line": "90001-77-1002",
            "bad_level": "1001@101"}


SUPPLIER_TAX_ID, SUPPLIER_BANK_ACCOUNT = "31-1234567", "000987654321"


def write_procurement(sources: Path) -> dict:
    """One supplier and its order 10: a line in euros received in part, one priced finer than a cent."""
    folder = sources / "procurement"
    _write(folder / "suppliers.csv", [{
        "id": "7", "name": "acme industrial supply inc", "number": "S-0007", "status": "Active",
        "payment_term": "Net 30", "email": "AP@Acme.example", "tax_id": SUPPLIER_TAX_ID,
        "address_line1": "100 Industrial Pkwy", "address_line2": "", "city": "Dayton", "region": "OH",
        "postal_code": "45402", "country": "US", "remit_to_code": "R1", "bank_account": SUPPLIER_BANK_ACCOUNT,
        "created_at": TS, "updated_at": TS}])
    _write(folder / "purchase_orders.csv", [{
        "id": "10", "po_number": "PO10", "status": "issued", "supplier_id": "7",
        "supplier_name": "Acme Industrial Supply", "currency": "EUR", "version": "1", "total": "80.12",
        "created_at": TS, "updated_at": TS}])
    line = {"order_id": "10", "item_id": "55", "uom": "EA", "currency": "EUR", "updated_at": TS}
    _write(folder / "purchase_order_lines.csv", [
        {"id": "1000", "line_num": "1", "description": "Widget", "part_number": "W-1", "quantity": "3.0",
         "price": "19.90", "total": "59.70", "received": "1.0", **line},
        {"id": "1001", "line_num": "2", "description": "Bolt", "part_number": "B-1", "quantity": "1000",
         "price": "0.015", "total": "15.00", "received": "", **line},        # a price finer than a cent: refused
        *({"id": str(2000 + n), "line_num": str(3 + n), "description": "Filler", "part_number": "", "quantity": "1",
           "price": "1.00", "total": "1.00", "received": "0", **line} for n in range(FILLER))])
    return {"vendor": "procurement:7", "order": "procurement:10", "line": "procurement:1000", "bad_line": "1001"}


def write_shipping(sources: Path) -> dict:
    """A label bought for shop order 1 (`reference` is the Shopify order id), and one rated in another
    currency than EasyPost's fees."""
    shipment = {"status": "delivered", "carrier": "USPS", "service": "Priority", "rate_currency": "USD",
                "label_fee_minor": "1", "postage_fee_minor": "758", "insurance_fee_minor": "0", "fee_currency": "USD",
                "tracker_id": "", "created_at": TS, "updated_at": TS}
    _write(sources / "shipping" / "shipments.csv", [
        {**shipment, "id": "shp_1", "reference": "1", "tracking_code": "9400111", "rate_minor": "758"},
        {**shipment, "id": "shp_cad", "reference": "2", "tracking_code": "9400222", "rate_minor": "1210",
         "rate_currency": "CAD"},                                   # CAD postage, USD fees: refused
        *({**shipment, "id": f"shp_f{n}", "reference": str(100 + n), "tracking_code": f"94{n:05d}", "rate_minor": "500"}
          for n in range(FILLER))])
    return {"order": SHOP_ORDER, "shipment": "shipping:shp_1", "bad": "shp_cad"}


def write_operations(sources: Path) -> dict:
    """Every phase 3 system's exports (the phase's job reads them all), each system's ids by name."""
    return {"warehouse": write_warehouse(sources), "procurement": write_procurement(sources),
            "shipping": write_shipping(sources)}


SSN, BANK_ACCOUNT, SALARY = "536-90-4718", "000123456789", "123456.78"
PEOPLE = 250     # two held records among PEOPLE + 2 stay within the people phase's 1% budget


def write_hr(sources: Path) -> dict:
    """A manager and her report, who carries an SSN, a bank account and a salary; one record with no last name,
    and one deleted in BambooHR (the change feed's row: the id and `deleted`, nothing else)."""
    def employee(i: str, first: str, last: str, **fields) -> dict:
        return {"id": i, "employeeNumber": f"E{i}", "firstName": first, "lastName": last,
                "displayName": f"{first} {last}", "workEmail": f"{first.lower()}@example.com", "jobTitle": "Clerk",
                "department": "Finance", "division": "", "location": "Austin", "status": "Active",
                "hireDate": "2020-01-15", "terminationDate": "0000-00-00", "supervisorEId": "", "supervisor": "",
                "payType": "Salary", "payPer": "Year", "ssn": "", "payRate": "", "bankAccount": "",
                "lastChanged": TS, "deleted": "false", **fields}
    _write(sources / "hr" / "employees.csv", [
        employee("1", "Grace", "Hopper", jobTitle="Controller"),
        employee("2", "Ada", "Lovelace", supervisorEId="1", supervisor="Hopper, Grace", ssn=SSN,
                 bankAccount=BANK_ACCOUNT, payRate=f"{SALARY} USD"),
        employee("3", "Nobody", ""),                                                   # no last name: refused
        {**{k: "" for k in employee("4", "", "")}, "id": "4", "deleted": "true"},     # deleted in BambooHR
        *(employee(str(100 + n), "Filler", f"Person{n}") for n in range(PEOPLE))])
    return {"manager": "hr:1", "report": "hr:2", "bad": "3", "deleted": "4"}
