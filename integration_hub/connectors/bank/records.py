"""Shared row shape of every statement reader: columns, money, masks, stable ids."""
from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal, InvalidOperation

import pandas as pd

from integration_hub.standardize.currency import minor_exponent
from integration_hub.standardize.money import MAX_MINOR_UNITS

COLUMNS = [
    "account", "account_mask", "statement_id", "booking_date", "value_date", "amount_minor",
    "currency", "type_code", "reference", "counterparty", "description", "bank_ref", "line",
    "source_id", "statement_status",
]
_TEXT = ["account", "account_mask", "statement_id", "currency", "type_code", "reference",
         "counterparty", "description", "bank_ref", "source_id", "statement_status"]

_CURRENCY = re.compile(r"[A-Z]{3}")


def check_currency(currency: str | None) -> str:
    """Upper-case three-letter code, or ValueError naming what was found."""
    code = (currency or "").strip().upper()
    if not _CURRENCY.fullmatch(code):
        raise ValueError(f"currency {currency!r} is not a three-letter ISO 4217 code")
    return code


def to_minor(amount: str | Decimal, currency: str) -> int:
    """Major-unit amount (text or Decimal, '.' or ',' as separator) to integer minor units.

    Raises ValueError when the text is not a number, carries more decimals than the
    currency has (a JPY amount with cents is a broken file, not rounding) or is beyond
    MAX_MINOR_UNITS.
    """
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"amount {amount!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"amount {amount!r} is not a number")
    minor = value.scaleb(minor_exponent(currency))
    if minor != minor.to_integral_value():
        raise ValueError(f"amount {amount} has more decimals than {currency} allows")
    if abs(minor) > MAX_MINOR_UNITS:
        raise ValueError(f"amount {amount} is beyond the {MAX_MINOR_UNITS + 1:.0e} minor units the hub accepts")
    return int(minor)


def mask_account(account: str) -> str:
    """'****' plus the last four characters: enough to recognise, never enough to use."""
    compact = re.sub(r"\s+", "", account or "")
    return "****" + (compact[-4:] if len(compact) > 4 else "")


def to_frame(rows: list[dict]) -> pd.DataFrame:
    """Rows from a reader to the contract frame, with `source_id` assigned.

    `source_id` is the bank's own reference when it is present and unique in the
    file; otherwise f"{statement_id}:{line}", which is stable for a given file.
    """
    counts = Counter(r["bank_ref"] for r in rows if r.get("bank_ref"))
    for r in rows:
        ref = r.get("bank_ref")
        r["source_id"] = ref if ref and counts[ref] == 1 else f"{r['statement_id']}:{r['line']}"
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("booking_date", "value_date"):
        frame[col] = pd.to_datetime(frame[col]).dt.tz_localize("UTC").astype("datetime64[ns, UTC]")
    frame["amount_minor"] = frame["amount_minor"].astype("int64")
    frame["line"] = frame["line"].astype("int64")
    for col in _TEXT:
        frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    return frame


def split_lines(data: bytes) -> list[str]:
    """Text lines of a statement file; index i is line i + 1 as an editor counts."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older bank exports are Latin-1; every byte maps, so this never fails.
        text = data.decode("latin-1")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
