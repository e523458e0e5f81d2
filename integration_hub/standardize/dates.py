"""Timestamps to timezone-aware UTC, whatever shape the export gave them."""
from __future__ import annotations

import pandas as pd

# Tried in order on values the ISO parser rejects; day-first formats are not guessed.
_FALLBACK_FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%Y/%m/%d", "%d %b %Y", "%b %d, %Y")


def timestamp_utc(s: pd.Series, *, assume_tz: str = "UTC") -> pd.Series:
    """Parse ISO 8601 text, "YYYY-MM-DD HH:MM:SS", unix epoch seconds or common US formats into UTC.

    Naive values are taken to be in `assume_tz`. NA where the value is not a real instant
    ("31/02/2025", "yesterday").
    """
    text = s.astype("string").str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns, UTC]")
    epoch = text.str.fullmatch(r"\d{9,10}(\.\d+)?").fillna(False).astype(bool)
    if epoch.any():
        out[epoch] = pd.to_datetime(pd.to_numeric(text[epoch]), unit="s", utc=True)
    explicit_tz = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True).fillna(False).astype(bool)
    aware = ~epoch & explicit_tz
    if aware.any():
        out[aware] = pd.to_datetime(text[aware], format="ISO8601", errors="coerce", utc=True)
    naive = ~epoch & ~explicit_tz & text.notna()
    if naive.any():
        parsed = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
        out[naive] = parsed.dt.tz_localize(assume_tz).dt.tz_convert("UTC")
        missing = naive & out.isna()
        for fmt in _FALLBACK_FORMATS:
            if not missing.any():
                break
            tried = pd.to_datetime(text[missing], format=fmt, errors="coerce")
            out[missing] = tried.dt.tz_localize(assume_tz).dt.tz_convert("UTC")
            missing = missing & out.isna()
    return out


def date_utc(s: pd.Series) -> pd.Series:
    """A calendar date as midnight UTC (invoice and statement dates carry no time)."""
    return timestamp_utc(s).dt.normalize()
