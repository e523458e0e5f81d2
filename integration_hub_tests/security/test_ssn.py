import pandas as pd
import pytest

from integration_hub.security.ssn import mask_ssn_text, mask_ssns, ssn_valid


@pytest.mark.parametrize(("text", "masked"), [
    ("employee 219-09-9999 on file", "employee [SSN] on file"),
    ("ref 219 09 9999.", "ref [SSN]."),
    ("SSN: 219099999", "SSN: [SSN]"),
    ("ssn#219-09-9999", "ssn#[SSN]"),
    ("Social Security Number 219099999 verified", "Social Security Number [SSN] verified"),
    ("social security no. 219 09 9999", "social security no. [SSN]"),
    ("(219-09-9999)", "([SSN])"),
])
def test_ssn_shapes_are_masked(text, masked):
    assert mask_ssn_text(text) == (masked, True)


@pytest.mark.parametrize("text", [
    "000-12-3456", "666-12-3456", "900-12-3456", "999-12-3456",   # areas the SSA never issues
    "219-00-3456", "219-09-0000", "SSN 000123456", "SSN 219000000",
    "invoice 2024-01-15 due 01/15/2024",                          # dates
    "call (973) 404-4467 or 973-404-4467 or +1 973 404 4467",     # phone numbers
    "030 12 34 56", "+49 301 23 4567",                            # grouped phone numbers
    "Newark NJ 07174-1234",                                        # ZIP+4
    "INV-219-09-9999", "PO 219-09-9999-01", "order 219099999",   # ids; bare 9 digits without a label
    "SSN on file", "ssn 2190999991",                             # a label without exactly nine digits
])
def test_lookalikes_are_not_ssns(text):
    assert mask_ssn_text(text) == (text, False)


def test_ssa_ranges():
    assert ssn_valid("219", "09", "9999") and ssn_valid("665", "99", "0001")
    assert not any(ssn_valid(*parts) for parts in [("000", "01", "0001"), ("666", "01", "0001"),
                                                   ("912", "01", "0001"), ("219", "00", "0001"),
                                                   ("219", "01", "0000")])


def test_series_flags_rows_and_keeps_na():
    s = pd.Series(["rent", None, "SSN 219-09-9999", "ZIP 07174-1234"], index=list("wxyz"))
    masked, flagged = mask_ssns(s)
    assert masked.tolist() == ["rent", None, "SSN [SSN]", "ZIP 07174-1234"]
    assert flagged.tolist() == [False, False, True, False] and list(flagged.index) == list("wxyz")
