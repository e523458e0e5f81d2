"""Master vendors: one golden vendor per real supplier across systems, with its crosswalk.

The customer resolver's machinery (blocking, Fellegi-Sunter scoring, clustering, survivorship)
on vendor roles: the name (legal form set aside: "Acme Industrial Supply, Inc." and "ACME
Industrial Supply" are one name), address, e-mail and phone, plus the tax id and the bank
account, which the resolver only ever sees as keyed hashes (security.keyed_hash), never as
plaintext. Agreeing tax ids are near proof; different ones are a conflict the clustering never
joins across, so two suppliers with similar names and different tax ids stay two vendors. A
bank account agreeing counts for a match, one differing only against it (a supplier changes banks).

The golden vendor is a canonical vendor keyed "master:<master id>" (the customers' form, so the
hub store's crosswalk and continuity serve both); its masks come from the record whose tax id
and bank account survived.
"""
from __future__ import annotations

import pandas as pd

from integration_hub.canonical import registry
from integration_hub.resolve.engine import ResolverConfig, resolve
from integration_hub.resolve.master import CROSSWALK_COLUMNS, MASTER_SYSTEM, MasterCustomers, _records
from integration_hub.resolve.records import prepare

TAX_ID_HASH, BANK_ACCOUNT_HASH = "tax_id_hash", "bank_account_hash"
# canonical vendor column (or keyed hash beside it) -> resolver role
VENDOR_ROLES = {"company": "name", "email": "email", "phone": "phone", "street": "address_line1",
                "address_line2": "address_line2", "city": "city", "region": "region",
                "postal_code": "postal_code", "country": "country", "tax_id": TAX_ID_HASH,
                "bank_account": BANK_ACCOUNT_HASH}
MasterVendors = MasterCustomers     # golden, crosswalk, review, stats: the same shape


def vendor_columns() -> list[str]:
    return list(registry.get("vendor").all_columns)


def _identifier(values: pd.Series) -> pd.Series:
    """A keyed hash as the resolver keys it (prepare folds identifiers to letters and digits)."""
    return prepare(pd.DataFrame({"tax_id": values.astype("string")}, index=values.index))["tax_id"]


def _surviving_mask(golden: pd.DataFrame, members: pd.DataFrame, role: str, hashes: str, mask: str) -> pd.Series:
    """Per master, the mask of a member whose hash is the golden one (the record survivorship chose),
    else the first mask any member has."""
    keyed = members.assign(_key=_identifier(members[hashes]) if hashes in members else pd.NA)
    chosen = golden[["master_id", role]].merge(keyed[["master_id", "_key", mask]].dropna(subset=["_key"]),
                                               left_on=["master_id", role], right_on=["master_id", "_key"])
    first = keyed.dropna(subset=[mask]).groupby("master_id")[mask].first()
    picked = chosen.dropna(subset=[mask]).drop_duplicates("master_id").set_index("master_id")[mask]
    return golden["master_id"].map(picked.combine_first(first))


def resolve_vendors(vendors: pd.DataFrame, config: ResolverConfig | None = None) -> MasterVendors:
    """`vendors`: canonical vendor records of every system (source_system, source_id unique per
    system), optionally with TAX_ID_HASH and BANK_ACCOUNT_HASH: keyed hashes, never plaintext."""
    columns = vendor_columns()
    if vendors.empty:
        return MasterVendors(pd.DataFrame(columns=columns), pd.DataFrame(columns=CROSSWALK_COLUMNS),
                             pd.DataFrame(), {"records": 0})
    for column in (TAX_ID_HASH, BANK_ACCOUNT_HASH):
        if column in vendors:
            plain = vendors[column].notna() & ~vendors[column].astype("string").str.startswith("hmac:").fillna(False)
            if plain.any():
                raise ValueError(f"{column} must hold keyed hashes (security.keyed_hash), not plaintext: "
                                 f"{int(plain.sum())} value(s) are not")
    records = _records(vendors, VENDOR_ROLES)
    resolution = resolve(records, config)
    crosswalk = resolution.crosswalk.rename(columns={"record_key": "source_external_id", "system": "source_system"})
    first_key = crosswalk.groupby("master_id")["source_external_id"].transform("min")
    crosswalk["representative"] = crosswalk["source_external_id"] == first_key
    crosswalk["master_external_id"] = MASTER_SYSTEM + ":" + crosswalk["master_id"]
    carried = ["currency", "payment_terms", "status", "created_at", "tax_id_mask", "bank_account_mask",
               *[c for c in (TAX_ID_HASH, BANK_ACCOUNT_HASH) if c in vendors]]
    members = crosswalk.join(vendors.set_index("external_id")[carried], on="source_external_id") \
        .sort_values("source_external_id")
    extra = members.groupby("master_id").agg(currency=("currency", "first"), payment_terms=("payment_terms", "first"),
                                             status=("status", "first"), created_at=("created_at", "min"))
    golden = resolution.golden.join(extra, on="master_id")
    canonical = pd.DataFrame({
        "external_id": MASTER_SYSTEM + ":" + golden["master_id"], "source_system": MASTER_SYSTEM,
        "source_id": golden["master_id"], "name": golden["company"].fillna(golden["full_name"]),
        "tax_id_mask": _surviving_mask(golden, members, "tax_id", TAX_ID_HASH, "tax_id_mask"),
        "bank_account_mask": _surviving_mask(golden, members, "bank_account", BANK_ACCOUNT_HASH, "bank_account_mask"),
        "email": golden["email"], "phone": golden["phone"], "address_line1": golden["street"],
        "address_line2": golden["address_line2"], "city": golden["city"], "region": golden["region"],
        "postal_code": golden["postal_code"], "country": golden["country"], "currency": golden["currency"],
        "payment_terms": golden["payment_terms"], "status": golden["status"], "created_at": golden["created_at"],
    })
    canonical = canonical.astype({c: "string" for c in canonical.columns if c != "created_at"})
    canonical[["records", "systems", "field_sources"]] = golden[["records", "systems", "field_sources"]].to_numpy()
    return MasterVendors(golden=canonical.reset_index(drop=True), crosswalk=crosswalk[CROSSWALK_COLUMNS],
                         review=resolution.review, stats=resolution.stats)
