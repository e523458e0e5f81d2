"""The one interface every ERP target speaks, and the canonical entities it loads.

A target upserts canonical records by `external_id` and reports, per record, what it did
(created, updated, unchanged or rejected with the rule broken); `read_back` returns what
the ERP holds, so the `loaded` stage shows what was accepted rather than what was sent.
"""
from __future__ import annotations

import abc
import hashlib
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from integration_hub.erp.codec import fingerprint_text


class LoadOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


OUTCOME_COLUMNS = ("external_id", "outcome", "message")
APPLICATION_COLUMNS = ("payment_external_id", "invoice_external_id", "applied_minor")
LOAD_METADATA = ("mapping_version", "run_id", "loaded_at")


@dataclass(frozen=True)
class EntitySpec:
    """A canonical entity: its columns in canonical order and how each is typed.

    Columns not listed as money or timestamps are text. `money` is int64 minor units that
    must be present; `nullable_money` is Int64.
    """

    name: str
    table: str
    columns: tuple[str, ...]
    money: tuple[str, ...] = ()
    nullable_money: tuple[str, ...] = ()
    timestamps: tuple[str, ...] = ()
    currency_required: bool = True

    @property
    def text(self) -> tuple[str, ...]:
        typed = {*self.money, *self.nullable_money, *self.timestamps}
        return tuple(c for c in self.columns if c not in typed)


_SOURCE = ("external_id", "source_system", "source_id")

ENTITIES: dict[str, EntitySpec] = {
    "customer": EntitySpec(
        "customer", "customers",
        (*_SOURCE, "name", "email", "phone", "address_line1", "address_line2", "city", "region",
         "postal_code", "country", "currency", "created_at"),
        timestamps=("created_at",), currency_required=False,
    ),
    "invoice": EntitySpec(
        "invoice", "invoices",
        (*_SOURCE, "invoice_number", "kind", "customer_external_id", "issue_date", "due_date", "currency",
         "subtotal_minor", "tax_minor", "total_minor", "status", "applies_to"),
        money=("subtotal_minor", "tax_minor", "total_minor"), timestamps=("issue_date", "due_date"),
    ),
    "payment": EntitySpec(
        "payment", "payments",
        (*_SOURCE, "kind", "customer_external_id", "amount_minor", "fee_minor", "currency", "paid_at",
         "status", "invoice_ref", "payment_ref"),
        money=("amount_minor",), nullable_money=("fee_minor",), timestamps=("paid_at",),
    ),
    "bank_transaction": EntitySpec(
        "bank_transaction", "bank_transactions",
        (*_SOURCE, "account_mask", "statement_id", "booking_date", "value_date", "amount_minor", "currency",
         "type_code", "reference", "counterparty", "description"),
        money=("amount_minor",), timestamps=("booking_date", "value_date"),
    ),
}


def entity_spec(entity: str) -> EntitySpec:
    try:
        return ENTITIES[entity]
    except KeyError:
        raise ValueError(f"unknown entity {entity!r}; expected one of {sorted(ENTITIES)}") from None


def fingerprint(df: pd.DataFrame, entity: str | None = None) -> pd.Series:
    """sha256 hex digest per record over its content, stable across pandas versions and runs.

    With `entity`, the hash covers that entity's canonical columns in canonical order (extra
    columns are ignored); without, all columns in name order. Values are serialized by dtype
    (integers as decimals, floats that are whole as integers, timestamps as ISO UTC with
    microseconds, text as is, missing as NUL) and joined with the unit separator. We use
    hashlib rather than pandas' hash_pandas_object, whose 64-bit output is not a documented
    stable format; measured on a million payment rows, both take 2-3 s here.
    """
    columns = entity_spec(entity).columns if entity else tuple(sorted(df.columns))
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
