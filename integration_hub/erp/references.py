"""References between canonical records at load time: re-keying to masters, and what may load.

An invoice or payment names its customer by source id; with master data on, that id is
re-keyed to the master the customer resolved into, through every crosswalk the hub store
holds (not only this run's), and then must name a customer the ERP holds. The same holds for
every reference a canonical declaration makes (an order line's item, a customer's parent).

A system that knows a product only by its SKU (ShipBob's stock and fulfilment lines) names it
`sku:<SKU>`: that reference resolves to the master item whose SKU is the same once case, spaces
and separators are set aside (resolve.items.sku_key, what master items match on), so warehouse
stock and the shop's order lines name one ERP item. A SKU no master item holds stays as it is and
is held back as `item_external_id.exists_in_erp`.
"""
from __future__ import annotations

import pandas as pd

from integration_hub.canonical import registry
from integration_hub.canonical.registry import CanonicalEntity
from integration_hub.gates.business_rules import PARENTAGE
from integration_hub.resolve.items import MASTER_ITEM_SYSTEM, sku_key

EXISTS_IN_ERP = ".exists_in_erp"      # <column>.exists_in_erp: the record it names is not in the ERP
HIERARCHY_CYCLE = ".cycle"             # <column>.cycle: a record is its own ancestor
CUSTOMER_IN_ERP = "customer_external_id" + EXISTS_IN_ERP
SKU_PREFIX = "sku:"                    # a reference by SKU alone: sku:<SKU>
_MASTER_ITEM = MASTER_ITEM_SYSTEM + ":"
_SKU_KEY = r"^[0-9A-Z]+$"              # a master item keyed by SKU (one without is keyed "ID<external id>")
# Rules a later run can satisfy without the record changing (its customer, charge or invoice
# arrives later): a record held for one of them keeps the incremental cursor from passing it.
FIXABLE_RULES = frozenset({
    *(column + EXISTS_IN_ERP for declared in registry.all_entities().values() for column in declared.references),
    *(link.exists for link in PARENTAGE.values())})


def reference_rejects(frame: pd.DataFrame, declared: CanonicalEntity, known: dict[str, set[str]]) -> pd.Series:
    """Rule broken per row ('' when none): a record must not name a record the ERP does not hold
    (`known`: per reference column, the external ids it may name), nor be its own ancestor."""
    reasons = pd.Series("", index=frame.index, dtype="string")
    for column, allowed in known.items():
        if column not in frame:
            continue
        ref = frame[column]
        reasons[(reasons == "") & ref.notna() & ~ref.isin(allowed)] = column + EXISTS_IN_ERP
    if declared.self_reference and declared.self_reference in frame:
        cyclic = _in_cycles(frame, declared.self_reference)
        reasons[(reasons == "") & frame["external_id"].isin(cyclic)] = declared.self_reference + HIERARCHY_CYCLE
    return reasons


def _in_cycles(frame: pd.DataFrame, column: str) -> set[str]:
    parent = dict(zip(frame["external_id"], frame[column].where(frame[column].notna(), None)))
    cyclic: set[str] = set()
    for start in parent:
        seen, node = [], start
        while node is not None and node in parent and node not in seen:
            seen.append(node)
            node = parent[node]
        if node is not None and node in seen:
            cyclic.update(seen[seen.index(node):])
    return cyclic


def in_hierarchy_order(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """`frame` with every record after the record its `column` names (parents before children),
    otherwise in its own order; a target that resolves the parent while writing needs it."""
    if frame.empty or frame[column].isna().all():
        return frame
    parent = dict(zip(frame["external_id"], frame[column].where(frame[column].notna(), None)))
    depth: dict[str, int] = {}

    def level(node: str, guard: int = 0) -> int:
        if node not in depth:
            up = parent.get(node)
            depth[node] = 0 if up is None or up not in parent or guard > len(parent) else level(up, guard + 1) + 1
        return depth[node]

    levels = frame["external_id"].map(level)
    return frame.iloc[levels.argsort(kind="stable")]


def master_keys(persisted: pd.DataFrame, current: pd.DataFrame | None) -> pd.Series:
    """source_external_id -> master_external_id over every run's crosswalk; this run's wins. Each
    master item keyed by a SKU is also named `sku:<SKU key>` (see to_masters)."""
    frames = [f[["source_external_id", "master_external_id"]] for f in (current, persisted)
              if f is not None and len(f)]
    if not frames:
        return pd.Series(dtype="string")
    both = pd.concat(frames, ignore_index=True).drop_duplicates("source_external_id")
    keys = both.set_index("source_external_id")["master_external_id"]
    masters = pd.Series(keys.unique(), dtype="string")
    items = masters[masters.str.startswith(_MASTER_ITEM)]
    skus = items.str[len(_MASTER_ITEM):]
    by_sku = pd.Series(items.to_numpy(), index=(SKU_PREFIX + skus).to_numpy())[skus.str.fullmatch(_SKU_KEY).to_numpy()]
    by_sku = by_sku[~by_sku.index.isin(keys.index)]
    return pd.concat([keys, by_sku.astype(keys.dtype)]) if len(by_sku) else keys


def sku_reference_key(references: pd.Series) -> pd.Series:
    """`sku:<SKU>` references as `sku:<SKU key>` (how master_keys names master items); others as they are."""
    ref = references.astype("string")
    by_sku = ref.str.startswith(SKU_PREFIX).fillna(False).astype(bool)
    if not by_sku.any():
        return ref
    return ref.where(~by_sku, SKU_PREFIX + sku_key(ref.str[len(SKU_PREFIX):]))


def to_masters(frame: pd.DataFrame, keys: pd.Series, columns=("customer_external_id",)) -> pd.DataFrame:
    """`frame` with each reference in `columns` re-keyed to its master where a crosswalk knows it
    (a `sku:<SKU>` reference to the master item of that SKU)."""
    present = [c for c in columns if c in frame]
    if not present or keys.empty:
        return frame
    return frame.assign(**{c: sku_reference_key(frame[c]).map(keys).fillna(frame[c]).astype(frame[c].dtype)
                           for c in present})
