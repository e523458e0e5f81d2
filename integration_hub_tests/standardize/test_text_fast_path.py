"""The vectorized text path must agree with the per-value path it replaces on large frames."""
import pandas as pd
import pytest

from integration_hub.standardize._core import map_unique
from integration_hub.standardize.text import blank_to_na, clean_text

CASES = ["  ABC  Corp ", "ABC\u200bCorp", "tab\there", "nbsp\xa0space", "e\u0301cole", "N/A", "  ", "", "null",
         "Müller GmbH", "line\nbreak", "\ufeffBOM", "soft\u00adhyphen", "-", "NA", "None", "x" * 40]


@pytest.mark.parametrize("value", CASES)
def test_clean_text_fast_path_matches_scalar_path(value):
    fast = clean_text(pd.Series([value], dtype="string")).iloc[0]
    slow = map_unique(pd.Series([value], dtype=object).astype(object).map(lambda v: v), lambda t: t).iloc[0]
    assert (pd.isna(fast) and pd.isna(slow)) or fast == slow


def test_blank_to_na_keeps_values_exactly_as_given():
    out = blank_to_na(pd.Series(["  keep  ", "N/A", None, "NA"], dtype="string"))
    assert out.iloc[0] == "  keep  " and pd.isna(out.iloc[1]) and pd.isna(out.iloc[2]) and out.iloc[3] == "NA"


@pytest.mark.parametrize("value", ["AP@Example.co.uk", "first.last+tag@sub.domain.com", "a@b.io", "x@mail.test",
                                   "bad..dots@x.com", ".lead@x.com", "user@-host.com", "user@host", "Jane <j@x.com>",
                                   "user@xn--mller-kva.de", "o'brien@x.ie", "user@localhost"])
def test_email_fast_path_agrees_with_email_validator(value):
    from email_validator import EmailNotValidError, validate_email

    from integration_hub.standardize.emails import _email

    try:
        expected = validate_email(value, check_deliverability=False, allow_display_name=True).normalized.lower()
    except EmailNotValidError:
        expected = None
    assert _email(value) == expected
