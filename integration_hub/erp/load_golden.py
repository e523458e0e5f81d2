"""Load golden records (customers, items): one ERP record per master, whichever sources it came from.

Each master is sent once; every source row that resolved into it is accounted for by the
master's outcome (the representative row) or as merged into it (the others), so conservation
holds per source. A golden customer's parent account arrives as a source record's external id and is
re-keyed to the parent's master; a master whose parent no source holds is held back with the
rule it broke, and the source rows behind it are quarantined with that rule.
"""
from __future__ import annotations

import pandas as pd

from integration_hub.canonical import registry
from integration_hub.erp.load import LoadResult, LoadRun, SourceBatch, LoadEvidence, SentBatch
from integration_hub.erp.references import in_hierarchy_order, reference_rejects

def master_version(canonical: str) -> str:
    """The mapping version golden records load with: fields chosen by survivorship (see field_sources)."""
    return f"master.{registry.get(canonical).plural}@resolver"


def load_golden(canonical: str, batches: list[SourceBatch], run: LoadRun, golden: pd.DataFrame,
                crosswalk: pd.DataFrame, persisted_keys: pd.Series) -> LoadResult:
    """`golden`: master/<entity>; `crosswalk`: this run's source -> master rows; `persisted_keys`:
    source -> master external id over every crosswalk the hub store holds (parents resolved earlier)."""
    declared = registry.get(canonical)
    column = declared.self_reference
    reasons = pd.Series("", index=golden.index, dtype="string")
    sendable = golden
    if column:
        keys = pd.concat([crosswalk.set_index("source_external_id")["master_external_id"], persisted_keys])
        keys = keys[~keys.index.duplicated(keep="first")]
        golden = golden.assign(**{column: _parent_masters(golden, keys, column)})
        held_ids = set(run.target.read_back(canonical, external_ids=list(golden[column].dropna().unique()))
                       ["external_id"])
        reasons = reference_rejects(golden, declared, {column: held_ids | set(golden["external_id"])})
        sendable = in_hierarchy_order(golden[reasons == ""], column)
    evidence = LoadEvidence(canonical, run, golden["external_id"])
    outcome = evidence.upsert(sendable, master_version(canonical))
    master_reason = pd.Series(reasons.to_numpy(), index=golden["external_id"].to_numpy())
    for batch in batches:
        keyed, representative = _as_masters(batch.records, crosswalk)
        frame = keyed[representative]
        frame_reasons = pd.Series(master_reason.reindex(frame["external_id"]).fillna("").to_numpy(),
                                  index=frame.index, dtype="string")
        mine = outcome[outcome["external_id"].isin(frame["external_id"])]
        sent = SentBatch(batch, frame, keyed, outcome, frame[frame_reasons != ""], frame_reasons, mine)
        lineage = evidence.lineage_for(sent)
        if len(lineage):
            members = keyed.set_index("source_id")
            lineage["master_id"] = members["master_id"].reindex(lineage["source_id"]).to_numpy()
            lineage["merge_evidence"] = members["merge_evidence"].reindex(lineage["source_id"]).to_numpy()
        evidence.account(sent, lineage)
    return evidence.commit(batches, mapping_versions={b.name: b.entity.mapping.version_tag for b in batches})


def _parent_masters(golden: pd.DataFrame, keys: pd.Series, column: str) -> pd.Series:
    """Each master's parent as the parent's master external id; none where the parent resolved
    into the master itself (a subsidiary merged with its parent is one customer)."""
    parent = golden[column]
    mapped = parent.map(keys).where(parent.notna())
    mapped = mapped.fillna(parent)
    return mapped.where(mapped != golden["external_id"]).astype(object).where(mapped.notna(), None)


def _as_masters(frame: pd.DataFrame, crosswalk: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Source customers re-keyed to their master's external id, and which rows represent their master."""
    cw = crosswalk.set_index("source_external_id")
    members = cw.loc[frame["external_id"]]
    keyed = frame.assign(external_id=members["master_external_id"].to_numpy(),
                         master_id=members["master_id"].to_numpy(), merge_evidence=members["evidence"].to_numpy())
    return keyed, pd.Series(members["representative"].to_numpy(dtype=bool), index=frame.index)
