"""Keyed hashes of the vendors' tax ids and bank accounts, for master vendors to compare.

A tax id or bank account is ciphertext from extraction on and only its mask is mapped, so the
mapped vendor cannot be matched on it. The master vendors asset reads the feed's extracted
ciphertext, decrypts it in memory and keeps only a keyed hash (security.keyed_hash) per record:
the plaintext is never stored, logged or handed to the resolver. Which extracted column holds
a vendor's tax id follows from its mapping spec: the column whose mask maps to `tax_id_mask`
(`<column>_mask`, derived at extraction from the sensitive `<column>`).
"""
from __future__ import annotations

import pandas as pd

from integration_hub.mapping.systems import EntityDeclaration
from integration_hub.resolve.vendors import BANK_ACCOUNT_HASH, TAX_ID_HASH
from integration_hub.security.fields import decrypt_series
from integration_hub.security.keyed_hash import keyed_hashes
from integration_hub.security.protect import field_context
from integration_hub.standardize.frame import ROW

# canonical mask -> (hash column beside it, keyed-hash purpose)
IDENTIFIERS = {"tax_id_mask": (TAX_ID_HASH, "tax_id"), "bank_account_mask": (BANK_ACCOUNT_HASH, "bank_account")}
_MASK = "_mask"


def sensitive_identifiers(entity: EntityDeclaration) -> dict[str, str]:
    """Hash column -> the entity's sensitive column it is made from (none when the feed sends none)."""
    lineage = entity.mapping.column_lineage()
    out = {}
    for mask, (hashed, _) in IDENTIFIERS.items():
        sources = [s for s in lineage.get(mask, []) if s.endswith(_MASK) and s[:-len(_MASK)] in entity.sensitive]
        if sources:
            out[hashed] = sources[0][:-len(_MASK)]
    return out


def identifier_hashes(entity: EntityDeclaration, extracted: pd.DataFrame, keyring) -> pd.DataFrame:
    """ROW and one keyed-hash column per identifier the feed sends, one row per extracted record."""
    out = pd.DataFrame({ROW: extracted[ROW].to_numpy()}) if ROW in extracted else pd.DataFrame({ROW: []})
    for hashed, column in sensitive_identifiers(entity).items():
        purpose = next(p for h, p in IDENTIFIERS.values() if h == hashed)
        if column not in extracted or extracted.empty:
            out[hashed] = pd.Series(pd.NA, index=out.index, dtype="string")
            continue
        plain = decrypt_series(extracted[column], field_context(entity.system, entity.name, column), keyring)
        out[hashed] = keyed_hashes(plain, purpose, keyring).to_numpy()
        del plain
    return out


def with_identifier_hashes(mapped: pd.DataFrame, hashes: pd.DataFrame) -> pd.DataFrame:
    """`mapped` vendors with their records' keyed hashes (joined on the source row)."""
    columns = [c for c in hashes.columns if c != ROW]
    if not columns or ROW not in mapped:
        return mapped
    joined = mapped.merge(hashes.drop_duplicates(ROW), on=ROW, how="left")
    return joined.astype({c: "string" for c in columns})
