"""The shared frame contract, the display CSV, and masks."""
from __future__ import annotations

import pandas as pd
import pytest

from integration_hub.connectors.bank import StatementFormatError, parse_statement, statement_to_csv
from integration_hub.connectors.bank.records import COLUMNS, mask_account, to_minor
from integration_hub_tests.connectors.bank.conftest import SAMPLES
from integration_hub_tests.connectors.bank.test_detect import CASES

NAMES = [name for name, _ in CASES]
DTYPES = {"booking_date": "datetime64[ns, UTC]", "value_date": "datetime64[ns, UTC]",
          "amount_minor": "int64", "line": "int64"}


@pytest.mark.parametrize("name", NAMES)
def test_every_sample_meets_the_contract(name: str) -> None:
    frame = parse_statement(SAMPLES / name)
    assert list(frame.columns) == COLUMNS
    for column, dtype in DTYPES.items():
        assert str(frame[column].dtype) == dtype, column
    assert (frame["booking_date"] == frame["booking_date"].dt.normalize()).all()  # midnight
    assert frame["source_id"].is_unique
    assert frame["currency"].str.fullmatch(r"[A-Z]{3}").all()
    assert (frame["account_mask"] == frame["account"].map(mask_account)).all()


@pytest.mark.parametrize("name", NAMES)
def test_display_csv_never_carries_the_full_account(name: str, tmp_path) -> None:
    out = tmp_path / "out" / "statement.csv"
    shown = statement_to_csv(SAMPLES / name, out).frame
    assert list(shown.columns) == ["date", "amount_minor", "currency", "type_code", "reference",
                                   "counterparty", "account_mask", "statement_status"]
    written = out.read_text()
    for account in parse_statement(SAMPLES / name)["account"].unique():
        assert account not in written
    assert pd.read_csv(out)["amount_minor"].tolist() == shown["amount_minor"].tolist()


def test_display_csv_without_out_writes_nothing(tmp_path) -> None:
    shown = statement_to_csv(SAMPLES / "bai2_spec_example.bai")
    assert shown.incomplete == []
    assert shown.frame.to_dict("records") == [{
        "date": "2004-06-20", "amount_minor": 1_500_000, "currency": "USD", "type_code": "165",
        "reference": None, "counterparty": None, "account_mask": "****2468", "statement_status": "complete"}]
    assert list(tmp_path.iterdir()) == []


def test_statement_without_transactions_gives_an_empty_typed_frame(write) -> None:
    path = write("empty.sta", ":20:EMPTY\n:25:NL91ABNA0417164300\n:28C:1/1\n:60F:C240301EUR100,00\n"
                              ":62F:C240301EUR100,00\n")
    frame = parse_statement(path)
    assert frame.empty and list(frame.columns) == COLUMNS
    for column, dtype in DTYPES.items():
        assert str(frame[column].dtype) == dtype, column


def test_error_text_is_file_line_message() -> None:
    error = StatementFormatError("x/y.bai", 12, "broken")
    assert str(error) == "x/y.bai line 12: broken"
    assert (error.path, error.line, error.message) == ("x/y.bai", 12, "broken")


@pytest.mark.parametrize(("account", "mask"), [
    ("DE89 3704 0044 0532 0130 00", "****3000"), ("0975312468", "****2468"), ("123", "****"), ("", "****"),
])
def test_mask_account(account: str, mask: str) -> None:
    assert mask_account(account) == mask


@pytest.mark.parametrize(("amount", "currency", "minor"), [
    ("12,34", "EUR", 1234), ("1500", "JPY", 1500), ("1.234", "KWD", 1234), ("0.5", "BHD", 500),
])
def test_to_minor_follows_the_currency_exponent(amount: str, currency: str, minor: int) -> None:
    assert to_minor(amount, currency) == minor


def test_to_minor_refuses_extra_decimals() -> None:
    with pytest.raises(ValueError, match="more decimals than JPY allows"):
        to_minor("10.5", "JPY")


def test_display_csv_neutralizes_formula_cells(write, tmp_path) -> None:
    sample = (SAMPLES / "bai2_spec_example.bai").read_text()
    path = write("formula.bai", sample.replace("DD1620,,", "DD1620,@SUM(A1),"))
    shown = statement_to_csv(path, tmp_path / "statement.csv").frame
    assert shown["reference"].tolist() == ["@SUM(A1)"]                 # the frame keeps what the bank sent
    written = pd.read_csv(tmp_path / "statement.csv", dtype=str)
    assert written["reference"].tolist() == ["'@SUM(A1)"] and written["amount_minor"].tolist() == ["1500000"]


@pytest.mark.parametrize(("message", "rule"), [
    ("statement.summary_mismatch: account ****1234 control total is 1 but the records add up to 2",
     "statement.summary_mismatch"),
    ("XML not well-formed: mismatched tag", "statement_format"),
])
def test_error_rule_names_the_failed_control(message: str, rule: str) -> None:
    assert StatementFormatError("x.xml", 3, message).rule == rule
