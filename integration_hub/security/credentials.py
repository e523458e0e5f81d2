"""Credentials pasted into free text: API keys, access tokens and private keys, masked whole and flagged.

Support tickets, memo lines and customer notes are where someone pastes "our key is
sk_live_…". Only shapes a credential issuer defines are matched, so the masker can run on
every text column of every record: Stripe secret and restricted keys, AWS access key ids,
GitHub and Slack tokens, bearer tokens, JWTs, PEM private key blocks, and values assigned to a
credential name (``session_token=…``, ``x-auth-token: …``, ``password: …``; a vendor's error
text quoted in a rejection is where those turn up). A bearer token must
hold a digit and 16 characters, so "bearer bonds" stays prose. Nothing of the credential is
kept: unlike a card's last four, part of a key tells an operator nothing and helps an attacker.
"""
from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa

from integration_hub.security.scan import mask_candidates

REDACTED = "[REDACTED]"

# A credential's name, whatever prefixes it: token, session_token, x-auth-token, token_secret, client_secret,
# api_key, x-api-key, password ("author", "tokenizer" and "api_key_expired" are not).
CREDENTIAL_NAME = (r"(?:[a-z0-9]+[_-])*(?:password|passwd|pwd|pass|passphrase|secret|api[_-]?key|apikey|"
                   r"access[_-]?key|private[_-]?key|token|signature|sig|credentials?|auth)")

_SHAPES: tuple[tuple[re.Pattern, str], ...] = (
    # A private key block, or its start when the field was cut off before its end line.
    (re.compile(r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|\Z)"), REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*"), REDACTED),
    (re.compile(r"(?i)\b(bearer\s+)(?=[A-Za-z0-9\-._~+/]*\d)[A-Za-z0-9\-._~+/]{16,}=*"), rf"\1{REDACTED}"),
    (re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}\b"), REDACTED),
    (re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"), REDACTED),
    (re.compile(r"\bgh[opusr]_[A-Za-z0-9]{30,}\b"), REDACTED),
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}\b"), REDACTED),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), REDACTED),
    # A value assigned to a credential name ("session_token=…", "x-auth-token: …", "password: …"): eight or more
    # token characters with a digit, so "password: see the portal" stays prose.
    (re.compile(rf"(?i)((?<![\w-]){CREDENTIAL_NAME}['\"]?\s*[:=]\s*['\"]?)(?=[A-Za-z0-9._~+/=-]*\d)"
                r"[A-Za-z0-9._~+/=-]{8,}"), rf"\1{REDACTED}"),
)
# RE2 pre-filter: any of the prefixes above.
_HINT = (r"-----BEGIN|eyJ|(?i:bearer)|[sr]k_(?:live|test)_|AKIA|ASIA|gh[opusr]_|github_pat_|xox[abposr]-|"
         r"(?i:pass|pwd|secret|key|token|sig|credential|auth)['\"]?\s*[:=]")


def mask_secret_text(text: str) -> tuple[str, bool]:
    """`text` with every credential shown as ``[REDACTED]``, and whether any was."""
    found = False
    for pattern, replacement in _SHAPES:
        text, n = pattern.subn(replacement, text)
        found = found or n > 0
    return text, found


def mask_secrets(texts: pd.Series, strings: pa.Array | None = None) -> tuple[pd.Series, pd.Series]:
    """(`texts` with credentials masked, per-row flag "held a credential"); NA stays NA.

    `strings` is `texts` as Arrow strings (scan.arrow_strings), when the caller already has them."""
    return mask_candidates(texts, strings, _HINT, mask_secret_text)
