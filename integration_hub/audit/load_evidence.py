"""What an ERP load leaves behind for an auditor: set fingerprints and record-level lineage rows.

Dagster-free: the `erp/<entity>/loaded` asset gathers the inputs (what was sent, what the
ERP answered, where each source row came from, which gates passed) and these functions turn
them into the audit entry's fingerprints and the lineage table's rows, column-wise, so a
load of hundreds of thousands of records costs seconds rather than minutes.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from integration_hub.audit.chain import canonical_json
from integration_hub.connectors.exports import EXTRACTED_AT, ORIGIN, ROW
from integration_hub.mapping.spec import MappingSpec

WRITTEN = ("created", "updated")


def set_fingerprint(frame: pd.DataFrame, columns: Sequence[str]) -> str | None:
    """sha256 of a record set's content, independent of row order and of load bookkeeping columns.

    None for an empty set (nothing existed before a first load). Two loads that leave the
    same records with the same values give the same fingerprint, so an idempotent re-run
    shows before == after in the trail.
    """
    if frame is None or frame.empty:
        return None
    present = frame[[c for c in columns if c in frame.columns]]
    # Order-free without sorting the frame: hash each row, sort the 64-bit row hashes.
    rows = np.sort(pd.util.hash_pandas_object(present, index=False, categorize=False).to_numpy())
    digest = hashlib.sha256(canonical_json([[str(c), str(t)] for c, t in present.dtypes.items()]).encode())
    digest.update(rows.tobytes())
    return digest.hexdigest()


def field_rules(spec: MappingSpec) -> dict[str, str]:
    """Canonical field -> the rule that produced it, as the mapping spec describes it."""
    return {rule.target: rule.describe() for rule in spec.fields}


def merge_evidence(merges: pd.DataFrame | None) -> dict[str, list[dict[str, Any]]]:
    """Source id -> the rows folded into it (row number and reason), from the hub store's merges."""
    if merges is None or merges.empty:
        return {}
    evidence: dict[str, list[dict[str, Any]]] = {}
    for source_id, row, reason in merges[["merged_into", "row_number", "reason"]].itertuples(index=False):
        evidence.setdefault(str(source_id), []).append(
            {"row": None if pd.isna(row) else int(row), "reason": str(reason)})
    return evidence


def lineage_rows(sent: pd.DataFrame, outcome: pd.DataFrame, *, erp_entity: str, source_entity: str,
                 spec: MappingSpec, run_id: str, gates: list[dict[str, Any]],
                 origins: pd.DataFrame | None = None, merges: pd.DataFrame | None = None) -> pd.DataFrame:
    """One lineage row per record this load wrote (outcome created or updated).

    `sent` holds the mapped records sent (external_id, source_system, source_id and the source
    row number in `_row`); `outcome` is the target's answer per external_id. `origins` is the
    extracted dataset's `_row`, `_origin`, `_extracted_at` (file or URL, extraction time).
    Unchanged records keep the lineage of the run that wrote them: the ERP value did not
    come from this run, and recording them again would grow the table by a full copy per sync.
    """
    written = outcome.loc[outcome["outcome"].isin(WRITTEN), "external_id"]
    rows = sent[sent["external_id"].isin(written)]
    out = pd.DataFrame({
        "erp_entity": erp_entity, "external_id": rows["external_id"].to_numpy(),
        "source_system": rows["source_system"].to_numpy(), "source_entity": source_entity,
        "source_id": rows["source_id"].to_numpy(),
        "source_row": rows[ROW].to_numpy() if ROW in rows else None,
        "mapping_version": spec.version_tag, "run_id": run_id,
    })
    rules, passed = field_rules(spec), list(gates)
    # One shared object per column: the lineage writer serializes each distinct object once.
    out["field_rules"] = pd.Series([rules] * len(out), dtype=object)
    out["gates_passed"] = pd.Series([passed] * len(out), dtype=object)
    if origins is not None and len(out) and ROW in rows:
        where = origins.drop_duplicates(ROW).set_index(ROW)
        out["origin"] = where[ORIGIN].reindex(rows[ROW].to_numpy()).to_numpy() if ORIGIN in where else None
        if EXTRACTED_AT in where:
            out["extracted_at"] = where[EXTRACTED_AT].reindex(rows[ROW].to_numpy()).to_numpy()
    evidence = merge_evidence(merges)
    if evidence:
        out["merge_evidence"] = out["source_id"].map(lambda s: evidence.get(str(s)))
    return out


def load_details(counts: dict[str, int], versions: dict[str, str], *, run_id: str, lineage_rows: int,
                 payment_applications: int | None = None) -> dict[str, Any]:
    """The details of an "erp.load" audit entry: counts per outcome, mapping versions per source, run."""
    details: dict[str, Any] = {"run_id": run_id, "records": dict(sorted(counts.items())),
                               "mapping_versions": dict(sorted(versions.items())), "lineage_rows": lineage_rows}
    if payment_applications is not None:
        details["payment_applications"] = payment_applications
    return details
