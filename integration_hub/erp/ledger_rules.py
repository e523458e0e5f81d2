"""The ledger's own acceptance rules, applied to a whole batch at once before anything is written.

A record is rejected (never loaded) when its external_id is missing or repeats an earlier
record of the batch, its currency is not three upper-case letters, a required amount is
missing or an amount or timestamp cannot be read. Everything else is coerced to the
canonical dtypes (int64 / Int64 money, datetime64[ns, UTC] timestamps, text as str).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from integration_hub.canonical.registry import CanonicalEntity
from integration_hub.erp.base import OUTCOME_COLUMNS, LoadOutcome, fingerprint
from integration_hub.erp.codec import text_values, utc_micros

_CURRENCY = r"[A-Z]{3}"


def _shown(value) -> str:
    return repr(value.item() if hasattr(value, "item") else value)


class _Reasons:
    """Collects rule violations per row position without building strings for good rows."""

    def __init__(self, n: int) -> None:
        self.found: dict[int, list[str]] = {}
        self.mask = np.zeros(n, dtype=bool)

    def add(self, mask: np.ndarray, reason) -> None:
        for pos in np.flatnonzero(mask):
            self.found.setdefault(int(pos), []).append(reason(pos) if callable(reason) else reason)
        self.mask |= mask


def _money(values: pd.Series, column: str, required: bool, reasons: _Reasons) -> pd.Series:
    raw = values
    if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        values = pd.to_numeric(values, errors="coerce")
        unreadable = (values.isna() & raw.notna()).to_numpy()
        reasons.add(unreadable, lambda p: f"{column} {_shown(raw.iloc[p])} is not a number")
    if pd.api.types.is_float_dtype(values.dtype):
        fractional = (values.notna() & (values != values.round())).to_numpy()
        reasons.add(fractional, lambda p: f"{column} {_shown(values.iloc[p])} is not a whole number of minor units")
        values = values.where(~fractional)
    missing = values.isna().to_numpy()
    if required:
        reasons.add(missing & raw.isna().to_numpy(), f"NULL {column}")
    return values.astype("Int64") if missing.any() or not required else values.astype("int64")


def _timestamp(values: pd.Series, column: str, reasons: _Reasons) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return utc_micros(values)
    parsed = pd.to_datetime(values, utc=True, errors="coerce", format="ISO8601")
    unreadable = (parsed.isna() & values.notna()).to_numpy()
    reasons.add(unreadable, lambda p: f"{column} {_shown(values.iloc[p])} is not an ISO 8601 timestamp")
    return utc_micros(parsed)


def _check_currency(currency: pd.Series, required: bool, reasons: _Reasons) -> None:
    valid = {c for c in pd.unique(currency.to_numpy()) if c is not None and re.fullmatch(_CURRENCY, c)}
    bad_currency = ~currency.isin(valid).to_numpy()
    if not required:
        bad_currency &= currency.notna().to_numpy()
    reasons.add(bad_currency, lambda p: "missing currency" if currency.iloc[p] is None
                else f"currency {currency.iloc[p]!r} is not 3 upper-case letters")


def _number(values: pd.Series, column: str, required: bool, reasons: _Reasons) -> pd.Series:
    """A decimal quantity as float64; text that is not a finite number is rejected, as is a missing
    value where one is required."""
    parsed = pd.to_numeric(values, errors="coerce").astype("float64")
    present = values.notna().to_numpy()
    unreadable = present & ~np.isfinite(parsed.to_numpy(na_value=np.nan))
    if required:
        unreadable |= ~present
    reasons.add(unreadable, lambda p: f"missing {column}" if pd.isna(values.iloc[p])
                else f"{column} {_shown(values.iloc[p])} is not a number")
    return parsed


def prepare(spec: CanonicalEntity, records: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a batch into (accepted rows coerced, with content_hash) and per-record verdicts.

    The verdicts frame has the input's index and OUTCOME_COLUMNS; rejected rows carry their
    message, accepted rows have outcome None until the load decides it. The accepted frame
    keeps only canonical columns, indexed by position in the batch.
    """
    absent = [c for c in spec.columns if c not in records.columns]
    if absent:
        raise ValueError(f"{spec.name} records lack canonical columns {absent}")
    n = len(records)
    frame = records.loc[:, list(spec.columns)].reset_index(drop=True)
    reasons = _Reasons(n)
    for column in spec.text:
        frame[column] = text_values(frame[column])

    ids = frame["external_id"]
    no_id = np.fromiter((v is None or not v or v.isspace() for v in ids.to_numpy()), dtype=bool, count=n)
    reasons.add(no_id, "missing external_id")
    repeated = ids.duplicated(keep="first").to_numpy() & ~no_id
    if repeated.any():
        first = ids[~no_id].drop_duplicates().reset_index().set_index("external_id")["index"]
        reasons.add(repeated, lambda p: f"duplicate external_id in batch (first at position {first[ids.iloc[p]]})")

    if "currency" in frame:
        _check_currency(frame["currency"], spec.currency_required, reasons)

    for column in (*spec.money, *spec.nullable_money):
        frame[column] = _money(frame[column], column, column in spec.money, reasons)
    for column in spec.timestamps:
        frame[column] = _timestamp(frame[column], column, reasons)
    for column in spec.numbers:
        frame[column] = _number(frame[column], column, not spec.fields[column].nullable, reasons)

    verdicts = pd.DataFrame({"external_id": ids.to_numpy(), "outcome": None, "message": ""}, index=records.index)
    verdicts = verdicts.loc[:, list(OUTCOME_COLUMNS)]
    if reasons.found:
        pos = np.fromiter(reasons.found, dtype=np.int64, count=len(reasons.found))
        verdicts.iloc[pos, 1] = LoadOutcome.REJECTED.value
        verdicts.iloc[pos, 2] = [_message(spec, frame, p, reasons.found[p]) for p in pos]
    accepted = frame.loc[~reasons.mask].copy() if reasons.mask.any() else frame
    for column in spec.money:
        accepted[column] = accepted[column].astype("int64")
    accepted["content_hash"] = fingerprint(accepted, spec.name)  # in place: assign() would copy the frame
    return accepted, verdicts


def _message(spec: CanonicalEntity, frame: pd.DataFrame, pos: int, reasons: list[str]) -> str:
    external_id = frame["external_id"].iloc[pos]
    if external_id is None or not str(external_id).strip():
        who = f"{spec.name} at position {pos} (source_id {frame['source_id'].iloc[pos]!r})"
    else:
        who = f"{spec.name} {external_id}"
    return f"{who}: " + "; ".join(reasons)
