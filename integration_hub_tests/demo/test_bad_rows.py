"""Every injected malformed or duplicate row is in the truth, and is really bad; nothing else is."""

import re

import pandas as pd
import pytest

INTEGER = re.compile(r"^\d+$")
MONEY = re.compile(r"^[$€£]?(\d{1,3}(,\d{3})+|\d+)\.\d{2}$")
CURRENCIES = {"usd", "eur", "gbp"}
FILES = {  # file: (id column, amount columns and their format, date columns and whether epoch seconds are allowed)
    "stripe/charges.csv": ("id", {"amount": INTEGER}, {"created": True}),
    "stripe/refunds.csv": ("id", {"amount": INTEGER}, {"created": True}),
    "stripe/payouts.csv": ("id", {"amount": INTEGER}, {"created": True, "arrival_date": False}),
    "stripe/balance_transactions.csv": ("id", {}, {"created": True}),
    "billing/invoices.csv": ("invoice_number", {"total": MONEY}, {"issue_date": False}),
    "billing/credit_notes.csv": ("credit_note_number", {"total": MONEY}, {"issue_date": False}),
}


def _date_ok(values: pd.Series, epoch: bool) -> pd.Series:
    shaped = values.str.match(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$")
    parsed = pd.to_datetime(values.where(shaped), errors="coerce", format="mixed")
    ok = shaped & parsed.notna()
    return ok | values.str.fullmatch(r"\d+") if epoch else ok


def _problems(data: pd.DataFrame, file: str) -> pd.DataFrame:
    """One boolean column per rule: does the row break it? Judged from the content alone."""
    id_column, amounts, dates = FILES[file]
    found = {"blank_id": data[id_column] == ""}
    if file == "stripe/refunds.csv":
        found["blank_charge_id"] = data["charge_id"] == ""
    for column, pattern in amounts.items():
        value = data[column]
        found["blank_amount"] = value == ""
        found["negative_amount"] = value.str.startswith("-")
        name = "amount_not_integer" if pattern is INTEGER else "amount_not_number"
        found[name] = (value != "") & ~value.str.startswith("-") & ~value.str.match(pattern)
    if file == "stripe/balance_transactions.csv":
        found["amount_not_integer"] = ~data["amount"].str.fullmatch(r"-?\d+")
    found["blank_currency"] = data["currency"] == ""
    found["invalid_currency"] = (data["currency"] != "") & ~data["currency"].str.lower().isin(CURRENCIES)
    found["unparseable_date"] = ~pd.concat([_date_ok(data[c], e) for c, e in dates.items()], axis=1).all(axis=1)
    return pd.DataFrame(found)


@pytest.mark.parametrize("file", sorted(FILES))
def test_bad_rows_truth_is_exactly_the_rows_that_break_a_rule(medium, file):
    data = medium.csv(file)
    truth = medium.csv("truth/bad_rows.csv")
    truth = truth[(truth["file"] == file) & (truth["reason"] != "duplicate")]
    problems = _problems(data, file)
    flagged = problems.any(axis=1)
    assert set(truth["row_number"].astype(int)) == {i + 1 for i in data.index[flagged]}
    for record in truth.itertuples():
        n = int(record.row_number)
        broken = set(problems.columns[problems.iloc[n - 1].to_numpy()])
        assert broken == {record.reason}, (n, broken, record.reason)
        assert data.at[n - 1, FILES[file][0]] == record.source_id


@pytest.mark.parametrize("file", sorted(FILES))
def test_duplicates_are_exact_copies_of_an_earlier_row(medium, file):
    data = medium.csv(file)
    id_column = FILES[file][0]
    truth = medium.csv("truth/bad_rows.csv")
    dups = truth[(truth["file"] == file) & (truth["reason"] == "duplicate")]
    repeated = data.duplicated(keep="first")
    assert set(dups["row_number"].astype(int)) == {i + 1 for i in data.index[repeated]}
    for record in dups.itertuples():
        copy = data.iloc[int(record.row_number) - 1]
        assert copy[id_column] == record.source_id
        assert (data.iloc[: int(record.row_number) - 1] == copy).all(axis=1).any()
    assert not data[~repeated & (data[id_column] != "")][id_column].duplicated().any()


def test_every_kind_of_mess_appears(medium):
    reasons = set(medium.csv("truth/bad_rows.csv")["reason"])
    assert {"amount_not_integer", "amount_not_number", "blank_id", "blank_amount", "blank_currency",
            "invalid_currency", "unparseable_date", "negative_amount", "duplicate"} <= reasons
