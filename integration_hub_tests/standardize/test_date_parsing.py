"""Numeric dates are read day-first or month-first only when the source declares it or one reading exists."""
import pandas as pd
import pytest

from integration_hub.standardize.dates import parse_dates, parse_timestamps


def _one(text, **declared):
    parsed = parse_timestamps(pd.Series([text]), **declared)
    value, reason = parsed.values.iloc[0], parsed.reasons.iloc[0]
    return (None if pd.isna(value) else value.isoformat()), (None if pd.isna(reason) else reason)


@pytest.mark.parametrize("text, expected", [
    ("13/01/2025", "2025-01-13T00:00:00+00:00"),      # 13 cannot be a month: one reading
    ("01/15/2025", "2025-01-15T00:00:00+00:00"),
    ("05/05/2025", "2025-05-05T00:00:00+00:00"),      # both readings give the same day
    ("31.01.2025", "2025-01-31T00:00:00+00:00"),
    ("2025-02-01", "2025-02-01T00:00:00+00:00"),
    ("15/01/2025 10:30", "2025-01-15T10:30:00+00:00"),
])
def test_undeclared_numeric_dates_with_one_reading_are_read(text, expected):
    assert _one(text) == (expected, None)


@pytest.mark.parametrize("text", ["01/02/2025", "01.02.2025", "12-11-2024", "01/02/2025 10:30:00"])
def test_undeclared_ambiguous_dates_are_refused(text):
    assert _one(text) == (None, "date_ambiguous")


@pytest.mark.parametrize("text, declared, expected", [
    ("01/02/2025", {"dayfirst": True}, ("2025-02-01T00:00:00+00:00", None)),
    ("01/02/2025", {"dayfirst": False}, ("2025-01-02T00:00:00+00:00", None)),
    ("01/02/2025 10:30", {"dayfirst": True}, ("2025-02-01T10:30:00+00:00", None)),
    ("13/01/2025", {"dayfirst": False}, (None, "date_format_mismatch")),
    ("2025-02-01", {"dayfirst": True}, ("2025-02-01T00:00:00+00:00", None)),   # year-first is not affected
    ("01/02/2025", {"format": "%d/%m/%Y"}, ("2025-02-01T00:00:00+00:00", None)),
    ("2025-02-01", {"format": "%d/%m/%Y"}, (None, "date_format_mismatch")),
    ("31/02/2025", {"format": "%d/%m/%Y"}, (None, None)),
])
def test_declared_order_or_format_is_applied(text, declared, expected):
    assert _one(text, **declared) == expected


@pytest.mark.parametrize("text", ["31/02/2025", "2025-13-45 10:00:00", "yesterday"])
def test_impossible_dates_are_invalid_without_a_special_reason(text):
    assert _one(text) == (None, None)


def test_dates_are_midnight_and_keep_reasons():
    parsed = parse_dates(pd.Series(["2025-01-03 17:45:00", "01/02/2025"]), dayfirst=None)
    assert parsed.values.iloc[0].isoformat() == "2025-01-03T00:00:00+00:00"
    assert pd.isna(parsed.values.iloc[1]) and parsed.reasons.iloc[1] == "date_ambiguous"


def test_both_options_at_once_are_refused():
    with pytest.raises(ValueError, match="format"):
        parse_timestamps(pd.Series(["01/02/2025"]), dayfirst=True, format="%d/%m/%Y")
