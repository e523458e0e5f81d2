"""Value encodings shared by the content fingerprint and the ledger's storage.

The fingerprint and the stored values use the same text forms, so a record read back and
hashed again gets the hash it was stored with. Timestamps keep microseconds (what
PostgreSQL stores); anything finer is truncated before hashing and storing alike.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

NULL = "\x00"  # stands for a missing value in the fingerprint serialization; never valid text


def utc_micros(series: pd.Series) -> pd.Series:
    """As datetime64[ns, UTC] truncated to microseconds; naive values are taken as UTC."""
    s = series if pd.api.types.is_datetime64_any_dtype(series.dtype) else pd.to_datetime(series, utc=True)
    s = s.dt.tz_localize("UTC") if s.dt.tz is None else s.dt.tz_convert("UTC")
    return s.astype("datetime64[ns, UTC]").dt.floor("us")


def iso_utc(series: pd.Series) -> np.ndarray:
    """ISO 8601 text in UTC with microseconds ("2024-05-01T12:00:00.000000Z"); None for NaT.

    Fixed width, so text order is time order (SQLite stores timestamps this way).
    """
    s = utc_micros(series)
    naive = s.dt.tz_localize(None).to_numpy().astype("datetime64[us]")
    out = np.datetime_as_string(naive, unit="us", timezone="UTC").astype(object)
    out[s.isna().to_numpy()] = None
    return out


def text_values(series: pd.Series, missing_as=None) -> np.ndarray:
    """Object array of str with `missing_as` for missing; non-text values become their str()."""
    values = series.to_numpy(dtype=object)
    missing = pd.isna(values)
    if missing.any():
        values = values.copy()
        values[missing] = None
    if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
        values = np.array([v if v is None or isinstance(v, str) else str(v) for v in values], dtype=object)
    if missing_as is not None and missing.any():
        values[missing] = missing_as
    return values


def int_values(series: pd.Series) -> np.ndarray:
    """Object array of Python ints (what DB drivers bind) with None for missing."""
    if series.hasnans:
        out = series.astype(object).to_numpy()
        out[series.isna().to_numpy()] = None
        return np.array([None if v is None else int(v) for v in out], dtype=object)
    return np.array(series.astype("int64").tolist(), dtype=object)


def int_text(series: pd.Series) -> np.ndarray:
    """Decimal text of integers with NULL for missing (fingerprint form)."""
    missing = series.isna().to_numpy()
    if not missing.any():
        return series.to_numpy(dtype="int64").astype(str).astype(object)
    out = np.empty(len(series), dtype=object)
    out.fill(NULL)  # np.full would go through a numpy str, which drops trailing NULs
    out[~missing] = series[~missing].to_numpy(dtype="int64").astype(str)
    return out


def fingerprint_text(series: pd.Series) -> np.ndarray:
    """One column in the fingerprint serialization, chosen by dtype."""
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        out = iso_utc(series)
        out[pd.isna(out)] = NULL
        return out
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        return int_text(series.astype("Int64"))
    if pd.api.types.is_float_dtype(dtype):
        # Value by value, so a record's hash never depends on the other records of its batch: whole
        # values as integers (2.0 -> "2", as an integer column writes it), others as Python's repr.
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        whole = np.isfinite(values) & (values == np.round(values))
        out = np.array([NULL if np.isnan(v) else repr(float(v)) for v in values], dtype=object)
        if whole.any():
            out[whole] = int_text(pd.Series(values[whole]).astype("Int64"))
        return out
    return text_values(series, missing_as=NULL)
