"""Phase 3 operations on the shop's orders: the ShipBob warehouse and the EasyPost labels.

Every paid Shopify order with a stocked item ships from one ShipBob fulfilment centre: a ShipBob
shipment names the order as ShipBob's store integration does (``order_reference_id`` = the number
of the Shopify order GID, ``order_number`` = its name "#1001"), with one line per SKU carrying the
quantity the order's lines add up to. Software (digital) and the planted unknown products are not
stocked, so they do not ship. Each fulfilment has one EasyPost label with the same carrier and
tracking number, ``reference`` = the same Shopify order id, and its postage, label and insurance
fees in exact integer cents. Stock per SKU and fulfilment centre conserves: opening + received
(the Coupa purchase order receipts) - shipped = on hand. Vectorised over orders and lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from integration_hub.demo.declared import columns_for
from integration_hub.demo.planted import BadRow, plant
from integration_hub.demo.window import END, START

WINDOW_END = END - np.timedelta64(1, "s")
LOCATIONS = (("228", "Moreno Valley (CA)"), ("101", "Cicero (IL)"), ("237", "Bethlehem (PA)"))
_LOCATION_STOCKED = np.array([1.0, 0.6, 0.45])     # the main centre holds every stocked item
_LOCATION_PICK = np.array([0.5, 0.3, 0.2])
UNSTOCKED_FAMILIES = ("Software", "Services")
# carrier, service, postage range in cents, per extra unit, EasyPost label fee
_DOMESTIC = (("USPS", "GroundAdvantage", 465, 890, 95, 5), ("USPS", "Priority", 895, 1650, 120, 5),
             ("UPS", "Ground", 1050, 1800, 110, 0), ("FedEx", "FEDEX_HOME_DELIVERY", 1100, 1900, 110, 0))
_ABROAD = (("DHLExpress", "ExpressWorldwideNonDoc", 3800, 6200, 350, 8),
           ("USPS", "PriorityMailInternational", 3200, 5200, 300, 5))
HOUR = np.timedelta64(3600, "s")
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


@dataclass
class Stock:
    """The items the warehouse holds: one row per stocked catalogue item."""
    items: pd.DataFrame   # true_item_id, sku, name, unit_cost_minor, product_id, inventory_id
    at: np.ndarray        # bool [item, location]: the centre holds the item


def stocked_items(rng: np.random.Generator, catalogue: pd.DataFrame) -> Stock:
    items = catalogue[~catalogue["family"].isin(UNSTOCKED_FAMILIES)].reset_index(drop=True)
    n = len(items)
    title, variant = items["product_title"].to_numpy(), items["variant_title"].to_numpy()
    name = np.where(variant == "Default Title", title, title + " - " + variant)
    cost = np.round(items["price_minor"].to_numpy() * rng.uniform(0.35, 0.6, n)).astype(np.int64)
    at = rng.random((n, len(LOCATIONS))) < _LOCATION_STOCKED
    frame = pd.DataFrame({"true_item_id": items["true_item_id"].to_numpy(), "sku": items["sku"].to_numpy(),
                          "name": name, "unit_cost_minor": np.maximum(cost, 1),
                          "product_id": 4_200_000 + np.cumsum(rng.integers(1, 400, n)),
                          "inventory_id": 9_100_000 + np.cumsum(rng.integers(1, 400, n))})
    return Stock(frame, at)


@dataclass
class Shipped:
    files: dict           # file -> columns (warehouse/shipments.csv, warehouse/shipment_lines.csv, shipping/shipments.csv)
    truth: dict           # truth file name -> frame
    moved: np.ndarray     # units shipped [item, location]
    faults: list          # (file, source_id, fault, detail)
    bad_rows: list
    quarantine: list
    summary: dict


def ship(rng: np.random.Generator, stock: Stock, shop_truth: pd.DataFrame, shop_lines: dict,
         variant_truth: pd.DataFrame, inv: pd.DataFrame, layouts: dict) -> Shipped:
    """The fulfilments and labels of the paid shop orders, plus one fulfilment of an order the shop never had."""
    order_ids = shop_truth["source_id"].to_numpy()
    sku_index = pd.Series(np.arange(len(stock.items)), index=stock.items["sku"].to_numpy())
    true_sku = pd.Series(variant_truth["true_sku"].to_numpy(), index=variant_truth["source_id"].to_numpy())
    line_item = pd.Series(shop_lines["variantId"]).map(true_sku).map(sku_index).to_numpy()
    line_order = pd.Series(np.arange(len(order_ids)), index=order_ids).reindex(shop_lines["orderId"]).to_numpy()
    by_invoice = inv.set_index("invoice_number")
    invoice = shop_truth["invoice_number"].to_numpy()
    paid = (by_invoice["status"].reindex(invoice) == "paid").to_numpy()
    paid_at = by_invoice["paid_at"].reindex(invoice).to_numpy().astype("datetime64[s]")
    keep = ~np.isnan(line_item) & paid[line_order]
    lines = (pd.DataFrame({"order": line_order[keep], "item": line_item[keep].astype(np.int64),
                           "quantity": np.asarray(shop_lines["quantity"], dtype=np.int64)[keep]})
             .groupby(["order", "item"], sort=True)["quantity"].sum().reset_index())
    shipped_orders = np.unique(lines["order"].to_numpy())

    # the planted order nobody sold: a fulfilment (and its label) for a Shopify order id the shop does not have
    k = len(shipped_orders)
    unknown_items = np.sort(rng.choice(np.flatnonzero(stock.at[:, 0]), size=min(2, int(stock.at[:, 0].sum())),
                                       replace=False))
    unknown = pd.DataFrame({"order": k, "item": unknown_items, "quantity": rng.integers(1, 4, len(unknown_items))})
    position = pd.Series(np.arange(k), index=shipped_orders)
    lines = pd.concat([lines.assign(order=position.loc[lines["order"]].to_numpy()), unknown], ignore_index=True)
    n = k + 1
    reference = np.array([o.rsplit("/", 1)[-1] for o in order_ids[shipped_orders]]
                         + [str(5_800_000_000_000 + int(rng.integers(1, 10**11)))], dtype=object)
    shop_order = np.append(order_ids[shipped_orders], "").astype(object)
    order_name = np.append(np.char.add("#", (1001 + shipped_orders).astype(str)).astype(object),
                           f"MANUAL-{int(rng.integers(100, 999))}")
    currency = np.append(shop_truth["currency"].to_numpy()[shipped_orders], "USD").astype(str)
    order_total = np.append(shop_truth["total_minor"].to_numpy()[shipped_orders], 0).astype(np.int64)
    trigger = np.append(paid_at[shipped_orders],
                        START + rng.integers(30 * 86400, 330 * 86400).astype("timedelta64[s]"))
    created = np.minimum(trigger + rng.integers(1, 20, n) * HOUR, WINDOW_END)
    fulfilled = np.minimum(created + rng.integers(2 * 3600, 30 * 3600, n).astype("timedelta64[s]"), WINDOW_END)

    # shipping centre: the preferred one when it holds every item of the order, else the main one
    preferred = rng.choice(len(LOCATIONS), n, p=_LOCATION_PICK)
    preferred[-1] = 0
    line_fulfilment = lines["order"].to_numpy()
    item = lines["item"].to_numpy()
    held = pd.Series(stock.at[item, preferred[line_fulfilment]]).groupby(line_fulfilment).all().to_numpy()
    location = np.where(held, preferred, 0)

    # ShipBob ids grow with time; the file is in creation order
    sequence = np.argsort(created, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[sequence] = np.arange(n)
    shipment_id = (180_000_000 + np.cumsum(rng.integers(1, 40, n)))[rank]
    shipbob_order = (310_000_000 + np.cumsum(rng.integers(1, 40, n)))[rank]
    units = np.bincount(line_fulfilment, weights=lines["quantity"].to_numpy(), minlength=n).astype(np.int64)
    line_count = np.bincount(line_fulfilment, minlength=n)

    abroad = currency != "USD"
    carrier, service, postage, label_fee = _rates(rng, abroad, units)
    tracking = _tracking(rng, carrier)
    insured = ~abroad & (order_total > 20_000)
    insurance = np.where(insured, np.maximum(100, -(-order_total * 5 // 1000)), 0).astype(np.int64)
    label_at = np.maximum(created, fulfilled - rng.integers(600, 3 * 3600, n).astype("timedelta64[s]"))
    delivered_at = fulfilled + rng.integers(2 * 86400, 6 * 86400, n).astype("timedelta64[s]")
    delivered = delivered_at <= WINDOW_END
    label_id, tracker_id = _hex_ids(rng, n, "shp_"), _hex_ids(rng, n, "trk_")
    fee = 250 + 60 * (units - 1)
    updated = np.minimum(fulfilled + rng.integers(0, 2 * 3600, n).astype("timedelta64[s]"), WINDOW_END)

    def iso(ts):
        return np.char.add(np.datetime_as_string(np.asarray(ts, dtype="datetime64[s]"), unit="s"), "Z").astype(object)

    loc_id = np.array([LOCATIONS[i][0] for i in location], dtype=object)
    loc_name = np.array([LOCATIONS[i][1] for i in location], dtype=object)
    sid = shipment_id.astype(str).astype(object)
    shipments = {"id": sid, "order_id": shipbob_order.astype(str).astype(object), "order_number": order_name,
                 "order_reference_id": reference, "status": np.full(n, "Completed", dtype=object),
                 "location_id": loc_id, "location_name": loc_name,
                 "carrier": carrier, "tracking_number": tracking, "invoice_amount": _major(fee),
                 "invoice_currency_code": np.full(n, "USD", dtype=object), "created_date": iso(created),
                 "actual_fulfillment_date": iso(fulfilled), "last_update_at": iso(updated)}
    product, inventory = stock.items["product_id"].to_numpy()[item], stock.items["inventory_id"].to_numpy()[item]
    line_ids = [f"{s}-{p}-{i}" for s, p, i in zip(shipment_id[line_fulfilment], product, inventory)]
    true_line_sku = stock.items["sku"].to_numpy()[item]
    line_cols = {"id": line_ids, "shipment_id": sid[line_fulfilment], "order_id": shipbob_order[line_fulfilment].astype(str),
                 "product_id": product.astype(str), "sku": _warehouse_sku(rng, true_line_sku),
                 "reference_id": true_line_sku, "name": stock.items["name"].to_numpy()[item],
                 "inventory_id": inventory.astype(str), "quantity": lines["quantity"].to_numpy().astype(str),
                 "last_update_at": iso(updated[line_fulfilment])}
    status = np.where(delivered, "delivered", "in_transit").astype(object)
    label_cols = {"id": label_id, "reference": reference, "status": status, "tracking_code": tracking,
                  "carrier": carrier, "service": service, "rate_currency": np.full(n, "USD", dtype=object),
                  "rate_minor": postage.astype(str), "label_fee_minor": label_fee.astype(str),
                  "postage_fee_minor": postage.astype(str), "insurance_fee_minor": insurance.astype(str),
                  "fee_currency": np.full(n, "USD", dtype=object), "tracker_id": tracker_id,
                  "created_at": iso(label_at), "updated_at": iso(np.where(delivered, delivered_at,
                                                                         np.minimum(label_at + 6 * HOUR, WINDOW_END)))}
    # the files in ShipBob's creation order, lines with their shipment
    line_sequence = np.lexsort((np.arange(len(line_fulfilment)), rank[line_fulfilment]))
    shipments = {c: np.asarray(v, dtype=object)[sequence] for c, v in shipments.items()}
    label_cols = {c: np.asarray(v, dtype=object)[sequence] for c, v in label_cols.items()}
    line_cols = {c: np.asarray(v, dtype=object)[line_sequence] for c, v in line_cols.items()}

    moved = np.zeros(stock.at.shape, dtype=np.int64)
    np.add.at(moved, (item, location[line_fulfilment]), lines["quantity"].to_numpy())

    files, bad_rows, quarantine = {}, [], []
    m = len(line_cols["shipment_id"])      # a small company ships few lines: planted rows reuse them
    planted = {
        "warehouse/shipments": ("id", [
            BadRow(0, {"id": str(shipment_id.max() + 7), "order_reference_id": ""}, "order_reference_id",
                   "missing_required", "cleaned", "order_reference_id.required"),
            BadRow(1 % n, {"id": str(shipment_id.max() + 11), "status": ""}, "status", "missing_required",
                   "cleaned", "status.required")]),
        "warehouse/shipment_lines": ("id", [
            BadRow(0, {"id": f"{line_cols['shipment_id'][0 % m]}-0-1", "quantity": "0"}, "quantity", "zero_quantity",
                   "cleaned", "quantity.min(1)"),
            BadRow(1 % m, {"id": f"{line_cols['shipment_id'][1 % m]}-0-2", "quantity": "-2"}, "quantity",
                   "negative_quantity", "cleaned", "quantity.min(1)"),
            BadRow(2 % m, {"id": f"{line_cols['shipment_id'][2 % m]}-0-3", "sku": ""}, "sku", "missing_required",
                   "cleaned", "sku.required")]),
        "shipping/shipments": ("id", [
            BadRow(0, {"id": _hex_ids(rng, 1, "shp_")[0], "carrier": ""}, "carrier", "missing_required", "cleaned",
                   "carrier.required"),
            BadRow(1 % n, {"id": _hex_ids(rng, 1, "shp_")[0], "rate_currency": "CAD"}, "rate_currency",
                   "currency_mismatch", "mapped", "shipment.one_currency")]),
    }
    values = {"warehouse/shipments": shipments, "warehouse/shipment_lines": line_cols, "shipping/shipments": label_cols}
    for key, (id_column, wanted) in planted.items():
        lay = layouts[key]
        cols = columns_for(lay, values[key], len(values[key][id_column]))
        cols, bad, quarantined = plant(rng, lay.system, lay.entity, lay.file, cols, id_column, wanted)
        files[lay.file] = cols
        bad_rows += bad
        quarantine += quarantined

    faults = [(layouts["warehouse/shipments"].file, str(shipment_id[-1]), "unknown_order", reference[-1]),
              (layouts["shipping/shipments"].file, label_id[-1], "unknown_order", reference[-1])]
    fulfilment_truth = pd.DataFrame({
        "shipment_id": sid, "shop_order_id": shop_order, "order_reference_id": reference, "order_number": order_name,
        "invoice_number": np.append(invoice[shipped_orders], ""), "location_id": loc_id, "line_count": line_count,
        "units": units, "label_id": label_id, "carrier": carrier, "tracking_number": tracking,
        "known_order": shop_order != ""}).iloc[sequence]
    line_truth = pd.DataFrame({"shipment_id": sid[line_fulfilment], "line_id": line_ids, "true_item_id":
                               stock.items["true_item_id"].to_numpy()[item], "true_sku": true_line_sku,
                               "location_id": loc_id[line_fulfilment],
                               "quantity": lines["quantity"].to_numpy()}).iloc[line_sequence]
    label_truth = pd.DataFrame({"label_id": label_id, "shipment_id": sid, "order_reference_id": reference,
                                "carrier": carrier, "service": service, "tracking_code": tracking, "currency": "USD",
                                "postage_minor": postage, "label_fee_minor": label_fee, "insurance_fee_minor": insurance,
                                "total_minor": postage + label_fee + insurance,
                                "status": status}).iloc[sequence]
    summary = {"shipped_orders": int(k), "fulfilments": int(n), "fulfilment_lines": int(len(lines)),
               "units_shipped": int(units.sum()), "labels": int(n), "unknown_order_fulfilments": 1,
               "postage_minor": int(postage.sum()), "label_fee_minor": int(label_fee.sum()),
               "insurance_fee_minor": int(insurance.sum())}
    return Shipped(files, {"fulfilment_truth.csv": fulfilment_truth, "fulfilment_line_truth.csv": line_truth,
                           "label_truth.csv": label_truth}, moved, faults, bad_rows, quarantine, summary)


def _rates(rng: np.random.Generator, abroad: np.ndarray, units: np.ndarray):
    n = len(abroad)
    carrier = np.empty(n, dtype=object)
    service = np.empty(n, dtype=object)
    postage = np.zeros(n, dtype=np.int64)
    fee = np.zeros(n, dtype=np.int64)
    for table, rows in ((_DOMESTIC, np.flatnonzero(~abroad)), (_ABROAD, np.flatnonzero(abroad))):
        pick = rng.integers(0, len(table), len(rows))
        for j, (name, level, low, high, extra, label) in enumerate(table):
            chosen = rows[pick == j]
            carrier[chosen], service[chosen], fee[chosen] = name, level, label
            postage[chosen] = rng.integers(low, high, len(chosen)) + extra * (units[chosen] - 1)
    return carrier, service, postage, fee


def _tracking(rng: np.random.Generator, carrier: np.ndarray) -> np.ndarray:
    """Tracking numbers shaped as each carrier's: USPS 22 digits, UPS 1Z..., FedEx 12, DHL 10 digits."""
    digits = rng.integers(0, 10, (len(carrier), 22)).astype(np.uint8) + ord("0")
    text = np.ascontiguousarray(digits).view("S22").ravel().astype(str)
    out = np.empty(len(carrier), dtype=object)
    for i, (c, d) in enumerate(zip(carrier, text)):
        out[i] = ("9400" + d[4:] if c == "USPS" else "1Z" + d[:6].translate(_UPS) + "03" + d[8:16] if c == "UPS"
                  else d[:12] if c == "FedEx" else d[:10])
    return out


_UPS = str.maketrans("0123456789", "A1B2C3E4F5")


def _hex_ids(rng: np.random.Generator, n: int, prefix: str) -> np.ndarray:
    codes = _HEX[rng.integers(0, 16, (n, 32))]
    return np.char.add(prefix, np.ascontiguousarray(codes).view("S32").ravel().astype(str)).astype(object)


def _major(minor: np.ndarray) -> np.ndarray:
    minor = np.asarray(minor, dtype=np.int64)
    return np.array([f"{v // 100}.{v % 100:02d}" for v in minor], dtype=object)


def _warehouse_sku(rng: np.random.Generator, sku: np.ndarray) -> np.ndarray:
    """The SKU as ShipBob's product catalogue spells it: mostly exact, now and then in lower case or with
    spaces for dashes (both undone by the hub's `sku` rule; leading zeros are never touched)."""
    roll = rng.random(len(sku))
    lower = np.array([s.lower() for s in sku], dtype=object)
    spaced = np.array([s.replace("-", " ") for s in sku], dtype=object)
    return np.where(roll < 0.8, sku, np.where(roll < 0.9, lower, spaced)).astype(object)


@dataclass
class Inventory:
    columns: dict
    truth: pd.DataFrame
    faults: list
    bad_rows: list
    quarantine: list


def inventory(rng: np.random.Generator, stock: Stock, moved: np.ndarray, received: np.ndarray, awaiting: np.ndarray,
              n_faults: int, layout) -> Inventory:
    """The end-of-window snapshot: per stocked item and centre, on hand = opening + received - shipped.
    ``n_faults`` levels drift: the file's quantity differs from that truth (a miscount at the centre)."""
    item, loc = np.nonzero(stock.at)
    m = len(item)
    shipped, got = moved[item, loc], received[item, loc]
    # what is left: a few weeks of sales and a small safety stock, now and then nothing
    on_hand = np.where(rng.random(m) < 0.06, 0, rng.integers(2, 25, m) + (shipped * rng.uniform(0.05, 0.3, m)).astype(np.int64))
    opening = on_hand + shipped - got
    on_hand = on_hand - np.minimum(opening, 0)
    opening = np.maximum(opening, 0)
    written = on_hand.copy()
    drift = np.sort(rng.choice(m, size=min(m, n_faults), replace=False))
    delta = rng.integers(2, 25, len(drift)) * np.where(rng.random(len(drift)) < 0.5, -1, 1)
    written[drift] = np.where(on_hand[drift] + delta >= 0, on_hand[drift] + delta, on_hand[drift] + np.abs(delta))
    inventory_id = stock.items["inventory_id"].to_numpy()[item]
    loc_id = np.array([LOCATIONS[i][0] for i in loc], dtype=object)
    loc_name = np.array([LOCATIONS[i][1] for i in loc], dtype=object)
    ids = np.array([f"{i}@{l}" for i, l in zip(inventory_id, loc_id)], dtype=object)
    zeros = np.zeros(m, dtype=np.int64).astype(str)
    values = {"id": ids, "inventory_id": inventory_id.astype(str), "sku": _warehouse_sku(rng, stock.items["sku"].to_numpy()[item]),
              "name": stock.items["name"].to_numpy()[item], "location_id": loc_id, "location_name": loc_name,
              "on_hand_quantity": written.astype(str), "fulfillable_quantity": written.astype(str),
              "committed_quantity": zeros, "awaiting_quantity": awaiting[item, loc].astype(str),
              "internal_transfer_quantity": zeros}
    cols = columns_for(layout, values, m)
    free = np.argwhere(~stock.at)
    wanted = []
    for j, (reason, column, value, rule) in enumerate((("negative_quantity", "on_hand_quantity", "-3",
                                                        "on_hand_quantity.min(0)"),
                                                       ("missing_required", "sku", "", "sku.required"))):
        if j < len(free):
            i, l = free[j]
            template = int(np.flatnonzero(item == i)[0])
            changes = {"id": f"{stock.items['inventory_id'].iloc[i]}@{LOCATIONS[l][0]}",
                       "location_id": LOCATIONS[l][0], "location_name": LOCATIONS[l][1], column: value}
            if column == "on_hand_quantity":
                changes["fulfillable_quantity"] = "0"
            wanted.append(BadRow(template, changes, column, reason, "cleaned", rule))
    cols, bad, quarantine = plant(rng, layout.system, layout.entity, layout.file, cols, "id", wanted)
    truth = pd.DataFrame({"level_id": ids, "true_item_id": stock.items["true_item_id"].to_numpy()[item],
                          "true_sku": stock.items["sku"].to_numpy()[item], "location_id": loc_id,
                          "location_name": loc_name, "opening_quantity": opening, "received_quantity": got,
                          "shipped_quantity": shipped, "quantity_on_hand": on_hand, "file_quantity_on_hand": written,
                          "awaiting_quantity": awaiting[item, loc],
                          "unit_cost_minor": stock.items["unit_cost_minor"].to_numpy()[item], "currency": "USD",
                          "stock_drift": np.isin(np.arange(m), drift)})
    faults = [(layout.file, ids[i], "stock_drift", f"truth {on_hand[i]}, file {written[i]}") for i in drift]
    return Inventory(cols, truth, faults, bad, quarantine)
