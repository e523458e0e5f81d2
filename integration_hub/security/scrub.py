"""Scrubbing data on its way into previews and quarantine, whoever built it.

Extraction masks free text once (protect_frame), but previews and quarantine rows are also
written from frames built later: golden records, ERP read-backs, load rejections, rejected
files. Each of those writes passes through here: registered secrets removed and every
free-text masker applied (cards, accounts, SSNs, credentials). Ciphertext tokens stay
whole, since key rotation must find and re-encrypt them. The log redactor's rule for long
digit runs is not applied: a quarantined value must stay readable to whoever fixes it
("9223372036854775808" overflowed), and the maskers already know which numbers are sensitive.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import pandas as pd

from integration_hub.security.fields import is_encrypted
from integration_hub.security.protect import mask_free_text
from integration_hub.security.redact import redact_registered, register_env_secrets


def scrub_series(values: pd.Series) -> pd.Series:
    """`values` with its text scrubbed; tokens, non-text values and NA unchanged, same index."""
    text = values.map(lambda v: isinstance(v, str)).astype(bool) & ~is_encrypted(values)
    if not text.any():
        return values
    register_env_secrets()      # an ERP or vendor error may quote the credentials it was sent
    masked, _ = mask_free_text(values[text].map(redact_registered))
    out = values.astype(object)
    out[text] = masked
    return out


def scrub_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every text column scrubbed, dtypes kept; the input is left alone."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_string_dtype(values) or pd.api.types.is_object_dtype(values):
            scrubbed = scrub_series(values)
            if scrubbed is not values:
                out[column] = scrubbed.astype(values.dtype)
    return out


def scrub_records(records: Iterable[Any]) -> list[Any]:
    """Each record (a dict, JSON text, other text or None) with its text values scrubbed, in one pass.

    JSON text is written back only when something changed, so an untouched record keeps its bytes;
    keys are field names and stay as they are."""
    records = list(records)
    parsed = [_parse(r) for r in records]
    leaves: list[str] = []
    for value in parsed:
        _collect(value, leaves)
    fresh = iter(scrub_series(pd.Series(leaves, dtype=object)).tolist())
    out = []
    for original, value in zip(records, parsed):
        rebuilt = _rebuild(value, fresh)
        if isinstance(original, str) and not isinstance(value, str):
            out.append(original if rebuilt == value else json.dumps(rebuilt, ensure_ascii=False))
        else:
            out.append(rebuilt)
    return out


def _parse(record: Any) -> Any:
    if not isinstance(record, str):
        return record
    try:
        value = json.loads(record)
    except ValueError:
        return record
    return value if isinstance(value, (dict, list)) else record


def _collect(value: Any, leaves: list[str]) -> None:
    if isinstance(value, str):
        leaves.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, leaves)
    elif isinstance(value, list):
        for item in value:
            _collect(item, leaves)


def _rebuild(value: Any, fresh: Iterator[str]) -> Any:
    if isinstance(value, str):
        return next(fresh)
    if isinstance(value, dict):
        return {k: _rebuild(v, fresh) for k, v in value.items()}
    if isinstance(value, list):
        return [_rebuild(v, fresh) for v in value]
    return value
