"""BAI2: the X9/BAI spec's own example, a two-account file, and broken variants of both.

bai2_spec_example.bai is the sample of section 3 of the BAI Cash Management Balance
Reporting Specifications v2 (2005), as transcribed in moov-io/bai2
test/testdata/spec-section3.txt. bai2_two_accounts.bai follows the layout of the bank
samples in ministryofjustice/bai2 tests/data (16 record ending in '/', text in 88
records) and the U.S. Bank BAI2 guide (03 summaries continued on 88).
"""
from __future__ import annotations

import pandas as pd
import pytest

from integration_hub.connectors.bank import StatementFormatError, parse_statement
from integration_hub_tests.connectors.bank.conftest import SAMPLES, line_of, sample_text

SPEC = "bai2_spec_example.bai"
TWO = "bai2_two_accounts.bai"


def test_spec_example_gives_its_one_dealer_payment() -> None:
    (row,) = parse_statement(SAMPLES / SPEC).to_dict("records")
    assert row["account"] == "0975312468"
    assert row["account_mask"] == "****2468"
    assert row["type_code"] == "165"
    assert row["amount_minor"] == 1_500_000
    assert row["currency"] == "USD"  # neither 02 nor 03 names one: the spec's default
    assert row["booking_date"] == pd.Timestamp("2004-06-20", tz="UTC")
    assert row["value_date"] == row["booking_date"]
    assert row["bank_ref"] == "DD1620"
    assert row["reference"] is None
    assert row["description"] == "DEALER PAYMENTS"
    assert row["line"] == 4
    assert row["statement_id"] == "122099999:20040621:1"
    assert row["source_id"] == "DD1620"


def test_two_accounts_signs_follow_type_code_ranges() -> None:
    frame = parse_statement(SAMPLES / TWO)
    assert frame["type_code"].tolist() == ["195", "165", "399", "475", "699", "451", "195", "951", "699"]
    assert frame["amount_minor"].tolist() == [1_500_000, 98_765, 42_755, -120_000, -1_800, -1_000_000,
                                              250_000, 3_000, -880]
    assert frame["amount_minor"].dtype == "int64"


def test_two_accounts_currency_from_account_header_over_group() -> None:
    frame = parse_statement(SAMPLES / TWO)
    by_mask = frame.groupby("account_mask")["currency"].unique().to_dict()
    assert {mask: list(codes) for mask, codes in by_mask.items()} == {"****1234": ["USD"], "****9876": ["JPY"]}
    yen = frame[frame["currency"] == "JPY"]
    # BAI2 amounts carry the currency's implied decimals; yen has none.
    assert yen["amount_minor"].sum() == 250_000 + 3_000 - 880


def test_two_accounts_continuations_join_the_text_and_refs() -> None:
    wire = parse_statement(SAMPLES / TWO).iloc[0]
    assert wire["description"] == "INCOMING WIRE ORIGINATOR: ACME TRADING LLC OBI: PAYMENT FOR INV-000042"
    assert wire["reference"] == "INV-000042"
    assert wire["bank_ref"] == "WIRE20240303001"


def test_two_accounts_lines_and_value_dates() -> None:
    text = sample_text(TWO)
    frame = parse_statement(SAMPLES / TWO)
    expected = [line_of(text, "16,", n) for n in range(1, 10)]
    assert frame["line"].tolist() == expected
    value_dated = frame[frame["type_code"] == "399"].iloc[0]
    assert value_dated["booking_date"] == pd.Timestamp("2024-03-03", tz="UTC")
    assert value_dated["value_date"] == pd.Timestamp("2024-03-04", tz="UTC")
    payout = frame[frame["type_code"] == "165"].iloc[0]
    assert payout["reference"] == "po_1OqXyZ2eZvKYlo2C"


def _broken(write, name: str, old: str, new: str):
    text = sample_text(name)
    assert old in text
    return write("broken.bai", text.replace(old, new, 1))


@pytest.mark.parametrize(("old", "new", "needle", "message"), [
    ("49,72000000,3/", "49,72000001,3/", "49,", "account ****2468 control total is 72000001"),
    ("49,72000000,3/", "49,72000000,4/", "49,", "account ****2468 record count is 4"),
    ("98,72000000,1,5/", "98,72000000,1,6/", "98,", "group record count is 6"),
    ("99,72000000,1,7/", "99,72000009,1,7/", "99,", "file control total is 72000009"),
    ("16,165,1500000,1", "16,165,15X0000,1", "16,", "amount '15X0000'"),
    ("16,165,1500000,1", "16,010,1500000,1", "16,", "neither a credit nor a debit"),
    ("16,165,1500000,1", "17,165,1500000,1", "17,", "not a BAI2 record"),
    ("02,031001234,122099999,1,040620", "02,031001234,122099999,1,041340", "02,", "bad group header"),
])
def test_spec_example_broken_names_the_line(write, old, new, needle, message) -> None:
    path = _broken(write, SPEC, old, new)
    with pytest.raises(StatementFormatError) as caught:
        parse_statement(path)
    assert caught.value.line == line_of(path.read_text(), needle)
    assert message in caught.value.message
    assert str(caught.value).startswith(f"{path} line {caught.value.line}: ")


def test_truncated_file_is_reported_at_its_last_line(write) -> None:
    lines = sample_text(TWO).splitlines()
    path = write("cut.bai", "\n".join(lines[:8]) + "\n")
    with pytest.raises(StatementFormatError, match="truncated") as caught:
        parse_statement(path)
    assert caught.value.line == 8


def test_record_out_of_order_is_named(write) -> None:
    path = _broken(write, SPEC, "49,72000000,3/\n", "")
    expected = "group trailer .98. cannot follow transaction detail"
    with pytest.raises(StatementFormatError, match=expected) as caught:
        parse_statement(path)
    assert caught.value.line == 5


def test_errors_mask_the_account_number(write) -> None:
    path = _broken(write, TWO, "49,3506000,6/", "49,3506001,6/")
    with pytest.raises(StatementFormatError) as caught:
        parse_statement(path)
    assert "****9876" in str(caught.value)
    assert "7700009876" not in str(caught.value)


def test_missing_detail_record_breaks_the_account_control_total(write) -> None:
    """As camt.053's TxsSummry does, the 49 trailer's control total catches a dropped 16 record."""
    path = _broken(write, TWO, "16,475,120000,0,CHK0000104211,104211,CHECK PAID\n", "")
    with pytest.raises(StatementFormatError) as caught:
        parse_statement(path)
    assert caught.value.message == ("statement.summary_mismatch: account ****1234 control total is 11046360 but "
                                    "the records add up to 10926360")
