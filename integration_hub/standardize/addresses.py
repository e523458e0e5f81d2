"""Address parts: one import place for the cleaners of every address field."""
from __future__ import annotations

import pandas as pd

from integration_hub.standardize._case import is_uniform_case, recase_word
from integration_hub.standardize._core import map_unique
from integration_hub.standardize.countries import country_iso2, region, us_state
from integration_hub.standardize.postal import postal_code
from integration_hub.standardize.streets import split_street_number, street

__all__ = ["city", "country_iso2", "postal_code", "region", "split_street_number", "street", "us_state"]

_SMALL_WORDS = frozenset({"of", "the", "on", "upon", "de", "la", "le", "les", "del", "am", "an", "der", "sur"})


def _city(text: str) -> str:
    if not is_uniform_case(text):
        return text
    return " ".join(recase_word(w, lower=i > 0 and w.lower() in _SMALL_WORDS) for i, w in enumerate(text.split(" ")))


def city(s: pd.Series) -> pd.Series:
    """City name trimmed, whitespace collapsed; ALL CAPS or all lower-case title-cased
    ("NEW YORK" -> "New York", "stratford upon avon" -> "Stratford upon Avon")."""
    return map_unique(s, _city)
