"""Company and person names: display forms for people to read, keys for matching records."""
from __future__ import annotations

import pandas as pd
from nameparser import HumanName
from nameparser.config import CONSTANTS

from integration_hub.standardize._case import is_uniform_case, recase_word
from integration_hub.standardize._core import map_unique, map_unique_frame
from integration_hub.standardize._legal_forms import DISPLAY, PREFIXES, key_tokens, suffix_terms

_COMPANY_SMALL_WORDS = frozenset({"of", "and", "the", "for", "in", "on", "at", "de", "du", "des", "la", "von", "van"})
_COMPANY_UPPER_WORDS = frozenset({"uk", "us", "usa", "eu", "uae", "nyc"})
_PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "da", "di", "du", "la", "le",
                        "dos", "das", "ter", "ten", "y"})
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "cpa", "dds"})


def _display_legal_tail(words: list[str]) -> list[str]:
    """Spell trailing legal forms one way ("inc" -> "Inc.", "L.L.C." -> "LLC"), keeping any comma."""
    out = list(words)
    for i in range(len(out) - 1, 0, -1):
        word = out[i]
        core = word.rstrip(".,")
        if core == "&":
            continue
        display = DISPLAY.get("".join(key_tokens(core)))
        if display is None:
            break
        out[i] = display + ("," if word.endswith(",") else "")
    return out


def _looks_like_acronym(words: list[str]) -> bool:
    """"IBM", "AMD", "UPS": one short word given in capitals is an acronym, not shouting."""
    core = [w for w in words if "".join(key_tokens(w)) not in DISPLAY]
    return len(core) == 1 and len(core[0]) <= 3


def _company_display(text: str) -> str:
    words = text.split(" ")
    if is_uniform_case(text) and not (text.isupper() and _looks_like_acronym(words)):
        words = [w.upper() if w.lower() in _COMPANY_UPPER_WORDS or (text.isupper() and "&" in w)
                 else recase_word(w, lower=i > 0 and w.lower() in _COMPANY_SMALL_WORDS, acronyms=True)
                 for i, w in enumerate(words)]
    return " ".join(_display_legal_tail(words))


def company_name(s: pd.Series) -> pd.Series:
    """Display form: trimmed, whitespace collapsed; text given ALL CAPS or all lower-case is
    title-cased (acronyms like "KPMG" and particles like "of" handled), mixed case is kept as
    given; trailing legal forms spelled one way ("acme corp" -> "Acme Corp.", "Foo llc" -> "Foo LLC")."""
    return map_unique(s, _company_display)


def _company_key(text: str) -> str | None:
    tokens = key_tokens(text)
    terms, longest = suffix_terms()
    while len(tokens) > 1 and tokens[0] in PREFIXES:
        tokens = tokens[1:]
    changed = True
    while changed:
        changed = False
        keep = 2 if tokens[:1] == ["the"] else 1
        for n in range(min(longest, len(tokens) - keep), 0, -1):
            if tuple(tokens[-n:]) in terms:
                tokens, changed = tokens[:-n], True
                break
        if len(tokens) > keep and tokens[-1] == "and":     # left over from "Smith & Co."
            tokens, changed = tokens[:-1], True
    if len(tokens) > 1 and tokens[0] == "the":
        tokens = tokens[1:]
    return " ".join(tokens) or None


def company_match_key(s: pd.Series) -> pd.Series:
    """Key for matching companies across systems: lower-case ASCII (accents folded), punctuation
    removed, "&" and "and" unified, a leading "The" dropped, and legal forms removed from the end
    (Inc, Corp, Co, LLC, Ltd, GmbH, AG, S.A., SARL, B.V., N.V., PLC, LLP, Pty Ltd, ... repeatedly:
    "Acme & Co. LLC" -> "acme") and from the start (OOO). Never empties a name: "Company Inc" -> "company"."""
    return map_unique(s, _company_key)


def _reorder_comma(text: str) -> str:
    """"Smith, John" -> "John Smith"; "John Smith, Jr." stays."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) == 2 and all(parts) and "".join(key_tokens(parts[1])) not in _NAME_SUFFIXES:
        return f"{parts[1]} {parts[0]}"
    return text


def _person_display(text: str) -> str:
    words = _reorder_comma(text).split(" ")
    last = len(words) - 1
    out = []
    for i, word in enumerate(words):
        if is_uniform_case(word):
            word = recase_word(word, lower=0 < i < last and word.lower() in _PARTICLES)
        out.append(word)
    return " ".join(out)


def person_name(s: pd.Series) -> pd.Series:
    """Display form of a person's name: "Last, First" reordered; words given ALL CAPS or
    all lower-case title-cased with "McDonald", "O'Brien", "Jean-Luc" and particles
    ("Ludwig van der Berg", "Maria de la Cruz") handled; mixed-case words ("DeShawn") kept."""
    return map_unique(s, _person_display)


def _plain_word(word: str) -> bool:
    """A word nameparser would read as a plain name piece: no title, suffix or conjunction."""
    w = word.lower()
    return (word.replace("'", "").replace("-", "").isalpha()
            and not (w in CONSTANTS.titles or w in CONSTANTS.suffix_acronyms
                     or w in CONSTANTS.suffix_not_acronyms or w in CONSTANTS.conjunctions))


def _split_person(text: str) -> tuple[str | None, str | None] | None:
    words = text.split(" ")
    if all(_plain_word(w) for w in words) and (len(words) == 1 or not (
            words[0].lower() in CONSTANTS.prefixes or words[-1].lower() in CONSTANTS.prefixes)):
        # The common case, split as nameparser would at a fraction of its cost: the surname
        # starts at the last run of particles after the given name ("Ludwig van der Berg"),
        # else it is the last word. A name starting or ending in a particle is left to nameparser.
        if len(words) == 1:
            return words[0], None
        particles = [i for i in range(1, len(words) - 1) if words[i].lower() in CONSTANTS.prefixes]
        cut = particles[-1] if particles else len(words) - 1
        while cut - 1 in particles:
            cut -= 1
        return " ".join(words[:cut]), " ".join(words[cut:])
    name = HumanName(text)
    first = " ".join(p for p in (name.first, name.middle) if p) or None
    last = " ".join(p for p in (name.last, name.suffix) if p) or None
    if first is None and last is None:
        return None
    return first, last


def split_person_name(s: pd.Series) -> pd.DataFrame:
    """Columns `first` (given and middle names) and `last` (surname with particles and any
    suffix: "van der Berg", "Smith Jr."), parsed by nameparser after `person_name`; titles
    ("Dr.") are dropped; a single word is a first name. Aligned on `s.index`, NA when blank."""
    return map_unique_frame(s, lambda text: _split_person(_person_display(text)), ["first", "last"])
