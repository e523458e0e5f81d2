"""Volumes per real customer, and the share of mess, at a scale where ratios are stable."""

import pytest

TRANSACTIONAL = ("stripe/charges.csv", "stripe/refunds.csv", "stripe/payouts.csv", "stripe/balance_transactions.csv",
                 "billing/invoices.csv", "billing/credit_notes.csv")


def test_counts_near_the_targets(medium):
    files, scale = medium.manifest["files"], medium.manifest["scale"]
    assert 7.0 <= files["stripe/charges.csv"] / scale <= 9.0
    assert 3.5 <= files["billing/invoices.csv"] / scale <= 4.5
    assert 0.04 <= files["stripe/refunds.csv"] / files["stripe/charges.csv"] <= 0.06
    assert 0.012 <= files["billing/credit_notes.csv"] / files["billing/invoices.csv"] <= 0.025
    transactions = sum(files[name] for name in TRANSACTIONAL)
    assert 18 <= transactions / scale <= 23
    assert scale * 1.05 <= files["stripe/customers.csv"] <= scale * 1.2  # duplicate Stripe customers
    assert scale <= files["billing/customers.csv"] <= scale * 1.02
    assert scale * 0.7 <= files["crm/accounts.csv"] <= scale * 0.85   # B2B accounts only


def test_balance_transactions_cover_charges_refunds_and_payouts(medium):
    files = medium.manifest["files"]
    charges = medium.csv("stripe/charges.csv")
    succeeded = (charges["status"] == "succeeded").sum()
    expected = succeeded + files["stripe/refunds.csv"] + files["stripe/payouts.csv"]
    assert expected <= files["stripe/balance_transactions.csv"] <= expected + 40  # + monthly stripe fees + duplicates


@pytest.mark.parametrize("name", TRANSACTIONAL)
def test_mess_stays_under_half_a_percent(medium, name):
    spec = medium.json("truth/expected.json")["files"][name]
    assert (spec["bad"] + spec["duplicate"]) / spec["rows"] < 0.005
    if spec["rows"] >= 1000:
        assert spec["bad"] > 0 and spec["duplicate"] > 0


def test_currencies_mostly_usd_some_eur_and_gbp(medium):
    share = medium.csv("billing/invoices.csv")["currency"].value_counts(normalize=True)
    assert share["USD"] > 0.6 and 0.05 < share["EUR"] < 0.3 and 0.03 < share["GBP"] < 0.2


def test_some_charges_failed_and_some_invoices_are_paid_by_wire(medium):
    charges = medium.csv("stripe/charges.csv")
    assert 0.02 < (charges["status"] == "failed").mean() < 0.08
    payments = medium.csv("truth/invoice_payments.csv")
    paid = payments[payments["status"] == "paid"]
    assert 0.05 < (paid["method"] == "wire").mean() < 0.3
