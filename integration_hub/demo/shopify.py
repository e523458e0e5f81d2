"""The Shopify store: consumers, products with variants, orders with lines, and refunds.

Flattened GraphQL Admin nodes: ids are GIDs ('gid://shopify/Order/5012345678901'), timestamps
ISO 8601 UTC ('2025-03-01T12:00:00Z'), money decimal strings ('19.90'). Catalogue prices are in
the shop's currency (USD); an order is in its customer's currency (the invoice's), as Shopify
Markets sells it.
"""

import random
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from integration_hub.demo.catalogue import sku_spelling
from integration_hub.demo.csvtext import as_text, iso_z_text, major_text
from integration_hub.demo.orders import Orders, regroup, with_copies
from integration_hub.demo.text import ascii_fold
from integration_hub.demo.variants import _typo, city_text, email_variant, phone_text, pick, postal_text, street_lines
from integration_hub.demo.window import END

WINDOW_END = END - np.timedelta64(1, "s")
SHOP_CURRENCY = "USD"
_REFUND_NOTES = {"requested_by_customer": ("Customer request", "Returned by customer", ""), "duplicate": ("Duplicate order",),
                 "fraudulent": ("Fraud",), "": ("",)}


def gids(rng: np.random.Generator, kind: str, n: int, start: int) -> np.ndarray:
    """Increasing GIDs (Shopify ids grow with creation time), unique by construction."""
    numbers = start + np.cumsum(rng.integers(1, 90_000, n, dtype=np.int64))
    return np.asarray(pc.binary_join_element_wise(f"gid://shopify/{kind}/", as_text(numbers), ""), dtype=object) \
        if n else np.array([], dtype=object)


@dataclass
class ShopCustomers:
    owner: np.ndarray     # roster index per customer record
    copy: np.ndarray      # 0 = the customer's first account
    created: np.ndarray
    ids: np.ndarray
    primary: np.ndarray   # per roster row: record index of its first account, -1 for companies


def customer_records(rng: np.random.Generator, roster: pd.DataFrame) -> ShopCustomers:
    """Every consumer has a store account; a few made a second one (another email) later."""
    consumers = np.flatnonzero(roster["is_b2c"].to_numpy())
    counts = 1 + (rng.random(len(consumers)) < 0.03)
    owner = np.repeat(consumers, counts)
    copy = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    since = roster["since"].to_numpy().astype("datetime64[s]")[owner]
    later = rng.integers(1, 300 * 86400, len(owner)).astype("timedelta64[s]") * (copy > 0)
    created = np.minimum(since + rng.integers(0, 2 * 86400, len(owner)).astype("timedelta64[s]") + later,
                         WINDOW_END - np.timedelta64(86400, "s"))
    sequence = np.argsort(created, kind="stable")
    owner, copy, created = owner[sequence], copy[sequence], created[sequence]
    primary = np.full(len(roster), -1, dtype=np.int64)
    primary[owner[copy == 0]] = np.flatnonzero(copy == 0)
    return ShopCustomers(owner, copy, created, gids(rng, "Customer", len(owner), 6_400_000_000_000), primary)


def customers_columns(r: random.Random, roster: pd.DataFrame, sc: ShopCustomers) -> dict:
    """The customer export without updatedAt (known once the orders are: the caller appends it)."""
    fields = roster[["first_name", "last_name", "email", "phone_cc", "phone_national", "street", "street_type", "line2",
                     "city", "region_code", "postal_code", "country"]]
    rows = []
    for row, k in zip(fields.iloc[sc.owner].itertuples(index=False), sc.copy):
        first, last = _person(row.first_name, row.last_name, r, bool(k))
        roll = r.random()
        phone = "" if roll < 0.55 else (f"+{row.phone_cc}{row.phone_national}" if roll < 0.9 else
                                         phone_text(row.phone_cc, row.phone_national, r, formal=0.5))
        line1, line2 = street_lines(row.street, row.street_type, row.line2, r, long_type=0.5)
        rows.append((first, last, email_variant(row.email, r, bool(k)), phone, "", line1, line2, city_text(row.city, r),
                     row.region_code if row.country in ("US", "CA") else "", row.country,
                     postal_text(row.country, row.postal_code, r)))
    keys = ("firstName", "lastName", "email", "phone", "company", "address1", "address2", "city", "provinceCode",
            "countryCode", "zip")
    values = dict(zip(keys, map(list, zip(*rows)))) if rows else {k: [] for k in keys}
    return {"id": sc.ids, **values, "createdAt": iso_z_text(sc.created)}


def _person(first: str, last: str, r: random.Random, heavy: bool) -> tuple[str, str]:
    """A consumer typing their own name at checkout."""
    if not heavy and r.random() < 0.75:
        return first, last
    return pick(r, ((first.lower(), last.lower()), (first.upper(), last.upper()), (ascii_fold(first), ascii_fold(last)),
                    (first, _typo(last, r)), (first[0] + ".", last), (f"{first} ", last)))


@dataclass
class Variants:
    columns: dict
    ids: np.ndarray      # per catalogue row of the shop pool
    sku: np.ndarray      # the SKU as the store spells it
    name: np.ndarray     # line item name
    truth: pd.DataFrame


def variants(rng: np.random.Generator, r: random.Random, pool: pd.DataFrame) -> Variants:
    n = len(pool)
    group = pool["group"].to_numpy()
    groups, first = np.unique(group, return_index=True)
    product_gid = dict(zip(groups[np.argsort(first)], gids(rng, "Product", len(groups), 8_100_000_000_000)))
    variant_id = gids(rng, "ProductVariant", n, 44_000_000_000_000)
    sku = np.array([sku_spelling(s, r) for s in pool["sku"].to_numpy()], dtype=object)
    title = pool["product_title"].to_numpy()
    variant_title = pool["variant_title"].to_numpy()
    name = np.where(variant_title == "Default Title", title, title + " - " + variant_title)
    created = pool["created"].to_numpy().astype("datetime64[s]") + rng.integers(0, 86400, n).astype("timedelta64[s]")
    updated = np.minimum(created + rng.integers(0, 700 * 86400, n).astype("timedelta64[s]"), WINDOW_END)
    barcode = _ean13(rng.integers(10**11, 10**12, n, dtype=np.int64))
    columns = {"id": variant_id, "productId": np.array([product_gid[g] for g in group], dtype=object),
               "productTitle": title, "title": variant_title, "sku": sku,
               "barcode": np.where(rng.random(n) < 0.6, barcode, ""), "price": major_text(pool["price_minor"].to_numpy()),
               "currencyCode": np.full(n, SHOP_CURRENCY), "createdAt": iso_z_text(created), "updatedAt": iso_z_text(updated)}
    truth = pd.DataFrame({"source_system": "shop", "source_id": variant_id, "true_item_id": pool["true_item_id"].to_numpy(),
                          "true_sku": pool["sku"].to_numpy()})
    return Variants(columns, variant_id, sku, name, truth)


def _ean13(body: np.ndarray) -> np.ndarray:
    """12 digits (a GS1 company prefix '0' in front of 11) plus the EAN-13 check digit."""
    digits = (body[:, None] // 10 ** np.arange(11, -1, -1)) % 10
    check = (10 - (digits[:, 0::2].sum(axis=1) + 3 * digits[:, 1::2].sum(axis=1)) % 10) % 10
    return np.array([f"{b:012d}{c}" for b, c in zip(body, check)], dtype=object)


@dataclass
class ShopOrders:
    orders: dict
    lines: dict
    refunds: dict
    truth: pd.DataFrame
    faults: list
    customer_updated: np.ndarray   # per customer record: its updatedAt (last order or own creation)


def orders(rng: np.random.Generator, r: random.Random, inv: pd.DataFrame, roster: pd.DataFrame, sc: ShopCustomers,
           customer_email: list, book: Orders, var: Variants, stripe_refunds: pd.DataFrame, n_faults: int) -> ShopOrders:
    """Orders of the consumers' invoices; Stripe refunds of those invoices mirrored as order refunds."""
    o, lines = book.orders, book.lines
    n = len(o)
    invoice, owner = o["invoice"].to_numpy(), o["owner"].to_numpy()
    issue = inv["issue_date"].to_numpy().astype("datetime64[s]")[invoice]
    customer = sc.primary[owner]
    second = np.full(len(roster), -1, dtype=np.int64)
    second[sc.owner[sc.copy > 0]] = np.flatnonzero(sc.copy > 0)
    dup = second[owner]
    placed = issue + rng.integers(6 * 3600, 8 * 3600, n).astype("timedelta64[s]")  # checkout before the charge
    use_dup = (dup >= 0) & (rng.random(n) < 0.4) & (sc.created[np.maximum(dup, 0)] < placed)
    customer = np.where(use_dup, dup, customer)
    created = np.minimum(np.maximum(placed, sc.created[customer] + np.timedelta64(60, "s")), WINDOW_END)
    sequence = np.argsort(created, kind="stable")
    invoice, customer, created = invoice[sequence], customer[sequence], created[sequence]
    o = o.iloc[sequence].reset_index(drop=True)
    lines = regroup(lines, sequence)
    order_id = gids(rng, "Order", n, 5_900_000_000_000)
    number = inv["invoice_number"].to_numpy()[invoice]
    status = inv["status"].to_numpy()[invoice].astype(str)
    subtotal, tax = inv["subtotal"].to_numpy()[invoice], inv["tax"].to_numpy()[invoice]
    total = subtotal + tax
    currency = inv["currency"].to_numpy()[invoice].astype(str)
    cancelled = np.where(status == "void", created + rng.integers(3600, 5 * 86400, n).astype("timedelta64[s]"),
                         np.datetime64("NaT")).astype("datetime64[s]")
    cancelled = np.where(status == "void", np.minimum(cancelled, WINDOW_END), cancelled)

    # refunds: every Stripe refund of an ordered invoice, on the order
    position = pd.Series(np.arange(n), index=number)
    mirrored = stripe_refunds[stripe_refunds["invoice_number"].isin(position.index)]
    ref_order = position.loc[mirrored["invoice_number"]].to_numpy()
    ref_created = np.maximum(mirrored["created"].to_numpy().astype("datetime64[s]"), created[ref_order] + np.timedelta64(3600, "s"))
    ref_amount = mirrored["amount"].to_numpy().astype(np.int64)
    notes = [pick(r, _REFUND_NOTES.get(reason, ("",))) for reason in mirrored["reason"].to_numpy()]
    refunded = np.zeros(n, dtype=np.int64)
    np.add.at(refunded, ref_order, ref_amount)
    last_refund = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    if len(ref_order):
        frame = pd.DataFrame({"o": ref_order, "t": ref_created}).groupby("o")["t"].max()
        last_refund[frame.index.to_numpy()] = frame.to_numpy()
    financial = np.where(status == "void", "VOIDED", np.where(status == "open", "PENDING", "PAID"))
    financial = np.where(refunded >= total, "REFUNDED", np.where(refunded > 0, "PARTIALLY_REFUNDED", financial))
    faults = []
    # planted: a refund larger than its order (a decimal point slipped), on orders without another refund
    n_bad = min(n, n_faults)
    if n_bad:
        candidates = np.flatnonzero((financial == "PAID") & (refunded == 0))
        if len(candidates) < n_bad:
            candidates = np.arange(n)
        bad_order = np.sort(rng.choice(candidates, size=n_bad, replace=False))
        bad_amount = np.where(rng.random(n_bad) < 0.5, total[bad_order] * 10,
                              total[bad_order] + rng.integers(100, 5000, n_bad))
        bad_created = np.minimum(created[bad_order] + rng.integers(86400, 20 * 86400, n_bad).astype("timedelta64[s]"),
                                 WINDOW_END)
        ref_order = np.concatenate([ref_order, bad_order])
        ref_created = np.concatenate([ref_created, bad_created])
        ref_amount = np.concatenate([ref_amount, bad_amount])
        notes += ["Customer request"] * n_bad
        is_bad = np.concatenate([np.zeros(len(mirrored), dtype=bool), np.ones(n_bad, dtype=bool)])
    else:
        is_bad = np.zeros(len(mirrored), dtype=bool)
    ref_sequence = np.lexsort((ref_order, ref_created))
    ref_order, ref_created, ref_amount = ref_order[ref_sequence], ref_created[ref_sequence], ref_amount[ref_sequence]
    notes, is_bad = np.asarray(notes, dtype=object)[ref_sequence], is_bad[ref_sequence]
    refund_id = gids(rng, "Refund", len(ref_order), 970_000_000_000)
    faults += [("shop/refunds.csv", refund_id[i], "refund_exceeds_order_total") for i in np.flatnonzero(is_bad)]

    paid_at = inv["paid_at"].to_numpy().astype("datetime64[s]")[invoice]
    latest = created.copy()
    for when in (paid_at, cancelled, last_refund):
        latest = np.where(~np.isnat(when) & (when > latest), when, latest)
    updated = np.minimum(latest + rng.integers(0, 3600, n).astype("timedelta64[s]"), WINDOW_END)
    email = np.asarray(customer_email, dtype=object)[customer]
    order_cols = {"id": order_id, "name": [f"#{i}" for i in range(1001, 1001 + n)],
                  "email": np.where(rng.random(n) < 0.97, email, ""), "customerId": sc.ids[customer],
                  "createdAt": iso_z_text(created), "updatedAt": iso_z_text(updated), "processedAt": iso_z_text(created),
                  "cancelledAt": iso_z_text(cancelled), "currencyCode": currency, "subtotal": major_text(subtotal),
                  "totalTax": major_text(tax), "total": major_text(total), "totalRefunded": major_text(refunded),
                  "displayFinancialStatus": financial, "invoiceNumber": number}

    m = len(lines)
    item = lines["item"].to_numpy()
    line_order = lines["order"].to_numpy()
    quantity, unit = lines["quantity"].to_numpy(), lines["unit"].to_numpy()
    discounted = rng.random(m) < 0.1  # a discount code: the list price was higher than what was paid
    original = np.where(discounted, unit + np.maximum(unit // 9, 1), unit)
    sku, variant, name = var.sku[item].copy(), var.ids[item].copy(), var.name[item].copy()
    line_id = gids(rng, "LineItem", m, 14_200_000_000_000)
    if m and n_faults:  # a line whose product is in no export: SKU and variant unknown to the catalogue
        bad = np.sort(rng.choice(m, size=min(m, n_faults), replace=False))
        sku[bad] = [f"ZZ-{9000 + j}" for j in range(len(bad))]
        variant[bad] = gids(rng, "ProductVariant", len(bad), 99_000_000_000_000)
        name[bad] = "Custom item"
        faults += [("shop/order_lines.csv", line_id[i], "unknown_product") for i in bad]
    line_cols = {"id": line_id, "orderId": order_id[line_order], "sku": sku, "name": name, "quantity": quantity,
                 "originalUnitPrice": major_text(original), "discountedTotal": major_text(lines["total"].to_numpy()),
                 "currencyCode": currency[line_order], "variantId": variant}
    refund_cols = {"id": refund_id, "orderId": order_id[ref_order], "createdAt": iso_z_text(ref_created),
                   "amount": major_text(ref_amount), "currencyCode": currency[ref_order], "note": notes}
    if n and n_faults:
        copies = np.sort(rng.choice(n, size=min(n, n_faults), replace=False))
        order_cols = with_copies(rng, order_cols, copies)
        faults += [("shop/orders.csv", order_id[i], "duplicate") for i in copies]
    truth = pd.DataFrame({"source_system": "shop", "source_id": order_id,
                          "true_customer_id": roster["true_customer_id"].to_numpy()[o["owner"].to_numpy()],
                          "invoice_number": number, "currency": currency, "subtotal_minor": subtotal, "tax_minor": tax,
                          "total_minor": total, "line_count": o["n_lines"].to_numpy()})
    customer_updated = sc.created.copy()
    if n:
        last = pd.Series(updated).groupby(customer).max()
        idx = last.index.to_numpy()
        customer_updated[idx] = np.maximum(customer_updated[idx], last.to_numpy().astype("datetime64[s]"))
    return ShopOrders(order_cols, line_cols, refund_cols, truth, faults, customer_updated)
