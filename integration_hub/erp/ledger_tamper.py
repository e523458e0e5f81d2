"""Edits of the SQL ledger made outside the hub: found, reported as tampering, repaired by the next load.

Every row the hub writes carries the fingerprint of its content (ledger_rules.prepare), so
a row whose stored content no longer hashes to its fingerprint was changed behind the
hub's back (an UPDATE in a SQL console, a script, an ERP screen). `find_tampered` reads
the ledger back and recomputes; it cannot say which column changed, since only the whole
record's hash is kept. The next load that sends the record compares the stored content
column by column (bulk.edited), rewrites it to the hub's value and names the columns in
its outcome message, which `repairs` reads back.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from integration_hub.canonical import registry
from integration_hub.erp.base import LoadOutcome
from integration_hub.erp.ledger_rules import prepare

if TYPE_CHECKING:
    from integration_hub.audit.chain import AuditTrail, Entry
    from integration_hub.erp.ledger import SqlLedger

TAMPER_COLUMNS = ["entity", "external_id", "detail"]
EDITED = ("stored content no longer matches the fingerprint the hub wrote: edited outside the hub "
          "(which column is not recorded; the next load that sends it names and repairs it)")
_REPAIRED, _REPAIRED_END = "repaired: ", " edited in the ERP outside the hub; rewritten to the hub's value"
AUDIT_SAMPLE = 200   # external ids named per entity in an audit entry


def repair_message(columns: Iterable[str]) -> str:
    """The outcome message of a record a load rewrote because it had been edited in place."""
    return f"{_REPAIRED}{', '.join(columns)}{_REPAIRED_END}"


def repairs(outcome: pd.DataFrame) -> pd.DataFrame:
    """The records of an upsert outcome that were repairs: external_id and the edited columns."""
    message = outcome["message"].fillna("").astype(str)
    repaired = outcome[(outcome["outcome"] == LoadOutcome.UPDATED.value) & message.str.startswith(_REPAIRED)
                       & message.str.endswith(_REPAIRED_END)]
    columns = repaired["message"].str.slice(len(_REPAIRED), -len(_REPAIRED_END))
    return pd.DataFrame({"external_id": repaired["external_id"].to_numpy(), "columns": columns.to_numpy()})


def find_tampered(ledger: SqlLedger, entities: Iterable[str] = tuple(registry.all_entities())) -> pd.DataFrame:
    """Stored records that are not what the hub wrote (TAMPER_COLUMNS), in entity then key order.

    A record whose stored values break a rule every load keeps (a NULL currency, say) is named
    with that rule; the others are those whose content hashes to another fingerprint.
    """
    found = []
    for entity in entities:
        held, stored = ledger.read_fingerprinted(entity)
        if held.empty:
            continue
        accepted, verdicts = prepare(registry.get(entity), held)
        recomputed = np.full(len(held), None, dtype=object)
        recomputed[accepted.index.to_numpy()] = accepted["content_hash"].to_numpy()
        rejected = (verdicts["outcome"] == LoadOutcome.REJECTED.value).to_numpy()
        edited = ~rejected & (recomputed != stored.to_numpy())
        detail = np.where(rejected, "stored content breaks a ledger rule: " + verdicts["message"].astype(str), EDITED)
        bad = rejected | edited
        found.append(pd.DataFrame({"entity": entity, "external_id": held["external_id"].to_numpy()[bad],
                                   "detail": detail[bad]}))
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=TAMPER_COLUMNS)


def record_tampering(trail: AuditTrail, actor: str, found: pd.DataFrame) -> Entry | None:
    """An "erp.tamper_detected" audit entry naming the tampered records (up to AUDIT_SAMPLE per entity)."""
    if found.empty:
        return None
    by_entity = {entity: ids.head(AUDIT_SAMPLE).tolist() for entity, ids in found.groupby("entity")["external_id"]}
    return trail.append(actor, "erp.tamper_detected", "erp", details={
        "records": len(found), "by_entity": by_entity,
        "truncated": bool((found["entity"].value_counts() > AUDIT_SAMPLE).any())})


def record_repairs(trail: AuditTrail, actor: str, entity: str, outcome: pd.DataFrame, *, run_id: str) -> Entry | None:
    """An "erp.tamper_repaired" audit entry for the records this load rewrote over an outside edit."""
    repaired = repairs(outcome)
    if repaired.empty:
        return None
    sample = repaired.head(AUDIT_SAMPLE)
    return trail.append(actor, "erp.tamper_repaired", f"erp/{registry.get(entity).table}", details={
        "run_id": run_id, "records": len(repaired), "truncated": len(repaired) > AUDIT_SAMPLE,
        "repaired": dict(zip(sample["external_id"], sample["columns"]))})
