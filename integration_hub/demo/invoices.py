"""Invoices and credit notes of the billing system, and how each invoice gets paid.

Everything is vectorized over invoices; amounts are int64 minor units until written.
"""

import numpy as np
import pandas as pd

from integration_hub.demo.window import END, START, WINDOW_DAYS, day_index

_TERMS_B2B = np.array([15, 30, 30, 30, 45, 60])
_TERMS_B2C = np.array([0, 0, 15])
_US_SALES_TAX = np.array([0, 0, 0, 625, 725, 800, 875, 1025])  # basis points; B2B mostly exempt or resale
_VAT = {"GB": 2000, "DE": 1900, "FR": 2000}  # B2C only: B2B across the border is reverse charge
_CN_REASONS = np.array(["Billing error", "Returned goods", "Service credit", "Duplicate invoice", "Discount"])


def build_invoices(rng: np.random.Generator, roster: pd.DataFrame) -> pd.DataFrame:
    """One row per invoice: owner (roster index), number, dates, amounts, status and payment."""
    is_b2c = roster["is_b2c"].to_numpy()
    counts = rng.poisson(np.where(is_b2c, 2.0, 4.5))
    owner = np.repeat(np.arange(len(roster)), counts)
    n = len(owner)
    first_day = np.clip(day_index(roster["since"].to_numpy()), 0, WINDOW_DAYS - 1)[owner]
    issue_day = first_day + (rng.random(n) * (WINDOW_DAYS - first_day)).astype(np.int64)
    b2c = is_b2c[owner]
    terms = np.where(b2c, rng.choice(_TERMS_B2C, n), rng.choice(_TERMS_B2B, n))
    subtotal = np.where(b2c, np.exp(rng.normal(4.3, 0.8, n)) * 100, np.exp(rng.normal(7.6, 1.0, n)) * 100)
    whole_dollars = ~b2c & (rng.random(n) < 0.5)
    subtotal = np.where(whole_dollars, np.round(subtotal, -2), np.round(subtotal)).astype(np.int64).clip(100)
    tax_bp = _tax_rate(rng, roster)[owner]
    tax = np.round(subtotal * tax_bp / 10_000).astype(np.int64)
    order = np.lexsort((rng.random(n), issue_day))
    inv = pd.DataFrame({"owner": owner, "issue_day": issue_day, "terms": terms, "subtotal": subtotal, "tax": tax}).iloc[order]
    inv = inv.reset_index(drop=True)
    inv["total"] = inv["subtotal"] + inv["tax"]
    width = max(6, len(str(n)))
    inv["invoice_number"] = [f"INV-{i:0{width}d}" for i in range(1, n + 1)]
    inv["currency"] = pd.Categorical(roster["currency"].to_numpy()[inv["owner"]])
    inv["method"] = pd.Categorical(np.where(roster["pays_by_wire"].to_numpy()[inv["owner"]], "wire", "card"))
    _settle(rng, inv)
    po = rng.integers(4_500_000_000, 4_599_999_999, n)
    has_po = ~is_b2c[inv["owner"]] & (rng.random(n) < 0.4)
    inv["po_number"] = np.where(has_po, np.char.add(np.where(rng.random(n) < 0.5, "PO-", ""), po.astype(str)), "")
    return inv


def _tax_rate(rng, roster: pd.DataFrame) -> np.ndarray:
    country = roster["country"].to_numpy()
    rate = np.where(country == "US", rng.choice(_US_SALES_TAX, len(roster)), 0)
    for cc, vat in _VAT.items():
        rate = np.where((country == cc) & roster["is_b2c"].to_numpy(), vat, rate)
    return rate


def _settle(rng, inv: pd.DataFrame) -> None:
    """Status and payment time: void, never paid, paid on time or late, or not yet paid at window end."""
    n = len(inv)
    roll = rng.random(n)
    delay = np.where(rng.random(n) < 0.8, (rng.random(n) * (inv["terms"] + 1)).astype(int),
                     inv["terms"] + rng.integers(1, 46, n))
    seconds = rng.integers(8 * 3600, 20 * 3600, n).astype("timedelta64[s]")
    paid_at = START + (inv["issue_day"].to_numpy() + delay).astype("timedelta64[D]") + seconds
    paid = (roll >= 0.06) & (paid_at <= END - np.timedelta64(1, "s"))
    inv["status"] = pd.Categorical(np.where(roll < 0.02, "void", np.where(paid, "paid", "open")))
    inv["paid_at"] = np.where(paid, paid_at, np.datetime64("NaT"))
    inv["issue_date"] = START + inv["issue_day"].to_numpy().astype("timedelta64[D]")
    inv["due_date"] = inv["issue_date"] + inv["terms"].to_numpy().astype("timedelta64[D]")


def build_credit_notes(rng: np.random.Generator, inv: pd.DataFrame) -> pd.DataFrame:
    """About 2% of non-void invoices get a credit note; on paid invoices it comes after the payment."""
    candidates = np.flatnonzero(inv["status"].to_numpy() != "void")
    chosen = np.sort(rng.choice(candidates, size=min(len(candidates), round(len(inv) * 0.02)), replace=False))
    base = inv.iloc[chosen]
    after = base["issue_date"].to_numpy() + rng.integers(1, 41, len(base)).astype("timedelta64[D]")
    paid_day = base["paid_at"].to_numpy().astype("datetime64[D]") + np.timedelta64(1, "D")
    issued = np.where(base["status"].to_numpy() == "paid", np.maximum(after, paid_day), after).astype("datetime64[D]")
    issued_at = issued.astype("datetime64[s]") + rng.integers(9 * 3600, 18 * 3600, len(base)).astype("timedelta64[s]")
    full = rng.random(len(base)) < 0.4
    part = np.round(base["total"].to_numpy() * rng.uniform(0.1, 0.5, len(base))).astype(np.int64)
    cn = pd.DataFrame({
        "invoice_index": chosen, "invoice_number": base["invoice_number"].to_numpy(), "owner": base["owner"].to_numpy(),
        "issued_at": issued_at, "currency": base["currency"].to_numpy(),
        "total": np.where(full, base["total"].to_numpy(), np.maximum(part, 100)),
        "reason": rng.choice(_CN_REASONS, len(base)),
    })
    cn = cn[cn["issued_at"] < END].sort_values(["issued_at", "invoice_number"], kind="stable")
    cn = cn.reset_index(drop=True)
    width = max(6, len(str(len(cn))))
    cn["credit_note_number"] = [f"CN-{i:0{width}d}" for i in range(1, len(cn) + 1)]
    return cn
