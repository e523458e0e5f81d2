"""Bank account numbers in free text: masked to the last four, like the canonical `account_mask`.

Statement lines and memo fields quote the other party's account ("WIRE IN ORIG:ACME OBI:INV-1
ACCT 000950280"). Two shapes are masked: a number that follows an account label (ACCT,
ACCOUNT, A/C, ACCOUNT NO, KTO) and an IBAN anywhere that passes its mod-97 check. Bare digit
runs are left alone: in data, unlike in logs, a long number is more often an order or a
reference than an account, and masking those would break reconciliation.
"""
from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa

from integration_hub.security.scan import mask_candidates

_LABELLED = re.compile(r"(?i)\b(acct|account|a/c|kto|konto)(\.?\s*(?:no\.?|number|nr\.?|#)?\s*[:#.]?\s*)"
                       r"([0-9](?:[0-9 -]{3,32}[0-9]))(?![0-9])")
# Any case: an IBAN typed in lower case in free text is still one (the mod-97 check decides).
_IBAN = re.compile(r"(?i)\b([A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?)\b")
# RE2 pre-filter: a label followed by digits, or something shaped like an IBAN.
_HINT = r"(?i:acct|account|a/c|kto|konto)[^0-9]{0,12}[0-9]{4}|(?i:[A-Z]{2}[0-9]{2} ?[A-Z0-9]{4})"


# Countries of the SWIFT IBAN registry: with the mod-97 check, a code or digest shaped like an IBAN is not taken for one.
IBAN_COUNTRIES = frozenset(
    "AD AE AL AT AZ BA BE BG BH BI BR BY CH CR CY CZ DE DJ DK DO EE EG ES FI FK FO FR GB GE GI GL GR GT HN HR "
    "HU IE IL IQ IS IT JO KW KZ LB LC LI LT LU LV LY MC MD ME MK MN MR MT MU NI NL NO OM PK PL PS PT QA RO RS "
    "RU SA SC SD SE SI SK SM SO ST SV TL TN TR UA VA VG XK YE".split())


def iban_valid(text: str) -> bool:
    iban = text.replace(" ", "").upper()
    if not 15 <= len(iban) <= 34 or iban[:2] not in IBAN_COUNTRIES or not iban[2:4].isdigit():
        return False
    digits = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
    return int(digits) % 97 == 1


def mask_account_text(text: str) -> tuple[str, bool]:
    """`text` with labelled account numbers and valid IBANs shown as ``****1234``, and whether any was."""
    found = False

    def labelled(match: re.Match) -> str:
        nonlocal found
        digits = re.sub(r"[ -]", "", match.group(3))
        if len(digits) < 6:          # "account 2024": a year or a short code, not an account
            return match.group()
        found = True
        return f"{match.group(1)}{match.group(2)}****{digits[-4:]}"

    def iban(match: re.Match) -> str:
        nonlocal found
        if not iban_valid(match.group(1)):
            return match.group()
        found = True
        return "****" + match.group(1).replace(" ", "")[-4:]

    text = _LABELLED.sub(labelled, text)
    return _IBAN.sub(iban, text), found


def mask_account_numbers(texts: pd.Series, strings: pa.Array | None = None) -> tuple[pd.Series, pd.Series]:
    """(`texts` with account numbers masked, per-row flag "held an account number"); NA stays NA.

    `strings` is `texts` as Arrow strings (scan.arrow_strings), when the caller already has them."""
    return mask_candidates(texts, strings, _HINT, mask_account_text)
