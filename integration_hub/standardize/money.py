"""Money as integer minor units: never floats, so totals reconcile to the cent.

Amount text is an optional sign (or accounting parentheses), an optional currency symbol or
ISO code on either side, and a number. The number's decimal mark is the one the source
declares (`decimal: "."` or `","`) or, undeclared, the only one under which the number is well
formed: "1,234.50", "1.234,50", "1 234,50" and "1,00" each have one reading. "1,000" is a
thousand under a decimal point and one under a decimal comma, so undeclared it is refused as
ambiguous rather than guessed. Digits become an exact int (never a float, never rounded); the
amount has at most 15 digits of minor units (under 10 trillion dollars, 1 quadrillion yen):
no mid-sized company posts more in one record, and the bound keeps every total the hub
computes far from int64's limit (totals are summed exactly as well, canonical/totals.py).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from integration_hub.standardize._core import Parsed, unique_results, unique_results_with
from integration_hub.standardize.currency import marked_currencies, minor_exponent

Result = tuple[int | None, str | None]          # minor units, or the reason the value was refused

MAX_MINOR_UNITS = 10**15 - 1           # 15 digits: see the module docstring
_SIGNED_INTEGER = re.compile(r"[-+]?[0-9]+")
_WITHIN_BOUND = r"[-+]?[0-9]{1,15}"    # up to 15 digits is always within the bound: parsed in bulk, exactly
_PLAIN = re.compile(r"(-?)([0-9]+)(?:\.([0-9]{1,2}))?")       # "1234.50": most exports, one reading
_EXPONENT = re.compile(r"[0-9][eE][-+]?[0-9]")
_MARK = r"[^0-9\s.,'()+\-\u2212]+"           # a symbol or code: whatever is not part of a number
_SHAPE = re.compile(rf"(?P<s1>[-+\u2212])?\s?(?P<m1>{_MARK})?\s?(?P<s2>[-+\u2212])?\s?"
                    rf"(?P<body>[0-9.,' ]*[0-9])\s?(?P<m2>{_MARK})?\s?(?P<s3>-)?")
_DIGITS = re.compile(r"[0-9]+")
# Thousands separators that go with each decimal mark ("1,234.50", "1'234.50", "1.234,50", "1 234,50").
_GROUPED = {mark: [re.compile(rf"[1-9][0-9]{{0,2}}(?:{re.escape(g)}[0-9]{{3}})+") for g in groupers]
            for mark, groupers in {".": ",' ", ",": ". "}.items()}
_OTHER_MARK = {".": ",", ",": "."}


def _bounded(digits: str) -> Result:
    """Signed ASCII digits as an exact int; refused beyond MAX_MINOR_UNITS rather than wrapped or made a float."""
    if len(digits.lstrip("+-").lstrip("0")) > 15:
        return None, "amount_out_of_range"
    value = int(digits)
    return (value, None) if abs(value) <= MAX_MINOR_UNITS else (None, "amount_out_of_range")


def _minor(text: str) -> Result:
    if _SIGNED_INTEGER.fullmatch(text):
        return _bounded(text)
    return None, "amount_exponent" if _EXPONENT.search(text) else None


def _split(text: str) -> tuple[bool, str | None, str] | None:
    """(negative, currency mark, number body), or None when the text is not shaped like an amount."""
    text = text.replace("\u2019", "'")            # a typographic apostrophe groups Swiss amounts too
    parenthesized = text.startswith("(") and text.endswith(")")
    if parenthesized:
        text = text[1:-1].strip()
    shape = _SHAPE.fullmatch(text)
    if shape is None:
        return None
    signs = [shape[g] for g in ("s1", "s2", "s3") if shape[g]]
    if len(signs) + parenthesized > 1 or (shape["m1"] and shape["m2"]):
        return None
    negative = parenthesized or (bool(signs) and signs[0] != "+")
    return negative, shape["m1"] or shape["m2"], shape["body"]


def _reading(body: str, mark: str) -> tuple[str, str] | None:
    """(whole, fraction) digits of `body` read with `mark` as the decimal mark, without redundant
    zeros (so equal readings compare equal); None when the body is malformed under that reading."""
    whole, has_fraction, fraction = body.partition(mark)
    if has_fraction and not _DIGITS.fullmatch(fraction):
        return None
    if not _DIGITS.fullmatch(whole):
        grouped = next((g for g in _GROUPED[mark] if g.fullmatch(whole)), None)
        if grouped is None:
            return None
        whole = re.sub("[^0-9]", "", whole)
    return whole.lstrip("0") or "0", fraction.rstrip("0")


def _number(body: str, decimal: str | None) -> tuple[str, str] | str | None:
    """The digits of `body`, or the name of the reason it cannot be read (None: not a number)."""
    if decimal is not None:
        reading = _reading(body, decimal)
        if reading is None and _reading(body, _OTHER_MARK[decimal]) is not None:
            return "amount_format_mismatch"
        return reading
    readings = {r for r in (_reading(body, "."), _reading(body, ",")) if r is not None}
    if len(readings) > 1:
        return "amount_ambiguous"
    return readings.pop() if readings else None


def _to_minor(negative: bool, whole: str, fraction: str, currency: str | None) -> Result:
    if currency is None:
        return None, "currency_unknown"       # without it, the minor-unit scale would be a guess
    exponent = minor_exponent(currency)
    fraction = fraction.rstrip("0")
    if len(fraction) > exponent:
        return None, "amount_precision"       # rounding money silently would break reconciliation
    return _bounded(("-" if negative else "") + whole + fraction.ljust(exponent, "0"))


def _major(text: str, currency: str | None, decimal: str | None) -> Result:
    plain = _PLAIN.fullmatch(text)
    if plain and (decimal != "," or plain[3] is None):
        return _to_minor(bool(plain[1]), plain[2], plain[3] or "", currency)
    if _EXPONENT.search(text):
        return None, "amount_exponent"
    split = _split(text)
    if split is None:
        return None, None
    negative, mark, body = split
    if mark is not None:
        allowed = marked_currencies(mark)
        if allowed is None:
            return None, None
        if currency is not None and currency not in allowed:
            return None, "currency_symbol_mismatch"
    number = _number(body, decimal)
    if not isinstance(number, tuple):
        return None, number
    return _to_minor(negative, *number, currency)


def _parsed(codes: np.ndarray, results: list[Result | None], index: pd.Index) -> Parsed:
    values = np.empty(len(results) + 1, dtype=object)     # filled with None: code -1 lands there
    reasons = np.empty(len(results) + 1, dtype=object)
    for i, result in enumerate(results):
        values[i], reasons[i] = result or (None, None)
    return Parsed(pd.Series(pd.array(values[codes], dtype="Int64"), index=index),
                  pd.Series(pd.array(reasons[codes], dtype="string"), index=index))


def minor_units(s: pd.Series) -> Parsed:
    """Text that already holds integer minor units ("1250"); NA for anything else ("12.5x", "12.50"),
    with a reason for exponents ("1e3") and values beyond MAX_MINOR_UNITS."""
    text = s.astype("string").str.strip()
    fits = text.str.fullmatch(_WITHIN_BOUND).fillna(False).to_numpy(dtype=bool)
    values = pd.array(np.zeros(len(s), dtype=np.int64), dtype="Int64")
    values[~fits] = pd.NA
    values[fits] = text[fits].astype("int64").to_numpy()
    reasons = pd.array(np.full(len(s), None, dtype=object), dtype="string")
    rest = ~fits & text.notna().to_numpy()
    if rest.any():                          # rare: blanks, junk and very long numbers, one by one
        slow = _parsed(*unique_results(text[rest], _minor), text[rest].index)
        values[rest], reasons[rest] = slow.values.array, slow.reasons.array
    return Parsed(pd.Series(values, index=s.index), pd.Series(reasons, index=s.index))


def major_units(s: pd.Series, currency: pd.Series | str, *, decimal: str | None = None) -> Parsed:
    """Major-unit amounts ("1,234.50", "$12", "(3.10)", "12,00 €") as minor units of each row's
    `currency`, read with the declared `decimal` mark ("." or ",") or, when None, only where the
    text has one reading.

    Refusal reasons: amount_ambiguous, amount_format_mismatch (contradicts `decimal`),
    amount_exponent, amount_precision (more decimals than the currency has), amount_out_of_range,
    currency_symbol_mismatch and currency_unknown (the row has no valid currency).
    """
    if decimal not in (None, ".", ","):
        raise ValueError(f'decimal must be "." or ",", got {decimal!r}')
    return _parsed(*unique_results_with(s, currency, lambda text, code: _major(text, code, decimal)), s.index)


def minor_units_from_minor(s: pd.Series) -> pd.Series:
    """`minor_units` values only: NA wherever the text is not an int64 integer."""
    return minor_units(s).values


def minor_units_from_major(s: pd.Series, currency: pd.Series | str, *, decimal: str | None = None) -> pd.Series:
    """`major_units` values only: NA wherever the amount cannot be read without guessing."""
    return major_units(s, currency, decimal=decimal).values
