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
