"""Canonical sales orders and their lines as Tryton sales (sale.sale with sale.line).

A sales order is a sale with reference = external_id and description = order number, dated the
order's UTC day, in the order's currency, for the customer's party (its first address to invoice
and ship to). The source's own order status and the invoice that bills the order, which a sale
has no field for, are kept in the sale's comment as JSON. Tryton computes a sale's amounts from
its lines and has no manual tax on a sale (an invoice has), so an order's tax is a line of the
sales-tax product bootstrap adds: Tryton's total is the source's, and read-back takes that line
out of the subtotal again.

The hub leaves sales in draft with manual invoice and shipment methods: the orders' invoices
come from billing, and confirming a sale is for Tryton's users. A sale they quoted is set back
to draft, changed and quoted again; one confirmed or further along is not changed (Tryton's
workflow would not allow it) and its change is rejected.

Lines (sales_order_line, loaded after its orders) follow the REST targets' replace semantics:
for each sale with a new or changed line, or with a line the batch no longer has, the batch's
lines of that order become the sale's item lines, in line_number order (sequence 1..n); a line
missing from the batch is deleted from the sale. A sale line keeps its external id, line number
and the SKU as the source spelled it in its note (JSON). Tryton computes a line's amount as quantity x unit price, so a line whose amount is
otherwise (a discount: Tryton's sale_discount module is not installed) is refused.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from integration_hub.erp.tryton.books import Books, day, major, text

EDITABLE = ("draft", "quotation")


def hub_note(**values: Any) -> str:
    """What Tryton has no field for, kept in a text field."""
    return json.dumps(values, sort_keys=True, ensure_ascii=False)


def read_note(note: str | None) -> dict:
    """The values `hub_note` kept; {} for a text the hub did not write."""
    try:
        values = json.loads(note or "")
    except ValueError:
        return {}
    return values if isinstance(values, dict) else {}


def sales(books: Books, external_ids) -> dict[str, dict]:
    """external id -> the sale Tryton holds for it (id, currency.)."""
    ids = sorted({i for i in external_ids if isinstance(i, str)})
    return {s["reference"]: s for s in books.search_read("sale.sale", [("reference", "in", ids)],
                                                          ["reference", "currency.code"])}


def line_keys(books: Books, sale_ids) -> dict[int, set[str]]:
    """sale id -> the external ids of the item lines Tryton holds for it."""
    keys: dict[int, set[str]] = {}
    for line in books.search_read("sale.line", [("sale", "in", list(sale_ids)), ("type", "=", "line")],
                                  ["sale", "note"]):
        key = read_note(line["note"]).get("external_id")
        if key:
            keys.setdefault(line["sale"], set()).add(key)
    return keys


def header_values(books: Books, row: dict, party: int, address: int | None) -> dict:
    return {"company": books.company.id, "party": party, "invoice_address": address, "shipment_address": address,
            "currency": books.currency_id(row["currency"]), "sale_date": day(row["order_date"]),
            "reference": row["external_id"], "description": row["order_number"],
            "comment": hub_note(status=text(row["status"]), invoice_ref=text(row["invoice_ref"])),
            "payment_term": books.payment_term, "warehouse": books.warehouse,
            "invoice_method": "manual", "shipment_method": "manual"}


def tax_line(books: Books, row: dict) -> dict | None:
    """The order's tax as a line of the sales-tax product; None for an order without tax."""
    if not row["tax_minor"]:
        return None
    return {"type": "line", "product": books.tax_product, "unit": books.unit, "quantity": 1.0,
            "unit_price": major(row["tax_minor"], row["currency"]), "description": "Sales tax"}


def new_sale(books: Books, row: dict, party: int, address: int | None) -> dict:
    tax = tax_line(books, row)
    return {**header_values(books, row, party, address), "lines": [("create", [tax] if tax else [])]}


def line_refusal(row: dict, sale: dict, product: int | None) -> str | None:
    """Why this line cannot be a line of its sale in Tryton, or None."""
    name = f"sales_order_line {row['external_id']}"
    if product is None:
        return (f"{name}: its item {row['item_external_id']} is not in tryton; item_external_id.exists_in_erp "
                "(the item loads first)")
    if row["currency"] != sale["currency."]["code"]:
        return (f"{name}: its currency {row['currency']} is not its sales_order's {sale['currency.']['code']}; "
                "currency.matches_order (a Tryton sale is in one currency)")
    expected = line_amount(row)
    if expected != row["amount_minor"]:
        return (f"{name}: amount_minor {row['amount_minor']} is not quantity x unit price ({expected}), as Tryton "
                "computes a sale line (a discount needs Tryton's sale_discount module); "
                "amount_minor.is_quantity_times_unit_price")
    return None


def line_amount(row: dict) -> int:
    """quantity x unit price in minor units, rounded half-even as Tryton rounds currency amounts."""
    amount = Decimal(str(row["quantity"])) * int(row["unit_price_minor"])
    return int(amount.to_integral_value())


def line_values(books: Books, row: dict, product: int, position: int) -> dict:
    return {"type": "line", "product": product, "unit": books.unit, "quantity": float(row["quantity"]),
            "unit_price": major(row["unit_price_minor"], row["currency"]), "description": text(row["description"]),
            "sequence": position,
            "note": hub_note(external_id=row["external_id"], line_number=row["line_number"], sku=text(row["sku"]))}


# -- server side: run inside one Tryton transaction (runtime.in_transaction) -----------------------
@contextmanager
def editing(pool, sale_id: int) -> Iterator:
    """The sale, in draft while the body changes it: a quotation is quoted again afterwards."""
    from trytond.exceptions import UserError

    Sale = pool.get("sale.sale")
    sale = Sale(sale_id)
    state = sale.state
    if state not in EDITABLE:
        raise UserError(f"the sale is {state}; the hub changes only draft and quotation sales")
    if state == "quotation":
        Sale.draft([sale])
    yield sale
    if state == "quotation":
        Sale.quote([Sale(sale_id)])


def rewrite_header(pool, sale_id: int, header: dict, tax: dict | None, tax_product: int) -> int:
    Sale, Line = pool.get("sale.sale"), pool.get("sale.line")
    with editing(pool, sale_id) as sale:
        Sale.write([sale], {k: v for k, v in header.items() if k != "company"})
        Line.delete(Line.search([("sale", "=", sale_id), ("product", "=", tax_product)]))
        if tax:
            Line.create([{**tax, "sale": sale_id}])
    return sale_id


def replace_lines(pool, sale_id: int, lines: list[dict], tax_product: int) -> dict[str, int]:
    """Make `lines` the sale's item lines, matched by the external id in their note; returns
    external id -> sale.line id."""
    Line = pool.get("sale.line")
    with editing(pool, sale_id):
        held = Line.search([("sale", "=", sale_id), ("type", "=", "line"), ("product", "!=", tax_product)])
        wanted = {read_note(values["note"])["external_id"]: values for values in lines}
        keys = [read_note(line.note).get("external_id") for line in held]
        by_key = {key: line for key, line in zip(keys, held) if key in wanted}
        Line.delete([line for key, line in zip(keys, held) if key not in wanted])
        ids = {}
        for key, values in wanted.items():
            if key in by_key:
                Line.write([by_key[key]], values)
                ids[key] = by_key[key].id
        new = [key for key in wanted if key not in by_key]
        for key, line in zip(new, Line.create([{**wanted[key], "sale": sale_id} for key in new])):
            ids[key] = line.id
    return ids
