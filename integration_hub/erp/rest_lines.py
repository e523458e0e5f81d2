"""Lines inside their parent's document on a REST ERP (an order's item sublist): which lines a
parent's sublist holds, in which order, and the parent document that carries them.

Both ways of writing lines use these: the parent's create carries its first lines (NetSuite
refuses a sales order without an item line), and the line load rewrites the whole sublist
when a line is new, changed or gone (see rest_target).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from integration_hub.canonical import registry
from integration_hub.erp.base import ACTION_OUTCOME, OUTCOME_COLUMNS, LoadOutcome, fingerprint
from integration_hub.erp.specs import ErpSpec
from integration_hub.erp.specs.documents import documents, prepare

HAS_LINES = ".has_lines"     # <entity>.has_lines: a document is created with at least one line


def sublist_specs(specs: dict[str, tuple[ErpSpec, ...]], entity: str, record: str) -> tuple[ErpSpec, ...]:
    """The specs of `entity`'s line entity that write into a `record` document's sublist."""
    lines = registry.get(entity).lines
    return tuple(s for s in specs.get(lines, ()) if s.sublist and s.record == record) if lines else ()


def line_order(value) -> tuple:
    """Sort key of a line_number: numbers in numeric order, then any other text."""
    text = "" if value is None else str(value)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


Group = tuple[ErpSpec, list[tuple[Any, dict]]]   # a line spec and the (row, entry) pairs it maps


def sublist_documents(specs: tuple[ErpSpec, ...], rows: pd.DataFrame) -> tuple[list[Group], dict[Any, str], list]:
    """One parent's prepared line rows as sublist entries, in line_number order, grouped by the
    spec that maps them (its `where`); the message per row a spec rejects, and the rows no spec takes."""
    rows = rows.iloc[sorted(range(len(rows)), key=lambda i: line_order(rows["line_number"].iloc[i]))]
    routed = pd.Series(False, index=rows.index)
    groups: list[Group] = []
    rejects: dict[Any, str] = {}
    for spec in specs:
        mask = spec.matches(rows) & ~routed
        routed |= mask
        if not mask.any():
            continue
        docs, refused = documents(spec, rows[mask])
        rejects.update(refused)
        if docs:
            groups.append((spec, list(docs.items())))
    return groups, rejects, list(routed.index[~routed])


def with_sublist(document: dict, sublist: str, lines: list[dict]) -> dict:
    """`document` with `lines` as the list at the dotted `sublist` path (`item.items`, `Details`)."""
    out = copy.deepcopy(document)
    *parents, name = sublist.split(".")
    node = out
    for part in parents:
        node = node.setdefault(part, {})
    node[name] = lines
    return out


@dataclass(frozen=True)
class Carried:
    """The lines a parent's create carries: the specs of its sublists and the lines' external_id
    and fingerprint, recorded as written with the parent once the ERP takes the create."""

    specs: tuple[ErpSpec, ...]
    lines: pd.DataFrame


@dataclass
class Rewrite:
    """One parent's whole sublists to write, and the lines it held that they no longer carry."""

    parent: str
    groups: list[Group]
    removed: list[str] = field(default_factory=list)


class SublistLoads:
    """The line side of RestTarget (`name`, `specs`, `postings`, `key`, `_map`, `_try_lines`,
    `_unrouted` come from it): parents created with their lines, and line loads."""

    def _carry_lines(self, entity: str, todo: pd.DataFrame, jobs: list, lines: pd.DataFrame | None,
                     out: pd.DataFrame) -> tuple[list, dict[Any, Carried]]:
        """`jobs` with each create of a document that holds its lines in a sublist given its lines,
        and per such job what it carries. A create with no usable line is rejected (`<entity>.has_lines`);
        updates go as they are (the line load rewrites the sublist)."""
        line_entity = registry.get(entity).lines
        creates = {index: sublist_specs(self.specs, entity, spec.record) for index, spec, _ in jobs
                   if todo.at[index, "action"] == "create"}
        creates = {index: specs for index, specs in creates.items() if specs}
        if not creates:
            return jobs, {}
        column = registry.get(line_entity).parent
        wanted = {todo.at[index, "external_id"] for index in creates}
        given = lines[lines[column].isin(wanted)] if lines is not None and len(lines) else None
        if given is not None and len(given):
            screened, _ = self.postings.screen(self.name, line_entity, given)
            given = given.loc[screened.index[screened["outcome"] != LoadOutcome.REJECTED.value]]
            prepared = prepare(line_entity, given, self.key).assign(fingerprint=fingerprint(given, line_entity))
        else:
            prepared = pd.DataFrame(columns=[*registry.get(line_entity).columns, "fingerprint"])
        kept, carried = [], {}
        for index, spec, doc in jobs:
            if index not in creates:
                kept.append((index, spec, doc))
                continue
            external_id = todo.at[index, "external_id"]
            rows = prepared[prepared[column] == external_id]
            groups, rejects, _ = sublist_documents(creates[index], rows)
            if not groups:
                why = f"none of its {len(rows)} maps: {next(iter(rejects.values()))}" if rejects else \
                    f"none of its {len(rows)} is taken by a {self.name} line spec" if len(rows) else \
                    "this load holds none"
                out.loc[index, ["outcome", "message"]] = [LoadOutcome.REJECTED.value, (
                    f"{entity} {external_id}: no usable {line_entity} to create it with ({why}); {self.name} "
                    f"creates a {spec.record} only with at least one line; {entity}{HAS_LINES}")]
                continue
            for line_spec, docs in groups:
                doc = with_sublist(doc, line_spec.sublist, [line for _, line in docs])
            sent = [i for _, docs in groups for i, _ in docs]
            carried[index] = Carried(tuple(s for s, _ in groups), rows.loc[sent, ["external_id", "fingerprint"]])
            kept.append((index, spec, doc))
        return kept, carried

    def _upsert_lines(self, entity: str, records: pd.DataFrame, *, run_id: str, mapping_version: str) -> pd.DataFrame:
        """Lines into their parents' sublists: a parent's sublists are rewritten whole when one of its
        lines is new or changed, or when a line it held is no longer among them (that line's
        posting is then retired); lines its create already wrote are reported, not sent again."""
        declared = registry.get(entity)
        column = declared.parent
        target = declared.references[column]
        rejected = LoadOutcome.REJECTED.value
        out, todo = self.postings.screen(self.name, entity, records)
        usable = out.index[out["outcome"].ne(rejected).fillna(True).astype(bool)]
        prepared = prepare(entity, records.loc[usable], self.key)
        named = list(prepared[column].dropna().astype(str).unique())
        posted = self.postings.postings(self.name, target, named).dropna(subset=["erp_id"])
        held = dict(zip(posted["external_id"], posted["erp_id"].astype(str)))
        for index in todo.index:
            parent = prepared.at[index, column]
            if parent not in held:
                out.loc[index, ["outcome", "message"]] = [rejected, (
                    f"{entity} {todo.at[index, 'external_id']}: its {target} {parent} is not in {self.name}; "
                    f"{column}.exists_in_erp (a line is written into its {target}'s document, which loads first)")]
        accepted = []
        settled = self._written_with_parent(entity, todo, prepared, held)
        for index in settled:
            out.loc[index, ["outcome", "message"]] = [LoadOutcome.CREATED.value, ""]
            accepted.append(todo.loc[index, ["external_id", "fingerprint"]].to_dict() | {"erp_id": held[
                prepared.at[index, column]]})
        inside = self.postings.held_under(self.name, entity, list(held.values()))
        inside = inside.groupby("erp_id")["external_id"].agg(set).to_dict()
        rewrites = []
        for parent in [p for p in named if p in held]:
            rows = prepared[prepared[column] == parent]
            groups, rejects, unrouted = sublist_documents(self.specs[entity], rows)
            for index, message in rejects.items():
                out.loc[index, ["outcome", "message"]] = [rejected, message]
            for index in unrouted:
                out.loc[index, ["outcome", "message"]] = [rejected, self._unrouted(entity, rows, index)]
            carries = {prepared.at[i, "external_id"] for _, docs in groups for i, _ in docs}
            changed = [i for _, docs in groups for i, _ in docs if i in todo.index and i not in settled]
            removed = sorted(inside.get(held[parent], set()) - carries)
            # A document keeps at least one line: with none to write, what it holds stays.
            if groups and (changed or removed):
                rewrites.append(Rewrite(parent, groups, removed))
        answers = self._map(lambda job: [self._try_lines(spec, held[job.parent], self.key(job.parent),
                                                         [line for _, line in docs]) for spec, docs in job.groups],
                            rewrites)
        for job, sent in zip(rewrites, answers):
            refusal = next((a.message for a in sent if not a.ok), None)
            for (_, docs), answer in zip(job.groups, sent):
                for index, _ in docs:
                    if index in settled:
                        continue
                    if index not in todo.index:     # unchanged, rewritten with its parent's sublist
                        if refusal and job.removed:
                            out.at[index, "message"] = (
                                f"{target} {job.parent} still holds {', '.join(job.removed)}, which this load no "
                                f"longer carries: {refusal}; the next run removes them")
                    elif answer.ok:
                        out.loc[index, ["outcome", "message"]] = [ACTION_OUTCOME[todo.at[index, "action"]], ""]
                        accepted.append({"external_id": todo.at[index, "external_id"],
                                         "fingerprint": todo.at[index, "fingerprint"], "erp_id": held[job.parent]})
                    else:
                        out.loc[index, ["outcome", "message"]] = [rejected, answer.message]
            if refusal is None and job.removed:
                self.postings.retire(self.name, entity, job.removed)
        accepted = pd.DataFrame(accepted, columns=["external_id", "fingerprint", "erp_id"])
        self.postings.record(self.name, entity, accepted, run_id=run_id, mapping_version=mapping_version)
        return out.loc[:, list(OUTCOME_COLUMNS)]

    def _written_with_parent(self, entity: str, todo: pd.DataFrame, prepared: pd.DataFrame,
                             held: dict[str, str]) -> set:
        """Rows of `todo` their parent's create wrote as they are now, into the parent the ERP holds."""
        column = registry.get(entity).parent
        written = self.postings.written_with_parent(self.name, entity, todo["external_id"])
        written = written.set_index("external_id")
        return {index for index in todo.index if todo.at[index, "external_id"] in written.index
                and written.at[todo.at[index, "external_id"], "fingerprint"] == todo.at[index, "fingerprint"]
                and written.at[todo.at[index, "external_id"], "erp_id"] == held.get(prepared.at[index, column])}
