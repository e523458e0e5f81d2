"""Stripe charges and refunds, consistent with the billing invoices they pay."""

import numpy as np
import pandas as pd

from integration_hub.demo.window import DAY, END, START, day_index

_FEE = {"USD": (290, 30), "EUR": (150, 25), "GBP": (150, 20)}  # basis points, fixed minor units
_LOCAL_METHOD = {"USD": "us_bank_account", "EUR": "sepa_debit", "GBP": "bacs_debit"}
_REFUND_REASONS = np.array(["requested_by_customer", "requested_by_customer", "duplicate", "fraudulent", ""])


def build_charges(rng: np.random.Generator, roster: pd.DataFrame, inv: pd.DataFrame) -> pd.DataFrame:
    """Card payments of invoices (with failed first attempts) plus invoice-less charges, sorted by time.

    Descriptions are made at export time (exports._charge_text), in arrow.
    """
    card = inv[(inv["method"] == "card") & (inv["status"] == "paid")]
    paying = pd.DataFrame({"owner": card["owner"].to_numpy(), "amount": card["total"].to_numpy(),
                           "created": card["paid_at"].to_numpy().astype("datetime64[s]"),
                           "invoice_number": card["invoice_number"].to_numpy(), "status": "succeeded"})
    retry = paying.sample(frac=0.06, random_state=_seed(rng))
    earliest = START + card["issue_day"].to_numpy()[paying.index.get_indexer(retry.index)].astype("timedelta64[D]")
    back = rng.integers(3600, 3 * 86400, len(retry)).astype("timedelta64[s]")
    retry = retry.assign(created=np.maximum(retry["created"].to_numpy() - back, earliest), status="failed")

    is_b2c = roster["is_b2c"].to_numpy()
    counts = rng.poisson(np.where(is_b2c, 10.0, 3.4))
    owner = np.repeat(np.arange(len(roster)), counts)
    since = np.maximum(roster["since"].to_numpy().astype("datetime64[s]"), START)[owner]
    span = (END - since).astype(np.int64)
    created = since + (rng.random(len(owner)) * span).astype("timedelta64[s]")
    b2c = is_b2c[owner]
    amount = np.where(b2c, np.exp(rng.normal(3.6, 0.9, len(owner))), np.exp(rng.normal(5.5, 1.0, len(owner))))
    status = np.where(rng.random(len(owner)) < 0.035, "failed", "succeeded")
    pending = (status == "succeeded") & (created > END - 2 * DAY) & (rng.random(len(owner)) < 0.3)
    loose = pd.DataFrame({"owner": owner, "amount": np.maximum(np.round(amount * 100), 50).astype(np.int64),
                          "created": created, "invoice_number": "", "status": np.where(pending, "pending", status)})

    ch = pd.concat([paying, retry, loose], ignore_index=True)
    ch = ch.sort_values("created", kind="stable").reset_index(drop=True)
    n = len(ch)
    ch["currency"] = pd.Categorical(roster["currency"].to_numpy()[ch["owner"]])
    pct = np.select([ch["currency"] == c for c in _FEE], [v[0] for v in _FEE.values()])
    fixed = np.select([ch["currency"] == c for c in _FEE], [v[1] for v in _FEE.values()])
    ch["fee"] = np.where(ch["status"] == "succeeded", np.round(ch["amount"] * pct / 10_000) + fixed, 0).astype(np.int64)
    roll = rng.random(n)
    local = ch["currency"].map(_LOCAL_METHOD).to_numpy(dtype=object)
    ch["payment_method_type"] = pd.Categorical(np.where(roll < 0.88, "card", np.where(roll < 0.92, "link", local)))
    ch["status"] = pd.Categorical(ch["status"])
    return ch


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**31 - 1))


def build_refunds(rng: np.random.Generator, ch: pd.DataFrame, cn: pd.DataFrame) -> pd.DataFrame:
    """Credit notes on card-paid invoices refund that charge; about 5% of other charges are refunded too."""
    ok = ch.index[ch["status"] == "succeeded"]
    paid_by_charge = pd.Series(ok, index=ch.loc[ok, "invoice_number"].to_numpy())
    paid_by_charge = paid_by_charge[paid_by_charge.index != ""]
    linked = cn[cn["invoice_number"].isin(paid_by_charge.index)]
    from_cn = pd.DataFrame({"charge": paid_by_charge.loc[linked["invoice_number"]].to_numpy(),
                            "amount": linked["total"].to_numpy(), "created": linked["issued_at"].to_numpy(),
                            "reason": "requested_by_customer"})
    eligible = np.zeros(len(ch), dtype=bool)
    eligible[ok] = True
    eligible[from_cn["charge"].to_numpy()] = False
    others = np.flatnonzero(eligible)
    picked = np.sort(rng.choice(others, size=min(len(others), round(len(ch) * 0.048)), replace=False))
    amount = ch.loc[picked, "amount"].to_numpy()
    partial = np.maximum(np.round(amount * rng.uniform(0.1, 0.9, len(picked))), 50).astype(np.int64)
    lag = rng.integers(3600, 30 * 86400, len(picked)).astype("timedelta64[s]")
    random_refunds = pd.DataFrame({"charge": picked, "amount": np.where(rng.random(len(picked)) < 0.65, amount, partial),
                                   "created": ch.loc[picked, "created"].to_numpy() + lag,
                                   "reason": rng.choice(_REFUND_REASONS, len(picked))})
    re = pd.concat([from_cn, random_refunds], ignore_index=True)
    re = re[(re["created"] < END) & (re["created"] > ch.loc[re["charge"], "created"].to_numpy())]
    re = re.sort_values(["created", "charge"], kind="stable").reset_index(drop=True)
    re["currency"] = ch.loc[re["charge"], "currency"].to_numpy()
    re["status"] = np.where(day_index(re["created"].to_numpy()) >= 363, "pending", "succeeded")
    return re
