"""Shared machinery of the cleaners: blank detection, scalar text cleaning, and the
per-distinct-value vectorization every public cleaner uses.

Real columns repeat a lot (the same phone, country or state on many rows), so each cleaner
computes its scalar function once per distinct raw value (`pd.factorize`) and broadcasts the
results back by code: the cost is proportional to the distinct values, not the rows.
"""
from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

# Compared case-folded after trimming. "NA" is deliberately absent: it is Namibia's ISO code.
BLANK_TOKENS = frozenset({"", "-", "--", "---", "n/a", "n.a.", "#n/a", "null", "none", "nil", "nan", "(blank)"})


@dataclass(frozen=True)
class Parsed:
    """A cleaned column and, per row, why a value was refused when the refusal has a name of its own.

    `reasons` holds a check name ("amount_ambiguous", "date_ambiguous") where a value was
    refused because reading it would mean guessing, and NA where the value is fine or simply
    not a value of its kind (that failure is reported under the rule's own name).
    """
    values: pd.Series
    reasons: pd.Series

    @classmethod
    def plain(cls, values: pd.Series) -> "Parsed":
        return cls(values, pd.Series(pd.NA, index=values.index, dtype="string"))


def as_text(value: Any) -> str | None:
    """One raw cell as text, or None when missing. Integral floats lose the ".0" pandas gives
    numeric-looking columns (a phone read as 4155550132.0)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def clean_scalar(value: Any) -> str | None:
    """NFC-normalized text with control and zero-width characters removed and whitespace
    collapsed; None when the result is blank or a blank token ("N/A", "null", "-")."""
    text = as_text(value)
    if text is None:
        return None
    if not text.isprintable():
        # isprintable() is False for Unicode controls, format characters (zero-width space,
        # BOM, bidi marks) and non-ASCII spaces: spaces become " ", the rest goes.
        text = "".join(ch if ch.isprintable() else (" " if ch.isspace() else "") for ch in text)
    text = " ".join(text.split())
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if text.casefold() in BLANK_TOKENS:
        return None
    return text


def _series(s: Any) -> pd.Series:
    return s if isinstance(s, pd.Series) else pd.Series(s)


def _broadcast(codes: np.ndarray, results: list[str | None], index: pd.Index, name: Hashable) -> pd.Series:
    table = np.empty(len(results) + 1, dtype=object)   # filled with None: code -1 lands there
    table[:-1] = results
    return pd.Series(pd.array(table[codes], dtype="string"), index=index, name=name)


def unique_results(s: pd.Series, fn: Callable[[str], Any], *,
                   prepare: Callable[[Any], str | None] = clean_scalar) -> tuple[np.ndarray, list]:
    """`fn(prepare(value))` once per distinct value of `s`: (code per row, result per code).

    Code -1 marks a missing value; `prepare` returning None (blank) gives result None."""
    codes, uniques = pd.factorize(_series(s), use_na_sentinel=True)
    results = []
    for raw in uniques:
        text = prepare(raw)
        results.append(None if text is None else fn(text))
    return codes, results


def unique_results_with(s: pd.Series, other: pd.Series | str | None,
                        fn: Callable[[str, Any], Any]) -> tuple[np.ndarray, list]:
    """Like `unique_results`, for a cleaner that also depends on a per-row context value (a phone's
    default region, an amount's currency): `fn(text, context)` once per distinct pair.
    `other` is a scalar for every row or a Series matched to `s` by index label (blank or
    missing contexts become None)."""
    s = _series(s)
    if not isinstance(other, pd.Series):
        return unique_results(s, lambda text: fn(text, other))
    if not other.index.equals(s.index):
        if not other.index.is_unique:
            raise ValueError("context Series has a different, non-unique index: cannot align it with the values")
        other = other.reindex(s.index)          # by label, as pandas aligns; missing labels give None
    value_codes, value_uniques = pd.factorize(s, use_na_sentinel=True)
    other_codes, other_uniques = pd.factorize(pd.Series(other.to_numpy(), dtype=object), use_na_sentinel=True)
    width = len(other_uniques) + 1
    pair_codes, pairs = pd.factorize(np.where(value_codes < 0, -1, value_codes * width + other_codes + 1))
    contexts = [clean_scalar(raw) for raw in other_uniques] + [None]
    texts = [clean_scalar(raw) for raw in value_uniques]
    results = []
    for pair in pairs:
        text = texts[pair // width] if pair >= 0 else None     # pair -1: the value is missing
        results.append(None if text is None else fn(text, contexts[pair % width - 1]))
    return pair_codes, results


def map_unique(s: pd.Series, fn: Callable[[str], str | None], *,
               prepare: Callable[[Any], str | None] = clean_scalar) -> pd.Series:
    """`fn(prepare(value))` once per distinct value of `s`, aligned on `s.index`.

    `prepare` defaults to `clean_scalar`, so `fn` sees cleaned, non-blank text; missing and
    blank inputs, and `fn` returning None, become NA."""
    s = _series(s)
    return _broadcast(*unique_results(s, fn, prepare=prepare), s.index, s.name)


def map_unique_with(s: pd.Series, other: pd.Series | str | None,
                    fn: Callable[[str, Any], str | None]) -> pd.Series:
    """Like `map_unique` with a per-row context value, as `unique_results_with` computes it."""
    s = _series(s)
    return _broadcast(*unique_results_with(s, other, fn), s.index, s.name)


def map_unique_frame(s: pd.Series, fn: Callable[[str], tuple | None], columns: list[str]) -> pd.DataFrame:
    """Like `map_unique` for a cleaner that splits a value into parts: `fn` returns one tuple
    (or None) per distinct value; the result has one string column per part, on `s.index`."""
    s = _series(s)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    empty = (None,) * len(columns)
    parts = []
    for raw in uniques:
        text = clean_scalar(raw)
        parts.append((fn(text) if text is not None else None) or empty)
    frame = {}
    for i, column in enumerate(columns):
        frame[column] = _broadcast(codes, [p[i] for p in parts], s.index, column)
    return pd.DataFrame(frame, index=s.index)
