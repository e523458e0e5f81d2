"""MT940: German structured :86:, SEPA returns and reversals, a JPY statement in a SWIFT envelope.

mt940_german_structured.sta is the widely published Sparkasse-style example (?20/?32
subfields) as kept in wolph/mt940 mt940_tests/cmxl/mt940.sta, wrapped in a SWIFT
{1:}{2:}{4: ... -} envelope; mt940_sepa_betterplace.sta is the first two statements of
wolph/mt940 mt940_tests/betterplace/sepa_mt9401.sta, verbatim.
"""
from __future__ import annotations

import pandas as pd
import pytest

from integration_hub.connectors.bank import StatementFormatError, parse_statement, read_statement
from integration_hub_tests.connectors.bank.conftest import SAMPLES, line_of, sample_text

GERMAN = "mt940_german_structured.sta"
SEPA = "mt940_sepa_betterplace.sta"
JPY = "mt940_jpy_envelope.sta"


def test_german_structured_details() -> None:
    rent, salary = parse_statement(SAMPLES / GERMAN).to_dict("records")
    assert (rent["amount_minor"], rent["currency"], rent["type_code"]) == (-80_000, "EUR", "NSTO")
    assert rent["reference"] == "Miete November"  # ?20, since the :61: reference is NONREF
    assert rent["counterparty"] == "MUELLER"  # ?32
    assert rent["description"] == "DAUERAUFTRAG Miete November"  # ?00 posting text and ?20
    assert rent["value_date"] == pd.Timestamp("2002-11-01", tz="UTC")
    assert rent["booking_date"] == pd.Timestamp("2002-11-02", tz="UTC")  # entry date MMDD
    assert salary["amount_minor"] == 300_000
    assert salary["reference"].startswith("Gehalt Oktober")  # ?20 continued over wrapped lines
    assert rent["account"] == "10020030/1234567" and rent["account_mask"] == "****4567"
    assert rent["statement_id"] == "1234567/5/1"


def test_german_lines_survive_the_envelope_and_duplicate_bank_refs() -> None:
    frame = parse_statement(SAMPLES / GERMAN)
    text = sample_text(GERMAN)
    assert frame["line"].tolist() == [line_of(text, ":61:", 1), line_of(text, ":61:", 2)]
    # Both lines carry the bank reference 55555, so neither can be the row's id.
    assert frame["bank_ref"].tolist() == ["55555", "55555"]
    assert frame["source_id"].tolist() == [f"1234567/5/1:{n}" for n in frame["line"]]


def test_sepa_statements_reversal_signs_and_references() -> None:
    frame = parse_statement(SAMPLES / SEPA)
    assert frame["statement_id"].tolist()[0] == "T089413946000001/00004/00001"
    assert frame["statement_id"].nunique() == 2
    assert frame["amount_minor"].tolist() == [30_000, 33_533, 1_500_000, 6_629_508, 91_531_155, -20_488,
                                              -99_994_695, 1_500_005, -50_025_000]
    reversal = frame.iloc[5]
    assert reversal["type_code"] == "NRTI"  # RC: a reversed credit takes money out
    incoming = frame.iloc[7]
    assert incoming["reference"] == "EndToEndIdTFNR2000400001"  # EREF+
    assert incoming["counterparty"].startswith("Richter Renate")  # ?32 + ?33
    outgoing = frame.iloc[8]
    # KREF+ (it runs into the next subfield's text, as the bank wrote it), not mixed with the :61: "KREF+"
    assert outgoing["reference"].startswith("TFNr 01005 PayId CTSc-01 EBB")
    assert frame["source_id"].is_unique


def test_jpy_envelope_minor_units_and_free_text() -> None:
    frame = parse_statement(SAMPLES / JPY)
    assert frame["currency"].unique().tolist() == ["JPY"]
    assert frame["amount_minor"].tolist() == [1_500_000, -880, -250_000]  # yen has no minor unit
    first, fee, vendor = frame.to_dict("records")
    assert first["reference"] == "INV-000077"
    assert first["description"] == "FURIKOMI KABUSHIKI KAISHA SAMPLE INVOICE INV-000077"
    assert fee["reference"] is None  # NONREF
    assert vendor["bank_ref"] == vendor["source_id"] == "JP24030400003"
    text = sample_text(JPY)
    assert frame["line"].tolist() == [line_of(text, ":61:", n) for n in (1, 2, 3)]


def test_reference_longer_than_16x_is_taken_from_supplementary_details(write) -> None:
    text = sample_text(JPY).replace("C1500000,NTRFINV-000077//JP24030400001",
                                    "C1500000,NTRFNONREF//JP24030400001\npo_1OqXyZ2eZvKYlo2C", 1)
    first, _, vendor = parse_statement(write("payout.sta", text)).to_dict("records")
    assert first["reference"] == "po_1OqXyZ2eZvKYlo2C"
    assert vendor["reference"] == "VEND-3301"  # its supplementary text "Supplier payment" is no identifier


def _broken(write, name: str, old: str, new: str):
    text = sample_text(name)
    assert old in text
    return write("broken.sta", text.replace(old, new, 1))


@pytest.mark.parametrize(("name", "old", "new", "at", "message"), [
    (GERMAN, ":61:0211021102CR3000,", ":61:0211021102CR30X0,", (":61:", 2), "malformed :61:"),
    (GERMAN, ":61:0211021102CR3000,", ":61:0211321102CR3000,", (":61:", 2), "malformed :61:"),
    (JPY, "C1500000,NTRF", "C1500000,50NTRF", (":61:", 1), "more decimals than JPY allows"),
    (GERMAN, ":25:10020030/1234567\n", "", (":20:", 1), "has no account identification :25:"),
])
def test_broken_files_name_the_line(write, name, old, new, at, message) -> None:
    path = _broken(write, name, old, new)
    with pytest.raises(StatementFormatError) as caught:
        parse_statement(path)
    assert caught.value.line == line_of(path.read_text(), *at)
    assert message in caught.value.message


def test_truncated_statement_is_reported_at_its_last_line(write) -> None:
    lines = sample_text(SEPA).split("\n")
    path = write("cut.sta", "\n".join(lines[:20]) + "\n")
    with pytest.raises(StatementFormatError, match="without a closing balance") as caught:
        parse_statement(path)
    assert caught.value.line == 20


def test_closing_balance_that_does_not_bridge_is_flagged_with_both_figures_and_the_rows_kept(write) -> None:
    path = _broken(write, GERMAN, ":62F:C021130EUR4387,95", ":62F:C021130EUR4387,96")
    parsed = read_statement(path)
    [flag] = parsed.incomplete
    assert (flag.status, flag.stated_minor, flag.computed_minor) == ("balance_mismatch", 438796, 438795)
    assert flag.line == line_of(path.read_text(), ":62F:")
    assert "closing balance 438796 is not the opening balance 218795 plus the statement lines 220000" in flag.detail
    assert parsed.frame["amount_minor"].tolist() == [-80_000, 300_000]
    assert set(parsed.frame["statement_status"]) == {"balance_mismatch"}


def test_flags_mask_the_account(write) -> None:
    [flag] = read_statement(_broken(write, GERMAN, ":62F:C021130EUR4387,95", ":62F:C021130EUR4387,96")).incomplete
    assert "****4567" in str(flag)
    assert "10020030/1234567" not in str(flag)


def test_missing_statement_line_breaks_the_balance(write) -> None:
    """The closing balance :62F: is mandatory, so a dropped :61: always shows, as in camt.053 and BAI2."""
    path = _broken(write, GERMAN, ":61:0211011102DR800,NSTONONREF//55555\n", "")
    [flag] = read_statement(path).incomplete
    assert (flag.line, flag.status) == (15, "balance_mismatch")
    assert flag.detail == ("account ****4567: closing balance 438795 is not the opening balance 218795 plus the "
                           "statement lines 300000 (minor units of EUR)")


def test_statement_without_opening_balance_is_flagged_and_the_others_stay_complete(write) -> None:
    path = _broken(write, SEPA, ":60F:D070903EUR970499,9\n", "")
    parsed = read_statement(path)
    [flag] = parsed.incomplete
    assert flag.status == "no_opening_balance"
    assert flag.statement_id == "T089413956000001/00004/00001"
    assert flag.line == line_of(path.read_text(), ":20:", 2)
    assert flag.computed_minor is None and flag.stated_minor is not None
    frame = parsed.frame
    assert len(frame) == len(parse_statement(SAMPLES / SEPA))                 # every transaction kept
    by_statement = frame.groupby("statement_id")["statement_status"].unique().map(list).to_dict()
    assert by_statement == {"T089413946000001/00004/00001": ["complete"],
                            "T089413956000001/00004/00001": ["no_opening_balance"]}
    assert set(frame.loc[frame["statement_id"] == flag.statement_id, "currency"]) == {"EUR"}   # from :62F:


def test_the_public_samples_are_complete() -> None:
    for name in (GERMAN, SEPA, JPY):
        parsed = read_statement(SAMPLES / name)
        assert parsed.incomplete == [] and set(parsed.frame["statement_status"]) == {"complete"}
