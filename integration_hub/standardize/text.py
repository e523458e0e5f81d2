"""Generic text cleaning every other cleaner builds on."""
from __future__ import annotations

import pandas as pd

from integration_hub.standardize._core import BLANK_TOKENS, as_text, map_unique


def _keep_unless_blank(text: str) -> str | None:
    return None if text.strip().casefold() in BLANK_TOKENS else text


# Unicode controls and format characters (zero-width space, BOM, bidi marks): removed. Code points
# above U+00FF are written as literal characters so both Python's re and Arrow's RE2 accept the class.
_INVISIBLE = ("[\\x00-\\x08\\x0e-\\x1f\\x7f-\\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# RE2's \s is ASCII-only: name the Unicode spaces (no-break, en/em, ideographic) too.
_SPACES = "[\\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+"


def _is_text(s: pd.Series) -> bool:
    """True when every value is a string or missing: the vectorized paths below then apply.

    Extracted datasets are all text, and they are the large ones: per-value Python costs
    seconds per million rows where pandas' string methods cost a fraction of that."""
    return isinstance(s, pd.Series) and (pd.api.types.is_string_dtype(s.dtype) and
                                         pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"))


def _arrow_text(s: pd.Series) -> pd.Series:
    return s.astype("string[pyarrow]")


def _blank_mask(text: pd.Series) -> pd.Series:
    return (text.isna() | text.str.strip().str.lower().isin(list(BLANK_TOKENS))).astype(bool)


def blank_to_na(s: pd.Series) -> pd.Series:
    """The values exactly as given, with blanks as NA: missing, empty, whitespace only, or a
    blank token ("N/A", "null", "None", "-", "nan"; see `_core.BLANK_TOKENS`)."""
    if _is_text(s):
        text = _arrow_text(s)
        return text.mask(_blank_mask(text)).astype("string")
    return map_unique(s, _keep_unless_blank, prepare=as_text)


def clean_text(s: pd.Series) -> pd.Series:
    """Trimmed, whitespace collapsed, control and zero-width characters removed, NFC; NA when blank."""
    if _is_text(s):
        text = (_arrow_text(s).str.replace(_INVISIBLE, "", regex=True)
                .str.replace(_SPACES, " ", regex=True).str.strip().str.normalize("NFC"))
        return text.mask(_blank_mask(text)).astype("string")
    return map_unique(s, lambda text: text)
