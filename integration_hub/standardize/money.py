"""Money as integer minor units: never floats, so totals reconcile to the cent."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from integration_hub.standardize.currency import minor_exponent

_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL_NOISE = re.compile(r"[\s$€£,]")


def _to_decimal(text: str) -> Decimal | None:
    cleaned = _DECIMAL_NOISE.sub("", text)
    negative = cleaned.startswith("(") and cleaned.endswith(")")  # accounting style (12.50)
    cleaned = cleaned.strip("()")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return -value if negative else value


def minor_units_from_minor(s: pd.Series) -> pd.Series:
    """Parse text that already holds integer minor units ("1250"); NA for anything else ("12.5x", "12.50")."""
    text = s.astype("string").str.strip()
    ok = text.str.fullmatch(_INTEGER.pattern).fillna(False).astype(bool)
    out = pd.Series(pd.NA, index=s.index, dtype="Int64")
    out[ok] = pd.to_numeric(text[ok], errors="coerce").astype("Int64")
    return out


def minor_units_from_major(s: pd.Series, currency: pd.Series | str) -> pd.Series:
    """Parse major-unit decimal text ("1,234.50", "$12", "(3.10)") into minor units of `currency`.

    NA when the text is not a number or carries more decimals than the currency allows
    (rounding money silently would break reconciliation).
    """
    currencies = currency if isinstance(currency, pd.Series) else pd.Series(currency, index=s.index)
    exponents = currencies.map(lambda c: minor_exponent(c) if isinstance(c, str) else 2)
    pairs = pd.DataFrame({"v": s.astype("string"), "e": exponents})
    uniques = pairs.dropna().drop_duplicates()
    lookup: dict[tuple[str, int], int | None] = {}
    for value, exponent in uniques.itertuples(index=False):
        number = _to_decimal(value)
        if number is None:
            lookup[(value, exponent)] = None
            continue
        scaled = number.scaleb(int(exponent))
        lookup[(value, exponent)] = int(scaled) if scaled == scaled.to_integral_value() else None
    keys = list(zip(pairs["v"], pairs["e"]))
    values = [lookup.get(k) if k[0] is not pd.NA else None for k in keys]
    return pd.Series(pd.array([np.nan if v is None else v for v in values], dtype="Int64"), index=s.index)
