"""Timestamps to timezone-aware UTC, whatever shape the export gave them.

Numeric day/month dates ("01/02/2025", "31.01.2025") are read in the order the source
declares (`dayfirst: true|false`, or a strict `format: "%d/%m/%Y"`). Undeclared, they are read
only when one order gives a real date ("13/01/2025", "01/15/2025") or both give the same one
("05/05/2025"); "01/02/2025" is refused as ambiguous rather than guessed.
"""
from __future__ import annotations

from datetime import datetime

import pandas as pd

from integration_hub.standardize._core import Parsed

UTC = "datetime64[ns, UTC]"
# Tried in order on values the ISO and numeric day/month readers leave unread; all are unambiguous.
_FALLBACK_FORMATS = ("%Y/%m/%d", "%d %b %Y", "%b %d, %Y")
# A UTC offset after a time ("10:00:00Z", "10:00+02:00"); a bare "-2024" ends a date, not an offset.
_OFFSET = r"(?:Z|:\d\d(?:[.,]\d+)?\s?[+-]\d\d(?::?\d\d)?)$"
_DAY_MONTH = r"(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4})(?:[ T](?P<time>\d{2}:\d{2}(?::\d{2})?))?"


def _localize(parsed: pd.Series, assume_tz: str) -> pd.Series:
    return parsed.dt.tz_localize(assume_tz).dt.tz_convert("UTC")


def _read(parts: pd.DataFrame, day: str, month: str, assume_tz: str) -> pd.Series:
    iso = (parts["year"] + "-" + parts[month].str.zfill(2) + "-" + parts[day].str.zfill(2)
           + (" " + parts["time"]).fillna(""))
    return _localize(pd.to_datetime(iso, format="ISO8601", errors="coerce"), assume_tz)


def _day_month(text: pd.Series, dayfirst: bool | None, assume_tz: str) -> tuple[pd.Series, pd.Series]:
    """Numeric day/month values of `text` (all matching `_DAY_MONTH`): (instants, reasons).
    Worked out once per distinct value: a date column repeats each day many times."""
    codes, uniques = pd.factorize(text)
    parts = pd.Series(uniques, dtype="string").str.extract(_DAY_MONTH)
    day_first, month_first = _read(parts, "a", "b", assume_tz), _read(parts, "b", "a", assume_tz)
    reasons = pd.Series(pd.NA, index=parts.index, dtype="string")
    if dayfirst is None:
        both = day_first.notna() & month_first.notna() & (day_first != month_first)
        out = day_first.fillna(month_first).mask(both)
        reasons[both] = "date_ambiguous"
    else:
        out, other = (day_first, month_first) if dayfirst else (month_first, day_first)
        reasons[out.isna() & other.notna()] = "date_format_mismatch"
    return (pd.Series(out.array.take(codes), index=text.index),
            pd.Series(reasons.array.take(codes), index=text.index))


def _undeclared_order(text: pd.Series, dayfirst: bool | None, assume_tz: str) -> tuple[pd.Series, pd.Series]:
    """Epoch seconds, ISO 8601 with or without offset, numeric day/month dates, then `_FALLBACK_FORMATS`.
    `text` has a unique index (`parse_timestamps` resets it), so masks and values align by label."""
    out = pd.Series(pd.NaT, index=text.index, dtype=UTC)
    reasons = pd.Series(pd.NA, index=text.index, dtype="string")
    epoch = text.str.fullmatch(r"\d{9,10}(\.\d+)?").fillna(False).astype(bool)
    if epoch.any():
        out[epoch] = pd.to_datetime(pd.to_numeric(text[epoch]), unit="s", utc=True)
    explicit_tz = text.str.contains(_OFFSET, regex=True).fillna(False).astype(bool)
    aware = ~epoch & explicit_tz
    if aware.any():
        out[aware] = pd.to_datetime(text[aware], format="ISO8601", errors="coerce", utc=True)
    missing = ~epoch & ~explicit_tz & text.notna()
    if missing.any():
        out[missing] = _localize(pd.to_datetime(text[missing], format="ISO8601", errors="coerce"), assume_tz)
        missing &= out.isna()
    if missing.any():
        numeric = text[missing].str.fullmatch(_DAY_MONTH).fillna(False).astype(bool)
        numeric = numeric.index[numeric]
        if len(numeric):
            out[numeric], reasons[numeric] = _day_month(text[numeric], dayfirst, assume_tz)
            missing[numeric] = False
    for fmt in _FALLBACK_FORMATS:
        if not missing.any():
            break
        out[missing] = _localize(pd.to_datetime(text[missing], format=fmt, errors="coerce"), assume_tz)
        missing &= out.isna()
    return out, reasons


def _strict_format(text: pd.Series, fmt: str, assume_tz: str) -> tuple[pd.Series, pd.Series]:
    """Only `fmt` is accepted; a value readable otherwise contradicts the declaration."""
    parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc="%z" in fmt)
    out = parsed if "%z" in fmt else _localize(parsed, assume_tz)
    reasons = pd.Series(pd.NA, index=text.index, dtype="string")
    refused = text.notna() & out.isna()
    if refused.any():
        readable, _ = _undeclared_order(text[refused], None, assume_tz)
        reasons[readable[readable.notna()].index] = "date_format_mismatch"
    return out.astype(UTC), reasons


def parse_timestamps(s: pd.Series, *, assume_tz: str = "UTC", dayfirst: bool | None = None,
                     format: str | None = None) -> Parsed:
    """ISO 8601 text, "YYYY-MM-DD HH:MM:SS", unix epoch seconds, numeric day/month dates and
    "15 Jan 2025"-style dates as UTC instants; naive values are taken to be in `assume_tz`.

    NA where the value is not a real instant ("31/02/2025", "yesterday"), with reason
    date_ambiguous (undeclared order, both readings possible), date_format_mismatch (readable,
    but not in the declared `dayfirst` order or `format`) or date_out_of_range (an ISO date the
    nanosecond range cannot hold, "9999-12-31").
    """
    if format is not None and dayfirst is not None:
        raise ValueError("declare a date format or dayfirst, not both: the format already fixes the order")
    text = s.astype("string").str.strip().reset_index(drop=True)
    if format is not None:
        out, reasons = _strict_format(text, format, assume_tz)
    else:
        out, reasons = _undeclared_order(text, dayfirst, assume_tz)
    _out_of_range(text, out, reasons)
    return Parsed(out.set_axis(s.index), reasons.set_axis(s.index))


def _out_of_range(text: pd.Series, out: pd.Series, reasons: pd.Series) -> None:
    """Name why a real calendar date was refused when it lies outside what an instant can hold
    (before 1677 or after 2262, "9999-12-31"): date_out_of_range, not an unreadable date."""
    unread = text.notna() & out.isna() & reasons.isna()
    if not unread.any():
        return
    for value in text[unread].unique():
        try:
            datetime.fromisoformat(value)
        except ValueError:
            continue
        reasons[unread & (text == value)] = "date_out_of_range"


def parse_dates(s: pd.Series, *, dayfirst: bool | None = None, format: str | None = None) -> Parsed:
    """A calendar date as midnight UTC (invoice and statement dates carry no time)."""
    parsed = parse_timestamps(s, dayfirst=dayfirst, format=format)
    return Parsed(parsed.values.dt.normalize(), parsed.reasons)


def timestamp_utc(s: pd.Series, *, assume_tz: str = "UTC") -> pd.Series:
    """`parse_timestamps` values only: NA wherever the instant cannot be read without guessing."""
    return parse_timestamps(s, assume_tz=assume_tz).values


def date_utc(s: pd.Series) -> pd.Series:
    return parse_dates(s).values
