"""The lines a document load hands its target, so an ERP that wants a document created with its
lines (a NetSuite sales order needs an item line) gets them with the document.

They are the line feeds' mapped records as the line load will send them: re-keyed to masters
(a line's item to its master item) and without the lines the line load will hold back for a
record the ERP does not hold (an item not loaded). The line load still judges, reports,
quarantines and traces every line; these are only what a create may carry.
"""
from __future__ import annotations

import pandas as pd

from integration_hub.canonical import registry
from integration_hub.erp.base import ErpTarget
from integration_hub.erp.references import reference_rejects, to_masters


def lines_for(canonical: str, frames: list[pd.DataFrame], target: ErpTarget,
              master_keys: pd.Series | None, mastered: tuple[str, ...]) -> pd.DataFrame | None:
    """The usable lines of `canonical`'s line entity among the line feeds' `frames` (None when
    the entity has no lines); `mastered`: entities whose references are re-keyed to masters."""
    name = registry.get(canonical).lines
    if name is None:
        return None
    declared = registry.get(name)
    frames = [f.loc[:, list(declared.all_columns)] for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=list(declared.all_columns))
    lines = pd.concat(frames, ignore_index=True)
    if master_keys is not None:
        lines = to_masters(lines, master_keys, [c for c, e in declared.references.items() if e in mastered])
    # The parent is the document being loaded now; every other reference must be in the ERP.
    known = {}
    for column, entity in declared.references.items():
        if column == declared.parent:
            continue
        named = lines[column].dropna().unique()
        known[column] = set(target.read_back(entity, external_ids=list(named))["external_id"]) if len(named) else set()
    return lines[reference_rejects(lines, declared, known) == ""]
