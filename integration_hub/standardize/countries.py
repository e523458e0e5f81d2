"""Countries (ISO 3166-1 alpha-2) and their subdivisions (ISO 3166-2), from pycountry's data.

Besides pycountry's English names, codes and official names, country lookup knows each
country's name in major European and Asian languages (pycountry ships the iso-codes translations:
"Deutschland", "España", "Österreich") and the handful of everyday English names that ISO
does not use ("UK", "Great Britain", "Russia", "Holland"). Unknown text is NA, never a guess.
"""
from __future__ import annotations

import gettext
from functools import cache, lru_cache

import pandas as pd
import pycountry

from integration_hub.standardize._core import map_unique, map_unique_with
from integration_hub.standardize._legal_forms import key_tokens

_LANGUAGES = ("de", "fr", "es", "it", "nl", "pt", "sv", "da", "nb", "fi", "pl", "cs", "hu", "ro", "tr",
              "ru", "uk", "el", "ja", "zh_CN", "ko", "ar")
_ALIASES = {
    "GB": ("uk", "u k", "great britain", "britain", "england", "scotland", "wales", "northern ireland",
           "united kingdom of great britain", "gb"),
    "US": ("united states of america", "u s a", "u s", "america", "the united states"),
    "RU": ("russia", "rossiya"), "TR": ("turkey",), "MK": ("macedonia",), "CI": ("ivory coast",), "CV": ("cape verde",),
    "SZ": ("swaziland",), "MM": ("burma",), "NL": ("holland", "the netherlands"), "VA": ("vatican", "vatican city"),
    "PS": ("palestine",), "FM": ("micronesia",), "CD": ("dr congo", "drc", "congo kinshasa"),
    "CG": ("congo brazzaville",), "BN": ("brunei",), "XK": ("kosovo",), "KR": ("korea",),
    "KP": ("north korea",), "AE": ("uae",), "CZ": ("czech republic",), "VN": ("vietnam",),
}


def _key(text: str) -> str:
    return " ".join(key_tokens(text))


@cache
def _country_index() -> dict[str, str]:
    index: dict[str, str] = {}
    english: list[tuple[str, str]] = []
    for country in pycountry.countries:
        index[country.alpha_2.lower()] = country.alpha_2
        index[country.alpha_3.lower()] = country.alpha_2
        for attr in ("name", "official_name", "common_name"):
            name = getattr(country, attr, None)
            if name:
                english.append((name, country.alpha_2))
    for name, code in english:
        index.setdefault(_key(name), code)
    for code, names in _ALIASES.items():
        for name in names:
            index[name] = code
    translated: dict[str, set[str]] = {}
    for language in _LANGUAGES:
        catalog = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)
        for name, code in english:
            translated.setdefault(_key(catalog.gettext(name)), set()).add(code)
    for key, codes in translated.items():
        if len(codes) == 1:                       # a name two countries share in some language is no answer
            index.setdefault(key, codes.pop())
    index.pop("", None)
    return index


@lru_cache(maxsize=4096)
def country_code(text: str | None) -> str | None:
    """One country name or code as ISO 3166-1 alpha-2, or None when unknown."""
    if not text:
        return None
    if len(text) == 2 and text.isascii() and text.isalpha() and text.upper() in _ALPHA2:
        return text.upper()
    key = _key(text)
    found = _country_index().get(key)
    if found is None and key.startswith("the "):
        found = _country_index().get(key[4:])
    return found


_ALPHA2 = frozenset(c.alpha_2 for c in pycountry.countries)


def country_iso2(s: pd.Series) -> pd.Series:
    """ISO 3166-1 alpha-2 from codes (alpha-2, alpha-3), English names (short, official,
    common), names in major European and Asian languages, and common aliases; NA when unknown."""
    return map_unique(s, country_code)


_US_EXTRA = {
    "AA": ("armed forces americas",), "AE": ("armed forces europe",), "AP": ("armed forces pacific",),
    "DC": ("washington dc", "washington d c", "d c", "district of columbia"),
    "AL": ("ala",), "AZ": ("ariz",), "AR": ("ark",), "CA": ("calif", "cal"), "CO": ("colo",), "CT": ("conn",),
    "DE": ("del",), "FL": ("fla",), "GA": ("ga",), "IL": ("ill",), "IN": ("ind",), "KS": ("kan", "kans"),
    "KY": ("ky",), "LA": ("la",), "MD": ("md",), "MA": ("mass",), "MI": ("mich",), "MN": ("minn",),
    "MS": ("miss",), "MO": ("mo",), "MT": ("mont",), "NE": ("neb", "nebr"), "NV": ("nev",), "NH": ("n h",),
    "NJ": ("n j",), "NM": ("n m", "n mex"), "NY": ("n y",), "NC": ("n c",), "ND": ("n d", "n dak"),
    "OK": ("okla",), "OR": ("ore", "oreg"), "PA": ("pa", "penn", "penna"), "RI": ("r i",), "SC": ("s c",),
    "SD": ("s d", "s dak"), "TN": ("tenn",), "TX": ("tex",), "VT": ("vt",), "VA": ("va",), "WA": ("wash",),
    "WV": ("w va", "wva"), "WI": ("wis", "wisc"), "WY": ("wyo",),
}


@lru_cache(maxsize=512)
def _subdivision_index(country: str) -> dict[str, str]:
    """Folded subdivision names and codes of one country -> code without the country prefix."""
    index: dict[str, str] = {}
    for sub in pycountry.subdivisions.get(country_code=country) or ():
        short = sub.code.split("-", 1)[1]
        index.setdefault(_key(short), short)
        index.setdefault(_key(sub.code), short)
        index.setdefault(_key(sub.name), short)
    if country == "US":
        for code, names in _US_EXTRA.items():
            index.setdefault(code.lower(), code)
            for name in names:
                index.setdefault(name, code)
    return index


def subdivision_code(text: str, country: str) -> str | None:
    """One region name or code as its ISO 3166-2 code without the country part ("Bayern" -> "BY")."""
    key = _key(text)
    return _subdivision_index(country).get(key.replace(" ", "")) or _subdivision_index(country).get(key)


def us_state(s: pd.Series) -> pd.Series:
    """2-letter USPS code of a US state, DC, territory or military "state" from its code or
    name ("California", "calif.", "ca", "US-CA", "Washington, D.C."); NA when unknown."""
    return map_unique(s, lambda text: subdivision_code(text, "US"))


def region(s: pd.Series, country: pd.Series | str | None = "US") -> pd.Series:
    """Region of an address in `country` (per row when a Series): the ISO 3166-2 code without
    the country part when recognized ("Ontario" -> "ON", "Bayern" -> "BY"). For the US an
    unknown state is NA; elsewhere, or with no known country, the cleaned text is kept."""
    def one(text: str, context: str | None) -> str | None:
        code = country_code(context)
        found = subdivision_code(text, code) if code else None
        if found is None and code == "US":
            return None
        return found or text
    return map_unique_with(s, country, one)
