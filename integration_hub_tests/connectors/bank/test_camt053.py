"""camt.053: the ISO 20022 business example (.04), a bank-guide style .02 file, a .08 JPY file.

camt053_iso_business_example.xml is the ISO 20022 camt.053.001.04 Business Example as
shipped in dvbern/iso20022 (iso20022-ch-impl test resources); the .02 and .08 files
follow the element layout of genkgo/camt's test/data fixtures.
"""
from __future__ import annotations

import re

import pandas as pd
import pytest

from integration_hub.connectors.bank import StatementFormatError, parse_statement, read_statement
from integration_hub_tests.connectors.bank.conftest import SAMPLES, line_of, sample_text

ISO = "camt053_iso_business_example.xml"
V02 = "camt053_v02_bank_guide.xml"
V08 = "camt053_v08_jpy.xml"


def test_iso_business_example_entries() -> None:
    frame = parse_statement(SAMPLES / ISO)
    text = sample_text(ISO)
    assert frame["amount_minor"].tolist() == [10_567_850, -20_000_000, 3_000_000]
    assert set(frame["currency"]) == {"SEK"}  # the FX entry is booked in SEK, its TxDtls says EUR
    assert frame["line"].tolist() == [line_of(text, "<Ntry>", n) for n in (1, 2, 3)]
    assert set(frame["account"]) == {"50000000054910000003"}
    assert set(frame["account_mask"]) == {"****0003"}
    assert set(frame["statement_id"]) == {"AAAASESS-FP-STAT001"}
    # BookgDt/DtTm 2010-10-18T13:15:00+01:00 is booked on the bank's 18 October.
    assert set(frame["booking_date"]) == {pd.Timestamp("2010-10-18", tz="UTC")}


def test_iso_business_example_refs_and_parties() -> None:
    credit, batch, fx = parse_statement(SAMPLES / ISO).to_dict("records")
    assert credit["reference"] == "MUELL/FINP/RA12345"
    assert credit["counterparty"] == "MUELLER"
    assert credit["bank_ref"] == credit["source_id"] == "AAAASESS-FP-CN_98765/01"
    assert credit["type_code"] == "PAYM-0001-0005"
    assert batch["reference"] is None and batch["counterparty"] is None  # Btch without TxDtls: one row
    assert batch["bank_ref"] == "AAAASESS-FP-ACCR-01"
    assert fx["reference"] == "AAAASS1085FINPSS"


def test_v02_codes_dates_and_counterparty_side() -> None:
    rows = parse_statement(SAMPLES / V02).to_dict("records")
    wire, fee, vendor1, vendor2, utility, payout = rows
    assert wire["type_code"] == "PMNT-RCDT-ESCT"  # Domn wins over the proprietary DK code
    assert wire["counterparty"] == "Acme Trading GmbH"  # credit: the debtor
    assert wire["reference"] == "INV-000042"
    assert wire["description"] == "Invoice INV-000042 customer 10077"
    assert fee["type_code"] == "ACMT-MDOP-CHRG"
    assert fee["description"] == "Account maintenance fee March 2024"
    assert fee["bank_ref"] == "FEE-2024-03"  # NtryRef when there is no AcctSvcrRef
    assert fee["value_date"] == pd.Timestamp("2024-03-01", tz="UTC")
    assert vendor1["counterparty"] == "Muster Logistik AG"  # debit: the creditor
    assert utility["reference"] == "RF18539007547034"  # NOTPROVIDED end-to-end id falls back to Strd
    assert payout["reference"] == "po_1OqXyZ2eZvKYlo2C"
    assert payout["booking_date"] == pd.Timestamp("2024-03-04", tz="UTC")
    assert payout["value_date"] == pd.Timestamp("2024-03-05", tz="UTC")
    assert [r["amount_minor"] for r in rows] == [125_000, -3_590, -150_000, -200_000, -100_000, 1_087_654]


def test_v02_batch_gives_one_row_per_transaction_with_its_own_line() -> None:
    frame = parse_statement(SAMPLES / V02)
    text = sample_text(V02)
    batch = frame[frame["bank_ref"] == "2024030400012399"]
    assert batch["line"].tolist() == [line_of(text, "<TxDtls>", n) for n in (2, 3, 4)]
    # The shared AcctSvcrRef is not unique, so these rows get statement:line ids.
    assert batch["source_id"].tolist() == [f"0352C5320240304180511:{n}" for n in batch["line"]]
    assert frame["source_id"].is_unique


def test_v08_party_layout_and_yen_minor_units() -> None:
    credit, fee = parse_statement(SAMPLES / V08).to_dict("records")
    assert (credit["amount_minor"], credit["currency"]) == (250_000, "JPY")
    assert credit["counterparty"] == "KABUSHIKI KAISHA SAMPLE"
    assert credit["type_code"] == "FURIKOMI"
    assert (fee["amount_minor"], fee["counterparty"]) == (-880, "EXAMPLE BANK LTD")
    assert fee["description"] == "Remittance fee"


def test_pending_entry_is_reported_but_left_out_of_the_balance_check(write) -> None:
    pending = ('<Ntry><Amt Ccy="EUR">99.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>PDNG</Sts>'
               "<ValDt><Dt>2024-03-05</Dt></ValDt><NtryRef>PEND-1</NtryRef></Ntry>\n    </Stmt>")
    path = write("pending.xml", sample_text(V02).replace("</Stmt>", pending, 1))
    last = parse_statement(path).iloc[-1]
    assert (last["amount_minor"], last["bank_ref"]) == (9_900, "PEND-1")
    assert last["booking_date"] == pd.Timestamp("2024-03-05", tz="UTC")  # no BookgDt: the value date


def _broken(write, name: str, old: str, new: str):
    text = sample_text(name)
    assert old in text
    return write("broken.xml", text.replace(old, new, 1))


@pytest.mark.parametrize(("name", "old", "new", "at", "message"), [
    (V02, '<Amt Ccy="EUR">35.90</Amt>', '<Amt Ccy="EUR">35,90</Amt>', ('<Amt Ccy="EUR">35,90', 1), "'35,90'"),
    (V08, '<Amt Ccy="JPY">880</Amt>', '<Amt Ccy="JPY">880.50</Amt>', ('<Amt Ccy="JPY">880.50', 1),
     "more decimals than JPY allows"),
    (V02, "<CdtDbtInd>DBIT</CdtDbtInd>", "<CdtDbtInd>DEBIT</CdtDbtInd>", ("<Ntry>", 2), "'DEBIT'"),
    (V02, '<Amt Ccy="EUR">2000.00</Amt>', '<Amt Ccy="EUR">2000.01</Amt>', ("<Ntry>", 3),
     "batch transactions add up to -450001"),
    (V02, "<Dt>2024-03-01</Dt>\n        </ValDt>", "<Dt>2024-03-32</Dt>\n        </ValDt>", ("<ValDt>", 2),
     "not an ISO date"),
    (ISO, "</Ntry>\n\t\t\t<Ntry>", "</Ntry>\n\t\t\t</Ntry>", ("</Ntry>", 2), "XML not well-formed"),
])
def test_broken_files_name_the_line(write, name, old, new, at, message) -> None:
    path = _broken(write, name, old, new)
    with pytest.raises(StatementFormatError) as caught:
        parse_statement(path)
    assert caught.value.line == line_of(path.read_text(), *at)
    assert message in caught.value.message


def test_truncated_xml_is_not_well_formed(write) -> None:
    text = sample_text(V02)
    cut = "\n".join(text.split("\n")[:100])
    with pytest.raises(StatementFormatError, match="XML not well-formed") as caught:
        parse_statement(write("cut.xml", cut))
    assert caught.value.line >= 100


def test_dtd_and_entities_are_refused(write) -> None:
    text = sample_text(V08).replace(
        "<Document", '<!DOCTYPE Document [<!ENTITY lol "lol">]>\n<Document', 1)
    with pytest.raises(StatementFormatError, match="DTDs and entity declarations are not allowed"):
        parse_statement(write("dtd.xml", text))


def test_unsupported_version_is_named(write) -> None:
    path = _broken(write, V08, "xsd:camt.053.001.08", "xsd:camt.053.001.10")
    with pytest.raises(StatementFormatError, match=r"camt.053.001.10 is not supported"):
        parse_statement(path)


def _flag(path):
    """The one flagged statement of a file whose rows were all kept, with their status."""
    parsed = read_statement(path)
    [flag] = parsed.incomplete
    assert len(parsed.frame) == 6 - (flag.statement_id == "missing")
    assert set(parsed.frame["statement_status"]) == {flag.status}
    return parsed, flag


def test_closing_balance_that_does_not_bridge_is_flagged_with_both_figures_and_the_rows_kept(write) -> None:
    path = _broken(write, V02, '<Amt Ccy="EUR">17590.64</Amt>', '<Amt Ccy="EUR">17590.65</Amt>')
    parsed, flag = _flag(path)
    assert (flag.status, flag.stated_minor, flag.computed_minor) == ("balance_mismatch", 1759065, 1759064)
    assert flag.line == line_of(path.read_text(), "<Bal>", 2)
    assert "closing balance 1759065 is not the opening balance 1000000 plus the entries 759064" in flag.detail
    assert parsed.frame["amount_minor"].sum() == 759064


def test_balance_flag_masks_the_iban(write) -> None:
    path = _broken(write, V02, '<Amt Ccy="EUR">17590.64</Amt>', '<Amt Ccy="EUR">17590.00</Amt>')
    _, flag = _flag(path)
    assert "****3000" in str(flag)
    assert "DE89370400440532013000" not in str(flag)


# The V02 sample's entries: +1250.00, -35.90, -4500.00 (a batch), +10876.54 EUR.
SUMMARY = ("      <TxsSummry>\n"
           "        <TtlNtries><NbOfNtries>4</NbOfNtries><Sum>16662.44</Sum>"
           "<TtlNetNtryAmt>7590.64</TtlNetNtryAmt><CdtDbtInd>CRDT</CdtDbtInd></TtlNtries>\n"
           "        <TtlCdtNtries><NbOfNtries>2</NbOfNtries><Sum>12126.54</Sum></TtlCdtNtries>\n"
           "        <TtlDbtNtries><NbOfNtries>2</NbOfNtries><Sum>4535.90</Sum></TtlDbtNtries>\n"
           "      </TxsSummry>\n")
_CLOSING = re.compile(r"      <Bal>\s*<Tp>\s*<CdOrPrtry>\s*<Cd>CLBD</Cd>.*?</Bal>\n", re.S)
_FEE_ENTRY = re.compile(r"      <Ntry>\n(?:(?!</Ntry>).)*?35\.90.*?</Ntry>\n", re.S)


def _v02(summary: str | None = SUMMARY, closing: bool = True, fee: bool = True) -> str:
    text = sample_text(V02)
    if summary:
        text = text.replace("      <Ntry>", summary + "      <Ntry>", 1)
    if not closing:
        text, found = _CLOSING.subn("", text)
        assert found == 1
    if not fee:
        text, found = _FEE_ENTRY.subn("", text)
        assert found == 1
    return text


def test_summary_that_agrees_with_the_entries_verifies_a_statement_without_closing_balance(write) -> None:
    assert len(parse_statement(write("ok.xml", _v02(closing=False)))) == 6
    v03_net = SUMMARY.replace("<TtlNetNtryAmt>7590.64</TtlNetNtryAmt><CdtDbtInd>CRDT</CdtDbtInd>",
                              "<TtlNetNtry><Amt>7590.64</Amt><CdtDbtInd>CRDT</CdtDbtInd></TtlNetNtry>")
    assert len(parse_statement(write("v03.xml", _v02(v03_net, closing=False)))) == 6


def test_missing_entry_with_its_closing_balance_removed_is_caught_by_the_summary(write) -> None:
    path = write("missing.xml", _v02(closing=False, fee=False))
    parsed = read_statement(path)
    [flag] = parsed.incomplete
    assert flag.status == "summary_mismatch"
    assert flag.detail.startswith("account ****3000: TxsSummry TtlNtries/NbOfNtries is 4 but the statement has 3 "
                                  "entries")
    assert (flag.stated_minor, flag.computed_minor) == (4, 3)
    assert flag.line == line_of(path.read_text(), "<TtlNtries>")
    assert len(parsed.frame) == 5 and set(parsed.frame["statement_status"]) == {"summary_mismatch"}


@pytest.mark.parametrize(("old", "new", "message"), [
    ("<Sum>16662.44</Sum>", "<Sum>16662.45</Sum>", "TtlNtries/Sum is 1666245 but the entries add up to 1666244"),
    ("<TtlNetNtryAmt>7590.64", "<TtlNetNtryAmt>7590.00", "net is 759000 but the entries add up to 759064"),
    ("<CdtDbtInd>CRDT</CdtDbtInd></TtlNtries>", "<CdtDbtInd>DBIT</CdtDbtInd></TtlNtries>",
     "net is -759064 but the entries add up to 759064"),
    ("<TtlCdtNtries><NbOfNtries>2", "<TtlCdtNtries><NbOfNtries>3",
     "TtlCdtNtries/NbOfNtries is 3 but the statement has 2 credit entries"),
    ("<Sum>4535.90</Sum>", "<Sum>4535.00</Sum>", "TtlDbtNtries/Sum is 453500 but the debit entries add up to 453590"),
])
def test_summary_disagreeing_with_the_entries_is_flagged_naming_the_total(write, old, new, message) -> None:
    text = _v02()
    assert old in text
    _, flag = _flag(write("summary.xml", text.replace(old, new, 1)))
    assert flag.status == "summary_mismatch"
    assert message in flag.detail
    assert ("(minor units of EUR)" in flag.detail) == ("NbOfNtries" not in message)


def test_statement_without_closing_balance_or_summary_is_flagged_unverifiable(write) -> None:
    path = write("bare.xml", _v02(summary=None, closing=False))
    _, flag = _flag(path)
    assert flag.status == "unverifiable"
    assert flag.detail.startswith("account ****3000: statement 0352C5320240304180511 states neither")
    assert flag.line == line_of(path.read_text(), "<Stmt>")


def test_a_complete_statement_is_not_flagged(write) -> None:
    parsed = read_statement(write("ok.xml", _v02()))
    assert parsed.incomplete == []
    assert set(parsed.frame["statement_status"]) == {"complete"}


def test_a_statement_failing_both_controls_is_flagged_once_listing_both(write) -> None:
    parsed = read_statement(write("both.xml", _v02(fee=False)))
    [flag] = parsed.incomplete
    assert flag.status == "balance_mismatch"
    assert [p.status for p in flag.problems] == ["balance_mismatch"] + ["summary_mismatch"] * 5
    assert "NbOfNtries is 4 but the statement has 3 entries" in flag.detail
