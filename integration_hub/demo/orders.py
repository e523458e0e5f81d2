"""Sales orders behind the billing invoices: which invoice was ordered where, and its lines.

B2B customers with a CRM account order through Salesforce, consumers through the Shopify
store. Each order bills as exactly one invoice: its lines add up to the invoice subtotal in
the invoice currency (split in whole units of the invoice: cents, or dollars when the
subtotal is whole dollars), so everything downstream of an invoice follows the order.
Everything is vectorized over orders and lines; amounts are int64 minor units.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

ORDER_SHARE = 0.85  # of the invoices whose customer can order somewhere (~80% of all invoices)
_QTY_CRM = np.array([1, 1, 1, 2, 3, 4, 5, 10, 12, 20, 25, 50])
_QTY_SHOP = np.array([1, 1, 1, 1, 1, 2, 2, 3])


@dataclass
class Orders:
    """One channel's orders and lines (order rows in creation order, lines grouped by order)."""
    orders: pd.DataFrame   # invoice (index into inv), owner, n_lines
    lines: pd.DataFrame    # order (index into orders), item (index into the channel's pool), quantity, unit, total


def channel_of(roster: pd.DataFrame, owner: np.ndarray) -> np.ndarray:
    """'crm' for companies with an account, 'shop' for consumers, '' for companies without a CRM account."""
    is_b2c = roster["is_b2c"].to_numpy()[owner]
    has_account = roster["n_crm"].to_numpy()[owner] > 0
    return np.where(is_b2c, "shop", np.where(has_account, "crm", ""))


def pick_invoices(rng: np.random.Generator, roster: pd.DataFrame, inv: pd.DataFrame) -> np.ndarray:
    """Per invoice: the channel it was ordered through, or '' when there is no order."""
    channel = channel_of(roster, inv["owner"].to_numpy())
    ordered = rng.random(len(inv)) < ORDER_SHARE
    for name in ("crm", "shop"):  # at least one order per channel whenever one is possible
        eligible = np.flatnonzero(channel == name)
        if eligible.size and not ordered[eligible].any():
            ordered[eligible[0]] = True
    return np.where(ordered, channel, "")


def build_lines(rng: np.random.Generator, inv: pd.DataFrame, invoices: np.ndarray, pool_size: int,
                channel: str) -> Orders:
    """Lines of the orders of ``invoices`` (indices into inv) summing exactly to each subtotal."""
    subtotal = inv["subtotal"].to_numpy()[invoices]
    n = len(invoices)
    wanted = 1 + np.minimum(rng.poisson(1.5 if channel == "crm" else 0.8, n), 7 if channel == "crm" else 5)
    unit = np.where(subtotal % 100 == 0, 100, 1)
    units = subtotal // unit
    k = np.minimum(wanted, units)
    first = np.cumsum(k) - k
    order = np.repeat(np.arange(n), k)
    last = first + k - 1
    weight = rng.random(len(order)) + 0.2
    running = np.cumsum(weight)
    before = np.repeat(running[first] - weight[first], k)
    within = running - before
    fraction = within / np.repeat(within[last], k)
    spare = np.repeat(units - k, k)
    cut = np.floor(spare * fraction).astype(np.int64)
    cut[last] = units - k
    previous = np.concatenate([[0], cut[:-1]])
    previous[first] = 0
    total = (1 + cut - previous) * np.repeat(unit, k)
    qty_options = _QTY_CRM if channel == "crm" else _QTY_SHOP
    quantity = qty_options[rng.integers(0, len(qty_options), len(total))]
    quantity = np.where(total % quantity == 0, quantity, 1)
    popularity = rng.random(len(total)) ** 2  # a few bestsellers, a long tail
    item = np.minimum((popularity * pool_size).astype(np.int64), pool_size - 1)
    item = rng.permutation(pool_size)[item]
    orders = pd.DataFrame({"invoice": invoices, "owner": inv["owner"].to_numpy()[invoices], "n_lines": k})
    lines = pd.DataFrame({"order": order, "item": item, "quantity": quantity, "unit": total // quantity,
                          "total": total})
    return Orders(orders, lines)


def fault_count(scale: int) -> int:
    """Planted faults of each kind: a handful, growing weakly with scale, never none."""
    return max(1, int(round(scale ** 0.25 / 2)))


def with_copies(rng: np.random.Generator, columns: dict, rows: np.ndarray) -> dict:
    """The file's columns with each of ``rows`` exported a second time, somewhere after the original."""
    n = len(next(iter(columns.values())))
    rows = np.sort(np.asarray(rows, dtype=np.int64))
    insert_at = np.array([rng.integers(i + 1, n + 1) for i in rows], dtype=np.int64)
    order = np.insert(np.arange(n), insert_at, rows)
    return {name: _take(values, order) for name, values in columns.items()}


def _take(values, order: np.ndarray):
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values.take(pa.array(order))
    return np.asarray(values, dtype=object)[order]


def regroup(lines: pd.DataFrame, sequence: np.ndarray) -> pd.DataFrame:
    """Lines following their orders re-sorted by ``sequence`` (new position -> old), renumbered."""
    position = np.empty(len(sequence), dtype=np.int64)
    position[sequence] = np.arange(len(sequence))
    new_order = position[lines["order"].to_numpy()]
    by = np.argsort(new_order, kind="stable")
    out = lines.iloc[by].reset_index(drop=True)
    out["order"] = new_order[by]
    return out
