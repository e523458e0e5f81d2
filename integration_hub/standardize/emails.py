"""E-mail addresses, syntax-checked by email-validator (no DNS look-ups)."""
from __future__ import annotations

import re

import pandas as pd
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from integration_hub.standardize._core import map_unique


# A plain ASCII address that every validator accepts: dot-atom local part, LDH domain labels,
# alphabetic TLD. email-validator costs ~100 us an address; most exported addresses look like this.
_PLAIN = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                    r"@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_SPECIAL_USE = tuple(f".{d}" for d in SPECIAL_USE_DOMAIN_NAMES)


def _plain(text: str) -> str | None:
    lowered = text.lower()
    if len(lowered) <= 254 and _PLAIN.fullmatch(lowered) and len(lowered.partition("@")[0]) <= 64 \
            and not lowered.endswith(_SPECIAL_USE) and "xn--" not in lowered:   # punycode: the validator decodes it
        return lowered
    return None


def _email(text: str) -> str | None:
    if text[:7].lower() == "mailto:":
        text = text[7:]
    plain = _plain(text)
    if plain is not None:
        return plain
    try:
        result = validate_email(text, check_deliverability=False, allow_display_name=True)
    except EmailNotValidError:
        return None
    return result.normalized.lower()


def email(s: pd.Series) -> pd.Series:
    """Trimmed, lower-cased address when its syntax is valid, else NA. Accepts the forms
    exports carry ("mailto:a@b.com", "Jane Doe <jane@b.com>"); rejects reserved domains
    (".test", "localhost") and cells with several addresses."""
    return map_unique(s, _email)
