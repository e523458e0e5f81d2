"""The exports agree with each other the way real systems' data does."""

import numpy as np
import pandas as pd


def _clean(company, file):
    data = company.csv(file)
    bad = company.csv("truth/bad_rows.csv")
    rows = bad.loc[bad["file"] == file, "row_number"].astype(int) - 1
    return data.drop(index=rows)


def _blank_ids(company, file):
    bad = company.csv("truth/bad_rows.csv")
    return ((bad["file"] == file) & (bad["reason"] == "blank_id")).sum()


def test_references_resolve(medium):
    charges = _clean(medium, "stripe/charges.csv")
    refunds = _clean(medium, "stripe/refunds.csv")
    balance = _clean(medium, "stripe/balance_transactions.csv")
    invoices = medium.csv("truth/invoice_payments.csv")  # the export blanks a few invoice numbers on purpose
    assert refunds["charge_id"].isin(medium.csv("stripe/charges.csv")["id"]).all()
    assert charges["customer_id"].isin(medium.csv("stripe/customers.csv")["id"]).all()
    linked = charges["metadata_invoice_number"] != ""
    assert charges.loc[linked, "metadata_invoice_number"].isin(invoices["invoice_number"]).all()
    text_only = ~linked & charges["description"].str.startswith("Payment for INV-")
    assert text_only.sum() > 0
    assert medium.csv("billing/invoices.csv")["customer_id"].isin(medium.csv("billing/customers.csv")["customer_id"]).all()
    assert medium.csv("billing/credit_notes.csv")["invoice_number"].isin(invoices["invoice_number"]).all()
    succeeded = charges[charges["status"] == "succeeded"]
    unresolved = ~succeeded["balance_transaction_id"].isin(medium.csv("stripe/balance_transactions.csv")["id"])
    assert unresolved.sum() <= _blank_ids(medium, "stripe/balance_transactions.csv")  # only ids blanked on purpose
    assert (charges.loc[charges["status"] == "failed", "balance_transaction_id"] == "").all()
    bt_sources = balance.loc[balance["type"] != "stripe_fee", "source_id"]
    everything = pd.concat([medium.csv(f)["id"] for f in ("stripe/charges.csv", "stripe/refunds.csv", "stripe/payouts.csv")])
    blanked = sum(_blank_ids(medium, f) for f in ("stripe/charges.csv", "stripe/refunds.csv", "stripe/payouts.csv"))
    assert (~bt_sources.isin(everything)).sum() <= blanked


def test_balance_transactions_match_their_charges(medium):
    charges = _clean(medium, "stripe/charges.csv").set_index("balance_transaction_id")
    balance = _clean(medium, "stripe/balance_transactions.csv")
    mine = balance[balance["type"] == "charge"].set_index("id").join(charges, rsuffix="_charge", how="inner")
    assert len(mine) > 1000
    assert (mine["amount"] == mine["amount_charge"]).all() and (mine["source_id"] == mine["id"]).all()
    amount, fee, net = (balance[c].astype(np.int64) for c in ("amount", "fee", "net"))
    assert (amount - fee == net).all()


def test_invoice_totals_add_up_and_refunds_do_not_exceed_charges(medium):
    invoices = _clean(medium, "billing/invoices.csv")

    def minor(text):
        return (text.str.replace(r"[$€£,]", "", regex=True).astype(float) * 100).round().astype(np.int64)

    assert (minor(invoices["subtotal"]) + minor(invoices["tax"]) == minor(invoices["total"])).all()
    assert invoices["total"].str.contains(",").any() and invoices["total"].str.startswith("$").any()
    charges = _clean(medium, "stripe/charges.csv")
    assert (charges["amount_refunded"].astype(np.int64) <= charges["amount"].astype(np.int64)).all()


def test_card_paid_invoices_have_exactly_one_succeeded_charge(medium):
    payments = medium.csv("truth/invoice_payments.csv")
    card = payments[(payments["status"] == "paid") & (payments["method"] == "card")]
    assert (card["charge_id"] != "").all() and card["charge_id"].is_unique
    assert (payments.loc[payments["method"] != "card", "charge_id"] == "").all()
    charges = medium.csv("stripe/charges.csv").drop_duplicates().set_index("id")
    found = card["charge_id"].isin(charges.index)
    assert (~found).sum() <= _blank_ids(medium, "stripe/charges.csv")
    card = card[found]
    paid_with = charges.loc[card["charge_id"]]
    assert (paid_with["status"] == "succeeded").all()
    assert (paid_with["amount"].to_numpy() == card["total_minor"].to_numpy()).mean() > 0.99  # <1%: injected bad amounts


def test_all_dates_fall_in_the_2025_window(medium):
    charges = _clean(medium, "stripe/charges.csv")["created"]
    stamps = pd.to_datetime(charges.where(~charges.str.fullmatch(r"\d+")), errors="coerce")
    epochs = pd.to_datetime(charges.where(charges.str.fullmatch(r"\d+")).astype(float), unit="s")
    when = stamps.fillna(epochs)
    assert when.notna().all() and when.min().year == 2025 and when.max().year == 2025
    assert charges.str.fullmatch(r"\d+").mean() > 0.005  # some exports carry unix seconds
