import pandas as pd
import pytest

from integration_hub.standardize.currency import currency_iso4217, minor_exponent
from integration_hub.standardize.dates import date_utc, timestamp_utc
from integration_hub.standardize.money import minor_units_from_major, minor_units_from_minor


@pytest.mark.parametrize("text, currency, expected", [
    ("1234.50", "USD", 123450),
    ("1,234.50", "USD", 123450),
    ("$1,234.50", "USD", 123450),
    (" 12 ", "USD", 1200),
    ("(3.10)", "USD", -310),
    ("-3.10", "EUR", -310),
    ("1234", "JPY", 1234),
    ("1.234", "KWD", None),      # undeclared, a decimal point and a thousands separator are both possible
    ("12.345", "USD", None),     # more decimals than the currency has: never rounded silently
    ("12.5x", "USD", None),
    ("abc", "USD", None),
    ("", "USD", None),
    (None, "USD", None),
    ("NaN", "USD", None),
    ("Infinity", "USD", None),
])
def test_major_units_to_minor(text, currency, expected):
    out = minor_units_from_major(pd.Series([text]), currency)
    assert str(out.dtype) == "Int64"
    assert (out.iloc[0] if expected is not None else None) == expected or (expected is None and pd.isna(out.iloc[0]))


def test_major_units_use_each_rows_currency():
    out = minor_units_from_major(pd.Series(["10", "10", "10"]), pd.Series(["USD", "JPY", "BHD"]))
    assert out.tolist() == [1000, 10, 10000]


def test_declared_decimal_point_reads_three_decimal_currencies():
    assert minor_units_from_major(pd.Series(["1.234"]), "KWD", decimal=".").tolist() == [1234]


@pytest.mark.parametrize("text, expected", [("1250", 1250), (" -3 ", -3), ("12.50", None), ("12.5x", None),
                                            ("", None), ("1e3", None)])
def test_minor_units_accept_integers_only(text, expected):
    value = minor_units_from_minor(pd.Series([text])).iloc[0]
    assert value == expected if expected is not None else pd.isna(value)


@pytest.mark.parametrize("text, expected", [
    ("2025-01-03 14:22:10", "2025-01-03T14:22:10+00:00"),
    ("2025-01-03T10:00:00+02:00", "2025-01-03T08:00:00+00:00"),
    ("2025-01-03T10:00:00Z", "2025-01-03T10:00:00+00:00"),
    ("1735689600", "2025-01-01T00:00:00+00:00"),
    ("01/15/2025", "2025-01-15T00:00:00+00:00"),
    ("Jan 15, 2025", "2025-01-15T00:00:00+00:00"),
    ("2025-02-31", None),
    ("31/02/2025", None),
    ("yesterday", None),
    ("", None),
])
def test_timestamps_become_utc(text, expected):
    value = timestamp_utc(pd.Series([text])).iloc[0]
    if expected is None:
        assert pd.isna(value)
    else:
        assert value.isoformat() == expected


def test_timestamp_series_keeps_index_and_utc_dtype():
    s = pd.Series(["2025-01-03", "1735689600", "bad"], index=[10, 20, 30])
    out = timestamp_utc(s)
    assert list(out.index) == [10, 20, 30]
    assert str(out.dtype) == "datetime64[ns, UTC]"
    assert date_utc(pd.Series(["2025-01-03 17:45:00"])).iloc[0].isoformat() == "2025-01-03T00:00:00+00:00"


@pytest.mark.parametrize("text, expected", [("usd", "USD"), (" gbp ", "GBP"), ("EUR", "EUR"), ("€", "EUR"),
                                            ("XXX1", None), ("dollars", None), ("", None), ("ABC", None)])
def test_currency_codes(text, expected):
    value = currency_iso4217(pd.Series([text])).iloc[0]
    assert value == expected if expected else pd.isna(value)


def test_minor_exponents():
    assert (minor_exponent("USD"), minor_exponent("JPY"), minor_exponent("KWD")) == (2, 0, 3)
