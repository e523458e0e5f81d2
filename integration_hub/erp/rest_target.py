"""What the REST ERP targets (NetSuite, Acumatica) share: spec routing, the posting check and
parallel sends.

`upsert` rejects records without an external_id or repeated in the batch, skips those the
posting record says were already posted with the same content (outcome "unchanged", no
call), maps the rest through the ERP's specs and sends them `concurrency` at a time. What
the ERP accepts is recorded in the posting record; what it refuses comes back "rejected"
with the ERP's own message. Subclasses implement `_send` and `_read_all`.
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
from integration_hub.erp.base import APPLICATION_COLUMNS, LOAD_METADATA, OUTCOME_COLUMNS, ErpTarget, LoadOutcome
from integration_hub.erp.posting import PostingLog
from integration_hub.erp.specs import ErpSpec
from integration_hub.erp.specs.documents import documents, prepare, to_canonical

ACTION_OUTCOME = {"create": LoadOutcome.CREATED.value, "update": LoadOutcome.UPDATED.value}


@dataclass(frozen=True)
class Sent:
    """The ERP's answer to one document: accepted (with its id for the document) or refused."""

    ok: bool
    erp_id: str | None = None
    message: str = ""


class RestTarget(ErpTarget):
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
    def _send(self, spec: ErpSpec, document: dict, erp_id: str | None) -> Sent:
        """Create or update one document (by its ERP id when known)."""

    @abc.abstractmethod
    def _read_all(self, spec: ErpSpec) -> list[dict[str, Any]]:
        """Every record of the spec's record type, flattened to field paths."""

    def _decoder(self, entity: str) -> Callable[[str, str], str | None]:
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
        out, todo = self.postings.screen(self.name, entity, records)
        if todo.empty:
            return out
        prepared = prepare(entity, records.loc[todo.index], self.key)
        jobs: list[tuple[Any, ErpSpec, dict]] = []
        routed = pd.Series(False, index=prepared.index)
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
        answers = self._map(lambda job: self._try_send(job[1], job[2], todo.at[job[0], "erp_id"]), jobs)
        accepted = []
        for (index, _, _), sent in zip(jobs, answers):
            if sent.ok:
                out.loc[index, ["outcome", "message"]] = [ACTION_OUTCOME[todo.at[index, "action"]], ""]
                accepted.append({"external_id": todo.at[index, "external_id"],
                                 "fingerprint": todo.at[index, "fingerprint"], "erp_id": sent.erp_id})
            else:
                out.loc[index, ["outcome", "message"]] = [LoadOutcome.REJECTED.value, sent.message]
        accepted = pd.DataFrame(accepted, columns=["external_id", "fingerprint", "erp_id"])
        self.postings.record(self.name, entity, accepted, run_id=run_id, mapping_version=mapping_version)
        return out.loc[:, list(OUTCOME_COLUMNS)]

    def _try_send(self, spec: ErpSpec, document: dict, erp_id: str | None) -> Sent:
        # A record the ERP never answered for is rejected, not lost: it is not in the posting
        # record, so the next run sends it again, and what did go through is still recorded.
        try:
            return self._send(spec, document, erp_id)
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
        decode = self._decoder(entity)
        frames = [to_canonical(s, [r for r in self._read_all(s) if s.reads(r)], decode) for s in specs]
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

    def apply_payments(self, run_id: str) -> pd.DataFrame:
        """Nothing to do after the load: payments carry their invoice reference when posted, and
        applying them is left to the ERP's own auto-application."""
        return pd.DataFrame(columns=list(APPLICATION_COLUMNS))
