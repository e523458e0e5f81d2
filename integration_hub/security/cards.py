"""Payment card numbers in free text: found, masked to the last four, and the record flagged.

PCI DSS forbids storing a full card number outside a card-data environment, and free-text
fields (descriptions, notes, memo lines) are where customers and staff paste them. A
candidate is 13-19 digits, optionally grouped by single spaces or dashes, that passes the
Luhn check and starts like a card of a known network with a matching length; order numbers
and account numbers rarely meet all three at once.
"""
from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa

from integration_hub.security.scan import mask_candidates

# A run of digits, each group separated by at most one space or dash.
_RUN = re.compile(r"(?<![0-9A-Za-z])\d+(?:[ -]\d+)*(?![0-9A-Za-z])")
# Cheap pre-filter: a row needs 13 digits in a grouped run before it is worth a closer look.
_HINT = r"(?:\d[ -]?){12}\d"

# (first digits low, high, allowed lengths): Visa, Mastercard (51-55 and 2221-2720), Amex,
# Discover, Diners Club, JCB, UnionPay, Maestro.
_NETWORKS: tuple[tuple[int, int, frozenset[int]], ...] = (
    (4, 4, frozenset({13, 16, 19})),
    (51, 55, frozenset({16})),
    (2221, 2720, frozenset({16})),
    (34, 34, frozenset({15})),
    (37, 37, frozenset({15})),
    (6011, 6011, frozenset(range(16, 20))),
    (644, 649, frozenset(range(16, 20))),
    (65, 65, frozenset(range(16, 20))),
    (300, 305, frozenset(range(14, 20))),
    (36, 36, frozenset(range(14, 20))),
    (38, 39, frozenset(range(16, 20))),
    (3528, 3589, frozenset(range(16, 20))),
    (62, 62, frozenset(range(16, 20))),
    (50, 50, frozenset(range(12, 20))),
    (56, 58, frozenset(range(12, 20))),
    (67, 67, frozenset(range(12, 20))),
)


def luhn_valid(number: str) -> bool:
    """The Luhn (mod 10) check over the digits of `number`; separators are ignored."""
    digits = [int(ch) for ch in number if ch.isdigit()]
    if len(digits) < 2:
        return False
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def plausible_card_prefix(digits: str) -> bool:
    """True when `digits` starts like a card of a known network and has that network's length."""
    for low, high, lengths in _NETWORKS:
        width = len(str(low))
        if len(digits) in lengths and low <= int(digits[:width]) <= high:
            return True
    return False


def is_card_number(text: str) -> bool:
    digits = re.sub(r"[ -]", "", text)
    return digits.isdigit() and 13 <= len(digits) <= 19 and plausible_card_prefix(digits) and luhn_valid(digits)


def mask_card_text(text: str) -> tuple[str, bool]:
    """`text` with every card number replaced by ``[card ****1111]``, and whether any was found."""
    found = False

    def replace(match: re.Match) -> str:
        nonlocal found
        masked, hit = _mask_run(match.group())
        found = found or hit
        return masked

    return _RUN.sub(replace, text), found


def mask_card_numbers(texts: pd.Series, strings: pa.Array | None = None) -> tuple[pd.Series, pd.Series]:
    """(`texts` with card numbers masked, per-row flag "held a card number"); NA stays NA, unflagged.

    `strings` is `texts` as Arrow strings (scan.arrow_strings), when the caller already has them."""
    return mask_candidates(texts, strings, _HINT, mask_card_text)


def _mask(digits: str) -> str:
    return f"[card ****{digits[-4:]}]"


def _mask_run(run: str) -> tuple[str, bool]:
    """Mask a run of digit groups: the whole run if it is a card, else any card made of whole groups in it."""
    if is_card_number(run):
        return _mask(re.sub(r"[ -]", "", run)), True
    parts = re.split(r"([ -])", run)  # groups at even positions, separators at odd ones
    groups = parts[0::2]
    if len(groups) < 2:
        return run, False
    for start in range(len(groups)):
        digits = ""
        for end in range(start + 1, len(groups) + 1):
            digits += groups[end - 1]
            if len(digits) > 19:
                break
            if (start, end) != (0, len(groups)) and is_card_number(digits):
                head = "".join(parts[:2 * start])
                tail = "".join(parts[2 * end - 1:])
                rest, _ = _mask_run(tail[1:]) if tail else ("", False)
                return head + _mask(digits) + tail[:1] + rest, True
    return run, False
