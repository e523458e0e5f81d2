"""Street lines in USPS Publication 28 style, in readable case:
"123 north main street, suite #200" -> "123 N Main St Ste 200".

Only the street type in suffix position is abbreviated ("100 Avenue of the Americas" keeps its
Avenue, "12 Court Street" becomes "12 Court St"), and a directional is abbreviated only where it
is one ("123 North St" keeps North as the street name). Lines without US-style words pass
through trimmed and re-cased ("Hauptstraße 5").
"""
from __future__ import annotations

import re

import pandas as pd

from integration_hub.standardize._case import is_uniform_case, recase_word
from integration_hub.standardize._core import map_unique, map_unique_frame
from integration_hub.standardize._usps_data import DIRECTIONALS, SUFFIXES, UNITS

_PO_BOX = re.compile(r"^\s*(?:p\s*\.?\s*o\s*\.?\s*|post\s+office\s+)box\b\.?", re.IGNORECASE)
_HASH = re.compile(r"\s*#\s*")
_FRACTION = re.compile(r"^\d+/\d+$")
_SMALL_WORDS = frozenset({"of", "the", "and", "de", "la", "del", "du", "des", "da", "di"})
_LEADING_NUMBER = re.compile(r"^(\d+[A-Z]?(?:-\d+[A-Z]?)?(?: \d+/\d+)?) (.+)$")
_TRAILING_NUMBER = re.compile(r"^(\D.*?) (\d+[A-Za-z]?(?:[-/]\d+[A-Za-z]?)?)$")


def _tokens(text: str) -> list[str]:
    text = _HASH.sub(" #", text.replace(",", " "))
    out = []
    for token in text.split():
        if not any(c.isdigit() for c in token):
            token = token.replace(".", "")
        if token:
            out.append(token)
    return out


def _unit_part(tokens: list[str], uniform: bool) -> list[str]:
    out: list[str] = []
    for token in tokens:
        designator = UNITS.get(token.lower())
        if designator:
            out.append(designator)
        elif token.startswith("#") and out and out[-1] in UNITS.values():
            out.append(token[1:].upper())                      # "Apt #5" -> "Apt 5"
        elif any(c.isdigit() for c in token) or len(token) == 1:
            out.append(token.upper())
        else:
            out.append(recase_word(token) if uniform else token)
    return [t for t in out if t]


def _street_part(tokens: list[str], uniform: bool) -> list[str]:
    out = [recase_word(t, lower=i > 0 and t.lower() in _SMALL_WORDS) if uniform else t
           for i, t in enumerate(tokens)]
    start = 1 if out and out[0][0].isdigit() else 0
    if start and len(out) > 1 and _FRACTION.match(out[1]):
        start = 2                                              # "123 1/2 Main St"
    end = len(out)
    if end - start >= 3 and out[-1].lower() in DIRECTIONALS:
        out[-1] = DIRECTIONALS[out[-1].lower()]
        end -= 1
    if end - start >= 2 and out[end - 1].lower() in SUFFIXES:
        out[end - 1] = SUFFIXES[out[end - 1].lower()]
        type_end = end - 1
    else:
        type_end = end
    if type_end - start >= 2 and out[start].lower() in DIRECTIONALS:   # a name must follow it
        out[start] = DIRECTIONALS[out[start].lower()]
    return out


def _parts(text: str) -> tuple[str, str]:
    """(street, unit) of one line, each standardized; either may be ""."""
    po_box = _PO_BOX.match(text)
    if po_box:
        return f"PO Box {text[po_box.end():].strip(' .#:').upper()}".strip(), ""
    uniform = is_uniform_case(text)
    tokens = _tokens(text)
    if tokens and (tokens[0].lower() in UNITS or tokens[0].startswith("#")):
        if len(tokens) > 2 and tokens[2][0].isdigit():         # "Suite 300, 456 Elm St"
            tokens = tokens[2:] + tokens[:2]
        else:                                                  # a line 2: "Apt 4B"
            return "", " ".join(_unit_part(tokens, uniform))
    unit_at = next((i for i, t in enumerate(tokens)
                    if i >= 2 and (t.lower() in UNITS or t.startswith("#"))), len(tokens))
    return (" ".join(_street_part(tokens[:unit_at], uniform)),
            " ".join(_unit_part(tokens[unit_at:], uniform)))


def _street(text: str) -> str | None:
    return " ".join(p for p in _parts(text) if p) or None


def street(s: pd.Series) -> pd.Series:
    """Street line with USPS abbreviations: street types in suffix position ("Street" -> "St",
    "Avenue" -> "Ave", "Boulevard" -> "Blvd"), directionals ("North" -> "N", "Northwest" -> "NW"),
    unit designators ("Suite" -> "Ste", "Apartment" -> "Apt", "Apt #5" -> "Apt 5"), "P.O. Box"
    -> "PO Box"; periods and commas dropped; ALL CAPS or all lower-case text title-cased."""
    return map_unique(s, _street)


def _split_number(text: str) -> tuple[str | None, str | None, str | None]:
    line, unit = _parts(text)
    number = None
    if not line.startswith("PO Box"):
        leading, trailing = _LEADING_NUMBER.match(line), _TRAILING_NUMBER.match(line)
        if leading:
            number, line = leading.group(1), leading.group(2)
        elif trailing:                                         # "Hauptstraße 5"
            number, line = trailing.group(2).upper(), trailing.group(1)
    return number, line or None, unit or None


def split_street_number(s: pd.Series) -> pd.DataFrame:
    """Columns `number` (house number: "123", "221B", "10-12", "123 1/2"; leading as in the US
    or trailing as in much of Europe), `street` (standardized street name with type and
    directionals) and `unit` ("Ste 200"), for matching addresses part by part. Aligned on `s.index`."""
    return map_unique_frame(s, _split_number, ["number", "street", "unit"])
