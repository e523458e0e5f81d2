"""The Tryton records a load refers to (company, accounts, journals, product) and canonical rows as
Tryton values.

Canonical records become Tryton records like this:
- customer -> party.party with code = external_id, an e-mail and a phone contact mechanism and
  one address (street lines, postal code, city, country);
- invoice -> a customer invoice (account.invoice, type out) with reference = external_id,
  description = invoice number, one service line for the subtotal and a manual tax line for
  the tax, so Tryton's untaxed, tax and total amounts are the source's; payment_term_date =
  due date. A credit note is an invoice with negative amounts, as Tryton has it;
- payment -> a posted account.move in the cash journal with description = external_id
  (see payments.py);
- item -> product.template with one product.product (see catalogue.py);
- sales_order and sales_order_line -> sale.sale with its sale.line records (see orders.py).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cached_property
from typing import Any

import pandas as pd
import pycountry

from integration_hub.erp.tryton.bootstrap import (ACCOUNTS, ITEM_CATEGORY, PAYMENT_METHOD, PRODUCT_CODE,
                                                  TAX_PRODUCT_CODE, UNIT, currency)
from integration_hub.standardize.currency import minor_exponent


def tryton_message(error: Exception) -> str:
    """Tryton's own words for a refusal: its message and, when there is one, the description."""
    message = getattr(error, "message", None) or str(error)
    description = getattr(error, "description", None)
    return f"{message} {description}".strip() if description else str(message).strip()


def major(minor: Any, currency_code: str) -> Decimal:
    return Decimal(int(minor)).scaleb(-minor_exponent(currency_code))


def minor(amount: Any, currency_code: str) -> int:
    return int(Decimal(str(amount)).scaleb(minor_exponent(currency_code)).to_integral_value())


def day(value: Any) -> dt.date | None:
    """The UTC calendar day of a timestamp (naive ones taken as UTC)."""
    if value is None or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    return (stamp.tz_convert("UTC") if stamp.tzinfo else stamp).date()


def text(value: Any) -> str | None:
    """The value as text, None when missing or blank."""
    return None if value is None or pd.isna(value) or not str(value).strip() else str(value)


class Books:
    """Lookups into one Tryton database through a proteus configuration, cached for a load."""

    def __init__(self, cfg) -> None:
        from proteus import Model

        self.cfg = cfg
        self.model = lambda name: Model.get(name, config=cfg)
        self.company, = self.model("company.company").find([])
        self._countries: dict[str, int] = {}
        self._currencies: dict[str, int] = {}

    def call(self, model: str, method: str, *args, context: dict | None = None):
        """A server method of `model` through proteus, in the admin's context (updated with `context`)."""
        return getattr(self.model(model)._proxy, method)(*args, {**self.cfg.context, **(context or {})})

    def search_read(self, model: str, domain: list, fields: list[str], *, inactive: bool = False) -> list[dict]:
        """Matching records (deactivated ones too with `inactive`), in id order."""
        return self.call(model, "search_read", domain, 0, None, [("id", "ASC")], fields,
                         context={"active_test": False} if inactive else None)

    @cached_property
    def accounts(self) -> dict[str, int]:
        found = self.search_read("account.account", [("code", "in", list(ACCOUNTS.values()))], ["code"])
        by_code = {r["code"]: r["id"] for r in found}
        return {role: by_code[code] for role, code in ACCOUNTS.items()}

    @cached_property
    def journals(self) -> dict[str, int]:
        return {r["type"]: r["id"] for r in self.search_read("account.journal", [], ["type"])}

    @cached_property
    def product(self) -> dict:
        product, = self.search_read("product.product", [("suffix_code", "=", PRODUCT_CODE)], ["default_uom"])
        return product

    @cached_property
    def company_currency(self) -> str:
        return self.company.currency.code

    @cached_property
    def unit(self) -> int:
        """The decimal unit items are sold in."""
        unit, = self.search_read("product.uom", [("name", "=", UNIT["name"])], [])
        return unit["id"]

    @cached_property
    def item_category(self) -> int:
        category, = self.search_read("product.category", [("name", "=", ITEM_CATEGORY)], [])
        return category["id"]

    @cached_property
    def tax_product(self) -> int:
        """The product an order's tax is a sale line of."""
        product, = self.search_read("product.product", [("suffix_code", "=", TAX_PRODUCT_CODE)], [])
        return product["id"]

    @cached_property
    def warehouse(self) -> int:
        """The warehouse the stock module creates, which sales ship from."""
        warehouse, = self.search_read("stock.location", [("type", "=", "warehouse"), ("code", "=", "WH")], [])
        return warehouse["id"]

    @cached_property
    def payment_method(self):
        method, = self.model("account.invoice.payment.method").find([("name", "=", PAYMENT_METHOD)])
        return method

    @cached_property
    def payment_term(self) -> int:
        term, = self.search_read("account.invoice.payment_term", [("name", "=", "Upon Receipt")], [])
        return term["id"]

    @property
    def posting_locks(self) -> dict:
        """What posting invoices and moves locks: the numbering sequences, and the journal-period
        table the first entry of a journal in a period writes to."""
        sequences = [r["id"] for r in self.search_read("ir.sequence.strict", [], [])]
        return {"tables": ["account_journal_period"], "records": {"ir_sequence_strict": sequences}}

    def currency_id(self, code: str) -> int:
        if code not in self._currencies:
            self._currencies[code] = currency(code, self.cfg).id
        return self._currencies[code]

    def country_id(self, code: str | None) -> int | None:
        if not code:
            return None
        if code not in self._countries:
            found = self.search_read("country.country", [("code", "=", code)], [])
            if not found:
                iso = pycountry.countries.get(alpha_2=code)
                if iso is None:
                    raise ValueError(f"{code!r} is not an ISO 3166 country code")
                found = [{"id": i} for i in self.call("country.country", "create", [
                    {"name": iso.name, "code": code, "code3": iso.alpha_3, "code_numeric": iso.numeric}])]
            self._countries[code] = found[0]["id"]
        return self._countries[code]

    def party_ids(self, codes) -> dict[str, int]:
        codes = sorted({c for c in codes if isinstance(c, str)})
        return {r["code"]: r["id"] for r in self.search_read("party.party", [("code", "in", codes)], ["code"])}

    # -- canonical rows as Tryton values ------------------------------------------------------
    def party_values(self, row: dict) -> dict:
        mechanisms = [{"type": kind, "value": row[column]} for kind, column in (("email", "email"), ("phone", "phone"))
                      if text(row[column])]
        street = "\n".join(v for v in (text(row["address_line1"]), text(row["address_line2"])) if v)
        address = {"street_unstructured": street or None, "postal_code": text(row["postal_code"]),
                   "city": text(row["city"]), "country": self.country_id(text(row["country"]))}
        return {"name": row["name"], "code": row["external_id"], "contact_mechanisms": [("create", mechanisms)],
                "addresses": [("create", [address])]}

    def invoice_values(self, row: dict, party: int | None, address: int | None) -> dict:
        code = row["currency"]
        subtotal, tax = major(row["subtotal_minor"], code), major(row["tax_minor"], code)
        line = {"type": "line", "product": self.product["id"], "account": self.accounts["revenue"], "quantity": 1,
                "unit_price": subtotal, "unit": self.product["default_uom"], "description": "Invoiced services",
                "currency": self.currency_id(code), "company": self.company.id}
        values = {"type": "out", "company": self.company.id, "journal": self.journals["revenue"], "party": party,
                  "invoice_address": address, "account": self.accounts["receivable"],
                  "currency": self.currency_id(code), "invoice_date": day(row["issue_date"]),
                  "payment_term": self.payment_term,
                  "payment_term_date": day(row["due_date"]) or day(row["issue_date"]),
                  "reference": row["external_id"], "description": row["invoice_number"],
                  "comment": text(row["applies_to"]), "lines": [("create", [line])]}
        if tax:
            values["taxes"] = [("create", [{"manual": True, "description": "Sales tax", "base": subtotal,
                                            "amount": tax, "account": self.accounts["tax"]}])]
        return values
