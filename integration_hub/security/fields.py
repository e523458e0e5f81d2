"""Field-level authenticated encryption (AES-256-GCM) for sensitive columns.

A value becomes the token ``enc:v1:<kid>:<base64(nonce || ciphertext+tag)>``: the key id
says which key decrypts it, so values written before and after a rotation coexist. The
associated data is ``enc:v1:<kid>:<context>``, where the context names the field (e.g.
``"customer.tax_id"``): GCM then refuses a token moved to another field or relabelled with
another key id, not only a tampered one. Nonces are 96 random bits; with random nonces one
key should encrypt well under 2**32 values, far beyond any rotation period here.

Values are encrypted as their text (``str(value)``) and decrypt to ``str``; NA stays NA.
"""
from __future__ import annotations

import base64
import os
from collections import Counter
from collections.abc import Hashable

import numpy as np
import pandas as pd
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from integration_hub.security.keys import Keyring

PREFIX = "enc:v1:"
NONCE_BYTES = 12


class FieldDecryptionError(Exception):
    """A token that is malformed, tampered with, bound to another field, or under an unknown key."""


def _aad(kid: str, context: str) -> bytes:
    return f"{PREFIX}{kid}:{context}".encode()


def encrypt_value(value: object, context: str, keyring: Keyring) -> str:
    """One value as a token under the active key."""
    return encrypt_series(pd.Series([value], dtype=object), context, keyring).iloc[0]


def decrypt_value(token: str, context: str, keyring: Keyring) -> str:
    return decrypt_series(pd.Series([token], dtype=object), context, keyring).iloc[0]


def encrypt_series(s: pd.Series, context: str, keyring: Keyring) -> pd.Series:
    """`s` with every non-NA value encrypted under the active key (object dtype, same index).

    Values that already are tokens are left as they are, so re-running a stage never
    encrypts twice.
    """
    kid = keyring.active_id
    cipher = AESGCM(keyring.active_key)
    aad = _aad(kid, context)
    head = f"{PREFIX}{kid}:"
    todo = s.notna() & ~is_encrypted(s)
    values = s[todo].astype(str).tolist()
    nonces = os.urandom(NONCE_BYTES * len(values))
    tokens = []
    for i, value in enumerate(values):
        nonce = nonces[i * NONCE_BYTES:(i + 1) * NONCE_BYTES]
        blob = nonce + cipher.encrypt(nonce, value.encode(), aad)
        tokens.append(head + base64.b64encode(blob).decode("ascii"))
    return _replace(s, todo, tokens)


def decrypt_series(s: pd.Series, context: str, keyring: Keyring) -> pd.Series:
    """`s` with every token decrypted to its text; NA stays NA. Anything else raises FieldDecryptionError."""
    present = s.notna()
    plain = present & ~is_encrypted(s)
    if plain.any():
        raise FieldDecryptionError(f"{context}: {_rows(plain)} do not hold ciphertext tokens")
    tokens = s[present]
    ciphers: dict[str, AESGCM] = {}
    values = []
    for label, token in tokens.items():
        kid, blob = _split(token, context, label)
        cipher = ciphers.get(kid) or ciphers.setdefault(kid, AESGCM(_key(keyring, kid, context, label)))
        try:
            values.append(cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(kid, context)).decode())
        except InvalidTag:
            raise FieldDecryptionError(
                f"{context}: row {label!r}: ciphertext failed authentication (tampered with, or encrypted "
                f"for another field)") from None
    return _replace(s, present, values)


def reencrypt_series(s: pd.Series, context: str, keyring: Keyring) -> pd.Series:
    """Rotation: tokens under older keys decrypted and encrypted again under the active key.

    Tokens already under the active key are kept as they are; plain values raise, because a
    sensitive column holding plaintext is a leak to fix, not something to rotate.
    """
    present = s.notna()
    plain = present & ~is_encrypted(s)
    if plain.any():
        raise FieldDecryptionError(f"{context}: {_rows(plain)} hold plaintext, not ciphertext tokens")
    stale = present & ~s.astype("string").str.startswith(f"{PREFIX}{keyring.active_id}:").fillna(False)
    if not stale.any():
        return s.copy()
    fresh = encrypt_series(decrypt_series(s[stale], context, keyring), context, keyring)
    return _replace(s, stale, fresh.tolist())


def is_encrypted(s: pd.Series) -> pd.Series:
    """Per value: True for a ciphertext token, False for plain values and NA."""
    return s.astype("string").str.startswith(PREFIX).fillna(False).astype(bool)


def all_encrypted(s: pd.Series) -> bool:
    """True when every non-NA value of `s` is a ciphertext token (a column safe to store)."""
    return bool((is_encrypted(s) | s.isna()).all())


def key_ids_in_use(s: pd.Series) -> dict[str, int]:
    """How many tokens in `s` each key id encrypts (what retire_key needs to know)."""
    tokens = s[is_encrypted(s)].astype(str)
    return dict(Counter(tokens.str.slice(len(PREFIX)).str.split(":", n=1).str[0]))


def mask_last4(value: object) -> str | None:
    """``"****6789"``: the last four letters/digits only; values of four or fewer show nothing."""
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return None
    chars = "".join(ch for ch in str(value) if ch.isalnum())
    return "****" + (chars[-4:] if len(chars) > 4 else "")


def _split(token: str, context: str, label: Hashable) -> tuple[str, bytes]:
    kid, sep, encoded = token[len(PREFIX):].partition(":")
    try:
        if not sep:
            raise ValueError
        blob = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise FieldDecryptionError(f"{context}: row {label!r}: malformed ciphertext token") from None
    if len(blob) < NONCE_BYTES + 16:
        raise FieldDecryptionError(f"{context}: row {label!r}: ciphertext token is truncated")
    return kid, blob


def _key(keyring: Keyring, kid: str, context: str, label: Hashable) -> bytes:
    if kid not in keyring.keys:
        raise FieldDecryptionError(f"{context}: row {label!r}: encrypted under key {kid!r}, which is not in the "
                                   f"keyring (retired too early, or the wrong key file?)")
    return keyring.keys[kid]


def _replace(s: pd.Series, where: pd.Series, values: list) -> pd.Series:
    """`s` as object dtype with the values at `where` replaced, by position (index labels may repeat)."""
    out = s.to_numpy(dtype=object, copy=True)
    replacement = np.empty(len(values), dtype=object)
    replacement[:] = values
    out[where.to_numpy(dtype=bool)] = replacement
    return pd.Series(out, index=s.index, name=s.name, dtype=object)


def _rows(mask: pd.Series, limit: int = 5) -> str:
    labels = list(mask[mask].index[:limit])
    more = int(mask.sum()) - len(labels)
    return "rows " + ", ".join(map(repr, labels)) + (f" and {more} more" if more > 0 else "")
