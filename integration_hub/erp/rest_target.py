"""What the REST ERP targets (NetSuite, Acumatica) share: spec routing, the posting check and
parallel sends.

`upsert` rejects records without an external_id or repeated in the batch, skips those the
posting record says were already posted with the same content (outcome "unchanged", no
call), maps the rest through the ERP's specs and sends them `concurrency` at a time. What
the ERP accepts is recorded in the posting record; what it refuses comes back "rejected"
with the ERP's own message. Subclasses implement `_send`, `_send_lines` and `_read_all`.

Hierarchies: an entity that refers to itself (a customer's parent account) is sent in waves,
parents before their children, so the ERP can resolve each reference when the child arrives;
a child whose parent in the same batch was refused is rejected without being sent.

Lookups: a spec's `lookup` joins the referenced record as the ERP holds it (a refund's sales
order, for the customer the refund document names); a record whose referenced record the ERP
does not hold is rejected.

Lines: a line entity (sales_order_line) whose spec names a `sublist` is written into its
parent's document (rest_lines). A new parent is created with its lines (`upsert_with_lines`:
NetSuite refuses a sales order without an item line); one with no usable line is rejected
(`<entity>.has_lines`) and not sent. Those lines are recorded as written with their parent,
and the line load then reports them created without writing them again. A line's parent must
be posted (the posting record has its ERP id), else the line is rejected. A parent's whole
sublist (its batch lines, sorted by line_number) is rewritten when one of its lines is new or
changed, or when a line the parent holds (posted under its ERP id) is not among them: replace
semantics, so the batch carries every line of an order (sources send an order's lines
together); a line no longer carried is removed from the ERP document and its posting retired.
Each line reports its own outcome; lines posted before with the same content stay "unchanged"
even when their order's sublist is rewritten. Read-back flattens each parent document into one
record per line (documents.split_lines), with the line's external id from the line field the
spec names.
"""
from __future__ import annotations

import abc
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pandas as pd
import requests

from integration_hub.canonical import registry
from integration_hub.erp.base import (ACTION_OUTCOME, APPLICATION_COLUMNS, LOAD_METADATA, OUTCOME_COLUMNS, ErpTarget,
                                      LoadOutcome)
from integration_hub.erp.posting import PostingLog
# Tryton imports _line_order from here to order lines as the REST targets do.
from integration_hub.erp.rest_lines import SublistLoads, line_order as _line_order  # noqa: F401
from integration_hub.erp.specs import ErpSpec
from integration_hub.erp.specs.documents import documents, prepare, split_lines, to_canonical


@dataclass(frozen=True)
class Sent:
    """The ERP's answer to one document: accepted (with its id for the document) or refused."""

    ok: bool
    erp_id: str | None = None
    message: str = ""


class RestTarget(SublistLoads, ErpTarget):
    """An ErpTarget over an ERP's REST API; `name` keys its rows in the posting record."""

    name = "rest"

    def __init__(self, specs: dict[str, tuple[ErpSpec, ...]], postings: PostingLog, *, concurrency: int = 5) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        self.specs = specs
        self.postings = postings
        self.concurrency = concurrency

    # -- what each ERP provides --------------------------------------------------------------
    def key(self, external_id: str) -> str:
        """The form of an external id the ERP accepts in its key fields."""
        return external_id

    def unkey(self, key: str) -> str:
        return key

    @abc.abstractmethod
    def _send(self, spec: ErpSpec, document: dict, erp_id: str | None, sublists: tuple[ErpSpec, ...] = ()) -> Sent:
        """Create or update one document (by its ERP id when known); `sublists`: the line specs whose
        sublists a create carries whole (the lines it must hold exactly, whatever the ERP held)."""

    @abc.abstractmethod
    def _send_lines(self, spec: ErpSpec, parent_erp_id: str, parent_key: str, lines: list[dict]) -> Sent:
        """Write `lines` as the whole `spec.sublist` of the parent document (replace semantics)."""

    @abc.abstractmethod
    def _read_all(self, spec: ErpSpec) -> list[dict[str, Any]]:
        """Every record of the spec's record type, flattened to field paths."""

    def _decoder(self, spec: ErpSpec) -> Callable[[str, str], str | None]:
        """Turns a read `*external_id` value (an ERP key, or an ERP id for references) into an external id."""
        return lambda column, value: self.unkey(value)

    # -- ErpTarget ---------------------------------------------------------------------------
    def _map(self, function, items: Iterable) -> list:
        items = list(items)
        if self.concurrency == 1 or len(items) < 2:
            return [function(item) for item in items]
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix=f"{self.name}-erp") as pool:
            return list(pool.map(function, items))

    def upsert(self, entity: str, records: pd.DataFrame, *, run_id: str, mapping_version: str) -> pd.DataFrame:
        if any(s.sublist for s in self.specs.get(entity, ())):
            return self._upsert_lines(entity, records, run_id=run_id, mapping_version=mapping_version)
        return self.upsert_with_lines(entity, records, None, run_id=run_id, mapping_version=mapping_version)

    def upsert_with_lines(self, entity: str, records: pd.DataFrame, lines: pd.DataFrame | None, *, run_id: str,
                          mapping_version: str) -> pd.DataFrame:
        out, todo = self.postings.screen(self.name, entity, records)
        if todo.empty:
            return out
        prepared = prepare(entity, records.loc[todo.index], self.key)
        prepared, missing = self._join_lookups(entity, prepared)
        for index, message in missing.items():
            out.loc[index, ["outcome", "message"]] = [LoadOutcome.REJECTED.value, message]
        jobs: list[tuple[Any, ErpSpec, dict]] = []
        routed = pd.Series(False, index=prepared.index)
        routed.loc[list(missing)] = True
        for erp_spec in self.specs.get(entity, ()):
            mask = erp_spec.matches(prepared) & ~routed
            routed |= mask
            docs, rejects = documents(erp_spec, prepared[mask])
            for index, message in rejects.items():
                out.loc[index, ["outcome", "message"]] = [LoadOutcome.REJECTED.value, message]
            jobs.extend((index, erp_spec, doc) for index, doc in docs.items())
        for index in routed.index[~routed]:
            message = self._unrouted(entity, prepared, index)
            out.loc[index, ["outcome", "message"]] = [LoadOutcome.REJECTED.value, message]
        jobs, carried = self._carry_lines(entity, todo, jobs, lines, out)
        accepted, written = [], []
        for wave in self._waves(entity, records, todo, jobs, out):
            answers = self._map(lambda job: self._try_send(job[1], job[2], todo.at[job[0], "erp_id"],
                                                           carried[job[0]].specs if job[0] in carried else ()), wave)
            for (index, _, _), sent in zip(wave, answers):
                if sent.ok:
                    out.loc[index, ["outcome", "message"]] = [ACTION_OUTCOME[todo.at[index, "action"]], ""]
                    accepted.append({"external_id": todo.at[index, "external_id"],
                                     "fingerprint": todo.at[index, "fingerprint"], "erp_id": sent.erp_id})
                    if index in carried:
                        written.append(carried[index].lines.assign(erp_id=sent.erp_id))
                else:
                    out.loc[index, ["outcome", "message"]] = [LoadOutcome.REJECTED.value, sent.message]
        accepted = pd.DataFrame(accepted, columns=["external_id", "fingerprint", "erp_id"])
        self.postings.record(self.name, entity, accepted, run_id=run_id, mapping_version=mapping_version)
        if written:
            self.postings.record_with_parent(self.name, registry.get(entity).lines,
                                             pd.concat(written, ignore_index=True), run_id=run_id)
        return out.loc[:, list(OUTCOME_COLUMNS)]

    def _waves(self, entity: str, records: pd.DataFrame, todo: pd.DataFrame, jobs: list, out: pd.DataFrame):
        """The jobs in sending order: all at once, or for a self-referencing entity parents first,
        a wave per level; a job whose parent in this batch was refused is rejected, not sent."""
        column = registry.get(entity).self_reference
        if column is None:
            yield jobs
            return
        in_batch = dict(zip(todo["external_id"], todo.index))
        parent = {index: records.at[index, column] for index, _, _ in jobs}
        parent = {i: p for i, p in parent.items() if isinstance(p, str) and p in in_batch and p != todo.at[i, "external_id"]}
        pending = list(jobs)
        while pending:
            accepted = {todo.at[i, "external_id"] for i in out.index[out["outcome"].isin(list(ACTION_OUTCOME.values()))]
                        if i in todo.index}
            failed = {todo.at[i, "external_id"] for i in out.index[out["outcome"] == LoadOutcome.REJECTED.value]
                      if i in todo.index}
            ready = [job for job in pending if job[0] not in parent or parent[job[0]] in accepted]
            blocked = [job for job in pending if job[0] in parent and parent[job[0]] in failed]
            for index, _, _ in blocked:
                out.loc[index, ["outcome", "message"]] = [LoadOutcome.REJECTED.value, (
                    f"{entity} {todo.at[index, 'external_id']}: its parent {parent[index]} was refused in this batch; "
                    f"{column}.exists_in_erp (the parent loads first)")]
            if not ready:
                for index, _, _ in pending:
                    if index not in {b[0] for b in blocked}:
                        out.loc[index, ["outcome", "message"]] = [LoadOutcome.REJECTED.value, (
                            f"{entity} {todo.at[index, 'external_id']}: {column} forms a cycle in this batch")]
                return
            yield ready
            done = {job[0] for job in ready} | {job[0] for job in blocked}
            pending = [job for job in pending if job[0] not in done]

    def _join_lookups(self, entity: str, prepared: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
        """`prepared` with each spec lookup's referenced record joined as `<prefix>_<column>`,
        and a message per row whose referenced record the ERP does not hold."""
        lookups = {p: c for s in self.specs.get(entity, ()) for p, c in s.lookup.items()}
        declared = registry.get(entity)
        missing: dict[Any, str] = {}
        for prefix, column in lookups.items():
            target = declared.references[column]
            named = prepared[column].dropna().astype(str).unique()
            held = self.read_back(target, external_ids=list(named)) if len(named) else pd.DataFrame(
                columns=list(registry.get(target).columns))
            held = prepare(target, held.loc[:, list(registry.get(target).columns)], self.key).set_index(
                "external_id", drop=False)
            absent = prepared[column].notna() & ~prepared[column].isin(held.index)
            for name in held.columns:
                if f"{prefix}_{name}" not in prepared:   # the record's own columns win (its order_external_key)
                    prepared[f"{prefix}_{name}"] = prepared[column].map(held[name])
            for index in prepared.index[absent]:
                missing.setdefault(index, (
                    f"{entity} {prepared.at[index, 'external_id']}: its {target} {prepared.at[index, column]} is not in "
                    f"{self.name}; {column}.exists_in_erp (the {target} loads first)"))
        return prepared, missing

    def _try_lines(self, spec: ErpSpec, parent_erp_id: str, parent_key: str, lines: list[dict]) -> Sent:
        try:
            return self._send_lines(spec, parent_erp_id, parent_key, lines)
        except requests.RequestException as error:
            return Sent(False, message=f"{spec.record} {parent_key} {spec.sublist}: no answer from {self.name}: {error}")

    def _try_send(self, spec: ErpSpec, document: dict, erp_id: str | None, sublists: tuple[ErpSpec, ...]) -> Sent:
        # A record the ERP never answered for is rejected, not lost: it is not in the posting
        # record, so the next run sends it again, and what did go through is still recorded.
        try:
            return self._send(spec, document, erp_id, sublists)
        except requests.RequestException as error:
            return Sent(False, message=f"{spec.record}: no answer from {self.name}: {error}")

    def _unrouted(self, entity: str, prepared: pd.DataFrame, index) -> str:
        columns = sorted({c for s in self.specs.get(entity, ()) for c in s.where})
        values = ", ".join(f"{c}={prepared.at[index, c]!r}" for c in columns)
        return f"{entity}: no {self.name} mapping spec takes a record with {values or 'these values'}"

    def read_back(self, entity: str, external_ids=None) -> pd.DataFrame:
        spec = registry.get(entity)
        specs = self.specs.get(entity, ())
        if not specs:
            raise ValueError(f"no {self.name} mapping spec reads {entity!r}")
        frames = [to_canonical(s, self._records_of(s), self._decoder(s)) for s in specs]
        out = pd.concat(frames, ignore_index=True)
        out = out[out["external_id"].notna()]
        if external_ids is not None:
            out = out[out["external_id"].isin(set(map(str, external_ids)))]
        posted = self.postings.postings(self.name, entity, out["external_id"]).set_index("external_id")
        out = out.assign(mapping_version=out["external_id"].map(posted["mapping_version"]),
                         run_id=out["external_id"].map(posted["run_id"]),
                         loaded_at=out["external_id"].map(posted["posted_at"]))
        out["loaded_at"] = pd.to_datetime(out["loaded_at"], utc=True)
        return out.loc[:, [*spec.columns, *LOAD_METADATA]].reset_index(drop=True)

    def _records_of(self, spec: ErpSpec) -> list[dict[str, Any]]:
        documents_read = [r for r in self._read_all(spec) if spec.reads(r)]
        if not spec.sublist:
            return documents_read
        return [line for doc in documents_read for line in split_lines(doc, spec.sublist)]

    def apply_payments(self, run_id: str) -> pd.DataFrame:
        """Nothing to do after the load: payments carry their invoice reference when posted, and
        applying them is left to the ERP's own auto-application."""
        return pd.DataFrame(columns=list(APPLICATION_COLUMNS))

