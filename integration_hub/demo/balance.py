"""Stripe balance transactions and the daily payouts that sweep the available balance.

Invariants (what a reconciliation can rely on): every succeeded charge and every refund has
one balance transaction; ``net = amount - fee``; each payout equals the sum of the nets that
became available since the previous payout of that currency, so over the window
charges - fees - refunds - stripe fees = payouts + balance left in Stripe.
"""

import numpy as np
import pandas as pd

from integration_hub.demo.window import END, START, WINDOW_DAYS, day_index, next_business_day

_HOLD_DAYS = {"USD": 2, "EUR": 7, "GBP": 7}
_PAYOUT_HOUR = np.timedelta64(6 * 3600, "s")


def _next_midnight(ts: np.ndarray, days: int | np.ndarray = 1) -> np.ndarray:
    return START + (day_index(ts) + days).astype("timedelta64[D]")


def build_balance(ch: pd.DataFrame, re: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (balance_transactions, payouts), both sorted by ``created``."""
    ok = ch[ch["status"] == "succeeded"]
    hold = ok["currency"].map(_HOLD_DAYS).to_numpy()
    charges = pd.DataFrame({"kind": "charge", "row": ok.index.to_numpy(), "amount": ok["amount"].to_numpy(),
                            "fee": ok["fee"].to_numpy(), "currency": ok["currency"].to_numpy(),
                            "created": ok["created"].to_numpy(), "available_on": _next_midnight(ok["created"].to_numpy(), hold)})
    refunds = pd.DataFrame({"kind": "refund", "row": re.index.to_numpy(), "amount": -re["amount"].to_numpy(), "fee": 0,
                            "currency": re["currency"].to_numpy(), "created": re["created"].to_numpy(),
                            "available_on": _next_midnight(re["created"].to_numpy())})
    fees = _monthly_fees(ok)
    moves = pd.concat([charges, refunds, fees], ignore_index=True)
    moves["net"] = moves["amount"] - moves["fee"]
    payouts = _payouts(moves)
    sweep = pd.DataFrame({"kind": "payout", "row": payouts.index.to_numpy(), "amount": -payouts["amount"].to_numpy(),
                          "fee": 0, "currency": payouts["currency"].to_numpy(), "created": payouts["created"].to_numpy(),
                          "available_on": payouts["created"].to_numpy()})
    sweep["net"] = sweep["amount"]
    bt = pd.concat([moves, sweep], ignore_index=True).sort_values(["created", "kind", "row"], kind="stable")
    bt = bt.reset_index(drop=True)
    bt["kind"], bt["currency"] = pd.Categorical(bt["kind"]), pd.Categorical(bt["currency"])
    return bt, payouts


def _monthly_fees(ok: pd.DataFrame) -> pd.DataFrame:
    """Stripe's own monthly charges (Radar, Billing): 0.1% of the month's volume, booked on its last day."""
    month = ok["created"].to_numpy().astype("datetime64[M]").astype(np.int64)
    volume = ok.assign(month=month).groupby(["currency", "month"], sort=True, observed=True)["amount"].sum()
    next_month = volume.index.get_level_values("month").to_numpy() + 1
    month_end = next_month.astype("datetime64[M]").astype("datetime64[s]")
    created = month_end - np.timedelta64(3600, "s")
    return pd.DataFrame({"kind": "stripe_fee", "row": -1, "amount": -np.maximum(volume.to_numpy() // 1000, 100),
                         "fee": 0, "currency": volume.index.get_level_values("currency").to_numpy(),
                         "created": created, "available_on": _next_midnight(created)})


def _payouts(moves: pd.DataFrame) -> pd.DataFrame:
    """One payout per currency per day at 06:00 UTC when the available balance is positive."""
    rows = []
    for currency in sorted(moves["currency"].unique()):
        mine = moves[moves["currency"] == currency]
        day = day_index(mine["available_on"].to_numpy())
        inside = day < WINDOW_DAYS
        per_day = np.zeros(WINDOW_DAYS, dtype=np.int64)
        np.add.at(per_day, day[inside], mine["net"].to_numpy(dtype=np.int64)[inside])
        balance = 0
        for d, net in enumerate(per_day):
            balance += int(net)
            if balance > 0:
                rows.append((currency, balance, d))
                balance = 0
    po = pd.DataFrame(rows, columns=["currency", "amount", "day"])
    po["created"] = START + po["day"].to_numpy().astype("timedelta64[D]") + _PAYOUT_HOUR
    arrival_day = next_business_day(po["day"].to_numpy() + 1)
    po["arrival_date"] = START + arrival_day.astype("timedelta64[D]")
    po["status"] = np.where(po["arrival_date"] < END, "paid", "in_transit")
    po = po.sort_values(["created", "currency"], kind="stable").reset_index(drop=True)
    return po.drop(columns="day")
