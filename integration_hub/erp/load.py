"""Load one canonical entity into the ERP: plain Python, no Dagster.

The `erp/<entity>/loaded` asset gathers what a load needs (each feeding source's mapped
records, its extraction cursor, the gates its records passed, where its rows came from) into
SourceBatch values and calls `load_entity`; golden customers go through `load_golden` in
erp/load_golden.py, which shares the evidence steps here. A load:

1. re-keys references to master records (a charge's customer to the master it resolved into);
2. holds back records that name a record the ERP does not hold (`<column>.exists_in_erp`) or
   break a rule spanning records (a refund above its charge), parents before children when an
   entity refers to itself (a customer's parent account);
3. upserts the rest (a document with its lines, for an ERP that creates them together), quarantines
   every reject with its rule, records lineage per record written;
4. commits its evidence as one (lineage, the audit entry, the load journal) and only then
   moves each incremental cursor past what is safely in the ERP.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field

import pandas as pd

from integration_hub.audit.chain import AuditTrail
from integration_hub.audit.lineage import record_lineage, with_lineage
from integration_hub.audit.load_evidence import lineage_rows, load_details, set_fingerprint
from integration_hub.audit.load_journal import begin_load, finish_load, unfinished_loads
from integration_hub.canonical import registry
from integration_hub.connectors.cursors import cursor_values
from integration_hub.erp.base import ErpTarget
from integration_hub.erp.ledger_tamper import record_repairs
from integration_hub.erp.load_lines import lines_for
from integration_hub.erp.references import FIXABLE_RULES, in_hierarchy_order, reference_rejects, to_masters
from integration_hub.gates.business_rules import LIMITS, PARENTAGE, business_rule_rejects, limit_rejects
from integration_hub.mapping.systems import EntityDeclaration
from integration_hub.standardize.frame import ROW

MASTERED = ("customer", "item", "vendor")   # entities whose references are re-keyed to master records


@dataclass
class SourceBatch:
    """One source entity's mapped records for this load, with the evidence about them."""

    entity: EntityDeclaration
    records: pd.DataFrame
    extracted: pd.DataFrame | None = None     # incremental feeds: the extracted rows, for the cursor
    next_cursor: str | None = None            # where the extraction would resume
    gates: list[dict] = field(default_factory=list)
    origins: pd.DataFrame | None = None
    merges: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def name(self) -> str:
        return f"{self.entity.system}__{self.entity.name}"


@dataclass
class LoadRun:
    run_id: str
    actor: str
    target: ErpTarget
    store: object                             # audit.store.HubStore
    log: logging.Logger | logging.LoggerAdapter = logging.getLogger(__name__)


@dataclass
class LoadResult:
    read_back: pd.DataFrame
    counts: dict[str, int]
    lineage_rows: int
    audit_seq: int
    audit_hash: str
    audit_anchor: str
    cursors: dict[str, str | None]
    payment_applications: int | None = None
    dead_runs: list[str] = field(default_factory=list)
    lineage_recovered: int = 0


@dataclass
class SentBatch:
    """What one batch sent and what became of it."""

    batch: SourceBatch
    frame: pd.DataFrame          # its records, as loaded (re-keyed)
    sendable: pd.DataFrame       # those offered to the ERP
    answered: pd.DataFrame       # the target's outcome for them
    rejected: pd.DataFrame       # held back by the hub before the ERP saw them
    reasons: pd.Series           # rule per row of `frame` ('' when none)
    outcome: pd.DataFrame        # outcomes counted for this batch


class LoadEvidence:
    """The parts of a load every path shares: journal, quarantine, lineage, audit entry, cursors."""

    def __init__(self, canonical: str, run: LoadRun, sent_ids: pd.Series, held: pd.DataFrame | None = None):
        """`held`: everything the ERP holds of the entity when the caller has read it already."""
        self.canonical, self.run = canonical, run
        self.declared = registry.get(canonical)
        self.trail = AuditTrail(run.store.engine)
        before = held[held["external_id"].isin(sent_ids)] if held is not None else \
            run.target.read_back(canonical, external_ids=list(sent_ids))
        self.before = set_fingerprint(before, self.declared.all_columns)
        self.journal = begin_load(run.store.engine, run.run_id, canonical)
        self.unfinished = unfinished_loads(run.store.engine, canonical, before=self.journal)
        self.counts: dict[str, int] = {}
        self.loaded_ids: list[pd.Series] = []
        self.lineage: list[pd.DataFrame] = []
        self.held: dict[str, pd.Series] = {}
        self.recovered = 0
        self.started = time.perf_counter()

    def upsert(self, records: pd.DataFrame, mapping_version: str, lines: pd.DataFrame | None = None) -> pd.DataFrame:
        """`lines`: for an entity that declares lines, the lines its documents may be created with."""
        columns = list(self.declared.all_columns)
        if self.declared.lines:
            outcome = self.run.target.upsert_with_lines(self.canonical, records[columns], lines,
                                                        run_id=self.run.run_id, mapping_version=mapping_version)
        else:
            outcome = self.run.target.upsert(self.canonical, records[columns], run_id=self.run.run_id,
                                             mapping_version=mapping_version)
        record_repairs(self.trail, self.run.actor, self.canonical, outcome, run_id=self.run.run_id)
        return outcome

    def account(self, sent: SentBatch, lineage: pd.DataFrame) -> None:
        """Quarantine the batch's rejects, count its outcomes, keep its lineage rows and metrics."""
        batch, reasons, rejected, outcome = sent.batch, sent.reasons, sent.rejected, sent.outcome
        self.held[batch.name] = rejected.loc[reasons[reasons != ""].isin(FIXABLE_RULES), ROW]
        erp_rejected = outcome[outcome["outcome"] == "rejected"]
        bad = pd.DataFrame({
            "external_id": [*rejected["external_id"], *erp_rejected["external_id"]],
            "rule": [*reasons[reasons != ""], *("erp_rejected: " + erp_rejected["message"].astype(str))]})
        records = sent.frame.set_index("external_id").loc[bad["external_id"]]
        self.run.store.add_quarantine(self.run.run_id, batch.entity.system, batch.entity.name, "loaded", pd.DataFrame({
            "source_id": records["source_id"].to_numpy(), "row_number": records[ROW].to_numpy(),
            "rule": bad["rule"].to_numpy(), "column_name": None, "value": bad["external_id"].to_numpy(),
            "record": [r.to_json(date_format="iso") for _, r in records.reset_index().iterrows()]}))
        for name, n in outcome["outcome"].value_counts().items():
            self.counts[name] = self.counts.get(name, 0) + int(n)
        self.counts["rejected"] = self.counts.get("rejected", 0) + len(rejected)
        accepted = outcome.loc[outcome["outcome"] != "rejected", "external_id"]
        self.loaded_ids.append(accepted)
        self.lineage.append(lineage)
        self.run.store.record_metric(self.run.run_id, batch.entity.system, batch.entity.name, "loaded",
                                     rows_in=len(sent.frame), rows_out=len(accepted), quarantined=len(bad),
                                     seconds=time.perf_counter() - self.started)

    def lineage_for(self, sent: SentBatch) -> pd.DataFrame:
        """Lineage rows of what the batch wrote, plus those a dead run wrote and never explained."""
        batch = sent.batch
        kwargs = dict(erp_entity=self.canonical, source_entity=batch.entity.name, spec=batch.entity.mapping,
                      gates=batch.gates, origins=batch.origins, merges=batch.merges)
        rows = [lineage_rows(sent.sendable, sent.answered, run_id=self.run.run_id, **kwargs)]
        if len(self.unfinished):
            orphans = self._without_lineage(sent.sendable, sent.answered)
            rows.append(lineage_rows(sent.sendable, orphans, run_id=self.unfinished["run_id"].iloc[-1], **kwargs))
            self.recovered += len(rows[-1])
        return pd.concat(rows, ignore_index=True)

    def _without_lineage(self, sendable: pd.DataFrame, answered: pd.DataFrame) -> pd.DataFrame:
        """`answered` narrowed to records the ERP holds unchanged that no lineage row explains, marked written."""
        unchanged = answered.loc[answered["outcome"] == "unchanged", "external_id"]
        unchanged = unchanged[unchanged.isin(sendable["external_id"])]
        explained = with_lineage(self.run.store.engine, self.canonical, unchanged.tolist())
        orphans = unchanged[~unchanged.isin(explained)]
        return pd.DataFrame({"external_id": orphans.to_numpy(), "outcome": "created", "message": None})

    def commit(self, batches: list[SourceBatch], *, mapping_versions: dict[str, str],
               applied: pd.DataFrame | None = None) -> LoadResult:
        """Read back what the ERP holds, commit the evidence as one, then move the cursors."""
        run, canonical = self.run, self.canonical
        ids = pd.concat(self.loaded_ids, ignore_index=True) if self.loaded_ids else pd.Series([], dtype="string")
        read_back = run.target.read_back(canonical, external_ids=list(ids))
        lineage = pd.concat(self.lineage, ignore_index=True) if self.lineage else pd.DataFrame()
        after = set_fingerprint(read_back, self.declared.all_columns)
        logged = self._logged_runs() if len(self.unfinished) else set()
        with self.trail.locked() as conn:
            record_lineage(conn, lineage)
            self._complete_dead_loads(after, logged, conn)
            entry = self.trail.append(run.actor, "erp.load", f"erp/{self.declared.plural}", self.before, after,
                                      load_details(self.counts, mapping_versions, run_id=run.run_id,
                                                   lineage_rows=len(lineage),
                                                   payment_applications=None if applied is None else len(applied)),
                                      conn=conn)
            finish_load(conn, self.journal, completed=self.unfinished["id"].tolist())
        cursors = {b.name: _commit_cursor(run, b, self.held.get(b.name, pd.Series(dtype=object)))
                   for b in batches if b.entity.cursor}
        return LoadResult(read_back=read_back, counts=self.counts, lineage_rows=len(lineage), audit_seq=entry.seq,
                          audit_hash=entry.hash, audit_anchor=str(self.trail.anchor()), cursors=cursors,
                          payment_applications=None if applied is None else len(applied),
                          dead_runs=self.unfinished["run_id"].tolist(), lineage_recovered=self.recovered)

    def _logged_runs(self) -> set[str]:
        """Runs with an "erp.load" entry for this entity."""
        entries = self.trail.entries()
        loads = entries[(entries["action"] == "erp.load") & (entries["object"] == f"erp/{self.declared.plural}")]
        return {json.loads(d).get("run_id") for d in loads["details"]}

    def _complete_dead_loads(self, after: str | None, logged: set[str], conn) -> None:
        """An "erp.load" entry for each dead run whose load never wrote one, naming the run that
        completed it; in `conn`'s transaction (the chain's lock held)."""
        for dead in dict.fromkeys(self.unfinished["run_id"]):
            if dead not in logged:
                self.trail.append(self.run.actor, "erp.load", f"erp/{self.declared.plural}", None, after, {
                    "run_id": dead, "completed_by_run": self.run.run_id, "lineage_rows_recovered": self.recovered,
                    "note": "the run died between its ERP writes and its audit entry; completed by a later load"},
                    conn=conn)


def load_entity(canonical: str, batches: list[SourceBatch], run: LoadRun, *,
                master_keys: pd.Series | None = None, lines: list[pd.DataFrame] | None = None) -> LoadResult:
    """Load every source's `canonical` records; `master_keys` (source external id -> master external
    id) re-keys references to mastered entities when master data is on. `lines`: for an entity that
    declares lines (a sales order), the line feeds' mapped records, so that a document can be
    created with its lines; the line entity's own load still loads and accounts for them."""
    declared = registry.get(canonical)
    carried = lines_for(canonical, lines or [], run.target, master_keys, MASTERED)
    frames = {b.name: b.records for b in batches}
    if master_keys is not None:
        mastered = [c for c, e in declared.references.items() if e in MASTERED]
        frames = {name: to_masters(frame, master_keys, mastered) for name, frame in frames.items()}
    sent_ids = pd.concat([f["external_id"] for f in frames.values()], ignore_index=True)
    known = _known_references(run.target, declared, frames)
    reference = {name: reference_rejects(frame, declared, known) for name, frame in frames.items()}
    # The cross-record rules judge against everything the ERP holds: one read serves them and `before`.
    held = run.target.read_back(canonical) if canonical in PARENTAGE or canonical in LIMITS else None
    business = {} if held is None else _business_rejects(run.target, canonical, frames, reference, held)
    evidence = LoadEvidence(canonical, run, sent_ids, held)
    for batch in batches:
        frame = frames[batch.name]
        reasons = reference[batch.name]
        if batch.name in business:
            reasons = reasons.where(reasons != "", business[batch.name])
        sendable = frame[reasons == ""]
        if declared.self_reference:
            sendable = in_hierarchy_order(sendable, declared.self_reference)
        outcome = evidence.upsert(sendable, batch.entity.mapping.version_tag, carried)
        sent = SentBatch(batch, frame, sendable, outcome, frame[reasons != ""], reasons, outcome)
        lineage = evidence.lineage_for(sent)
        if master_keys is not None and len(lineage):
            rules = {**lineage["field_rules"].iloc[0]}
            for column, target in declared.references.items():
                if target in MASTERED and column in rules:
                    rules[column] += f"; then resolved to its master {target} (master/{target}_crosswalk)"
            lineage["field_rules"] = pd.Series([rules] * len(lineage), index=lineage.index, dtype=object)
        evidence.account(sent, lineage)
    applied = run.target.apply_payments(run.run_id) if canonical == "payment" else None
    return evidence.commit(batches, mapping_versions={b.name: b.entity.mapping.version_tag for b in batches},
                           applied=applied)


def _known_references(target: ErpTarget, declared, frames: dict[str, pd.DataFrame]) -> dict[str, set[str]]:
    """Per reference column, the referenced external ids the ERP holds (a self-reference also
    accepts records of this load: parents load before their children)."""
    known = {}
    for column, entity in declared.references.items():
        named = pd.concat([f[column] for f in frames.values() if column in f], ignore_index=True).dropna().unique()
        held = set(target.read_back(entity, external_ids=list(named))["external_id"]) if len(named) else set()
        if entity == declared.name:
            held |= {i for f in frames.values() for i in f["external_id"]}
        known[column] = held
    return known


def _business_rejects(target: ErpTarget, canonical: str, frames: dict[str, pd.DataFrame],
                      reference: dict[str, pd.Series], held: pd.DataFrame) -> dict[str, pd.Series]:
    """Rule broken per row of each feed by the rules that span records (a refund above its charge),
    judged over every feed together and what the ERP `held`; rows already rejected are left out."""
    candidates = {name: frame[reference[name] == ""] for name, frame in frames.items()}
    together = pd.concat(candidates, names=["feed", "row"])
    if canonical in LIMITS:
        link = LIMITS[canonical]
        parents = target.read_back(link.parent_entity, external_ids=list(together[link.reference].dropna().unique()))
        rules = limit_rejects(canonical, together, held, parents)
    else:
        rules = business_rule_rejects(canonical, together, held)
    return {name: rules[rules.index.get_level_values("feed") == name].droplevel("feed").reindex(
        frame.index, fill_value="") for name, frame in frames.items()}


def _commit_cursor(run: LoadRun, batch: SourceBatch, held: pd.Series) -> str | None:
    """Advance an incremental cursor only over records that are safely in the ERP.

    A record held back for a rule a later run can satisfy (its customer not yet in the ERP)
    keeps the cursor at its own position, so the next run fetches it again; the source's
    inclusive cursor makes the records re-read beside it harmless (upsert by external id)."""
    entity, extracted = batch.entity, batch.extracted
    target = str(batch.next_cursor or "") or None
    if len(held) and extracted is not None and entity.cursor in extracted:
        positions = cursor_values(extracted.loc[extracted[ROW].isin(held), entity.cursor]).dropna()
        if len(positions):
            hold = int(positions.min())
            target = str(min(hold, int(target))) if target else str(hold)
            run.log.warning(f"{entity.system}/{entity.name}: cursor held at {target}: {len(held)} records "
                            "quarantined for a reason a later run can fix are fetched again next run")
    if target and target != run.store.get_cursor(entity.system, entity.name):
        run.store.set_cursor(entity.system, entity.name, target, run.run_id)
    return target
