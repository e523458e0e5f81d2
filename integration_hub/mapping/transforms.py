"""Named, vectorized value transforms that mapping specs may use."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd

INVOICE_NUMBER = r"\b(INV-\d{4,})\b"


def _prefix(s: pd.Series, arg) -> pd.Series:
    return str(arg) + s.astype("string")


def _value_map(s: pd.Series, arg) -> pd.Series:
    mapping = {str(k): v for k, v in dict(arg).items()}
    return s.astype("string").map(lambda v: mapping.get(v, v) if isinstance(v, str) else v).astype("string")


TRANSFORMS: dict[str, Callable[[pd.Series, object], pd.Series]] = {
    "prefix": _prefix,
    "upper": lambda s, arg: s.astype("string").str.upper(),
    "lower": lambda s, arg: s.astype("string").str.lower(),
    "negate": lambda s, arg: -s,
    "abs": lambda s, arg: s.abs(),
    "invoice_number": lambda s, arg: s.astype("string").str.extract(INVOICE_NUMBER, expand=False).astype("string"),
    "map": _value_map,
}


def apply_transform(name: str, values: pd.Series, arg) -> pd.Series:
    if name not in TRANSFORMS:
        raise KeyError(f"unknown transform {name!r}; known: {', '.join(sorted(TRANSFORMS))}")
    return TRANSFORMS[name](values, arg)
