"""What Tryton holds, read through Tryton itself (search_read over proteus) as canonical frames."""
from __future__ import annotations

import pandas as pd

from integration_hub.canonical import registry
from integration_hub.erp.tryton.books import Books, minor
from integration_hub.erp.tryton.catalogue import ITEM_TYPES
from integration_hub.erp.tryton.orders import read_note

INVOICE_STATUS = {"draft": "draft", "validated": "draft", "posted": "open", "paid": "paid", "cancelled": "void"}


def _frame(entity: str, rows: list[dict]) -> pd.DataFrame:
    spec = registry.get(entity)
    out = pd.DataFrame(rows, columns=list(spec.columns))
    ids = out["external_id"].astype("string")
    out["source_system"] = ids.str.split(":", n=1).str[0].astype(object)
    out["source_id"] = ids.str.split(":", n=1).str[1].astype(object)
    for column in spec.money:
        out[column] = out[column].astype("int64")
    for column in spec.nullable_money:
        out[column] = out[column].astype("Int64")
    for column in spec.timestamps:
        out[column] = pd.to_datetime(out[column], utc=True)
    for column in spec.numbers:
        out[column] = out[column].astype("float64")
    return out


def customers(books: Books) -> pd.DataFrame:
    parties = books.search_read("party.party", [("code", "like", "%:%")], ["code", "name", "create_date"])
    mechanisms = books.search_read("party.contact_mechanism", [("party", "in", [p["id"] for p in parties])],
                                   ["party", "type", "value", "value_compact"])
    addresses = books.search_read("party.address", [("party", "in", [p["id"] for p in parties])],
                                  ["party", "street_unstructured", "postal_code", "city", "country.code"])
    # value_compact is the number as stored (E.164), value the way Tryton displays it
    contact = {(m["party"], m["type"]): m["value_compact"] or m["value"] for m in mechanisms}
    first = {}
    for address in addresses:
        first.setdefault(address["party"], address)
    rows = []
    for party in parties:
        address = first.get(party["id"], {})
        lines = (address.get("street_unstructured") or "").split("\n", 1)
        rows.append({"external_id": party["code"], "name": party["name"], "email": contact.get((party["id"], "email")),
                     "phone": contact.get((party["id"], "phone")), "address_line1": lines[0] or None,
                     "address_line2": lines[1] if len(lines) > 1 else None, "city": address.get("city"),
                     "region": None, "postal_code": address.get("postal_code"),
                     "country": (address.get("country.") or {}).get("code"), "currency": None,
                     "created_at": party["create_date"], "parent_external_id": None})
    return _frame("customer", rows)


def invoices(books: Books) -> pd.DataFrame:
    found = books.search_read("account.invoice", [("type", "=", "out"), ("reference", "like", "%:%")], [
        "reference", "description", "party.code", "invoice_date", "payment_term_date", "currency.code",
        "untaxed_amount", "tax_amount", "total_amount", "state", "comment"])
    rows = []
    for invoice in found:
        code = invoice["currency."]["code"]
        rows.append({"external_id": invoice["reference"], "invoice_number": invoice["description"],
                     "kind": "credit_note" if invoice["total_amount"] < 0 else "invoice",
                     "customer_external_id": (invoice.get("party.") or {}).get("code"),
                     "issue_date": invoice["invoice_date"], "due_date": invoice["payment_term_date"], "currency": code,
                     "subtotal_minor": minor(invoice["untaxed_amount"], code),
                     "tax_minor": minor(invoice["tax_amount"], code),
                     "total_minor": minor(invoice["total_amount"], code),
                     "status": INVOICE_STATUS.get(invoice["state"], invoice["state"]),
                     "applies_to": invoice["comment"]})
    return _frame("invoice", rows)


def payment_moves(books: Books) -> tuple[list[dict], list[dict]]:
    """Posted cash-journal moves the hub made (description = external id), and their lines."""
    moves = books.search_read("account.move", [("journal", "=", books.journals["cash"]),
                                               ("description", "like", "%:%"), ("state", "=", "posted")],
                               ["description", "date", "origin"])
    lines = books.search_read("account.move.line", [("move", "in", [m["id"] for m in moves])], ["id",
        "move", "account", "debit", "credit", "party.code", "amount_second_currency", "second_currency.code",
        "description"])
    return moves, lines


def payments(books: Books) -> pd.DataFrame:
    moves, lines = payment_moves(books)
    company_currency = books.company.currency.code
    invoice_ids = [int(m["origin"].split(",")[1]) for m in moves if (m["origin"] or "").startswith("account.invoice,")]
    numbers = {i["id"]: i["description"] for i in books.search_read("account.invoice", [("id", "in", invoice_ids)],
                                                                     ["description"])}
    by_move: dict[int, list[dict]] = {}
    for line in lines:
        by_move.setdefault(line["move"], []).append(line)
    rows = []
    for move in moves:
        cash = next(line for line in by_move[move["id"]] if line["account"] == books.accounts["cash"])
        other = next(line for line in by_move[move["id"]] if line["account"] != books.accounts["cash"])
        code = (cash.get("second_currency.") or {}).get("code") or company_currency
        amount = cash["amount_second_currency"] or cash["debit"] - cash["credit"]
        origin = move["origin"] or ""
        invoice_ref = numbers.get(int(origin.split(",")[1])) if origin.startswith("account.invoice,") else None
        refund = amount < 0
        rows.append({"external_id": move["description"], "kind": "refund" if refund else "charge",
                     "customer_external_id": (other.get("party.") or {}).get("code"),
                     "amount_minor": minor(amount, code), "fee_minor": None, "currency": code,
                     "paid_at": move["date"], "status": "succeeded",
                     "invoice_ref": invoice_ref or (None if refund else cash["description"]),
                     "payment_ref": cash["description"] if refund else None})
    return _frame("payment", rows)


def _item_keys(books: Books) -> dict[int, str]:
    """product.product id -> the item's external id, for the products the hub made."""
    return {i["product"]: i["code"] for i in books.search_read(
        "product.identifier", [("code", "like", "%:%"), ("type", "=", None)], ["code", "product"], inactive=True)}


def items(books: Books) -> pd.DataFrame:
    keys = _item_keys(books)
    products = books.search_read("product.product", [("id", "in", list(keys))], [
        "code", "description", "create_date", "template.name", "template.type", "template.consumable",
        "template.list_price", "template.active"], inactive=True)
    company_currency = books.company_currency
    rows = []
    for product in products:
        template = product["template."]
        price = template["list_price"]
        rows.append({"external_id": keys[product["id"]], "sku": product["code"], "name": template["name"],
                     "description": product["description"],
                     "item_type": ITEM_TYPES[(template["type"], bool(template["consumable"]))],
                     "unit_price_minor": None if price is None else minor(price, company_currency),
                     "currency": None if price is None else company_currency,
                     "active": "true" if template["active"] else "false", "created_at": product["create_date"]})
    return _frame("item", rows)


def sales_orders(books: Books) -> pd.DataFrame:
    found = books.search_read("sale.sale", [("reference", "like", "%:%")], [
        "reference", "description", "party.code", "sale_date", "currency.code", "untaxed_amount", "tax_amount",
        "total_amount", "comment"])
    taxed: dict[int, object] = {}
    for line in books.search_read("sale.line", [("sale", "in", [s["id"] for s in found]),
                                                ("product", "=", books.tax_product)], ["sale", "amount"]):
        taxed[line["sale"]] = taxed.get(line["sale"], 0) + line["amount"]
    rows = []
    for sale in found:
        code, kept, tax_line = sale["currency."]["code"], read_note(sale["comment"]), taxed.get(sale["id"], 0)
        rows.append({"external_id": sale["reference"], "order_number": sale["description"],
                     "customer_external_id": (sale.get("party.") or {}).get("code"), "order_date": sale["sale_date"],
                     "status": kept.get("status"), "currency": code,
                     "subtotal_minor": minor(sale["untaxed_amount"] - tax_line, code),
                     "tax_minor": minor(sale["tax_amount"] + tax_line, code),
                     "total_minor": minor(sale["total_amount"], code), "invoice_ref": kept.get("invoice_ref")})
    return _frame("sales_order", rows)


def sales_order_lines(books: Books) -> pd.DataFrame:
    """The item lines of the hub's sales that carry the hub's keys (not the tax line)."""
    found = books.search_read("sale.line", [("sale.reference", "like", "%:%"), ("type", "=", "line"),
                                            ("product", "!=", books.tax_product)], [
        "note", "sale.reference", "sale.currency", "product", "description", "quantity", "unit_price", "amount"])
    codes = {c["id"]: c["code"] for c in books.search_read("currency.currency", [], ["code"])}
    items_of = _item_keys(books)
    rows = []
    for line in found:
        kept = read_note(line["note"])
        if "external_id" not in kept:
            continue
        code = codes[line["sale."]["currency"]]
        rows.append({"external_id": kept["external_id"], "order_external_id": line["sale."]["reference"],
                     "line_number": kept.get("line_number"), "item_external_id": items_of.get(line["product"]),
                     "sku": kept.get("sku"), "description": line["description"], "quantity": line["quantity"],
                     "unit_price_minor": minor(line["unit_price"], code), "amount_minor": minor(line["amount"], code),
                     "currency": code})
    return _frame("sales_order_line", rows)
