"""Phase 2 as the vendors' own tools export it: a Salesforce Data Export and Shopify admin CSVs.

Hand-written beside a generated company's phase 1 files, in place of the hub-shaped crm/ and shop/
files: Salesforce object files named by API name with every field of the object (quoted, CRLF),
Shopify's newer customers export, a products export with a variant continuation row and an
image-only row, and an orders export with one row per line item: an order of two lines with
shipping, and an order by an email no customers export knows.
"""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd

SF_TS = "2025-03-01T12:00:00.000Z"
SHOP_TS = "2025-03-02 09:30:00 -0500"
# Fields every Salesforce object has, exported though the hub does not declare them.
_SYSTEM_FIELDS = {"IsDeleted": "false", "CreatedById": "005A0000001", "LastModifiedById": "005A0000001"}


def _write(path: Path, rows: list[dict], *, quote_all: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
        writer.writeheader()
        writer.writerows(rows)


def _sobject(path: Path, rows: list[dict]) -> None:
    _write(path, [{**r, **_SYSTEM_FIELDS, "CreatedDate": SF_TS, "LastModifiedDate": SF_TS, "SystemModstamp": SF_TS}
                  for r in rows], quote_all=True)


def _account(i: str, name: str, street: str, city: str, state: str, postcode: str, phone: str,
             parent: str = "") -> dict:
    return {"Id": i, "MasterRecordId": "", "Name": name, "Type": "Customer", "ParentId": parent,
            "BillingStreet": street, "BillingCity": city, "BillingState": state, "BillingPostalCode": postcode,
            "BillingCountry": "US", "BillingLatitude": "", "Phone": phone, "Fax": "", "AccountNumber": "",
            "Website": "", "Industry": "Retail", "AnnualRevenue": "", "NumberOfEmployees": "", "OwnerId": "005A0000001"}


def _salesforce(crm: Path, invoice: pd.Series) -> None:
    _sobject(crm / "Account.csv", [
        _account("001A", "Northwind Holdings Inc", "1 Market St", "San Francisco", "CA", "94105", "+1 415 555 0100"),
        _account("001B", "Blue Harbor Trading LLC", "77 Pier Rd", "Seattle", "WA", "98101", "+1 206 555 0177", "001A"),
        _account("001C", "Cedar Point Retail Corp", "9 Elm Ave", "Denver", "CO", "80202", "+1 303 555 0109", "001B")])
    _sobject(crm / "Contact.csv", [{
        "Id": "003A", "AccountId": "001B", "Salutation": "Ms.", "FirstName": "Ada", "LastName": "Lovelace",
        "Email": "ada@northwind.example", "Phone": "+1 415 555 0101", "MobilePhone": "", "Title": "AP Manager",
        "MailingStreet": "", "MailingCity": "", "MailingState": "", "MailingPostalCode": "", "MailingCountry": "US",
        "LeadSource": "Web"}])
    _sobject(crm / "Opportunity.csv", [{
        "Id": "006A", "AccountId": "001B", "Name": "Spring restock", "StageName": "Closed Won", "Amount": "26.00",
        "CurrencyIsoCode": invoice["currency"], "CloseDate": "2025-03-01", "Probability": "100", "IsWon": "true",
        "IsClosed": "true", "ForecastCategory": "Closed", "OwnerId": "005A0000001"}])
    _sobject(crm / "Product2.csv", [
        {"Id": "01tA", "Name": "Widget", "ProductCode": "AB-1001", "StockKeepingUnit": "AB-1001", "Family": "Hardware",
         "Description": "", "IsActive": "true", "QuantityUnitOfMeasure": "Each", "DisplayUrl": ""}])
    _sobject(crm / "Order.csv", [{
        "Id": "801A", "OwnerId": "005A0000001", "ContractId": "", "AccountId": "001C", "Pricebook2Id": "01sA",
        "OrderNumber": "00000100", "Status": "Activated", "EffectiveDate": "2025-03-01", "EndDate": "",
        "TotalAmount": "20.00", "CurrencyIsoCode": invoice["currency"], "Type": "",
        "Invoice_Number__c": invoice["invoice_number"], "Description": "", "BillingStreet": "9 Elm Ave"}])
    _sobject(crm / "OrderItem.csv", [{
        "Id": "802A", "Product2Id": "01tA", "OrderId": "801A", "PricebookEntryId": "01uA", "OrderItemNumber": "1",
        "Quantity": "2", "UnitPrice": "10.00", "ListPrice": "10.00", "TotalPrice": "20.00",
        "CurrencyIsoCode": invoice["currency"], "ServiceDate": "", "Description": ""}])


def _shopify(shop: Path) -> None:
    _write(shop / "customers_export.csv", [{
        "Customer ID": "'7001", "First Name": "Jane", "Last Name": "Doe", "Email": "Jane@Example.com",
        "Accepts Email Marketing": "yes", "Default Address Company": "", "Default Address Address1": "2 Main St",
        "Default Address Address2": "", "Default Address City": "Austin", "Default Address Province Code": "TX",
        "Default Address Country Code": "US", "Default Address Zip": "'78701", "Default Address Phone": "",
        "Phone": "", "Accepts SMS Marketing": "no", "Total Spent": "36.29", "Total Orders": "1", "Note": "",
        "Tax Exempt": "no", "Tags": "vip"}])
    product = {"Body (HTML)": "", "Vendor": "Acme", "Type": "Hardware", "Tags": "", "Published": "TRUE",
               "Variant Grams": "100", "Variant Inventory Qty": "5", "Variant Compare At Price": "",
               "Variant Barcode": "", "Image Src": "", "Status": "active"}
    _write(shop / "products_export.csv", [
        {"Handle": "widget", "Title": "Widget", "Option1 Name": "Title", "Option1 Value": "Default Title",
         **product, "Variant SKU": "ab 1001", "Variant Price": "19.90"},          # Salesforce's AB-1001, shop spelling
        {"Handle": "sprocket", "Title": "Sprocket", "Option1 Name": "Color", "Option1 Value": "Blue", **product,
         "Variant SKU": "CD-2001", "Variant Price": "5.00"},
        {"Handle": "sprocket", "Title": "", "Option1 Name": "", "Option1 Value": "Red", **product,
         "Vendor": "", "Type": "", "Published": "", "Status": "", "Variant SKU": "CD-2002", "Variant Price": "5.50"},
        {**dict.fromkeys(["Title", "Option1 Name", "Option1 Value", *product, "Variant SKU", "Variant Price"], ""),
         "Handle": "sprocket", "Image Src": "https://cdn.example/sprocket-2.png"}])
    blank_order = dict.fromkeys(["Financial Status", "Paid at", "Currency", "Subtotal", "Shipping", "Taxes",
                                 "Total", "Discount Amount", "Shipping Method", "Billing Name", "Refunded Amount",
                                 "Id", "Cancelled at"], "")

    def order(name, email, order_id, subtotal, shipping, taxes, total):
        return {**blank_order, "Name": name, "Email": email, "Financial Status": "paid", "Paid at": SHOP_TS,
                "Currency": "USD", "Subtotal": subtotal, "Shipping": shipping, "Taxes": taxes, "Total": total,
                "Discount Amount": "0.00", "Shipping Method": "Standard", "Billing Name": "Jane Doe",
                "Refunded Amount": "0.00", "Id": order_id}

    def line(quantity, item, price, sku):
        return {"Created at": SHOP_TS, "Lineitem quantity": quantity, "Lineitem name": item,
                "Lineitem price": price, "Lineitem sku": sku, "Lineitem requires shipping": "true", "Vendor": "Acme",
                "Lineitem discount": "0.00"}

    _write(shop / "orders_export.csv", [
        {**order("#1001", "jane@example.com", "5001", "29.90", "4.00", "2.39", "36.29"),
         **line("1", "Widget", "19.90", "ab 1001")},
        {**blank_order, "Name": "#1001", "Email": "jane@example.com",          # the order's second line
         **line("2", "Sprocket - Blue", "5.00", "CD-2001")},
        {**order("#1002", "walk-in@example.com", "5002", "5.50", "0.00", "0.00", "5.50"),
         **line("1", "Sprocket - Red", "5.50", "CD-2002")}])


def write_vendor_phase2(company: Path) -> dict:
    """Replace crm/ and shop/ under `company` with vendor-layout exports; return what a test follows."""
    invoice = pd.read_csv(company / "truth" / "invoice_payments.csv", dtype=str).iloc[0]
    for system in ("crm", "shop"):
        shutil.rmtree(company / system, ignore_errors=True)
    _salesforce(company / "crm", invoice)
    _shopify(company / "shop")
    return {"sf_order": "crm:801A", "shop_order": "shop:5001", "unknown_customer_order": "shop:5002",
            "shop_customer": "shop:7001", "invoice": invoice}
