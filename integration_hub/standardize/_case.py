"""Smart title-casing for text that arrived ALL CAPS or all lower-case.

str.title() turns "MCDONALD'S" into "Mcdonald'S" and "o'brien" into "O'Brien" only by luck;
these helpers capitalize word parts separately (hyphens and slashes split parts), keep
"Mc"/"O'" prefixes right, leave ordinals lower ("1st") and house-number letters upper ("12B").
"""
from __future__ import annotations

import re

_PART_SPLIT = re.compile(r"([-/])")
_ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th)$", re.IGNORECASE)
_ROMAN = frozenset({"ii", "iii", "iv", "vi", "vii", "viii"})
_VOWELS = frozenset("aeiouy")


def is_uniform_case(text: str) -> bool:
    """True when the text has letters and they are all upper-case or all lower-case."""
    return text.isupper() or text.islower()


def _capitalize_part(part: str) -> str:
    """One word part, lower-case in, capitalized out ("o'brien" -> "O'Brien", "mcdonald's" -> "McDonald's")."""
    if not part:
        return part
    if part[0].isdigit():
        ordinal = _ORDINAL.match(part)
        return f"{ordinal.group(1)}{ordinal.group(2).lower()}" if ordinal else part.upper()
    if part in _ROMAN:
        return part.upper()
    if "'" in part or "\u2019" in part:
        quote = "'" if "'" in part else "\u2019"
        head, _, tail = part.partition(quote)
        # a one-letter tail is a contraction or possessive ("Macy's"), not a name ("O'Brien")
        tail = tail if len(tail) <= 1 else _capitalize_part(tail)
        return f"{_capitalize_part(head)}{quote}{tail}"
    if part.startswith("mc") and len(part) > 3 and part[2].isalpha():
        return "Mc" + part[2:].capitalize()
    return part[:1].upper() + part[1:]


def recase_word(word: str, *, lower: bool = False, acronyms: bool = False) -> str:
    """Recase one whitespace-free word given in uniform case. `lower` keeps it lower-case (a
    particle such as "van" or "of"); `acronyms` upper-cases short vowel-less words ("KPMG")."""
    folded = word.lower()
    if lower:
        return folded
    letters = [c for c in folded if c.isalpha()]
    if acronyms and letters and 3 <= len(letters) <= 5 and not _VOWELS.intersection(letters) and folded.isalpha():
        return folded.upper()
    return "".join(_capitalize_part(part) if part not in "-/" else part for part in _PART_SPLIT.split(folded))
