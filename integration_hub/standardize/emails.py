"""E-mail addresses, syntax-checked by email-validator (no DNS look-ups)."""
from __future__ import annotations

import pandas as pd
from email_validator import EmailNotValidError, validate_email

from integration_hub.standardize._core import map_unique


def _email(text: str) -> str | None:
    if text[:7].lower() == "mailto:":
        text = text[7:]
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
