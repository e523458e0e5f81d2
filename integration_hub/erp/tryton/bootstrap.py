"""Build a Tryton database ready to receive the hub's cash and order data.

`init_database` creates the database, activates the accounting and sale modules, and sets up
through proteus what an accountant would set up by hand: the company, its chart of accounts
(Tryton's minimal chart template), fiscal years with monthly periods and sequences, a service
product to invoice and a payment method for receipts, and for orders the catalogue they need
(see `add_sales`). The sale module brings its own sale sequence and the stock module a
warehouse. A database built before orders were loaded gets the sale module and that catalogue
when `init_database` runs on it again.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pycountry

from integration_hub.erp.tryton.runtime import TrytonDatabase, configure, connect, locate
from integration_hub.standardize.currency import minor_exponent

MODULES = ("account_invoice", "account_product", "sale")
# Accounts of the minimal chart template (account.account_template_root_en) the hub posts to.
ACCOUNTS = {"receivable": "1.2.1", "payable": "2.1.1", "revenue": "4.1.2", "expense": "5.1.3",
            "cash": "1.1.1", "tax": "2.2.3"}
PRODUCT_CODE = "HUB-SERVICE"
PAYMENT_METHOD = "Hub receipts"
# The product an order's tax is a line of: a sale has no manual tax as an invoice has.
TAX_PRODUCT_CODE = "HUB-SALES-TAX"
ITEM_CATEGORY = "Hub items"
# Tryton's "Unit" counts whole units; order quantities are decimals, so items are sold in this one.
UNIT = {"name": "Unit (decimal)", "symbol": "u", "rounding": 0.0001, "digits": 4}


def _exists(database: TrytonDatabase) -> bool:
    from trytond import backend

    if database.sqlite_file is not None:
        return database.sqlite_file.exists()
    return database.name in backend.Database().connect().list()


def _missing_modules(database: TrytonDatabase) -> list[str]:
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with Transaction().start(database.name, 0, readonly=True):
        Module = Pool(database.name).get("ir.module")
        activated = {m.name for m in Module.search([("state", "=", "activated")])}
    return [m for m in MODULES if m not in activated]


def _activate(database: TrytonDatabase, modules: list[str]) -> None:
    """Activate `modules` and what they depend on in an existing database (trytond-admin -u --activate-dependencies)."""
    from trytond.pool import Pool

    Pool(database.name).init(update=modules, lang=["en"], activatedeps=True)


def _create(database: TrytonDatabase) -> None:
    """Create and initialise the database, activate MODULES and add the admin user (as trytond-admin does)."""
    from sql import Table
    from trytond import backend
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    server = backend.Database().connect()
    connection = server.get_connection(autocommit=True)
    try:
        server.create(connection, database.name)
    finally:
        server.put_connection(connection)
        server.close()
    db = backend.Database(database.name)
    connection = db.get_connection()
    try:
        with connection.cursor() as cursor:
            db.init()
            configuration = Table("ir_configuration")
            cursor.execute(*configuration.insert([configuration.language], [["en"]]))
        connection.commit()
    finally:
        db.put_connection(connection)
    pool = Pool(database.name)
    pool.init(update=["res", "ir", *MODULES], lang=["en"], activatedeps=True)
    with Transaction().start(database.name, 0) as transaction:
        pool.get("res.user").create([{"login": "admin", "name": "Administrator", "administrator": True}])
        transaction.commit()


def currency(code: str, cfg):
    """The Tryton currency `code`, created from ISO 4217 data when the database lacks it."""
    from proteus import Model

    Currency = Model.get("currency.currency", config=cfg)
    found = Currency.find([("code", "=", code)])
    if found:
        return found[0]
    iso = pycountry.currencies.get(alpha_3=code)
    if iso is None:
        raise ValueError(f"{code!r} is not an ISO 4217 currency")
    digits = minor_exponent(code)
    record = Currency(name=iso.name, code=code, numeric_code=iso.numeric, symbol=code, digits=digits,
                      rounding=Decimal(1).scaleb(-digits))
    record.save()
    return record


def _company(cfg, name: str, currency_code: str):
    from proteus import Model, Wizard

    party = Model.get("party.party", config=cfg)(name=name)
    party.save()
    wizard = Wizard("company.company.config", config=cfg)
    wizard.execute("company")
    wizard.form.party = party
    wizard.form.currency = currency(currency_code, cfg)
    wizard.execute("add")
    cfg._context = Model.get("res.user", config=cfg).get_preferences(True, {})
    company, = Model.get("company.company", config=cfg).find([])
    return company


def _chart(cfg, company) -> dict:
    from proteus import Model, Wizard

    template_id = Model.get("ir.model.data", config=cfg).get_id("account.account_template_root_en", cfg.context)
    wizard = Wizard("account.create_chart", config=cfg)
    wizard.execute("account")
    wizard.form.account_template = Model.get("account.account.template", config=cfg)(template_id)
    wizard.form.company = company
    wizard.execute("create_account")
    Account = Model.get("account.account", config=cfg)
    accounts = {role: Account.find([("code", "=", code), ("company", "=", company.id)])[0]
                for role, code in ACCOUNTS.items()}
    wizard.form.account_receivable, wizard.form.account_payable = accounts["receivable"], accounts["payable"]
    wizard.form.category_account_expense, wizard.form.category_account_revenue = accounts["expense"], \
        accounts["revenue"]
    wizard.execute("create_properties")
    # Posting a foreign-currency invoice books its rounding difference in the company currency here.
    configuration = Model.get("account.configuration", config=cfg)(1)
    configuration.currency_exchange_credit_account = accounts["revenue"]
    configuration.currency_exchange_debit_account = accounts["expense"]
    configuration.save()
    return accounts


def add_fiscal_year(cfg, company, year: int) -> None:
    """A calendar fiscal year with monthly periods, its own move and invoice sequences."""
    from proteus import Model

    SequenceType = Model.get("ir.sequence.type", config=cfg)
    Sequence = Model.get("ir.sequence.strict", config=cfg)

    def sequence(kind: str, name: str | None = None):
        kind_type, = SequenceType.find([("name", "=", kind)], limit=1)
        record = Sequence(name=f"{name or kind} {year}", sequence_type=kind_type, company=company)
        record.save()
        return record

    fiscal_year = Model.get("account.fiscalyear", config=cfg)(
        name=str(year), start_date=dt.date(year, 1, 1), end_date=dt.date(year, 12, 31), company=company)
    fiscal_year.move_sequence = sequence("Account Move")
    # Tryton numbers a sequence in date order: credit notes get their own, so one dated before the
    # last invoice (issued after it, against an older invoice) can still be numbered.
    invoices, credit_notes = sequence("Invoice"), sequence("Invoice", "Credit Note")
    numbering, = fiscal_year.invoice_sequences
    for side, numbered in (("out_invoice", invoices), ("out_credit_note", credit_notes),
                           ("in_invoice", invoices), ("in_credit_note", credit_notes)):
        setattr(numbering, f"{side}_sequence", numbered)
    fiscal_year.save()
    fiscal_year.click("create_period")


def _catalogue(cfg, company, accounts: dict) -> None:
    from proteus import Model

    category = Model.get("product.category", config=cfg)(name="Hub services", accounting=True)
    category.account_revenue, category.account_expense = accounts["revenue"], accounts["expense"]
    category.save()
    unit, = Model.get("product.uom", config=cfg).find([("name", "=", "Unit")])
    template = Model.get("product.template", config=cfg)(
        name="Invoiced services", type="service", default_uom=unit, list_price=Decimal(0), account_category=category)
    template.save()
    product, = template.products
    product.suffix_code = PRODUCT_CODE
    product.save()
    cash_journal, = Model.get("account.journal", config=cfg).find([("type", "=", "cash")])
    method = Model.get("account.invoice.payment.method", config=cfg)(
        name=PAYMENT_METHOD, company=company, journal=cash_journal, debit_account=accounts["cash"],
        credit_account=accounts["cash"])
    method.save()


def _find_or_create(cfg, model: str, domain: list, **values):
    from proteus import Model

    Class = Model.get(model, config=cfg)
    found = Class.find(domain)
    if found:
        return found[0]
    record = Class(**values)
    record.save()
    return record


def add_sales(cfg) -> None:
    """What loading items and orders needs, where it is missing: a decimal unit, an account
    category for items (revenue and expense accounts, so their sales can be invoiced), and the
    sales-tax product an order's tax is a line of. Safe to run again."""
    from proteus import Model

    Account = Model.get("account.account", config=cfg)
    revenue, expense = (Account.find([("code", "=", ACCOUNTS[role])])[0] for role in ("revenue", "expense"))
    units, = Model.get("product.uom.category", config=cfg).find([("name", "=", "Units")])
    unit = _find_or_create(cfg, "product.uom", [("name", "=", UNIT["name"])], category=units, rate=1.0, factor=1.0,
                           **UNIT)
    category = _find_or_create(cfg, "product.category", [("name", "=", ITEM_CATEGORY)], name=ITEM_CATEGORY,
                               accounting=True, account_revenue=revenue, account_expense=expense)
    if Model.get("product.product", config=cfg).find([("suffix_code", "=", TAX_PRODUCT_CODE)]):
        return
    template = Model.get("product.template", config=cfg)(
        name="Sales tax", type="service", default_uom=unit, salable=True, sale_uom=unit, list_price=Decimal(0),
        account_category=category)
    template.save()
    product, = template.products
    product.suffix_code = TAX_PRODUCT_CODE
    product.save()


def add_rates(cfg, rates: dict[str, Decimal], since: dt.date, company_currency: str) -> None:
    """Exchange rates from `since` on: units of each currency per one unit of the company currency
    (Tryton's convention; the company currency itself gets rate 1)."""
    from proteus import Model

    Rate = Model.get("currency.currency.rate", config=cfg)
    for code, rate in {company_currency: Decimal(1), **rates}.items():
        Rate(currency=currency(code, cfg), date=since, rate=Decimal(str(rate))).save()


def init_database(db_url_or_path: str | Path, *, company_name: str = "Hub Company", currency_code: str = "USD",
                  years: range | None = None, rates: dict[str, Decimal] | None = None) -> TrytonDatabase:
    """Create the Tryton database at `db_url_or_path` unless it exists; returns where it is.

    `years` are the fiscal years to open (default: two years back to next year). `rates`
    (currency code -> units per company-currency unit) are set from the first year on, so
    invoices and payments in those currencies can be posted; without a rate Tryton refuses them.
    """
    database = locate(db_url_or_path)
    configure(database)
    if _exists(database):
        missing = _missing_modules(database)
        if missing:
            _activate(database, missing)
        add_sales(connect(database))
        return database
    _create(database)
    cfg = connect(database)
    company = _company(cfg, company_name, currency_code)
    accounts = _chart(cfg, company)
    today = dt.date.today()
    years = years or range(today.year - 2, today.year + 2)
    for year in years:
        add_fiscal_year(cfg, company, year)
    _catalogue(cfg, company, accounts)
    add_sales(cfg)
    if rates:
        add_rates(cfg, rates, dt.date(years[0], 1, 1), currency_code)
    return database
