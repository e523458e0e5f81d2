import pandas as pd
import pytest

from integration_hub.standardize.text import blank_to_na, clean_text


@pytest.mark.parametrize("raw, expected", [
    ("", None), ("   ", None), ("N/A", None), ("n/a", None), ("null", None), ("None", None), ("-", None),
    ("#N/A", None), ("nan", None),
    ("NA", "NA"),                       # Namibia, and a state abbreviation in some data
    ("  keep  as is ", "  keep  as is "),
    ("0", "0"), ("none of them", "none of them"),
])
def test_blank_to_na(raw, expected):
    out = blank_to_na(pd.Series([raw])).iloc[0]
    assert (pd.isna(out) if expected is None else out == expected)


@pytest.mark.parametrize("raw, expected", [
    ("  hello   world  ", "hello world"),
    ("tab\tand\nnewline", "tab and newline"),
    ("zero\u200bwidth", "zerowidth"),
    ("\ufeffBOM first", "BOM first"),
    ("non\u00a0breaking", "non breaking"),
    ("bell\x07char", "bellchar"),
    ("Cafe\u0301", "Café"),                    # NFC composes e + combining acute
    ("São Paulo", "São Paulo"),
    ("北京市", "北京市"),
    ("\u200b", None),
    ("null", None),
])
def test_clean_text(raw, expected):
    out = clean_text(pd.Series([raw])).iloc[0]
    assert (pd.isna(out) if expected is None else out == expected)


def test_clean_text_nfc_makes_equal_strings_equal():
    out = clean_text(pd.Series(["Cafe\u0301", "Caf\u00e9"]))
    assert out.iloc[0] == out.iloc[1]
