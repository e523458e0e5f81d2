from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from integration_hub.canonical import registry
from integration_hub.erp.base import ErpTarget, LoadOutcome, fingerprint, summarize
from integration_hub_tests.erp.frames import payments


def test_fingerprint_is_sha256_of_the_documented_serialization():
    frame = payments(1)
    frame.loc[0, ["amount_minor", "paid_at"]] = [1234, pd.Timestamp("2024-03-01 09:30:00.5", tz="UTC")]
    row = frame.iloc[0]
    text = "\x1f".join([
        row.external_id, "stripe", row.source_id, "charge", row.customer_external_id, "1234", "\x00", "USD",
        "2024-03-01T09:30:00.500000Z", "succeeded", "\x00", "\x00",
    ])
    assert fingerprint(frame, "payment").iloc[0] == hashlib.sha256(text.encode()).hexdigest()


def test_fingerprint_ignores_extra_columns_and_column_order_for_an_entity():
    frame = payments(5)
    shuffled = frame[frame.columns[::-1]].assign(lineage="x")
    assert fingerprint(shuffled, "payment").tolist() == fingerprint(frame, "payment").tolist()


def test_fingerprint_sees_every_canonical_value():
    frame = payments(2)
    base = fingerprint(frame, "payment")
    for column, value in [("amount_minor", 1), ("currency", "EUR"), ("status", "failed"),
                          ("paid_at", pd.Timestamp("2020-01-01", tz="UTC")), ("fee_minor", 7)]:
        changed = frame.copy()
        changed.loc[0, column] = value
        digests = fingerprint(changed, "payment")
        assert digests.iloc[0] != base.iloc[0], column
        assert digests.iloc[1] == base.iloc[1]


def test_fingerprint_tells_missing_from_empty_text():
    frame = pd.DataFrame({"a": ["", None, "x"]})
    digests = fingerprint(frame)
    assert digests.nunique() == 3


def test_fingerprint_same_for_equal_values_in_different_dtypes():
    a = pd.DataFrame({"n": pd.Series([1, 2], dtype="int64"), "t": pd.to_datetime(["2024-01-01 12:00"] * 2)})
    b = pd.DataFrame({"n": pd.Series([1.0, 2.0]), "t": pd.to_datetime(["2024-01-01 13:00+01:00"] * 2, utc=True)})
    c = pd.DataFrame({"n": pd.array([1, 2], dtype="Int64"), "t": a["t"] + pd.Timedelta(nanoseconds=999)})
    assert fingerprint(a).tolist() == fingerprint(b).tolist() == fingerprint(c).tolist()


def test_fingerprint_keeps_the_index_and_names_missing_columns():
    frame = payments(3).set_axis([10, 20, 30])
    assert fingerprint(frame, "payment").index.tolist() == [10, 20, 30]
    with pytest.raises(ValueError, match="currency"):
        fingerprint(frame.drop(columns="currency"), "payment")


def test_entities_and_specs():
    assert {"customer", "invoice", "payment", "bank_transaction"} <= set(registry.all_entities())
    spec = registry.get("payment")
    assert spec.columns[0] == "external_id" and "amount_minor" in spec.money and "fee_minor" in spec.nullable_money
    assert "paid_at" not in spec.text and "currency" in spec.text
    with pytest.raises(ValueError, match="unknown entity 'order'"):
        registry.get("order")


def test_summarize_counts_every_outcome():
    outcomes = pd.DataFrame({"outcome": ["created", "created", "rejected"]})
    assert summarize(outcomes) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 1}
    assert LoadOutcome.UNCHANGED == "unchanged"


def test_erp_target_is_abstract():
    with pytest.raises(TypeError):
        ErpTarget()  # type: ignore[abstract]
