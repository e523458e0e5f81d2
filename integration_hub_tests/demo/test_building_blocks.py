"""The generator's parts, tested on their own."""

import random

import numpy as np
import pandas as pd
import phonenumbers
import pytest
from rapidfuzz import fuzz

from integration_hub.demo import ids, mess
from integration_hub.demo.balance import build_balance
from integration_hub.demo.charges import build_charges, build_refunds
from integration_hub.demo.csvtext import major_text, styled_money, write_csv
from integration_hub.demo.invoices import build_credit_notes, build_invoices
from integration_hub.demo.roster import build_roster
from integration_hub.demo.variants import company_variant, phone_text


@pytest.mark.parametrize(("country", "bban", "expected"), [
    ("DE", "370400440532013000", "DE89370400440532013000"),
    ("GB", "NWBK60161331926819", "GB29NWBK60161331926819"),
])
def test_iban_check_digits(country, bban, expected):
    assert ids.iban(country, bban) == expected


def _salesforce_suffix(id15: str) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    return "".join(alphabet[sum(1 << i for i, ch in enumerate(id15[k:k + 5]) if ch.isupper())] for k in (0, 5, 10))


def test_salesforce_ids_carry_their_case_safe_suffix():
    generated = ids.salesforce_ids(np.random.default_rng(3), 500).to_pylist()
    assert len(set(generated)) == 500
    for sf_id in generated:
        assert len(sf_id) == 18 and sf_id.startswith("001")
        assert sf_id[15:] == _salesforce_suffix(sf_id[:15])


def test_stripe_ids_are_unique_and_shaped_like_stripe():
    generated = ids.stripe_ids(np.random.default_rng(1), 20_000, "ch_").to_pylist()
    assert len(set(generated)) == 20_000
    assert all(len(x) == 27 and x.startswith("ch_") and x[3:].isalnum() for x in generated)


@pytest.mark.parametrize(("dial", "national", "region"), [("1", "4155550132", "US"), ("49", "3012345678", "DE"),
                                                         ("44", "2079460018", "GB"), ("33", "142685300", "FR")])
def test_every_phone_spelling_is_the_same_number(dial, national, region):
    r = random.Random(5)
    spellings = {phone_text(dial, national, r, formal=0.3) for _ in range(300)}
    assert len(spellings) >= 5
    for text in spellings:
        parsed = phonenumbers.parse(text.split(" x")[0].split(" ext.")[0], region)
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == f"+{dial}{national}", text


def test_company_variants_differ_but_keep_the_brand():
    r = random.Random(9)
    drawn = [company_variant("Northwind Traders LLC", r, heavy=True) for _ in range(200)]
    assert len(set(drawn)) > 10 and "Northwind Traders LLC" not in drawn[:20]
    assert sum("northwind" in v.lower() for v in drawn) > len(drawn) * 0.7  # the rest carry a typo
    assert all(fuzz.token_set_ratio("northwind traders llc", v.lower()) >= 75 for v in drawn)


def test_money_text():
    minor = np.array([0, 5, 123456, -1999])
    assert major_text(minor).to_pylist() == ["0.00", "0.05", "1234.56", "-19.99"]
    styled = styled_money(np.array([123456, 123456, 123456]), np.array([0, 1, 2]), np.array(["USD", "EUR", "GBP"]))
    assert styled.to_pylist() == ["1234.56", "1,234.56", "£1,234.56"]


def test_csv_quotes_only_what_needs_quotes(tmp_path):
    path = tmp_path / "x.csv"
    rows = write_csv(path, {"a": ["plain", "a,b", 'say "hi"', None, "two\nlines"], "n": np.arange(5)})
    assert rows == 5
    assert path.read_text() == 'a,n\nplain,0\n"a,b",1\n"say ""hi""",2\n,3\n"two\nlines",4\n'
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert back["a"].tolist() == ["plain", "a,b", 'say "hi"', "", "two\nlines"]


def test_inject_breaks_one_cell_per_bad_row_and_copies_duplicates():
    n = 5000
    columns = {"id": [f"ch_{i:05d}" for i in range(n)], "amount": np.arange(100, 100 + n), "currency": ["usd"] * n,
               "created": ["2025-01-01 00:00:00"] * n}
    broken, truth = mess.inject(np.random.default_rng(0), "stripe/charges.csv", columns)
    frame = pd.DataFrame({k: np.asarray(v.to_pylist() if hasattr(v, "to_pylist") else v, dtype=object)
                          for k, v in broken.items()})
    bad = [t for t in truth if t[4] != "duplicate"]
    dups = [t for t in truth if t[4] == "duplicate"]
    assert len(frame) == n + len(dups) and len(bad) == int(n * mess.BAD_SHARE) and len(dups) == int(n * mess.DUPLICATE_SHARE)
    for _, source_id, row_number, column, reason in bad:
        row = frame.iloc[row_number - 1]
        assert row["id"] == source_id
        if reason == "negative_amount":
            assert str(row[column]).startswith("-")
        elif reason.startswith("blank"):
            assert row[column] == ""
    for _, source_id, row_number, _, _ in dups:
        assert (frame.iloc[: row_number - 1]["id"] == source_id).any()


def test_stripe_money_is_conserved():
    """charges - fees - refunds - stripe fees = payouts + what is left in the balance, per currency."""
    rng = np.random.default_rng(11)
    roster, _ = build_roster(rng, 400)
    inv = build_invoices(rng, roster)
    ch = build_charges(rng, roster, inv)
    re = build_refunds(rng, ch, build_credit_notes(rng, inv))
    bt, po = build_balance(ch, re)
    assert (bt["net"] == bt["amount"] - bt["fee"]).all()
    assert (po["amount"] > 0).all()
    for currency, mine in bt.groupby("currency", observed=True):
        last_payout = po.loc[po["currency"] == currency, "created"].max()
        swept = mine[(mine["kind"] != "payout") & (mine["available_on"] <= last_payout)]["net"].sum()
        assert swept == po.loc[po["currency"] == currency, "amount"].sum()
    ok = ch[ch["status"] == "succeeded"]
    assert set(bt.loc[bt["kind"] == "charge", "row"]) == set(ok.index)
    refunded = re.groupby("charge")["amount"].sum()
    assert (refunded <= ch.loc[refunded.index, "amount"]).all()
    assert (re["created"].to_numpy() > ch.loc[re["charge"], "created"].to_numpy()).all()
