"""Master customers from canonical customer records of several systems: golden records + crosswalk.

The pipeline's bridge to the resolver: canonical customer columns become resolver roles, the
golden records come back as canonical customers keyed by master id, and every source record gets
one crosswalk row saying which master it belongs to and whether it is that master's
representative (the record the master id derives from) or was merged into it.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from integration_hub.canonical import registry
from integration_hub.resolve.engine import ResolverConfig, resolve
from integration_hub.resolve.records import UPDATED_AT, records_from

# canonical customer column -> resolver role
CUSTOMER_ROLES = {"company": "name", "email": "email", "phone": "phone", "street": "address_line1",
                  "address_line2": "address_line2", "city": "city", "region": "region",
                  "postal_code": "postal_code", "country": "country"}
CROSSWALK_COLUMNS = ["source_external_id", "source_system", "source_id", "master_id", "master_external_id",
                     "representative", "match_confidence", "evidence"]
MASTER_SYSTEM = "master"


@dataclass
class MasterCustomers:
    golden: pd.DataFrame       # canonical customers, external_id "master:<master id>"; + records, systems, field_sources
    crosswalk: pd.DataFrame    # CROSSWALK_COLUMNS, one row per source customer
    review: pd.DataFrame       # pairs left apart for a person to decide
    stats: dict


def _records(customers: pd.DataFrame, roles_of: dict[str, str] = CUSTOMER_ROLES) -> pd.DataFrame:
    """The record model of canonical records (customers, vendors): `roles_of` maps role -> column."""
    frames = []
    for system, frame in customers.groupby("source_system", sort=True):
        roles = {role: column for role, column in roles_of.items() if column in frame}
        records = records_from(frame.reset_index(drop=True), roles, system=str(system), id_column="source_id")
        # UTC, naive for numpy: survivorship ranks by it, and an export may leave some (or all) blank.
        records[UPDATED_AT] = pd.to_datetime(frame["created_at"], utc=True).dt.tz_convert(None).to_numpy()
        frames.append(records)
    return pd.concat(frames, ignore_index=True)


def resolve_customers(customers: pd.DataFrame, config: ResolverConfig | None = None) -> MasterCustomers:
    """`customers`: canonical customer records of every system (source_system, source_id unique per system)."""
    if customers.empty:
        empty = pd.DataFrame(columns=list(registry.get("customer").all_columns))
        return MasterCustomers(empty, pd.DataFrame(columns=CROSSWALK_COLUMNS), pd.DataFrame(), {"records": 0})
    records = _records(customers)
    resolution = resolve(records, config)
    crosswalk = resolution.crosswalk.rename(columns={"record_key": "source_external_id", "system": "source_system"})
    first_key = crosswalk.groupby("master_id")["source_external_id"].transform("min")
    crosswalk["representative"] = crosswalk["source_external_id"] == first_key
    crosswalk["master_external_id"] = MASTER_SYSTEM + ":" + crosswalk["master_id"]
    by_id = customers.set_index("external_id")
    members = crosswalk.join(by_id[["currency", "created_at", "parent_external_id"]], on="source_external_id")
    extra = members.sort_values("source_external_id").groupby("master_id").agg(
        currency=("currency", "first"), created_at=("created_at", "min"),
        parent_external_id=("parent_external_id", "first"))
    golden = resolution.golden.join(extra, on="master_id")
    person = (golden["first_name"].fillna("") + " " + golden["last_name"].fillna("")).str.strip().replace("", pd.NA)
    canonical = pd.DataFrame({
        "external_id": MASTER_SYSTEM + ":" + golden["master_id"], "source_system": MASTER_SYSTEM,
        "source_id": golden["master_id"],
        "name": golden["company"].fillna(golden["full_name"]).fillna(person),
        "email": golden["email"], "phone": golden["phone"], "address_line1": golden["street"],
        "address_line2": golden["address_line2"], "city": golden["city"], "region": golden["region"],
        "postal_code": golden["postal_code"], "country": golden["country"],
        "currency": golden["currency"], "created_at": golden["created_at"],
        # a member's parent account, by its source id: re-keyed to the parent's master when loaded
        "parent_external_id": golden["parent_external_id"],
    })
    canonical = canonical.astype({c: "string" for c in canonical.columns if c != "created_at"})
    canonical[["records", "systems", "field_sources"]] = golden[["records", "systems", "field_sources"]].to_numpy()
    return MasterCustomers(golden=canonical, crosswalk=crosswalk[CROSSWALK_COLUMNS], review=resolution.review,
                           stats=resolution.stats)
