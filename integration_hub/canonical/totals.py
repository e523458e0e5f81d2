"""Exact money totals: int64 sums wrap silently, so totals are summed as Python integers.

Single amounts are bounded (standardize/money.py: MAX_MINOR_UNITS), but a total over enough
records could still pass int64's limit, and a wrapped total that both sides of a comparison
share would let a check pass on wrong figures.
"""
from __future__ import annotations

import pandas as pd


def exact_sum(values: pd.Series) -> int:
    """The sum of integer minor units (nulls skipped) as an exact Python int."""
    return sum(int(v) for v in values.dropna().tolist())


def exact_totals(frame: pd.DataFrame, by: str | list[str], column: str) -> pd.Series:
    """`column` summed exactly per group of `by`: a Series of Python ints (object dtype)."""
    return frame.groupby(by, sort=True)[column].agg(exact_sum).astype(object)
