"""ISO 4217 currency codes and their minor-unit exponents."""
from __future__ import annotations

import functools

import pandas as pd
import pycountry

# Exponents that differ from the usual 2 (ISO 4217 minor units).
_EXPONENT_OVERRIDES = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "CLF": 4, "UYW": 4,
}
# Symbols written beside amounts ("$1,234.50", "12,00 €"), by the currencies each can stand for.
# "$" is every dollar's and several pesos': it only rules out currencies that never write it.
_PESOS_WITH_DOLLAR_SIGN = frozenset({"ARS", "CLP", "COP", "CUP", "DOP", "MXN", "UYU"})
_SYMBOLS = {symbol: frozenset(codes) for symbol, codes in {
    "US$": {"USD"}, "C$": {"CAD", "NIO"}, "CA$": {"CAD"}, "A$": {"AUD"}, "AU$": {"AUD"}, "NZ$": {"NZD"},
    "HK$": {"HKD"}, "S$": {"SGD"}, "MX$": {"MXN"}, "R$": {"BRL"},
    "€": {"EUR"}, "£": {"GBP", "GIP", "FKP", "SHP"}, "¥": {"JPY", "CNY"}, "₹": {"INR"}, "₩": {"KRW"},
    "₽": {"RUB"}, "₺": {"TRY"}, "₪": {"ILS"}, "₫": {"VND"}, "₦": {"NGN"}, "₱": {"PHP"}, "฿": {"THB"},
    "kr": {"SEK", "NOK", "DKK", "ISK"},
}.items()}
# Common spellings seen in exports that are not codes.
_ALIASES = {"$": "USD", "US$": "USD", "DOLLAR": "USD", "€": "EUR", "EURO": "EUR", "£": "GBP", "POUND": "GBP"}


@functools.cache
def _codes() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


@functools.cache
def _dollars() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies if "Dollar" in c.name) | _PESOS_WITH_DOLLAR_SIGN


def marked_currencies(mark: str) -> frozenset[str] | None:
    """The currencies an amount's symbol or ISO code ("$", "€", "usd") can stand for; None when
    `mark` is neither."""
    if mark == "$":
        return _dollars()
    if mark in _SYMBOLS:
        return _SYMBOLS[mark]
    code = mark.upper()
    return frozenset({code}) if code in _codes() else None


def minor_exponent(code: str) -> int:
    """Digits after the decimal point for `code` (2 unless ISO 4217 says otherwise)."""
    return _EXPONENT_OVERRIDES.get(code, 2)


def _one(value: str) -> str | None:
    text = value.strip().upper()
    text = _ALIASES.get(text, text)
    return text if text in _codes() else None


def currency_iso4217(s: pd.Series) -> pd.Series:
    """Upper-cased ISO 4217 code, or NA when blank or not a real currency ("XXX1", "dollars")."""
    uniques = s.dropna().unique()
    lookup = {u: _one(str(u)) for u in uniques}
    return s.map(lookup).astype("string")
