"""Format detection looks at content only; names and extensions are ignored."""
from __future__ import annotations

import pytest

from integration_hub.connectors.bank import StatementFormatError, detect_format, parse_statement
from integration_hub_tests.connectors.bank.conftest import SAMPLES, sample_text

CASES = [
    ("bai2_spec_example.bai", "bai2"),
    ("bai2_two_accounts.bai", "bai2"),
    ("camt053_iso_business_example.xml", "camt053"),
    ("camt053_v02_bank_guide.xml", "camt053"),
    ("camt053_v08_jpy.xml", "camt053"),
    ("mt940_german_structured.sta", "mt940"),
    ("mt940_sepa_betterplace.sta", "mt940"),
    ("mt940_jpy_envelope.sta", "mt940"),
]


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_detects_each_sample(name: str, kind: str) -> None:
    assert detect_format((SAMPLES / name).read_bytes()) == kind


@pytest.mark.parametrize(("name", "wrong_name"), [
    ("bai2_spec_example.bai", "statement.xml"),
    ("camt053_v02_bank_guide.xml", "statement.sta"),
    ("mt940_german_structured.sta", "statement.bai"),
])
def test_wrong_extension_still_parses_by_content(write, name: str, wrong_name: str) -> None:
    renamed = parse_statement(write(wrong_name, sample_text(name)))
    original = parse_statement(SAMPLES / name)
    assert len(renamed) > 0
    assert renamed.equals(original)


def test_bom_and_leading_whitespace_are_tolerated() -> None:
    data = b"\xef\xbb\xbf\n  " + (SAMPLES / "bai2_spec_example.bai").read_bytes()
    assert detect_format(data) == "bai2"


def test_mt940_without_envelope_is_detected_by_its_tags() -> None:
    assert detect_format(b":20:STARTUMS\n:25:12345678/1020304050\n:28C:0\n") == "mt940"


@pytest.mark.parametrize("data", [b"", b"date,amount\n2024-01-01,10\n", b"hello"])
def test_unknown_content_raises(data: bytes) -> None:
    with pytest.raises(StatementFormatError, match="not a BAI2, camt.053 or MT940"):
        detect_format(data)


def test_xml_of_another_message_is_refused_with_its_namespace() -> None:
    pain = b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>'
    with pytest.raises(StatementFormatError, match="pain.001.001.03"):
        detect_format(pain)


def test_parse_statement_names_the_file_when_detection_fails(write) -> None:
    path = write("notes.bai", "just some notes\n")
    with pytest.raises(StatementFormatError) as caught:
        parse_statement(path)
    assert str(caught.value) == f"{path} line 1: not a BAI2, camt.053 or MT940 statement"
