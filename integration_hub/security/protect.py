"""Protecting a dataset before the hub first stores it: sensitive columns encrypted, free text masked.

Runs on the extracted frame, before it is returned to the IO manager, so Parquet files,
quarantine records (which copy the extracted row) and metadata only ever see ciphertext
tokens and masked text. Each sensitive column is encrypted under the context
``"<system>.<entity>.<column>"`` (field_context), which rotation derives again from where a
value is stored. Every other text column except the record's id is scanned for payment card
numbers, labelled bank account numbers and IBANs, US Social Security numbers and pasted
credentials (API keys, tokens, private keys): free text (descriptions, references, memo
lines) is where they get pasted or quoted, and one in a name or address field is no less a leak.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from integration_hub.security.accounts import mask_account_numbers
from integration_hub.security.cards import mask_card_numbers
from integration_hub.security.credentials import mask_secrets
from integration_hub.security.fields import PREFIX, encrypt_series, is_encrypted
from integration_hub.security.keys import Keyring
from integration_hub.security.scan import arrow_strings
from integration_hub.security.ssn import mask_ssns

CARD_FLAG = "card_number_masked"
ACCOUNT_FLAG = "account_number_masked"
SSN_FLAG = "ssn_masked"
SECRET_FLAG = "secret_masked"
# Credentials first: a private key block or token is removed whole before digit maskers see its pieces.
MASKERS = ((SECRET_FLAG, mask_secrets), (CARD_FLAG, mask_card_numbers), (ACCOUNT_FLAG, mask_account_numbers),
           (SSN_FLAG, mask_ssns))
FREE_TEXT_FLAGS = tuple(flag for flag, _ in MASKERS)


@dataclass(frozen=True)
class Protected:
    frame: pd.DataFrame
    flags: pd.DataFrame        # row (index label of `frame`), column_name, flag: one per masked value
    encrypted: dict[str, int]  # sensitive column -> values encrypted

    def flagged_rows(self, flag: str) -> int:
        """How many records had a value masked for `flag` (one of FREE_TEXT_FLAGS)."""
        mine = self.flags[self.flags["flag"] == flag]
        return int(mine["row"].nunique())


def field_context(system: str, entity: str, column: str) -> str:
    """The associated-data context a sensitive value is bound to."""
    return f"{system}.{entity}.{column}"


def check_sensitive_declaration(where: str, sensitive: Iterable[str], cleaned: Iterable[str], source_id: str) -> None:
    """Refuse a declaration that would clean or key on ciphertext.

    A sensitive column is ciphertext from extraction on: cleaning rules cannot standardize it,
    and random nonces would defeat exact-duplicate detection. Declare a mask column to clean
    and map instead (as bank statements do with `account_mask`).
    """
    sensitive = set(sensitive)
    clash = sorted(sensitive & set(cleaned))
    if clash:
        raise ValueError(f"{where}: sensitive columns {clash} are also declared for cleaning; they are "
                         "encrypted at extraction: clean and map a mask column instead")
    if source_id in sensitive:
        raise ValueError(f"{where}: the source id {source_id!r} cannot be sensitive: it names the record "
                         "in the ERP, quarantine and lineage")


def protect_frame(frame: pd.DataFrame, *, system: str, entity: str, sensitive: Iterable[str],
                  keyring: Keyring | None, skip: Iterable[str] = ()) -> Protected:
    """`frame` with `sensitive` columns encrypted and free text masked (mask_free_text) in every other text column.

    `skip` names columns left as they are (the record's id, extraction bookkeeping).
    Sensitive columns the frame lacks are ignored: an empty extraction has nothing to hide.
    `keyring` may be None only when nothing is sensitive.
    """
    sensitive = [c for c in dict.fromkeys(sensitive) if c in frame.columns]
    if sensitive and keyring is None:
        raise ValueError(f"{system}.{entity}: columns {sensitive} are sensitive but no keyring was given")
    out = frame.copy()
    encrypted: dict[str, int] = {}
    for column in sensitive:
        before = int(out[column].notna().sum() - is_encrypted(out[column]).sum())
        out[column] = encrypt_series(out[column], field_context(system, entity, column), keyring)
        encrypted[column] = before
    excluded = set(sensitive) | set(skip)
    flags = []
    for column in out.columns:
        if column in excluded or not _is_text(out[column]):
            continue
        out[column], flagged = mask_free_text(out[column])
        flags += [pd.DataFrame({"row": out.index[rows.to_numpy()], "column_name": column, "flag": flag})
                  for flag, rows in flagged.items()]
    flag_frame = pd.concat(flags, ignore_index=True) if flags else pd.DataFrame(columns=["row", "column_name", "flag"])
    return Protected(out, flag_frame, encrypted)


def mask_free_text(texts: pd.Series) -> tuple[pd.Series, dict[str, pd.Series]]:
    """(`texts` with every masker of MASKERS applied, {flag: per-row "masked"} for the flags that hit)."""
    strings = arrow_strings(texts)      # converted once, again only after a masker changed something
    hits = {}
    for flag, mask in MASKERS:
        masked, flagged = mask(texts, strings)
        if flagged.any():
            texts, hits[flag] = masked, flagged
            strings = arrow_strings(texts)
    return texts, hits


def conceal(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """`frame` with ciphertext tokens in `columns` shown as ``[encrypted <kid>]``, for previews.

    Full tokens in Dagster's event log could never be re-encrypted by a key rotation (the log
    is append-only), so previews show which key encrypts, not the ciphertext.
    """
    out = frame.copy()
    for column in columns:
        if column not in out.columns:
            continue
        values = out[column]
        tokens = is_encrypted(values).to_numpy()
        if tokens.any():
            kids = values[tokens].astype(str).str.slice(len(PREFIX)).str.split(":", n=1).str[0]
            shown = values.astype(object).copy()
            shown[tokens] = ("[encrypted " + kids + "]").to_numpy()
            out[column] = shown
        elif values.notna().any():
            out[column] = values.where(values.isna(), "[withheld]")
    return out


def _is_text(s: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s)
