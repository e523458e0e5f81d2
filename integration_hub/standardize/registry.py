"""Named cleaning rules that system declarations refer to (`rule: phone` in a system.yaml).

Each rule takes the raw column (text), the frame cleaned so far (for rules that depend on
another column, such as money on its currency) and the rule's options from the declaration,
and returns the cleaned column with NA where the value is blank or invalid.
"""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from integration_hub.standardize import addresses, emails, names, phones, sku
from integration_hub.standardize.currency import currency_iso4217
from integration_hub.standardize.dates import date_utc, timestamp_utc
from integration_hub.standardize.money import minor_units_from_major, minor_units_from_minor
from integration_hub.standardize.text import clean_text

Rule = Callable[..., pd.Series]


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
    "integer": lambda s, frame: minor_units_from_minor(s),
    "minor_units": lambda s, frame: minor_units_from_minor(s),
    "major_units": lambda s, frame, currency: minor_units_from_major(s, frame[currency]),
    "currency": lambda s, frame: currency_iso4217(s),
    "timestamp": lambda s, frame: timestamp_utc(s),
    "date": lambda s, frame: date_utc(s),
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


def apply_rule(name: str, values: pd.Series, frame: pd.DataFrame, options: dict) -> pd.Series:
    if name not in RULES:
        raise KeyError(f"unknown cleaning rule {name!r}; known rules: {', '.join(sorted(RULES))}")
    return RULES[name](values, frame, **options)
