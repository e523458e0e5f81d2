"""Shopify's admin orders export split into the shop system's orders and order lines.

Layout (Shopify Help Center, "Exporting orders"; the same headers appear in public importers
of the file, e.g. jadwro/allegro_csv_parser src/Shopify/types/ShopifyOrderTypeCSV.ts):
  Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,
  Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,
  Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,...,
  Billing ...,Shipping ...,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,
  Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,
  Source,Lineitem discount,Tax 1 Name,Tax 1 Value,...,Phone,Receipt Number,Duties,...
One row per line item. The order's own fields (Id, Financial Status, Currency, Subtotal, Total,
...) are filled on its first row only; its later rows repeat at most Name, Email and Created at.

- An order is a row with any of its own fields filled; the rows after it, up to the next such
  row, are its further lines. A line whose Name names another order, or that follows a row the
  reader set aside (which may have been its order's first row), cannot be placed: it is
  quarantined under `order_line.order_unknown` rather than attached to the wrong order.
- Ids: the order's `Id`; a line's id is the order id and the line's position in the order
  ("5001-2"), the same on every export of the same order.
- Money: the hub's sales_order keeps subtotal + tax = total, so SHIPPING IS PART OF THE
  SUBTOTAL (subtotal = Subtotal + Shipping, tax = Taxes, total = Total); there is no shipping
  line, as a line must name an item. A store whose prices include tax writes Total = Subtotal +
  Shipping with Taxes inside it; there the subtotal is Total - Taxes. An order whose figures
  still do not add up is refused by the sales_order rule at mapping, never mended here.
- A line's amount is quantity x price - Lineitem discount.
- The customer: the export names it only by Email. It is resolved to the customers export's
  Customer ID when that file lists the email; otherwise the email itself is the key (the key a
  customers export without ids gives its customers), so an order whose customer no export holds
  waits at the load with customer_external_id.exists_in_erp, never dropped.
- An export has no updatedAt, processedAt or invoice number: those columns are blank, and no
  refund records (only each order's Refunded Amount, kept as totalRefunded).
Arithmetic is exact (Decimal) on the text; a value that is not a number is passed on in a form
the money rule refuses, showing what the file held ("29.90 + abc").
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pandas as pd

from integration_hub.connectors.csv_rows import REJECT_COLUMNS, bounded
from integration_hub.connectors.exports import ROW

LAYOUT = ("Name", "Email", "Financial Status", "Currency", "Subtotal", "Total", "Created at",
          "Lineitem quantity", "Lineitem name", "Lineitem price", "Id")
ORDER_FIELDS = ("Id", "Financial Status", "Currency", "Total")     # filled on an order's first row only
ORDER_UNKNOWN = "order_line.order_unknown"


@dataclass
class SplitOrders:
    orders: pd.DataFrame      # the shop orders columns, ROW: the order's first row
    lines: pd.DataFrame       # the shop order_lines columns, ROW: the line's row
    unplaced: pd.DataFrame    # REJECT_COLUMNS: lines whose order cannot be told


def email_key(email: pd.Series) -> pd.Series:
    """How an email names a customer: Shopify treats addresses case-insensitively."""
    return email.fillna("").astype(str).str.strip().str.lower()


def unguard(values: pd.Series) -> pd.Series:
    """Shopify prefixes ids, zips, phones and barcodes with an apostrophe so spreadsheets keep them as text."""
    return values.str.removeprefix("'")


def _raw(rows: pd.DataFrame, column: str) -> pd.Series:
    return rows[column].fillna("").astype(str) if column in rows else pd.Series("", index=rows.index)


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def order_subtotal(subtotal: str, shipping: str, taxes: str, total: str) -> str:
    amount = _decimal(subtotal)
    freight = _decimal(shipping) if shipping.strip() else Decimal(0)
    if amount is None or freight is None:
        return f"{subtotal} + {shipping}" if shipping.strip() else subtotal
    tax, gross = _decimal(taxes), _decimal(total)
    if tax is not None and gross is not None and tax > 0 and amount + freight == gross:
        return format(gross - tax, "f")          # prices include tax
    return format(amount + freight, "f")


def line_amount(quantity: str, price: str, discount: str) -> str:
    q, p = _decimal(quantity), _decimal(price)
    d = _decimal(discount) if discount.strip() else Decimal(0)
    if q is None or p is None or d is None:
        return f"{quantity} x {price} - {discount or 0}"
    return format(q * p - d, "f")


def _row_text(rows: pd.DataFrame) -> list[str]:
    columns = [c for c in rows.columns if not c.startswith("_")]
    texts = []
    for values in rows[columns].fillna("").astype(str).itertuples(index=False):
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(values)
        texts.append(bounded(out.getvalue()))
    return texts


def split_orders(rows: pd.DataFrame, customer_ids: dict[str, str]) -> SplitOrders:
    """`rows`: the export as read (text, ROW); `customer_ids`: email key -> the customers export's id."""
    text = {c: _raw(rows, c).str.strip() for c in (*ORDER_FIELDS, "Name")}
    starts = pd.concat([text[c] != "" for c in ORDER_FIELDS], axis=1).any(axis=1)
    order_no = starts.cumsum()
    name = text["Name"]
    owner = name.where(starts).ffill()
    after_gap = (rows[ROW].diff().fillna(1) > 1) & ~starts
    gap_in_order = after_gap.astype(int).groupby(order_no).cumsum() > 0
    unplaced = ~starts & ((order_no == 0) | ((name != "") & (name != owner)) | ((name == "") & gap_in_order))

    order_id = unguard(text["Id"]).where(starts).ffill().fillna("")
    currency = _raw(rows, "Currency").where(starts).ffill().fillna("")
    lines = rows[~unplaced]
    position = lines.groupby(order_no[~unplaced]).cumcount() + 1
    line_order = order_id[~unplaced]
    sku = _raw(lines, "Lineitem sku").str.strip()
    quantity, price = _raw(lines, "Lineitem quantity"), _raw(lines, "Lineitem price")
    line_frame = pd.DataFrame({
        "id": (line_order + "-" + position.astype(str)).where(line_order != "", ""),
        "orderId": line_order, "sku": sku, "name": _raw(lines, "Lineitem name"), "quantity": quantity,
        "currencyCode": currency[~unplaced],
        "originalUnitPrice": price,
        "discountedTotal": [line_amount(q, p, d) for q, p, d in
                            zip(quantity, price, _raw(lines, "Lineitem discount"))],
        "variantId": ("sku:" + sku).where(sku != "", ""), ROW: lines[ROW]})

    first = rows[starts]
    email = _raw(first, "Email")
    keys = email_key(email)
    order_frame = pd.DataFrame({
        "id": unguard(_raw(first, "Id").str.strip()), "name": _raw(first, "Name"), "email": email,
        "customerId": keys.map(lambda k: customer_ids.get(k, k)),
        "createdAt": _raw(first, "Created at"), "updatedAt": "", "processedAt": "",
        "cancelledAt": _raw(first, "Cancelled at"), "currencyCode": _raw(first, "Currency"),
        "subtotal": [order_subtotal(*v) for v in zip(*(_raw(first, c) for c in ("Subtotal", "Shipping", "Taxes",
                                                                                "Total")))],
        "totalTax": _raw(first, "Taxes"), "total": _raw(first, "Total"),
        "totalRefunded": _raw(first, "Refunded Amount"), "displayFinancialStatus": _raw(first, "Financial Status"),
        "invoiceNumber": "", ROW: first[ROW]})

    lost = rows[unplaced]
    rejects = pd.DataFrame({"row_number": lost[ROW].to_numpy(), "line": None, "rule": ORDER_UNKNOWN,
                            "column_name": "Name", "value": name[unplaced].to_numpy(),
                            "text": _row_text(lost), "source_id": name[unplaced].to_numpy()},
                           columns=REJECT_COLUMNS)
    return SplitOrders(order_frame, line_frame, rejects)
