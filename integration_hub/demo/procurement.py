"""Phase 3 procurement in Coupa: suppliers, purchase orders with their lines, what was received.

Stock suppliers (US, USD) replenish the warehouse: their order lines name the item by SKU
(``part_number``) at the item's unit cost, and what is received lands at the order's fulfilment
centre, so the warehouse's stock conserves with these receipts. Other suppliers sell services and
supplies on free-text lines in their own currency. Most suppliers carry a tax id, a remit-to bank
account and an address: realistic-looking, fake, and written only into the export (never into the
truth). One supplier is planted twice, spelled two ways, with the same tax id and bank account.
Quantities are Coupa's decimal text ("120.0"); amounts two-decimal text, so lines are exact cents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from integration_hub.demo import vocab
from integration_hub.demo.declared import columns_for
from integration_hub.demo.ids import iban
from integration_hub.demo.operations import LOCATIONS, Stock
from integration_hub.demo.planted import BadRow, plant
from integration_hub.demo.window import END, START

WINDOW_END = END - np.timedelta64(1, "s")
DUPLICATE_NAMES = ("Acme Industrial Supply, Inc.", "ACME INDUSTRIAL SUPPLY")
_STOCK_WORDS = ("Industrial Supply", "Components", "Manufacturing", "Electronics", "Textiles", "Plastics", "Packaging")
_OTHER_WORDS = ("Logistics", "Consulting", "IT Services", "Facilities", "Marketing", "Print & Label", "Staffing",
                "Freight", "Office Supply", "Cleaning Services")
_OTHER_LINES = ("Consulting hours", "Monthly service fee", "Office supplies", "Freight charges", "Printing",
                "Temporary staff", "Cleaning", "Software licence", "Repairs and maintenance", "Marketing campaign")
_TERMS = ("Net 30", "Net 30", "Net 30", "Net 45", "Net 60", "2/10 Net 30", "Due on receipt")
_COUNTRY = np.array(["US", "DE", "GB", "FR"])
_COUNTRY_P = np.array([0.75, 0.1, 0.1, 0.05])
_CURRENCY = {"US": "USD", "DE": "EUR", "GB": "GBP", "FR": "EUR"}
_LEGAL = {"US": vocab.US_LEGAL[:6], "GB": vocab.GB_LEGAL, "DE": vocab.DE_LEGAL, "FR": vocab.FR_LEGAL}


def supplier_count(scale: int) -> int:
    return int(np.clip(round(0.06 * scale), 30, 1500))


def order_count(scale: int) -> int:
    return int(np.clip(round(0.15 * scale), 40, 20_000))


@dataclass
class Procurement:
    files: dict            # file -> columns
    truth: dict            # truth file name -> frame
    received: np.ndarray   # units received [stocked item, location]
    awaiting: np.ndarray   # units ordered, not yet received, on open orders [stocked item, location]
    faults: list
    bad_rows: list
    quarantine: list
    summary: dict


def build(rng: np.random.Generator, scale: int, stock: Stock, shipped: np.ndarray, layouts: dict) -> Procurement:
    """``shipped``: units the warehouse shipped [stocked item, location], what replenishment follows."""
    sup = _suppliers(rng, supplier_count(scale))
    n_sup = len(sup["id"])
    po = _orders(rng, order_count(scale), sup, stock, shipped.sum(axis=1))
    received = np.zeros(stock.at.shape, dtype=np.int64)
    awaiting = np.zeros(stock.at.shape, dtype=np.int64)
    lines = po["lines"]
    stocked = lines["item"] >= 0
    live = stocked & (lines["status"] != "cancelled")
    np.add.at(received, (lines["item"][live], lines["location"][live]), lines["received"][live])
    open_ = live & (lines["status"] == "issued")
    np.add.at(awaiting, (lines["item"][open_], lines["location"][open_]), (lines["quantity"] - lines["received"])[open_])

    files, bad_rows, quarantine = {}, [], []
    lay = layouts["procurement/suppliers"]
    sup_cols = columns_for(lay, sup, n_sup)
    top = max(int(i) for i in sup["id"])
    sup_cols, bad, q = plant(rng, lay.system, lay.entity, lay.file, sup_cols, "id", [
        BadRow(2, {"id": str(top + 3), "name": ""}, "name", "missing_required", "cleaned", "name.required"),
        BadRow(3, {"id": str(top + 5), "status": ""}, "status", "missing_required", "cleaned", "status.required")])
    files[lay.file], bad_rows, quarantine = sup_cols, bad_rows + bad, quarantine + q

    lay = layouts["procurement/purchase_orders"]
    head_cols = columns_for(lay, po["headers"], len(po["headers"]["id"]))
    top = max(int(i) for i in head_cols["id"])
    head_cols, bad, q = plant(rng, lay.system, lay.entity, lay.file, head_cols, "id", [
        BadRow(0, {"id": str(top + 3), "po_number": f"PO-{top + 3:06d}", "total": "-120.00"}, "total",
               "negative_amount", "cleaned", "total.min(0)"),
        BadRow(1, {"id": str(top + 5), "po_number": f"PO-{top + 5:06d}", "supplier_id": ""}, "supplier_id",
               "missing_required", "cleaned", "supplier_id.required")])
    files[lay.file], bad_rows, quarantine = head_cols, bad_rows + bad, quarantine + q
    lay = layouts["procurement/purchase_order_lines"]
    line_cols = columns_for(lay, po["line_text"], len(po["line_text"]["id"]))
    top = max(int(i) for i in line_cols["id"])
    line_cols, bad, q = plant(rng, lay.system, lay.entity, lay.file, line_cols, "id", [
        BadRow(0, {"id": str(top + 2), "line_num": "99", "quantity": "-5.0"}, "quantity", "negative_quantity",
               "mapped", "purchase_order_line.quantity:greater_than(0)"),
        BadRow(1, {"id": str(top + 4), "line_num": "98", "price": "0.015", "total": "15.00", "quantity": "1000"},
               "price", "price_finer_than_a_cent", "cleaned", "price.amount_precision"),
        BadRow(2, {"id": str(top + 6), "line_num": "97", "total": ""}, "total", "missing_required", "cleaned",
               "total.required")])
    files[lay.file], bad_rows, quarantine = line_cols, bad_rows + bad, quarantine + q

    dup = sup["duplicate_of"]
    faults = [("procurement/suppliers.csv", sup["id"][i], "duplicate_supplier", sup["id"][dup[i]])
              for i in range(n_sup) if dup[i] >= 0]
    true_vendor = np.array([f"TV-{(dup[i] if dup[i] >= 0 else i) + 1:05d}" for i in range(n_sup)], dtype=object)
    supplier_truth = pd.DataFrame({"source_id": sup["id"], "true_vendor_id": true_vendor, "name": sup["name"],
                                   "kind": sup["kind"], "country": sup["country"], "currency": sup["currency"],
                                   "has_tax_id": sup["tax_id"] != "", "has_bank_account": sup["bank_account"] != ""})
    head = po["headers"]
    vendor_of = pd.Series(true_vendor, index=sup["id"])
    order_truth = pd.DataFrame({"source_id": head["id"], "po_number": head["po_number"], "supplier_id": head["supplier_id"],
                                "true_vendor_id": vendor_of.loc[head["supplier_id"]].to_numpy(),
                                "status": head["status"], "currency": head["currency"], "total_minor": po["total_minor"],
                                "line_count": po["line_count"], "stock": po["stock"],
                                "location_id": np.where(po["stock"], [LOCATIONS[i][0] for i in po["location"]], ""),
                                "received": po["received"]})
    summary = {"suppliers": n_sup, "duplicate_suppliers": [[sup["id"][dup[i]], sup["id"][i]] for i in range(n_sup)
                                                           if dup[i] >= 0],
               "purchase_orders": len(head["id"]), "purchase_order_lines": len(lines["item"]),
               "received_lines": int((lines["received"] > 0).sum()), "units_received": int(received.sum()),
               "purchase_order_total_minor": {c: int(po["total_minor"][head["currency"] == c].sum())
                                              for c in sorted(set(head["currency"]))}}
    return Procurement(files, {"supplier_truth.csv": supplier_truth, "purchase_order_truth.csv": order_truth},
                       received, awaiting, faults, bad_rows, quarantine, summary)


def _suppliers(rng: np.random.Generator, n: int) -> dict:
    """Supplier records in Coupa's id order; the last is the planted second spelling of the first stock one."""
    country = rng.choice(_COUNTRY, n, p=_COUNTRY_P)
    kind = np.where((rng.random(n) < 0.3) & (country == "US"), "stock", "other").astype(object)
    kind[0], country[0] = "stock", "US"          # Acme, the supplier planted twice
    names, seen = [], set()
    prefix, root = rng.integers(0, len(vocab.NAME_PREFIXES), n), rng.integers(0, len(vocab.NAME_ROOTS), n)
    word, legal = rng.integers(0, 100, n), rng.integers(0, 100, n)
    for i in range(n):
        words = _STOCK_WORDS if kind[i] == "stock" else _OTHER_WORDS
        brand = vocab.NAME_PREFIXES[prefix[i]] + vocab.NAME_ROOTS[root[i]]
        suffix = _LEGAL[country[i]][legal[i] % len(_LEGAL[country[i]])]
        name = DUPLICATE_NAMES[0] if i == 0 else f"{brand} {words[word[i] % len(words)]}" + \
            (f", {suffix}" if suffix and country[i] == "US" and legal[i] % 3 == 0 else f" {suffix}" if suffix else "")
        while name in seen:
            name = f"{brand} {words[(word[i] + len(seen)) % len(words)]} {len(seen)}"
        seen.add(name)
        names.append(name)
    created = START - rng.integers(30, 6 * 365, n).astype("timedelta64[D]").astype("timedelta64[s]") \
        + rng.integers(0, 86400, n).astype("timedelta64[s]")
    created = np.sort(created)
    updated = np.minimum(created + rng.integers(0, 900 * 86400, n).astype("timedelta64[s]"), WINDOW_END)
    has_tax, has_bank = rng.random(n) < 0.8, rng.random(n) < 0.7
    has_tax[0] = has_bank[0] = True
    tax = np.array([_tax_id(rng, c) if t else "" for c, t in zip(country, has_tax)], dtype=object)
    bank = np.array([_bank_account(rng, c) if b else "" for c, b in zip(country, has_bank)], dtype=object)
    routing = np.array([f"{int(rng.integers(10**8, 10**9))}" if b and c == "US" else "" for c, b in
                        zip(country, has_bank)], dtype=object)
    street, city, region, postal = zip(*(_address(rng, c) for c in country))
    slug = [n_.split(",")[0].split(" ")[0].lower() for n_ in names]
    ids = 100 + np.cumsum(rng.integers(1, 9, n + 1))
    out = {"id": ids[:n].astype(str).astype(object), "name": np.array(names, dtype=object),
           "number": np.array([f"SUP-{k:05d}" for k in range(1, n + 1)], dtype=object),
           "status": np.where(rng.random(n) < 0.93, "active", "inactive").astype(object),
           "payment_term": np.array([_TERMS[j % len(_TERMS)] for j in rng.integers(0, 100, n)], dtype=object),
           "email": np.array([f"{m}@{s}{vocab.TLD[c]}" for m, s, c in
                              zip(rng.choice(["ar", "billing", "accounts", "sales"], n), slug, country)], dtype=object),
           "created_at": _iso(created), "updated_at": _iso(updated), "tax_id": tax, "bank_account": bank,
           "bank_routing": routing,
           "remit_to_code": np.where(has_bank, [f"RT-{k:05d}" for k in range(1, n + 1)], "").astype(object),
           "address_line1": np.array(street, dtype=object),
           "address_line2": np.where(rng.random(n) < 0.2, [f"Suite {int(x)}" for x in rng.integers(100, 900, n)],
                                     "").astype(object),
           "city": np.array(city, dtype=object), "region": np.array(region, dtype=object),
           "postal_code": np.array(postal, dtype=object), "country": country.astype(object),
           "currency": np.array([_CURRENCY[c] for c in country], dtype=object),
           "phone": np.array([f"+1 {int(a)} 555 {int(b):04d}" if c == "US" else "" for a, b, c in
                              zip(rng.integers(201, 989, n), rng.integers(0, 10000, n), country)], dtype=object),
           "kind": kind, "duplicate_of": np.full(n + 1, -1)}
    # the second spelling of supplier 0, created later by someone who did not find it: same tax id, same account
    later = min(created[0] + np.timedelta64(400 * 86400, "s"), WINDOW_END)
    extra = {"id": str(ids[n]), "name": DUPLICATE_NAMES[1], "number": f"SUP-{n + 1:05d}", "status": "active",
             "email": "AR@ACME.COM", "created_at": _iso(np.array([later]))[0],
             "updated_at": _iso(np.array([later]))[0]}
    for key, values in out.items():
        if key != "duplicate_of":
            out[key] = np.append(values, extra.get(key, values[0])).astype(object)
    out["duplicate_of"][n] = 0
    out["email"][0] = "ar@acme.com"
    out["status"][0] = "active"
    return out


def _orders(rng: np.random.Generator, n: int, sup: dict, stock: Stock, demand: np.ndarray) -> dict:
    """Purchase orders over the window, each with 1-5 lines; old issued orders are received in part."""
    ids = sup["id"]
    active = np.flatnonzero(sup["status"] == "active")
    stock_sup = active[sup["kind"][active] == "stock"]
    other_sup = active[sup["kind"][active] != "stock"]
    is_stock = rng.random(n) < 0.45
    supplier = np.where(is_stock, stock_sup[rng.integers(0, len(stock_sup), n)],
                        other_sup[rng.integers(0, max(len(other_sup), 1), n)] if len(other_sup) else
                        stock_sup[rng.integers(0, len(stock_sup), n)])
    is_stock = sup["kind"][supplier] == "stock"
    created = np.sort(START + rng.integers(0, 360 * 86400, n).astype("timedelta64[s]"))
    age = (END - created) / np.timedelta64(86400, "s")
    roll = rng.random(n)
    status = np.where(roll < 0.04, "cancelled", np.where((age > 45) & (roll < 0.85), "closed", "issued")).astype(object)
    currency = np.where(is_stock, "USD", sup["currency"][supplier]).astype(object)
    location = rng.choice(len(LOCATIONS), n, p=[0.6, 0.25, 0.15])
    k = rng.integers(1, 6, n)
    order = np.repeat(np.arange(n), k)
    m = len(order)
    line_num = np.arange(m) - np.repeat(np.cumsum(k) - k, k) + 1
    stock_line = is_stock[order]
    # a stock line: an item held at the order's centre, bought at its unit cost
    line_location = location[order]
    draw = rng.random(m)
    item = np.full(m, -1, dtype=np.int64)
    for place in range(len(LOCATIONS)):
        held = np.flatnonzero(stock.at[:, place])
        rows = np.flatnonzero(stock_line & (line_location == place))
        item[rows] = held[(draw[rows] * len(held)).astype(np.int64)]
    # the year's replenishments of an item buy about what it ships, in fives
    buys = np.bincount(item[stock_line], minlength=len(stock.items))[np.maximum(item, 0)]
    share = demand[np.maximum(item, 0)] * rng.uniform(0.7, 1.2, m) / np.maximum(buys, 1)
    quantity = np.where(stock_line, 5 * np.maximum(1, np.round(share / 5)).astype(np.int64), rng.integers(1, 13, m))
    price = np.where(stock_line, stock.items["unit_cost_minor"].to_numpy()[np.maximum(item, 0)],
                     rng.integers(20, 2000, m) * 25)
    total = quantity * price
    line_status = status[order]
    partial = (line_status == "issued") & (age[order] > 20)
    received = np.where(line_status == "closed", quantity,
                        np.where(partial, (quantity * rng.uniform(0.2, 0.9, m)).astype(np.int64), 0))
    description = np.where(stock_line, stock.items["name"].to_numpy()[np.maximum(item, 0)],
                           np.array(_OTHER_LINES, dtype=object)[rng.integers(0, len(_OTHER_LINES), m)]).astype(object)
    updated = np.minimum(created + rng.integers(3600, 40 * 86400, n).astype("timedelta64[s]"), WINDOW_END)
    po_id = 2000 + np.cumsum(rng.integers(1, 5, n))
    line_id = 50_000 + np.cumsum(rng.integers(1, 4, m))
    received_text = np.where(received > 0, np.char.add(received.astype(str), ".0"),
                             np.where(line_status == "issued", "", "0.0")).astype(object)
    line_text = {"id": line_id.astype(str).astype(object), "order_id": po_id[order].astype(str).astype(object),
                 "line_num": line_num.astype(str).astype(object), "description": description,
                 "item_id": np.where(stock_line, (70_000 + np.maximum(item, 0)).astype(str), "").astype(object),
                 "part_number": np.where(stock_line, stock.items["sku"].to_numpy()[np.maximum(item, 0)], "").astype(object),
                 "quantity": np.char.add(quantity.astype(str), ".0").astype(object),
                 "uom": np.where(stock_line, "EA", np.where(rng.random(m) < 0.5, "EA", "HR")).astype(object),
                 "price": _major(price), "total": _major(total), "currency": currency[order],
                 "received": received_text, "updated_at": _iso(updated[order])}
    order_total = np.bincount(order, weights=total, minlength=n).astype(np.int64)
    headers = {"id": po_id.astype(str).astype(object), "po_number": np.array([f"PO-{i:06d}" for i in po_id], dtype=object),
               "status": status, "supplier_id": ids[supplier], "supplier_name": sup["name"][supplier],
               "currency": currency, "version": np.where(rng.random(n) < 0.9, "1", "2").astype(object),
               "created_at": _iso(created), "updated_at": _iso(updated), "total": _major(order_total)}
    return {"headers": headers, "line_text": line_text, "total_minor": order_total, "line_count": k,
            "stock": is_stock, "location": location,
            "received": np.bincount(order, weights=received, minlength=n) > 0,
            "lines": {"item": item, "location": location[order], "quantity": quantity, "received": received,
                      "status": line_status}}


def _tax_id(rng: np.random.Generator, country: str) -> str:
    digits = "".join(str(d) for d in rng.integers(0, 10, 9))
    if country == "US":
        return f"{int(rng.integers(10, 99))}-{digits[:7]}"          # EIN
    return f"{country}{digits}" if country != "FR" else f"FR{digits[:2]}{digits}"   # VAT


def _bank_account(rng: np.random.Generator, country: str) -> str:
    if country == "US":
        return "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(10, 13))))
    if country == "GB":
        return iban("GB", "NWBK" + "".join(str(d) for d in rng.integers(0, 10, 14)))
    return iban(country, "".join(str(d) for d in rng.integers(0, 10, 18 if country == "DE" else 23)))


def _address(rng: np.random.Generator, country: str) -> tuple[str, str, str, str]:
    number = int(rng.integers(1, 9999))
    if country == "US":
        city, code, _state, zip3, _ = vocab.US_CITIES[int(rng.integers(len(vocab.US_CITIES)))]
        street = vocab.US_STREETS[int(rng.integers(len(vocab.US_STREETS)))]
        return f"{number} {street} {vocab.STREET_TYPES[int(rng.integers(len(vocab.STREET_TYPES)))][0]}", city, code, \
            f"{zip3}{int(rng.integers(0, 100)):02d}"
    city, region, prefix, *_ = vocab.INTL_CITIES[country][int(rng.integers(len(vocab.INTL_CITIES[country])))]
    streets = {"DE": vocab.DE_STREETS, "FR": vocab.FR_STREETS, "GB": vocab.GB_STREETS}[country]
    street = streets[int(rng.integers(len(streets)))]
    line1 = f"{number % 200} {street}" if country != "DE" else f"{street} {number % 200}"
    postal = f"{prefix} {int(rng.integers(1, 9))}AB" if country == "GB" else f"{prefix}{int(rng.integers(0, 100)):02d}"
    return line1, city, region, postal


def _iso(ts: np.ndarray) -> np.ndarray:
    return np.char.add(np.datetime_as_string(np.asarray(ts, dtype="datetime64[s]"), unit="s"), "Z").astype(object)


def _major(minor: np.ndarray) -> np.ndarray:
    return np.array([f"{v // 100}.{v % 100:02d}" for v in np.asarray(minor, dtype=np.int64)], dtype=object)
