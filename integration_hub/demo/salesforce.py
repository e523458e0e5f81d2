"""The Salesforce org: accounts (with their hierarchy), contacts, opportunities, products and orders.

Data Loader exports with SOQL field names: datetimes '2025-03-01T12:00:00.000+0000', dates
'2025-03-01', numbers as the API writes them ('1234.5'), booleans 'true'/'false', null empty.
"""

import random
from dataclasses import dataclass

import numpy as np
import pandas as pd

from integration_hub.demo import ids, vocab
from integration_hub.demo.catalogue import sku_spelling
from integration_hub.demo.csvtext import api_number_text, date_text, salesforce_time_text
from integration_hub.demo.customers import CustomerExports, CrmRecords
from integration_hub.demo.orders import Orders, regroup, with_copies
from integration_hub.demo.text import slug
from integration_hub.demo.variants import city_text, country_text, email_variant, phone_text, pick, postal_text, street_lines
from integration_hub.demo.window import END, START

WINDOW_END = END - np.timedelta64(1, "s")
DAY = np.timedelta64(86400, "s")
ACCOUNT_COLUMNS = ("Id", "Name", "ParentId", "Type", "Industry", "Phone", "Website", "BillingStreet", "BillingCity",
                   "BillingState", "BillingPostalCode", "BillingCountry", "AnnualRevenue", "CreatedDate",
                   "LastModifiedDate", "SystemModstamp")
_TYPES = np.array(["Customer - Direct", "Customer - Direct", "Customer - Direct", "Customer - Channel",
                   "Channel Partner / Reseller", "Other", ""])
_TITLES = ("CFO", "Controller", "Accounts Payable Specialist", "Head of Procurement", "Purchasing Manager", "CEO",
           "Operations Manager", "IT Director", "Office Manager", "VP Finance", "Buyer", "")
_STAGES = np.array(["Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Proposal/Price Quote",
                    "Negotiation/Review", "Closed Won", "Closed Lost"])
_STAGE_P = [0.06, 0.06, 0.05, 0.05, 0.06, 0.05, 0.42, 0.25]
_PROBABILITY = np.array([10, 10, 20, 50, 75, 90, 100, 0])
_OPPORTUNITY_KINDS = ("New Business", "Renewal", "Expansion", "Upsell", "Pilot", "Hardware Refresh", "Services")


@dataclass
class Accounts:
    """Where each real customer is in the org: its primary account record (-1 when none)."""
    records: CrmRecords
    primary: np.ndarray            # per roster row: index of its primary account record, -1 if none
    hierarchy: pd.DataFrame        # true_customer_id, parent_true_customer_id, level


def extend_accounts(rng: np.random.Generator, roster: pd.DataFrame, cust: CustomerExports) -> Accounts:
    """Add ParentId (a two-level-deep hierarchy of real customers), Type and SystemModstamp to the
    account export, in the Data Loader column order. Draws only from ``rng``."""
    crm = cust.crm
    columns = cust.exports["crm/accounts.csv"]
    primary = np.full(len(roster), -1, dtype=np.int64)
    is_primary = crm.copy == 0
    primary[crm.owner[is_primary]] = np.flatnonzero(is_primary)
    candidates = rng.permutation(np.flatnonzero(primary >= 0))
    n = len(candidates)
    sizes = (max(1, n * 4 // 100), max(1, n * 8 // 100), max(1, n * 3 // 100)) if n >= 3 else (0, 0, 0)
    roots = candidates[: sizes[0]]
    level1 = candidates[sizes[0]: sizes[0] + sizes[1]]
    level2 = candidates[sizes[0] + sizes[1]: sum(sizes)]
    parent = np.full(len(roster), -1, dtype=np.int64)
    if n >= 3:  # parents are always from the level above, so there is never a cycle
        parent[level1] = roots[rng.integers(0, len(roots), len(level1))]
        parent[level2] = level1[rng.integers(0, len(level1), len(level2))]
    record_parent = parent[crm.owner]
    # a duplicate account of a subsidiary was linked to the parent only half of the time
    linked = (record_parent >= 0) & ((crm.copy == 0) | (rng.random(len(crm.owner)) < 0.5))
    parent_id = np.where(linked, crm.ids[primary[np.maximum(record_parent, 0)]], "")
    kind = _TYPES[rng.integers(0, len(_TYPES), len(crm.owner))]
    kind[np.isin(crm.owner, roots) & is_primary] = "Customer - Direct"
    touched = rng.random(len(crm.owner)) < 0.3
    bump = rng.integers(0, 30 * 86400, len(crm.owner)).astype("timedelta64[s]") * touched
    modstamp = np.minimum(np.maximum(crm.modified, crm.created) + bump, WINDOW_END)
    extra = {"ParentId": parent_id, "Type": kind, "SystemModstamp": salesforce_time_text(modstamp)}
    cust.exports["crm/accounts.csv"] = {name: columns[name] if name in columns else extra[name] for name in ACCOUNT_COLUMNS}
    true_id = roster["true_customer_id"].to_numpy()
    children = np.sort(np.concatenate([level1, level2]))
    hierarchy = pd.DataFrame({"true_customer_id": true_id[children], "parent_true_customer_id": true_id[parent[children]],
                              "level": np.where(np.isin(children, level2), 2, 1)})
    return Accounts(crm, primary, hierarchy)


def contacts_columns(rng: np.random.Generator, r: random.Random, roster: pd.DataFrame, acc: Accounts) -> dict:
    """People at the customers' accounts; the first is the billing contact of the roster."""
    account = np.flatnonzero(acc.records.copy == 0)
    counts = 1 + np.minimum(rng.poisson(0.7, len(account)), 3)
    record = np.repeat(account, counts)
    nth = np.arange(len(record)) - np.repeat(np.cumsum(counts) - counts, counts)
    owner = acc.records.owner[record]
    first_pick = rng.integers(0, len(vocab.FIRST_NAMES), len(record))
    last_pick = rng.integers(0, len(vocab.LAST_NAMES), len(record))
    created = np.minimum(acc.records.created[record] + rng.integers(0, 200 * 86400, len(record)).astype("timedelta64[s]")
                         * (nth > 0), WINDOW_END)
    modstamp = np.minimum(created + rng.integers(0, 120 * 86400, len(record)).astype("timedelta64[s]"), WINDOW_END)
    fields = roster[["first_name", "last_name", "domain", "phone_cc", "phone_national", "street", "street_type", "line2",
                     "city", "region_code", "region_name", "postal_code", "country"]]
    rows = []
    for row, k, fp, lp in zip(fields.iloc[owner].itertuples(index=False), nth, first_pick, last_pick):
        first, last = (row.first_name, row.last_name) if k == 0 else (vocab.FIRST_NAMES[fp], vocab.LAST_NAMES[lp])
        email = f"{slug(first)}.{slug(last)}@{row.domain}"
        email = "" if r.random() < 0.05 else email_variant(email, r)
        phone = "" if r.random() < 0.3 else phone_text(row.phone_cc, row.phone_national, r, formal=0.6)
        if phone and r.random() < 0.3:
            phone += f" x{r.randrange(100, 999)}"
        if r.random() < 0.5:
            line1, line2 = street_lines(row.street, row.street_type, row.line2, r, long_type=0.6)
            address = (line1 if not line2 else f"{line1}\n{line2}", city_text(row.city, r),
                       row.region_code if row.country in ("US", "CA") else "", postal_text(row.country, row.postal_code, r),
                       country_text(row.country, r, iso=0.3))
        else:
            address = ("", "", "", "", "")
        rows.append((first if r.random() > 0.03 else "", last, email, phone, pick(r, _TITLES), *address))
    keys = ("FirstName", "LastName", "Email", "Phone", "Title", "MailingStreet", "MailingCity", "MailingState",
            "MailingPostalCode", "MailingCountry")
    values = dict(zip(keys, map(list, zip(*rows)))) if rows else {k: [] for k in keys}
    return {"Id": ids.salesforce_ids(rng, len(record), "003"), "AccountId": acc.records.ids[record], **values,
            "CreatedDate": salesforce_time_text(created), "SystemModstamp": salesforce_time_text(modstamp)}


def opportunities_columns(rng: np.random.Generator, roster: pd.DataFrame, acc: Accounts) -> dict:
    account = np.flatnonzero(acc.records.copy == 0)
    counts = rng.poisson(1.3, len(account))
    record = np.repeat(account, counts)
    owner = acc.records.owner[record]
    n = len(record)
    stage = rng.choice(len(_STAGES), n, p=_STAGE_P)
    closed = stage >= 6
    earliest = np.maximum(acc.records.created[record], np.datetime64("2024-06-01T00:00:00", "s"))
    span = np.maximum((WINDOW_END - 30 * DAY - earliest).astype(np.int64), 1)
    created = earliest + (rng.random(n) * span).astype(np.int64).astype("timedelta64[s]")
    close_closed = np.minimum(created + rng.integers(10, 120, n).astype("timedelta64[D]"), WINDOW_END)
    close_open = np.datetime64("2026-01-15") + rng.integers(0, 165, n).astype("timedelta64[D]")
    close = np.where(closed, close_closed.astype("datetime64[D]"), close_open)
    modstamp = np.where(closed, np.minimum(close_closed + rng.integers(0, 86400, n).astype("timedelta64[s]"), WINDOW_END),
                        np.minimum(created + rng.integers(0, 60 * 86400, n).astype("timedelta64[s]"), WINDOW_END))
    amount = np.round(np.exp(rng.normal(9.3, 1.0, n)), -1).astype(np.int64) * 100
    names = roster["name"].to_numpy()[owner]
    kinds = rng.integers(0, len(_OPPORTUNITY_KINDS), n)
    name = [f"{a} - {_OPPORTUNITY_KINDS[k]}" for a, k in zip(names, kinds)]
    boolean = np.array(["false", "true"])
    return {"Id": ids.salesforce_ids(rng, n, "006"), "AccountId": acc.records.ids[record], "Name": name,
            "StageName": _STAGES[stage], "Amount": api_number_text(amount),
            "CurrencyIsoCode": roster["currency"].to_numpy()[owner], "CloseDate": date_text(close),
            "Probability": api_number_text(_PROBABILITY[stage] * 100), "IsWon": boolean[(stage == 6).astype(int)],
            "IsClosed": boolean[closed.astype(int)], "CreatedDate": salesforce_time_text(created),
            "SystemModstamp": salesforce_time_text(modstamp)}


@dataclass
class Products:
    columns: dict
    ids: np.ndarray      # per catalogue row of the CRM pool
    unknown: np.ndarray  # valid-looking Product2 ids that are in no export (planted faults)
    truth: pd.DataFrame  # source_system, source_id, true_item_id, true_sku


def products(rng: np.random.Generator, r: random.Random, pool: pd.DataFrame, n_unknown: int) -> Products:
    """Product2: one per item the sales team sells, its SKU spelled in ProductCode and StockKeepingUnit."""
    n = len(pool)
    all_ids = ids.salesforce_ids(rng, n + n_unknown, "01t").to_numpy(zero_copy_only=False)
    product_id, unknown = all_ids[:n], all_ids[n:]
    skus = pool["sku"].to_numpy()
    code = [sku_spelling(s, r) for s in skus]
    keeping = ["" if r.random() < 0.35 else sku_spelling(s, r) for s in skus]
    default = pool["variant_title"].to_numpy() == "Default Title"
    name = np.where(default, pool["product_title"].to_numpy(), pool["product_title"].to_numpy() + " " +
                    pool["variant_title"].to_numpy())
    description = np.where(rng.random(n) < 0.4, "", pool["family"].to_numpy() + ": " + name)
    created = pool["created"].to_numpy().astype("datetime64[s]") + rng.integers(0, 7 * 86400, n).astype("timedelta64[s]")
    modstamp = np.minimum(np.maximum(created, START) + rng.integers(0, 365 * 86400, n).astype("timedelta64[s]"), WINDOW_END)
    columns = {"Id": product_id, "Name": name, "ProductCode": code, "StockKeepingUnit": keeping,
               "Family": pool["family"].to_numpy(), "Description": description,
               "IsActive": np.where(rng.random(n) < 0.95, "true", "false"),
               "CreatedDate": salesforce_time_text(created), "SystemModstamp": salesforce_time_text(modstamp)}
    truth = pd.DataFrame({"source_system": "crm", "source_id": product_id, "true_item_id": pool["true_item_id"].to_numpy(),
                          "true_sku": skus})
    return Products(columns, product_id, unknown, truth)


@dataclass
class OrderFiles:
    orders: dict
    lines: dict
    truth: pd.DataFrame   # order_truth rows
    faults: list          # (file, source_id, fault)


def orders(rng: np.random.Generator, inv: pd.DataFrame, roster: pd.DataFrame, acc: Accounts, book: Orders,
           prod: Products, n_faults: int) -> OrderFiles:
    """Order and OrderItem of every invoice ordered through sales, with the planted faults."""
    o, lines = book.orders, book.lines
    n = len(o)
    invoice = o["invoice"].to_numpy()
    owner = o["owner"].to_numpy()
    issue = inv["issue_date"].to_numpy().astype("datetime64[s]")[invoice]
    account = acc.primary[owner]
    time_of_day = rng.integers(8 * 3600, 18 * 3600, n).astype("timedelta64[s]")
    placed = issue - rng.integers(0, 11, n).astype("timedelta64[D]") + time_of_day
    placed = np.where(placed < START, issue + time_of_day, placed)  # the window starts with the first invoices
    # now and then the order went onto a duplicate account of the customer, if it existed by then
    dup = _duplicate_account(acc, owner)
    use_dup = (dup >= 0) & (rng.random(n) < 0.3)
    use_dup &= acc.records.created[np.maximum(dup, 0)] < placed
    account = np.where(use_dup, dup, account)
    created = np.minimum(np.maximum(placed, acc.records.created[account] + np.timedelta64(3600, "s")), WINDOW_END)
    sequence = np.argsort(created, kind="stable")
    o = o.iloc[sequence].reset_index(drop=True)
    invoice, account, created = invoice[sequence], account[sequence], created[sequence]
    lines = regroup(lines, sequence)
    status = inv["status"].to_numpy()[invoice]
    modstamp = np.minimum(created + rng.integers(60, 3 * 86400, n).astype("timedelta64[s]")
                          + (status == "void") * rng.integers(1, 20, n).astype("timedelta64[D]"), WINDOW_END)
    order_id = ids.salesforce_ids(rng, n, "801").to_numpy(zero_copy_only=False)
    subtotal = inv["subtotal"].to_numpy()[invoice]
    po = inv["po_number"].to_numpy()[invoice]
    currency = inv["currency"].to_numpy()[invoice].astype(str)
    order_cols = {"Id": order_id, "AccountId": acc.records.ids[account], "OrderNumber": [f"{i:08d}" for i in range(100, 100 + n)],
                  "Status": np.where(status == "void", "Cancelled", "Activated"), "EffectiveDate": date_text(created),
                  "TotalAmount": api_number_text(subtotal), "CurrencyIsoCode": currency,
                  "Invoice_Number__c": inv["invoice_number"].to_numpy()[invoice],
                  "Description": np.where(po != "", np.char.add("PO ", po.astype(str)), ""),
                  "CreatedDate": salesforce_time_text(created), "SystemModstamp": salesforce_time_text(modstamp)}
    m = len(lines)
    line_order = lines["order"].to_numpy()
    product = prod.ids[lines["item"].to_numpy()].copy()
    faults = []
    line_id = ids.salesforce_ids(rng, m, "802").to_numpy(zero_copy_only=False)
    if m and n_faults:  # a line for a product that is in no export (deleted, or from another org)
        bad = np.sort(rng.choice(m, size=min(m, n_faults), replace=False))
        product[bad] = prod.unknown[np.arange(len(bad)) % len(prod.unknown)]
        faults += [("crm/order_items.csv", line_id[i], "unknown_product") for i in bad]
    line_cols = {"Id": line_id, "OrderId": order_id[line_order], "Product2Id": product,
                 "OrderItemNumber": [f"{i:010d}" for i in range(1, m + 1)],
                 "Quantity": api_number_text(lines["quantity"].to_numpy() * 100),
                 "CurrencyIsoCode": currency[line_order],   # the order's, as multi-currency orgs expose it
                 "UnitPrice": api_number_text(lines["unit"].to_numpy()), "TotalPrice": api_number_text(lines["total"].to_numpy()),
                 "Description": np.full(m, "", dtype=object),
                 "CreatedDate": salesforce_time_text(created[line_order]),
                 "SystemModstamp": salesforce_time_text(modstamp[line_order])}
    if n and n_faults:  # an overlapping re-export: the same Order row twice
        copies = np.sort(rng.choice(n, size=min(n, n_faults), replace=False))
        order_cols = with_copies(rng, order_cols, copies)
        faults += [("crm/orders.csv", order_id[i], "duplicate") for i in copies]
    truth = pd.DataFrame({"source_system": "crm", "source_id": order_id,
                          "true_customer_id": roster["true_customer_id"].to_numpy()[o["owner"].to_numpy()],
                          "invoice_number": inv["invoice_number"].to_numpy()[invoice],
                          "currency": currency, "subtotal_minor": subtotal, "tax_minor": 0, "total_minor": subtotal,
                          "line_count": o["n_lines"].to_numpy()})
    return OrderFiles(order_cols, line_cols, truth, faults)


def _duplicate_account(acc: Accounts, owner: np.ndarray) -> np.ndarray:
    """Per owner: index of a second account record, -1 if none."""
    second = np.full(len(acc.primary), -1, dtype=np.int64)
    later = np.flatnonzero(acc.records.copy > 0)
    second[acc.records.owner[later]] = later
    return second[owner]
