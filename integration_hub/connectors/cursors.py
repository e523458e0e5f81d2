"""Incremental cursors as the hub stores them: epoch seconds of the source's cursor field."""
from __future__ import annotations

import pandas as pd


def cursor_values(values: pd.Series) -> pd.Series:
    """The cursor field of extracted rows (epoch seconds, or a timestamp the export layout
    writes, read as UTC) as epoch seconds; NA where a value is neither."""
    text = values.astype("string").str.strip()
    numeric = pd.to_numeric(text, errors="coerce")
    stamps = pd.to_datetime(text.where(numeric.isna()), utc=True, errors="coerce", format="mixed")
    from_stamps = (stamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)
    return numeric.fillna(from_stamps).astype("Int64")
