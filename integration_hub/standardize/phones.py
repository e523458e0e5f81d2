"""Phone numbers in E.164 via phonenumbers (Google's libphonenumber metadata)."""
from __future__ import annotations

from functools import lru_cache

import pandas as pd
import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber

from integration_hub.standardize._core import map_unique_with
from integration_hub.standardize.countries import country_code


def _try_parse(text: str, region: str | None) -> PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except NumberParseException:
        return None


def _valid(number: PhoneNumber, region: str | None) -> bool:
    # Checking against the expected region first skips is_valid_number's search through every
    # region sharing the country code (about 25 for +1), which is half the cost of a parse.
    if region and phonenumbers.is_valid_number_for_region(number, region):
        return True
    return phonenumbers.is_valid_number(number)


@lru_cache(maxsize=100_000)
def _parse(text: str, region: str | None) -> PhoneNumber | None:
    """The number `text` denotes dialled from `region`, or None; a number that is not valid
    for its country is retried the ways exports commonly mangle international numbers."""
    number = _try_parse(text, region)
    if number is not None and _valid(number, region):
        return number
    stripped = text.lstrip()
    retry = None
    if stripped.startswith("00"):
        retry = "+" + stripped[2:]           # "0044 20..." written with the European exit code
    elif not stripped.startswith("+") and sum(c.isdigit() for c in stripped) >= 11:
        retry = "+" + stripped                # "447911123456": country code without its "+"
    if retry:
        second = _try_parse(retry, None)
        if second is not None and phonenumbers.is_valid_number(second):
            return second
    return None


# Punctuation phonenumbers ignores anyway: dropping it first lets "(415) 555-0132" and
# "415.555.0132" share one cached parse.
_IGNORED = str.maketrans("", "", " ()-./\t")


def _region(context: str | None) -> str | None:
    return country_code(context) if context else None


# E.164 strings this process already found valid. An E.164 number names its country, so it is
# valid whatever the row's region: re-standardizing cleaned data (entity resolution reads the
# cleaned stage's phones) then costs a set look-up instead of a parse. Bounded for long-lived
# processes.
_KNOWN_E164: set[str] = set()
_KNOWN_LIMIT = 1_000_000


def _e164(text: str, context: str | None) -> str | None:
    if text in _KNOWN_E164:
        return text
    number = _parse(text.translate(_IGNORED), _region(context))
    if number is None:
        return None
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if len(_KNOWN_E164) >= _KNOWN_LIMIT:
        _KNOWN_E164.clear()
    _KNOWN_E164.add(formatted)
    return formatted


def _extension(text: str, context: str | None) -> str | None:
    # Every extension marker phonenumbers knows ("x", "ext", "#", ";ext=", "anexo", ...) has a
    # letter or one of these signs: without them there is nothing to find, and no parse to pay.
    if not any(c.isalpha() or c in "#;," for c in text):
        return None
    number = _try_parse(text, _region(context))
    return number.extension if number is not None and number.extension else None


def phone_e164(s: pd.Series, default_region: pd.Series | str | None = "US") -> pd.Series:
    """E.164 ("+14155550132") for numbers valid in their country, else NA. Numbers without a
    "+" are read as dialled in `default_region`: a country code or name, one for all rows or a
    Series aligned with `s` (per-row country; a blank row has no default, so only numbers
    written internationally parse). Extensions are dropped (see `phone_extension`)."""
    return map_unique_with(s, default_region, _e164)


def phone_extension(s: pd.Series, default_region: pd.Series | str | None = "US") -> pd.Series:
    """Extension digits ("204" from "x204", "ext. 204", "#204"), NA when there is none."""
    return map_unique_with(s, default_region, _extension)
