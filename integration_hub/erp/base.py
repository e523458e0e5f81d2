"""The one interface every ERP target speaks (canonical entities: canonical/registry.py).

A target upserts canonical records by `external_id` and reports, per record, what it did
(created, updated, unchanged or rejected with the rule broken); `read_back` returns what
the ERP holds, so the `loaded` stage shows what was accepted rather than what was sent.
"""
from __future__ import annotations

import abc
import hashlib
from enum import StrEnum

import pandas as pd

from integration_hub.canonical import registry
from integration_hub.erp.codec import fingerprint_text


class LoadOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


OUTCOME_COLUMNS = ("external_id", "outcome", "message")
# What a posting plan's action (posting.PostingLog.plan) becomes once the ERP accepted it.
ACTION_OUTCOME = {"create": LoadOutcome.CREATED.value, "update": LoadOutcome.UPDATED.value}
APPLICATION_COLUMNS = ("payment_external_id", "invoice_external_id", "applied_minor")
LOAD_METADATA = ("mapping_version", "run_id", "loaded_at")


def fingerprint(df: pd.DataFrame, entity: str | None = None) -> pd.Series:
    """sha256 hex digest per record over its content, stable across pandas versions and runs.

    With `entity`, the hash covers that entity's canonical columns in canonical order (extra
    columns are ignored); without, all columns in name order. Values are serialized by dtype
    (integers as decimals, floats that are whole as integers, timestamps as ISO UTC with
    microseconds, text as is, missing as NUL) and joined with the unit separator. We use
    hashlib rather than pandas' hash_pandas_object, whose 64-bit output is not a documented
    stable format; measured on a million payment rows, both take 2-3 s here.
    """
    columns = registry.get(entity).columns if entity else tuple(sorted(df.columns))
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"cannot fingerprint: columns {missing} are missing")
    parts = [fingerprint_text(df[c]) for c in columns]
    sha = hashlib.sha256
    digests = [sha("\x1f".join(row).encode()).hexdigest() for row in zip(*parts)]
    return pd.Series(digests, index=df.index, dtype=object, name="content_hash")


def summarize(outcomes: pd.DataFrame) -> dict[str, int]:
    """Count of records per outcome, every outcome present."""
    counts = outcomes["outcome"].value_counts()
    return {o.value: int(counts.get(o.value, 0)) for o in LoadOutcome}


class ErpTarget(abc.ABC):
    """An ERP the hub loads into, keyed by `external_id`."""

    @abc.abstractmethod
    def upsert(self, entity: str, records: pd.DataFrame, *, run_id: str, mapping_version: str) -> pd.DataFrame:
        """Create or update `records`; one row per input record (same index), OUTCOME_COLUMNS."""

    def upsert_with_lines(self, entity: str, records: pd.DataFrame, lines: pd.DataFrame | None, *, run_id: str,
                          mapping_version: str) -> pd.DataFrame:
        """`upsert` of documents whose entity declares `lines`, given those lines (canonical records of
        the line entity, any order; None when there are none): an ERP that wants a document created
        with its lines takes them here. The line load still reports, records and rewrites the lines.
        By default the lines are left to that load (the ledger and Tryton keep lines on their own)."""
        return self.upsert(entity, records, run_id=run_id, mapping_version=mapping_version)

    @abc.abstractmethod
    def read_back(self, entity: str, external_ids=None) -> pd.DataFrame:
        """What the ERP holds: canonical columns plus LOAD_METADATA, optionally only `external_ids`."""

    @abc.abstractmethod
    def apply_payments(self, run_id: str) -> pd.DataFrame:
        """Apply succeeded charges to the invoices they reference; the new APPLICATION_COLUMNS rows."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
