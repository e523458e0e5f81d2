"""A small Salesforce org and Shopify store, written beside a generated company's phase 1 files.

Hand-written so each record's fate is known: a three-level account hierarchy, one Salesforce
order billed by a real billing invoice, a product both systems sell under two spellings of its
SKU, an order line for a product no system has, a refund larger than its order, and an order
exported twice.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

SF_TS = "2025-03-01T12:00:00.000+0000"
SHOP_TS = "2025-03-02T09:30:00Z"


def _write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _account(i: str, name: str, street: str, city: str, state: str, postcode: str, phone: str,
             parent: str = "") -> dict:
    return {"Id": i, "Name": name, "ParentId": parent, "Type": "Customer", "Industry": "Retail",
            "Phone": phone, "Website": "", "BillingStreet": street, "BillingCity": city,
            "BillingState": state, "BillingPostalCode": postcode, "BillingCountry": "US", "AnnualRevenue": "",
            "CreatedDate": SF_TS, "LastModifiedDate": SF_TS, "SystemModstamp": SF_TS}


def write_phase2(company: Path) -> dict:
    """Write crm/ and shop/ exports under `company`; return the ids a test follows."""
    invoice = pd.read_csv(company / "truth" / "invoice_payments.csv", dtype=str).iloc[0]
    crm, shop = company / "crm", company / "shop"
    # Three companies of one group: different names, addresses and phones (not duplicates).
    _write(crm / "accounts.csv", [
        _account("001A", "Northwind Holdings Inc", "1 Market St", "San Francisco", "CA", "94105", "+1 415 555 0100"),
        _account("001B", "Blue Harbor Trading LLC", "77 Pier Rd", "Seattle", "WA", "98101", "+1 206 555 0177", "001A"),
        _account("001C", "Cedar Point Retail Corp", "9 Elm Ave", "Denver", "CO", "80202", "+1 303 555 0109",
                 "001B")])
    _write(crm / "contacts.csv", [{
        "Id": "003A", "AccountId": "001B", "FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@northwind.example",
        "Phone": "+1 415 555 0101", "Title": "AP Manager", "MailingStreet": "", "MailingCity": "", "MailingState": "",
        "MailingPostalCode": "", "MailingCountry": "US", "CreatedDate": SF_TS, "SystemModstamp": SF_TS}])
    _write(crm / "opportunities.csv", [{
        "Id": "006A", "AccountId": "001B", "Name": "Spring restock", "StageName": "Closed Won", "Amount": "26.00",
        "CurrencyIsoCode": invoice["currency"], "CloseDate": "2025-03-01", "Probability": "100", "IsWon": "true",
        "IsClosed": "true", "CreatedDate": SF_TS, "SystemModstamp": SF_TS}])
    _write(crm / "products.csv", [
        {"Id": "01tA", "Name": "Widget", "ProductCode": "AB-1001", "StockKeepingUnit": "AB-1001", "Family": "Hardware",
         "Description": "", "IsActive": "true", "CreatedDate": SF_TS, "SystemModstamp": SF_TS},
        {"Id": "01tB", "Name": "Gadget", "ProductCode": "AB-1002", "StockKeepingUnit": "", "Family": "Hardware",
         "Description": "", "IsActive": "true", "CreatedDate": SF_TS, "SystemModstamp": SF_TS}])
    _write(crm / "orders.csv", [{
        "Id": "801A", "AccountId": "001C", "OrderNumber": "00000100", "Status": "Activated",
        "EffectiveDate": "2025-03-01", "TotalAmount": "26.00", "CurrencyIsoCode": invoice["currency"],
        "Invoice_Number__c": invoice["invoice_number"], "Description": "", "CreatedDate": SF_TS,
        "SystemModstamp": SF_TS}])
    line = {"OrderId": "801A", "Description": "", "CreatedDate": SF_TS, "SystemModstamp": SF_TS,
            "CurrencyIsoCode": invoice["currency"]}
    _write(crm / "order_items.csv", [
        {"Id": "802A", "Product2Id": "01tA", "OrderItemNumber": "1", "Quantity": "2", "UnitPrice": "10.00",
         "TotalPrice": "20.00", **line},
        {"Id": "802B", "Product2Id": "01tB", "OrderItemNumber": "2", "Quantity": "1.5", "UnitPrice": "4.00",
         "TotalPrice": "6.00", **line},
        {"Id": "802X", "Product2Id": "01tZZ", "OrderItemNumber": "3", "Quantity": "1", "UnitPrice": "1.00",
         "TotalPrice": "1.00", **line}])       # a product no system has

    gid = "gid://shopify/{}/{}".format
    _write(shop / "customers.csv", [{
        "id": gid("Customer", 1), "firstName": "Jane", "lastName": "Doe", "email": "jane@example.com",
        "phone": "", "company": "", "address1": "2 Main St", "address2": "", "city": "Austin", "provinceCode": "TX",
        "countryCode": "US", "zip": "78701", "createdAt": SHOP_TS, "updatedAt": SHOP_TS}])
    variant = {"productId": gid("Product", 1), "barcode": "", "currencyCode": "USD", "createdAt": SHOP_TS,
               "updatedAt": SHOP_TS}
    _write(shop / "variants.csv", [
        {"id": gid("ProductVariant", 1), "productTitle": "Widget", "title": "Default", "sku": "ab 1001",
         "price": "19.90", **variant},      # the Salesforce AB-1001, spelled the shop's way
        {"id": gid("ProductVariant", 2), "productTitle": "Sprocket", "title": "Blue", "sku": "CD-2001",
         "price": "5.00", **variant}])
    order = {"id": gid("Order", 1), "name": "#1001", "email": "jane@example.com", "customerId": gid("Customer", 1),
             "createdAt": SHOP_TS, "updatedAt": SHOP_TS, "processedAt": SHOP_TS, "cancelledAt": "",
             "currencyCode": "USD", "subtotal": "29.90", "totalTax": "2.39", "total": "32.29",
             "totalRefunded": "5.00", "displayFinancialStatus": "PARTIALLY_REFUNDED", "invoiceNumber": ""}
    _write(shop / "orders.csv", [order, order])                      # exported twice
    lines = {"orderId": gid("Order", 1), "currencyCode": "USD"}
    _write(shop / "order_lines.csv", [
        {"id": gid("LineItem", 1), "sku": "ab 1001", "name": "Widget", "quantity": "1", "originalUnitPrice": "19.90",
         "discountedTotal": "19.90", "variantId": gid("ProductVariant", 1), **lines},
        {"id": gid("LineItem", 2), "sku": "CD-2001", "name": "Sprocket", "quantity": "2", "originalUnitPrice": "5.00",
         "discountedTotal": "10.00", "variantId": gid("ProductVariant", 2), **lines}])
    refund = {"orderId": gid("Order", 1), "createdAt": SHOP_TS, "currencyCode": "USD", "note": ""}
    _write(shop / "refunds.csv", [{"id": gid("Refund", 1), "amount": "5.00", **refund},
                                  {"id": gid("Refund", 2), "amount": "100.00", **refund}])   # more than the order
    return {"invoice": invoice, "sf_order": "crm:801A", "shop_order": "shop:" + gid("Order", 1),
            "accounts": ("crm:001A", "crm:001B", "crm:001C"), "unknown_line": "crm:802X",
            "big_refund": "shop:" + gid("Refund", 2)}
