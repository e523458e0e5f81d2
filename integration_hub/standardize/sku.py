"""Stock-keeping units (item codes) in one canonical form.

Leading-zeros policy: `sku` keeps them. An item code is an identifier, and "007" and "7" may
be different items in the system of record; dropping zeros there would merge them silently.
Spreadsheet damage (zeros lost in one export, kept in another) is a matching problem, so
`sku_match_key` strips them for comparing codes across systems, never for storing them.
"""
from __future__ import annotations

import re
import unicodedata

import pandas as pd

from integration_hub.standardize._core import map_unique

_SEPARATORS = re.compile(r"[-_./\\:|\s\u2010-\u2015\u2212]+")
_EXCEL_FLOAT = re.compile(r"^(\d+)\.0+$")
_DIGIT_RUN = re.compile(r"\d+")


def _sku(text: str) -> str | None:
    # NFKC folds full-width letters and digits ("ＡＢ１２") to ASCII.
    text = _EXCEL_FLOAT.sub(r"\1", unicodedata.normalize("NFKC", text).upper())
    return _SEPARATORS.sub("-", text).strip("-") or None


def sku(s: pd.Series) -> pd.Series:
    """Canonical SKU: NFKC, upper-case, separators (whitespace, "_", ".", "/", "\\", ":", "|",
    Unicode dashes, and runs of them: "AB - 123") unified to one "-", none at either end, so
    "ab 123", "AB_123" and "AB.123" are all "AB-123"; a ".0" that a float left on an all-digit
    code dropped ("12345.0"); leading zeros kept (see the module doc)."""
    return map_unique(s, _sku)


def _sku_key(text: str) -> str | None:
    canonical = _sku(text)
    if canonical is None:
        return None
    return _DIGIT_RUN.sub(lambda m: m.group().lstrip("0") or "0", canonical.replace("-", ""))


def sku_match_key(s: pd.Series) -> pd.Series:
    """Key for matching SKUs across systems: the canonical SKU without separators and without
    leading zeros in any run of digits ("AB-00123", "ab 123", "AB_0123" -> "AB123")."""
    return map_unique(s, _sku_key)
