"""Shopify's admin CSV exports (Customers / Products / Orders > Export), read as the shop entities.

Layouts (Shopify Help Center, "Using CSV files to import and export customers" and "Using CSV
files to import and export products", with their sample templates; public copies of the
headers, e.g. tramyardg/magento2ShopifyCSV src/customers/header.js for the older customers file):
- customers_export.csv, older: First Name,Last Name,Email,Company,Address1,Address2,City,
  Province,Province Code,Country,Country Code,Zip,Phone,Accepts Marketing,Total Spent,
  Total Orders,Tags,Note,Tax Exempt. No customer id: the email (lower case) is the id.
- customers_export.csv, newer: Customer ID,First Name,Last Name,Email,Accepts Email Marketing,
  Default Address Company,Default Address Address1,Default Address Address2,Default Address City,
  Default Address Province Code,Default Address Country Code,Default Address Zip,
  Default Address Phone,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,Tax Exempt,Tags.
  Neither layout has a creation or update date: createdAt and updatedAt are blank.
- products_export.csv: one row per variant, Handle,Title,Body (HTML),Vendor,...,Option1 Name,
  Option1 Value,...,Variant SKU,Variant Grams,...,Variant Price,Variant Compare At Price,...,
  Variant Barcode,Image Src,...,Status. A product's later variant rows leave Title blank and
  repeat only Handle; rows that carry only a further image (no option, SKU or price) are not
  variants and are not read. No variant id: the SKU names the variant ("sku:<SKU>"), which is
  also how the orders export names a line's variant. No currency either: prices are in the
  store's currency, taken from the orders export beside it when it names exactly one.
- orders_export.csv: see shopify_orders.
Shopify names a download customers_export.csv or customers_export_1.csv; either is found. The
hub's own file (customers.csv, ...) is read instead when it is present.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from integration_hub.connectors.exports import (ROW, ExportFileError, ExportRead, UnreadableExport, read_export,
                                                 stamp)
from integration_hub.connectors.extractors import Extraction, refused_file
from integration_hub.connectors.vendor_exports import shopify_orders
from integration_hub.connectors.vendor_exports.files import find_file, find_matching, header_of
from integration_hub.connectors.vendor_exports.shopify_orders import email_key, unguard
from integration_hub.mapping.systems import EntityDeclaration

CUSTOMERS, PRODUCTS, ORDERS = "customers_export", "products_export", "orders_export"
LAYOUTS = {CUSTOMERS: ("First Name", "Last Name", "Email"),
           PRODUCTS: ("Handle", "Title", "Variant SKU", "Variant Price"),
           ORDERS: shopify_orders.LAYOUT}
SOURCE = {"customers": CUSTOMERS, "variants": PRODUCTS, "orders": ORDERS, "order_lines": ORDERS,
          "refunds": ORDERS}
NEW_CUSTOMERS = "Customer ID"
# newer customers header -> older one, for the declared columns they fill
_ADDRESS = {"company": "Company", "address1": "Address1", "address2": "Address2", "city": "City",
            "provinceCode": "Province Code", "countryCode": "Country Code", "zip": "Zip"}
_OPTIONS = ("Option1 Value", "Option2 Value", "Option3 Value")


def export_file(folder: Path, kind: str) -> Path | None:
    found = find_matching(folder, kind)
    if len(found) > 1:
        raise ExportFileError(f"{folder}: several Shopify {kind} files ({', '.join(p.name for p in found)}): "
                              "keep the one to read")
    return found[0] if found else None


def _raw(rows: pd.DataFrame, *columns: str) -> pd.Series:
    """The first of `columns` the file has, as text."""
    column = next((c for c in columns if c in rows), None)
    return rows[column].fillna("").astype(str) if column else pd.Series("", index=rows.index)


def customers(rows: pd.DataFrame) -> pd.DataFrame:
    email = _raw(rows, "Email")
    newer = NEW_CUSTOMERS in rows
    ids = unguard(_raw(rows, NEW_CUSTOMERS).str.strip()) if newer else email_key(email)
    address = {field: _raw(rows, f"Default Address {old}", old) for field, old in _ADDRESS.items()}
    address["zip"] = unguard(address["zip"])
    phone = unguard(_raw(rows, "Phone"))
    phone = phone.where(phone.str.strip() != "", unguard(_raw(rows, "Default Address Phone")))
    return pd.DataFrame({"id": ids, "firstName": _raw(rows, "First Name"), "lastName": _raw(rows, "Last Name"),
                         "email": email, "phone": phone, **address, "createdAt": "", "updatedAt": "", ROW: rows[ROW]})


def variants(rows: pd.DataFrame, currency: str) -> pd.DataFrame:
    filled = {c: _raw(rows, c).str.strip() for c in (*_OPTIONS, "Variant SKU", "Variant Price")}
    rows = rows[pd.concat([v != "" for v in filled.values()], axis=1).any(axis=1)]
    handle = _raw(rows, "Handle").str.strip()
    title = _raw(rows, "Title")
    titles = title[title.str.strip() != ""].groupby(handle).first()
    sku = filled["Variant SKU"].loc[rows.index]
    options = pd.concat([filled[c].loc[rows.index] for c in _OPTIONS], axis=1)
    return pd.DataFrame({
        "id": ("sku:" + sku).where(sku != "", ""), "productId": handle,
        "productTitle": handle.map(titles).fillna(""),
        "title": options.apply(lambda r: " / ".join(v for v in r if v), axis=1) if len(rows) else "",
        "sku": _raw(rows, "Variant SKU"), "barcode": unguard(_raw(rows, "Variant Barcode")),
        "currencyCode": currency, "price": _raw(rows, "Variant Price"), "createdAt": "", "updatedAt": "",
        ROW: rows[ROW]})


def _read(path: Path, kind: str, id_column: str) -> ExportRead:
    """The export as read; UnreadableExport for a file that is not this layout or not CSV at all."""
    missing = [c for c in LAYOUTS[kind] if c not in header_of(path)]
    if missing:
        raise UnreadableExport(path, "file.header", f"not a Shopify {kind} file: it has no column {', '.join(missing)}")
    return read_export(path, id_column=id_column)


def _id_column(kind: str, path: Path) -> str:
    """The column that names a rejected row in the quarantine."""
    if kind == CUSTOMERS:
        return NEW_CUSTOMERS if NEW_CUSTOMERS in header_of(path) else "Email"
    return {PRODUCTS: "Variant SKU", ORDERS: "Id"}[kind]


def _customer_ids(folder: Path) -> dict[str, str]:
    """Email key -> Customer ID from a newer customers export beside the orders (an older one's
    ids are the email keys already)."""
    path = export_file(folder, CUSTOMERS)
    if path is None or NEW_CUSTOMERS not in header_of(path):
        return {}
    try:
        read = _read(path, CUSTOMERS, NEW_CUSTOMERS)
    except UnreadableExport:
        return {}                         # refused when the customers entity reads it
    keyed = pd.DataFrame({"key": email_key(read.frame["Email"]), "id": unguard(_raw(read.frame, NEW_CUSTOMERS))})
    keyed = keyed[(keyed["key"] != "") & (keyed["id"].str.strip() != "")]
    return dict(zip(keyed["key"], keyed["id"].str.strip()))


def _store_currency(folder: Path) -> str:
    path = export_file(folder, ORDERS)
    if path is None:
        return ""
    try:
        read = _read(path, ORDERS, "Id")
    except UnreadableExport:
        return ""
    currencies = set(read.frame["Currency"].fillna("").astype(str).str.strip()) - {""}
    return currencies.pop() if len(currencies) == 1 else ""


def extract(folder: Path, entity: EntityDeclaration) -> Extraction | None:
    kind = SOURCE.get(entity.name)
    if kind is None or find_file(folder, [entity.file]) is not None:
        return None
    path = export_file(folder, kind)
    if path is None:
        return None
    declared = [c.column for c in entity.columns]
    if entity.name == "refunds":
        return Extraction(stamp(pd.DataFrame(columns=declared, dtype=object), origin=str(path)), origin=str(path))
    try:
        read = _read(path, kind, _id_column(kind, path))
    except UnreadableExport as exc:
        return refused_file(path, entity, exc.rule, str(exc))
    rejects = read.rejects
    if kind == CUSTOMERS:
        frame = customers(read.frame)
    elif kind == PRODUCTS:
        frame = variants(read.frame, _store_currency(folder))
    else:
        split = shopify_orders.split_orders(read.frame, _customer_ids(folder))
        frame = split.orders if entity.name == "orders" else split.lines
        if entity.name == "order_lines" and len(split.unplaced):
            rejects = pd.concat([rejects, split.unplaced], ignore_index=True) if len(rejects) else split.unplaced
    out = stamp(frame[declared], origin=str(path), rows=frame[ROW])
    return Extraction(out, origin=str(path), rejected_rows=rejects, encoding=read.encoding)
