"""References between canonical records at load time: re-keying to masters, and what may load.

An invoice or payment names its customer by source id; with master data on, that id is
re-keyed to the master the customer resolved into, through every crosswalk the hub store
holds (not only this run's), and then must name a customer the ERP holds.
"""
from __future__ import annotations

import pandas as pd

from integration_hub.gates.business_rules import PARENTAGE

CUSTOMER_IN_ERP = "customer_external_id.exists_in_erp"
# Rules a later run can satisfy without the record changing (its customer, charge or invoice
# arrives later): a record held for one of them keeps the incremental cursor from passing it.
FIXABLE_RULES = frozenset({CUSTOMER_IN_ERP, *(link.exists for link in PARENTAGE.values())})


def reference_rejects(frame: pd.DataFrame, known_customers: set[str] | None) -> pd.Series:
    """Rule broken per row ('' when none): a record must not point at a customer the ERP does not hold."""
    reasons = pd.Series("", index=frame.index, dtype="string")
    if known_customers is not None and "customer_external_id" in frame:
        ref = frame["customer_external_id"]
        reasons[ref.notna() & ~ref.isin(known_customers)] = CUSTOMER_IN_ERP
    return reasons


def master_keys(persisted: pd.DataFrame, current: pd.DataFrame | None) -> pd.Series:
    """source_external_id -> master_external_id over every run's crosswalk; this run's wins."""
    frames = [f[["source_external_id", "master_external_id"]] for f in (current, persisted)
              if f is not None and len(f)]
    if not frames:
        return pd.Series(dtype="string")
    both = pd.concat(frames, ignore_index=True).drop_duplicates("source_external_id")
    return both.set_index("source_external_id")["master_external_id"]


def to_masters(frame: pd.DataFrame, keys: pd.Series) -> pd.DataFrame:
    """`frame` with customer_external_id re-keyed to its master where a crosswalk knows it."""
    if "customer_external_id" not in frame or keys.empty:
        return frame
    ref = frame["customer_external_id"]
    return frame.assign(customer_external_id=ref.map(keys).fillna(ref).astype(ref.dtype))
