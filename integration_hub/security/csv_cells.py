"""CSV injection: every CSV the hub writes for people has its formula-looking text cells neutralized.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, via tab or
carriage return, one that starts with those after whitespace) as a formula, so a customer
name like ``=HYPERLINK("http://evil","Click")`` in an export becomes a live link or a DDE
command once finance opens the file. Following OWASP's guidance, such a cell is written with
a leading single quote, which spreadsheets show as text and hide.

One deliberate exception: a cell that is a plain number, an optional sign then only digits,
spaces, dots and commas (``-12.50``, ``+4930123``, ``+49 30 1234567``). Without a letter or an
operator past the sign it can neither call a function nor reference a cell, and prefixing
it would corrupt every negative amount and international phone number. Cells that are not
text (numeric dtypes) are never touched. Headers are neutralized like cells.

Not for machine-to-machine CSV (PostgreSQL COPY in audit.lineage) or the demo's synthetic
source exports, which must hold what a source system would write.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d[\d ,.]*")


def neutralize_cell(value: Any) -> Any:
    """`value` with a leading ``'`` when it is text a spreadsheet would run as a formula; anything else as is."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralize_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell and header neutralized (neutralize_cell); dtypes kept."""
    out = frame.rename(columns=neutralize_cell)
    for position in range(out.shape[1]):
        values = out.iloc[:, position]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        text = values.astype("string")
        risky = (text.str.startswith(TRIGGERS) & ~text.str.fullmatch(_NUMBER.pattern)).fillna(False)
        risky &= values.map(lambda v: isinstance(v, str)).astype(bool)     # text cells only, not 3 or -1.5
        if risky.any():
            fixed = values.copy()
            fixed[risky] = "'" + text[risky]
            out.isetitem(position, fixed)
    return out


def write_csv(frame: pd.DataFrame, path: str | Path, **kwargs: Any) -> None:
    """`frame.to_csv(path, **kwargs)` with formula cells neutralized: how the hub writes a frame as CSV.

    Rows streamed through `csv.writer` (the dedupe output) pass each cell through neutralize_cell."""
    neutralize_formulas(frame).to_csv(path, **kwargs)
