import pandas as pd
import pytest

from integration_hub.standardize.sku import sku, sku_match_key


@pytest.mark.parametrize("raw, expected", [
    ("ab-123", "AB-123"), ("AB_123", "AB-123"), ("ab.123", "AB-123"), ("AB/123", "AB-123"), ("AB 123", "AB-123"),
    ("  AB - 123  ", "AB-123"), ("AB--123", "AB-123"), ("-AB-123-", "AB-123"), ("AB–123", "AB-123"),
    ("ＡＢ１２３", "AB123"), ("00123", "00123"), ("12345.0", "12345"), ("widget blue l", "WIDGET-BLUE-L"),
    ("", None), ("-", None), ("--", None),
])
def test_sku(raw, expected):
    out = sku(pd.Series([raw])).iloc[0]
    assert (pd.isna(out) if expected is None else out == expected)


def test_sku_from_a_float_column():
    assert sku(pd.Series([12345.0])).tolist() == ["12345"]


@pytest.mark.parametrize("raw, expected", [
    ("AB-00123", "AB123"), ("ab 123", "AB123"), ("AB_0123", "AB123"), ("00123", "123"), ("000", "0"),
    ("A0B", "A0B"), ("X-1000", "X1000"),
])
def test_sku_match_key(raw, expected):
    assert sku_match_key(pd.Series([raw])).iloc[0] == expected
