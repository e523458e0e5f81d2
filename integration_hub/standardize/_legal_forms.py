"""Legal-form vocabulary for company names.

The suffix list comes from cleanco's term data (legal forms of ~60 countries, maintained by
that project) rather than from a list of our own, minus the few terms that are also ordinary
words or places and would merge distinct companies ("Acme UK" is not "Acme").
"""
from __future__ import annotations

import re
from functools import cache

from anyascii import anyascii
from cleanco.termdata import terms_by_country, terms_by_type

_NOT_LEGAL_FORMS = frozenset({"uk", "eu", "private", "ok", "at", "et", "ent", "ca", "nl", "ei", "ec"})
_EXTRA_SUFFIXES = ("pty", "pty ltd", "l l c", "co inc", "corp", "gmbh co kg")
# Forms that precede the name (Russian and Ukrainian companies: "OOO Romashka").
PREFIXES = frozenset({"ooo", "oao", "zao", "pao", "tov"})

_APOSTROPHES_DOTS = re.compile(r"['\u2019.]")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def key_tokens(text: str) -> list[str]:
    """Lower-case ASCII tokens for matching: accents folded (anyascii), "&" read as "and",
    apostrophes and dots dropped ("L.L.C." -> "llc"), any other punctuation splits words."""
    folded = anyascii(text).lower().replace("&", " and ").replace("+", " and ")
    return _NON_ALNUM.sub(" ", _APOSTROPHES_DOTS.sub("", folded)).split()


@cache
def suffix_terms() -> tuple[frozenset[tuple[str, ...]], int]:
    """Every legal-form suffix as a token tuple (normalized like `key_tokens`), and the longest length."""
    raw = [t for terms in (*terms_by_type.values(), *terms_by_country.values()) for t in terms]
    terms = {tuple(key_tokens(t)) for t in (*raw, *_EXTRA_SUFFIXES)}
    terms = {t for t in terms if t and " ".join(t) not in _NOT_LEGAL_FORMS}
    return frozenset(terms), max(len(t) for t in terms)


# Display spelling of a trailing legal form, keyed by its key_tokens form joined.
DISPLAY = {
    "inc": "Inc.", "corp": "Corp.", "co": "Co.", "ltd": "Ltd", "llc": "LLC", "llp": "LLP", "lp": "LP",
    "lllp": "LLLP", "pllc": "PLLC", "plc": "PLC", "pty": "Pty", "gmbh": "GmbH", "ag": "AG", "kg": "KG",
    "kgaa": "KGaA", "se": "SE", "sa": "S.A.", "sas": "SAS", "sarl": "SARL", "bv": "B.V.", "nv": "N.V.",
    "srl": "S.r.l.", "spa": "S.p.A.", "ab": "AB", "as": "AS", "asa": "ASA", "oy": "Oy", "oyj": "Oyj",
    "aps": "ApS", "ltda": "Ltda", "sl": "S.L.", "kk": "K.K.", "bhd": "Bhd", "pte": "Pte",
    "limited": "Limited", "company": "Company", "corporation": "Corporation", "incorporated": "Incorporated",
}
