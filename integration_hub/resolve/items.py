"""Master items: one golden item per real product, matched on its SKU across systems.

A SKU is an identifier, not a description: two systems selling the same product spell its
SKU differently (`AB-1001`, `ab 1001`, `AB1001`) but do not give two products one SKU. So
items match when their SKUs agree once case, spaces and separators are set aside, never on
names (two products named "Widget" are not one). Survivorship takes each field from the
first system in `precedence` that has it (the system of record), else from the earliest
record; the crosswalk maps every source item to its master, one representative per master.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from integration_hub.canonical import registry
from integration_hub.resolve.master import CROSSWALK_COLUMNS

MASTER_ITEM_SYSTEM = "master_item"
_SEPARATORS = re.compile(r"[^0-9A-Z]+")


@dataclass
class MasterItems:
    golden: pd.DataFrame       # canonical item records, external_id master_item:<key>
    crosswalk: pd.DataFrame    # CROSSWALK_COLUMNS


def sku_key(skus: pd.Series) -> pd.Series:
    """The matching key of each SKU: upper case, only letters and digits; NA when none is left."""
    key = skus.astype("string").str.upper().str.replace(_SEPARATORS, "", regex=True)
    return key.where(key.str.len() > 0)


def resolve_items(items: pd.DataFrame, precedence: tuple[str, ...] = ()) -> MasterItems:
    """`items`: canonical item records of every system. Items without a usable SKU stay masters
    of their own (keyed by their external id), so nothing is merged on a guess."""
    columns = list(registry.get("item").all_columns)
    if items.empty:
        return MasterItems(pd.DataFrame(columns=columns), pd.DataFrame(columns=CROSSWALK_COLUMNS))
    rank = {s: i for i, s in enumerate(precedence)}
    frame = items.assign(_key=sku_key(items["sku"]),
                         _rank=items["source_system"].map(rank).fillna(len(rank)).astype(int))
    frame["_key"] = frame["_key"].fillna("ID" + frame["external_id"].astype(str))
    frame = frame.sort_values(["_key", "_rank", "created_at", "external_id"], na_position="last", kind="stable")
    master_id = frame["_key"]
    representative = ~master_id.duplicated()
    merged_with = frame.groupby("_key")["external_id"].transform("first")
    crosswalk = pd.DataFrame({
        "source_external_id": frame["external_id"].to_numpy(), "source_system": frame["source_system"].to_numpy(),
        "source_id": frame["source_id"].to_numpy(), "master_id": master_id.to_numpy(),
        "master_external_id": (MASTER_ITEM_SYSTEM + ":" + master_id).to_numpy(),
        "representative": representative.to_numpy(), "match_confidence": 1.0,
        "evidence": ["system of record" if r else f"same SKU as {m}"
                     for r, m in zip(representative, merged_with)]})
    price = ["unit_price_minor", "currency"]
    fields = [c for c in columns if c not in ("external_id", "source_system", "source_id", *price)]
    # Each field from the best-ranked record that has it (groupby.first skips missing values); a
    # price and its currency come together, from the best-ranked record with a price.
    golden = frame.groupby("_key", sort=True)[fields].first()
    priced = frame[frame["unit_price_minor"].notna()].drop_duplicates("_key").set_index("_key")[price]
    golden = golden.join(priced).reset_index()
    golden.insert(0, "source_id", golden.pop("_key"))
    golden.insert(0, "source_system", MASTER_ITEM_SYSTEM)
    golden.insert(0, "external_id", MASTER_ITEM_SYSTEM + ":" + golden["source_id"])
    golden["sku"] = frame[representative].set_index("_key")["sku"].reindex(golden["source_id"]).to_numpy()
    return MasterItems(golden[columns].reset_index(drop=True), crosswalk[CROSSWALK_COLUMNS].reset_index(drop=True))
