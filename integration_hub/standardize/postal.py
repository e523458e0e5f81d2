"""Postal codes in each country's written form. Validated and formatted for the US, the UK
(and the Crown dependencies sharing its format) and Canada; elsewhere trimmed and upper-cased."""
from __future__ import annotations

import re

import pandas as pd

from integration_hub.standardize._core import map_unique_with
from integration_hub.standardize.countries import country_code

_US = re.compile(r"^(\d{3,5})(?:-?(\d{4}))?$")
_UK = re.compile(r"^(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)(\d[A-Z]{2}|0AA)$")
# Canada Post never uses D, F, I, O, Q, U, nor W or Z in first position.
_CA = re.compile(r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\d[ABCEGHJ-NPRSTV-Z]\d$")
_UK_FAMILY = frozenset({"GB", "GG", "JE", "IM"})


def _us(text: str) -> str | None:
    match = _US.match(text.replace(" ", ""))
    if not match:
        return None
    # 3-4 digits: a spreadsheet dropped the leading zeros of a New England or New Jersey ZIP
    zip5 = match.group(1).zfill(5)
    return f"{zip5}-{match.group(2)}" if match.group(2) else zip5


def _postal(text: str, country: str | None) -> str | None:
    code = country_code(country) if country else None
    compact = re.sub(r"[\s-]", "", text).upper()
    if code == "US":
        return _us(text)
    if code in _UK_FAMILY:
        return f"{compact[:-3]} {compact[-3:]}" if _UK.match(compact) else None
    if code == "CA":
        return f"{compact[:3]} {compact[3:]}" if _CA.match(compact) else None
    return text.upper()


def postal_code(s: pd.Series, country: pd.Series | str | None = None) -> pd.Series:
    """Postal code written the way its country writes it; `country` is a code or name, one for
    every row or a Series aligned with `s`. US: "02134" or "02134-1234" (3-4 digit ZIPs get
    back the leading zeros spreadsheets drop; else NA); UK: "SW1A 1AA"; Canada: "K1A 0B1"
    (invalid: NA); any other or unknown country: trimmed and upper-cased."""
    return map_unique_with(s, country, _postal)
