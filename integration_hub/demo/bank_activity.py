"""What happens on the company's three bank accounts, before any file format.

Credits are Stripe payouts (on their arrival date) and customer wires paying invoices;
debits are vendor payments and the bank's monthly fee. One row per booked entry.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from integration_hub.demo import ids
from integration_hub.demo.text import ascii_fold
from integration_hub.demo.window import START, WINDOW_DAYS, day_index, next_business_day


@dataclass(frozen=True)
class Account:
    currency: str
    path: str       # relative to the company folder
    number: str     # account number (BAI2) or IBAN
    bank_id: str    # ABA routing number or BIC
    holder: str = "DEMO COMPANY INC"


ACCOUNTS = (
    Account("USD", "bank/operating_usd.bai", "4421987650", "121000358"),
    Account("EUR", "bank/eur_account.xml", ids.iban("DE", "370400440532013077"), "COBADEFFXXX"),
    Account("GBP", "bank/gbp_account.sta", ids.iban("GB", "NWBK60161331926819"), "NWBKGB2LXXX"),
)
_STRIPE_NAME = {"USD": "STRIPE", "EUR": "Stripe Technology Europe Ltd", "GBP": "STRIPE PAYMENTS UK LTD"}
_VENDORS = {
    "USD": ("Amazon Web Services", "WeWork Companies LLC", "Gusto Payroll", "ADP Inc", "Salesforce.com Inc",
            "Google Cloud", "FedEx", "Staples Business", "Comcast Business", "PG&E"),
    "EUR": ("Deutsche Telekom AG", "Regus Management GmbH", "DATEV eG", "Hetzner Online GmbH", "Lufthansa AG"),
    "GBP": ("British Telecommunications plc", "Regus UK Ltd", "HM Revenue & Customs", "Royal Mail Group Ltd"),
}
_FEE_TEXT = {"USD": "ACCOUNT ANALYSIS FEE", "EUR": "Kontofuehrungsgebuehr", "GBP": "SERVICE CHARGES"}
COLUMNS = ["currency", "day", "amount", "kind", "reference", "counterparty", "counterparty_account", "description",
           "link", "expected_amount", "bank_ref"]


def build_bank_entries(rng: np.random.Generator, roster: pd.DataFrame, inv: pd.DataFrame, po: pd.DataFrame,
                       scale: int) -> pd.DataFrame:
    """All booked entries of all accounts, ordered by account, day and arrival order."""
    parts = [_payout_credits(po), _wire_credits(rng, roster, inv), _vendor_debits(rng, scale), _fee_debits(rng)]
    bank = pd.concat(parts, ignore_index=True)
    bank = bank[bank["day"] < WINDOW_DAYS]
    order = {a.currency: k for k, a in enumerate(ACCOUNTS)}
    bank = bank.assign(_acct=bank["currency"].map(order)).sort_values(["_acct", "day"], kind="stable")
    bank = bank.reset_index(drop=True)
    seq = bank.groupby("currency").cumcount().to_numpy() + 1
    dates = np.datetime_as_string(START.astype("datetime64[D]") + bank["day"].to_numpy().astype("timedelta64[D]"))
    bank["bank_ref"] = [f"{c[0]}{d[2:4]}{d[5:7]}{d[8:10]}{s:06d}" for c, d, s in zip(bank["currency"], dates, seq)]
    return bank[COLUMNS]


def _payout_credits(po: pd.DataFrame) -> pd.DataFrame:
    paid = po[po["status"] == "paid"]
    return pd.DataFrame({
        "currency": paid["currency"].to_numpy(), "day": day_index(paid["arrival_date"].to_numpy()),
        "amount": paid["amount"].to_numpy(), "kind": "payout", "reference": paid["id"].to_numpy(),
        "counterparty": paid["currency"].map(_STRIPE_NAME).to_numpy(), "counterparty_account": "",
        "description": "STRIPE PAYOUT " + paid["id"], "link": paid["id"].to_numpy(), "expected_amount": paid["amount"].to_numpy()})


def _wire_credits(rng, roster: pd.DataFrame, inv: pd.DataFrame) -> pd.DataFrame:
    """Customers' bank transfers; the invoice number is in the reference, more or less."""
    wire = inv[(inv["method"] == "wire") & (inv["status"] == "paid")]
    n = len(wire)
    number = wire["invoice_number"].to_numpy().astype(object)
    digits = np.char.replace(number.astype(str), "INV-", "").astype(object)
    po_no = wire["po_number"].to_numpy().astype(object)
    roll = rng.random(n)
    reference = np.select(
        [roll < 0.70, roll < 0.80, roll < 0.86, roll < 0.93],
        [number, "INV" + digits, "Invoice " + number + np.where(po_no != "", " PO " + po_no, ""),
         np.char.lower(number.astype(str)).astype(object)], "")
    owner = wire["owner"].to_numpy()
    name = roster["name"].to_numpy()[owner]
    country = roster["country"].to_numpy()[owner]
    total = wire["total"].to_numpy()
    # Cross-border USD wires arrive short by an intermediary bank's fee.
    short = np.where(country == "CA", rng.integers(15, 36, n) * 100, 0)
    return pd.DataFrame({
        "currency": wire["currency"].to_numpy(), "day": next_business_day(day_index(wire["paid_at"].to_numpy())),
        "amount": total - short, "kind": "wire", "reference": reference, "counterparty": name,
        "counterparty_account": [_payer_account(c, o) for c, o in zip(country, owner)],
        "description": np.where(reference == "", "WIRE FROM " + np.vectorize(ascii_fold, otypes=[object])(name), ""),
        "link": number, "expected_amount": total})


def _payer_account(country: str, owner: int) -> str:
    if country == "DE":
        return ids.iban("DE", f"50010517{owner:010d}")
    if country == "FR":
        return ids.iban("FR", f"3000600001{owner:011d}{owner % 97:02d}")
    if country == "GB":
        return ids.iban("GB", f"BARC20000{owner:08d}"[:18])
    return f"{owner * 7919 % 10**9:09d}"


def _month_days(rng, per_month: int) -> np.ndarray:
    """Random business days, ``per_month`` in each month of the window."""
    starts = day_index(np.arange("2025-01", "2026-01", dtype="datetime64[M]").astype("datetime64[s]"))
    lengths = np.diff(np.append(starts, WINDOW_DAYS))
    days = np.repeat(starts, per_month) + (rng.random(12 * per_month) * np.repeat(lengths, per_month)).astype(np.int64)
    return np.sort(next_business_day(days))


def _vendor_debits(rng, scale: int) -> pd.DataFrame:
    frames = []
    for currency, vendors in _VENDORS.items():
        per_month = min(60, 8 + scale // 500) if currency == "USD" else min(20, 3 + scale // 5000)
        days = _month_days(rng, per_month)
        n = len(days)
        amount = np.round(np.exp(rng.normal(7.5 if currency == "USD" else 7.0, 1.1, n)) * 100).astype(np.int64)
        seq = np.arange(1, n + 1)
        frames.append(pd.DataFrame({
            "currency": currency, "day": days, "amount": -amount, "kind": "vendor",
            "reference": [f"BILL-2025-{i:04d}" for i in seq], "counterparty": rng.choice(vendors, n),
            "counterparty_account": "", "description": "VENDOR PAYMENT", "link": "", "expected_amount": -amount}))
    return pd.concat(frames, ignore_index=True)


def _fee_debits(rng) -> pd.DataFrame:
    month_ends = day_index(np.arange("2025-02", "2026-02", dtype="datetime64[M]").astype("datetime64[s]")) - 1
    last_business = month_ends - np.where((month_ends + 2) % 7 == 5, 1, np.where((month_ends + 2) % 7 == 6, 2, 0))
    frames = []
    for currency, base in (("USD", 12_500), ("EUR", 1_250), ("GBP", 1_000)):
        amount = base + rng.integers(0, base, 12)
        frames.append(pd.DataFrame({
            "currency": currency, "day": last_business, "amount": -amount, "kind": "fee", "reference": "",
            "counterparty": "", "counterparty_account": "", "description": _FEE_TEXT[currency], "link": "",
            "expected_amount": -amount}))
    return pd.concat(frames, ignore_index=True)


def opening_balance(entries: pd.DataFrame) -> int:
    """Large enough that the account never goes overdrawn within the window."""
    running = np.cumsum(entries["amount"].to_numpy(dtype=np.int64))
    return 5_000_000 + max(0, -int(running.min(initial=0)))


def day_to_date(day: int) -> np.datetime64:
    return (START + np.timedelta64(int(day), "D")).astype("datetime64[D]")
