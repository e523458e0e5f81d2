"""US Social Security numbers in free text: masked whole and the record flagged.

An SSN has no use in an integration hub: nothing reconciles on it, so unlike card and
account numbers no last four are kept. Shapes masked: ``ddd-dd-dddd`` and ``ddd dd dddd``
standing alone, and nine digits (grouped or not) after an "SSN" or "social security" label.
Numbers the SSA never issues are left alone (area 000, 666 or 900-999, group 00, serial
0000), as are the look-alikes free text is full of: dates (4-2-2), phone numbers (3-3-4, or
groups that run on), ZIP+4 (5-4), ids that glue the digits to a word or a dash
(``INV-219-09-9999``) and bare nine-digit runs without a label (orders, references).
"""
from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa

from integration_hub.security.scan import mask_candidates

MASK = "[SSN]"

# Not glued to a word, a "+", a dash or a preceding digit group; the same separator twice; no group after.
_STANDALONE = re.compile(r"(?<![\w+-])(?<!\d[ -])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w-])(?![ -]\d)")
_LABELLED = re.compile(r"(?i)\b(ssn|social[ -]security)(\s*(?:no\.?|number|nr\.?|#)?\s*[:#=.-]?\s*)"
                       r"(\d{3})([- ]?)(\d{2})\4(\d{4})(?![\w-])")
# RE2 pre-filter: a grouped 3-2-4 run, or a label.
_HINT = r"\d{3}[- ]\d{2}[- ]\d{4}|(?i:ssn|social.security)"


def ssn_valid(area: str, group: str, serial: str) -> bool:
    """False for the ranges the SSA never assigns (area 000, 666 or 9xx; group 00; serial 0000)."""
    return area not in ("000", "666") and not area.startswith("9") and group != "00" and serial != "0000"


def mask_ssn_text(text: str) -> tuple[str, bool]:
    """`text` with every SSN shown as ``[SSN]`` (a label kept), and whether any was."""
    found = False

    def labelled(match: re.Match) -> str:
        nonlocal found
        if not ssn_valid(match.group(3), match.group(5), match.group(6)):
            return match.group()
        found = True
        return f"{match.group(1)}{match.group(2)}{MASK}"

    def standalone(match: re.Match) -> str:
        nonlocal found
        if not ssn_valid(match.group(1), match.group(3), match.group(4)):
            return match.group()
        found = True
        return MASK

    text = _LABELLED.sub(labelled, text)
    return _STANDALONE.sub(standalone, text), found


def mask_ssns(texts: pd.Series, strings: pa.Array | None = None) -> tuple[pd.Series, pd.Series]:
    """(`texts` with SSNs masked, per-row flag "held an SSN"); NA stays NA.

    `strings` is `texts` as Arrow strings (scan.arrow_strings), when the caller already has them."""
    return mask_candidates(texts, strings, _HINT, mask_ssn_text)
