"""Named cleaning rules that system declarations refer to (`rule: phone` in a system.yaml).

Each rule takes the raw column (text), the frame cleaned so far (for rules that depend on
another column, such as money on its currency) and the rule's options from the declaration,
and returns the cleaned column with NA where the value is blank or invalid. Money and date
rules return a `Parsed` instead, naming why a value was refused when reading it would mean
guessing ("amount_ambiguous"); `clean_frame` reports those under that name.

A system may declare reading formats once for all its columns (`formats:` in system.yaml);
each rule receives the ones it takes (`FORMAT_KEYS`), and a column's own keys win.
"""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from integration_hub.standardize import addresses, emails, names, phones, sku
from integration_hub.standardize._core import Parsed
from integration_hub.standardize.currency import currency_iso4217
from integration_hub.standardize.dates import parse_dates, parse_timestamps
from integration_hub.standardize.money import major_units, minor_units
from integration_hub.standardize.text import clean_text

Rule = Callable[..., pd.Series | Parsed]


def _text(s: pd.Series, frame: pd.DataFrame) -> pd.Series:
    return clean_text(s)


def _region_series(frame: pd.DataFrame, country_column: str | None, default: str) -> pd.Series | str:
    if country_column and country_column in frame:
        return frame[country_column].fillna(default)
    return default


def _region(s: pd.Series, frame: pd.DataFrame, country_column: str | None) -> pd.Series:
    """US states to their two-letter code; other countries' regions kept as clean text."""
    text = _text(s, frame)
    us = addresses.us_state(text)
    is_us = frame[country_column].eq("US").fillna(False).astype(bool) if country_column in frame else True
    return us.where(is_us & us.notna(), text).astype("string")


RULES: dict[str, Rule] = {
    "text": _text,
    "upper": lambda s, frame: _text(s, frame).str.upper(),
    "lower": lambda s, frame: _text(s, frame).str.lower(),
    "integer": lambda s, frame: minor_units(s),
    "minor_units": lambda s, frame: minor_units(s),
    "major_units": lambda s, frame, currency, decimal=None: major_units(s, frame[currency], decimal=decimal),
    "currency": lambda s, frame: currency_iso4217(s),
    "timestamp": lambda s, frame, dayfirst=None, format=None: parse_timestamps(s, dayfirst=dayfirst, format=format),
    "date": lambda s, frame, dayfirst=None, format=None: parse_dates(s, dayfirst=dayfirst, format=format),
    "company_name": lambda s, frame: names.company_name(s),
    "person_name": lambda s, frame: names.person_name(s),
    "email": lambda s, frame: emails.email(s),
    "phone": lambda s, frame, country=None, default_region="US":
        phones.phone_e164(s, default_region=_region_series(frame, country, default_region)),
    "country": lambda s, frame: addresses.country_iso2(s),
    "us_state": lambda s, frame: addresses.us_state(s),
    "region": lambda s, frame, country=None: _region(s, frame, country),
    "street": lambda s, frame: addresses.street(s),
    "postal_code": lambda s, frame, country=None:
        addresses.postal_code(s, _region_series(frame, country, "US")),
    "sku": lambda s, frame: sku.sku(s),
}

DTYPES = {"integer": "Int64", "minor_units": "Int64", "major_units": "Int64",
          "timestamp": "datetime64[ns, UTC]", "date": "datetime64[ns, UTC]"}


# The system-wide `formats:` keys each rule takes.
FORMAT_KEYS = {"major_units": ("decimal",), "timestamp": ("dayfirst",), "date": ("dayfirst",)}


def apply_rule(name: str, values: pd.Series, frame: pd.DataFrame, options: dict,
               formats: dict | None = None) -> Parsed:
    if name not in RULES:
        raise KeyError(f"unknown cleaning rule {name!r}; known rules: {', '.join(sorted(RULES))}")
    defaults = {k: v for k, v in (formats or {}).items() if k in FORMAT_KEYS.get(name, ())}
    if "format" in options:
        defaults.pop("dayfirst", None)      # a column's exact date format already fixes the order
    out = RULES[name](values, frame, **(defaults | options))
    return out if isinstance(out, Parsed) else Parsed.plain(out)
