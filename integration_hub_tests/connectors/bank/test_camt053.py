"""camt.053: the ISO 20022 business example (.04), a bank-guide style .02 file, a .08 JPY file.

camt053_iso_business_example.xml is the ISO 20022 camt.053.001.04 Business Example as
shipped in dvbern/iso20022 (iso20022-ch-impl test resources); the .02 and .08 files
follow the element layout of genkgo/camt's test/data fixtures.
"""
from __future__ import annotations

import pandas as pd
import pytest

from integration_hub.connectors.bank import StatementFormatError, parse_statement
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
    (V02, '<Amt Ccy="EUR">17590.64</Amt>', '<Amt Ccy="EUR">17590.65</Amt>', ("<Bal>", 2),
     "closing balance 1759065 is not the opening balance 1000000 plus the entries 759064"),
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


def test_balance_error_masks_the_iban(write) -> None:
    path = _broken(write, V02, '<Amt Ccy="EUR">17590.64</Amt>', '<Amt Ccy="EUR">17590.00</Amt>')
    with pytest.raises(StatementFormatError) as caught:
        parse_statement(path)
    assert "****3000" in str(caught.value)
    assert "DE89370400440532013000" not in str(caught.value)
