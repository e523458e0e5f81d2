"""Keyed hashes of sensitive identifiers (tax ids, bank accounts): equal values compare equal,
and nobody without the hub's keys can tell what they are.

A plain SHA-256 of a tax id is no protection: US EINs are nine digits, so all of them hash in
seconds. The hash here is HMAC-SHA256 under a key derived (HKDF-SHA256) from the keyring's
active key and the identifier's purpose, so a tax id and a bank account with the same digits
never hash alike. The token ``hmac:v1:<kid>:<hex>`` names the key it was made under: values
hashed before and after a key rotation do not compare equal, so compare tokens made in one
run (master vendors hash what they resolve each time they run). Values are compared as their
letters and digits, upper-case ("31-1234567" and "311234567" are one tax id).
"""
from __future__ import annotations

import hashlib
import hmac
import re

import pandas as pd
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from integration_hub.security.keys import Keyring

PREFIX = "hmac:v1:"
_INFO = b"integration_hub keyed hash v1:"
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]+")


def hash_key(keyring: Keyring, purpose: str) -> bytes:
    """The HMAC key for `purpose` ("tax_id", "bank_account"), derived from the active key."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=_INFO + purpose.encode()).derive(keyring.active_key)


def normalized(value: object) -> str | None:
    """An identifier as compared: its letters and digits, upper-case; None when nothing is left."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return _NOT_ALNUM.sub("", str(value)).upper() or None


def keyed_hashes(values: pd.Series, purpose: str, keyring: Keyring) -> pd.Series:
    """Each value's token (NA for a blank one), aligned on `values`' index."""
    key = hash_key(keyring, purpose)
    head = f"{PREFIX}{keyring.active_id}:"

    def token(value: object) -> str | None:
        text = normalized(value)
        return None if text is None else head + hmac.new(key, text.encode(), hashlib.sha256).hexdigest()

    return pd.Series([token(v) for v in values], index=values.index, dtype="string")


def is_keyed_hash(values: pd.Series) -> pd.Series:
    return values.astype("string").str.startswith(PREFIX).fillna(False).astype(bool)
