from __future__ import annotations

import pandas as pd
import pytest

from integration_hub.canonical import registry
from integration_hub.erp.ledger_rules import prepare
from integration_hub_tests.erp.frames import customers, payments

PAYMENT = registry.get("payment")


def _messages(verdicts: pd.DataFrame) -> dict:
    rejected = verdicts[verdicts["outcome"] == "rejected"]
    return dict(zip(rejected.index, rejected["message"]))


def test_clean_batch_is_all_accepted_with_hashes():
    accepted, verdicts = prepare(PAYMENT, payments(4))
    assert len(accepted) == 4 and verdicts["outcome"].isna().all()
    assert accepted["content_hash"].str.fullmatch("[0-9a-f]{64}").all()
    assert accepted["amount_minor"].dtype == "int64" and accepted["fee_minor"].dtype == "Int64"
    assert str(accepted["paid_at"].dtype) == "datetime64[ns, UTC]"


@pytest.mark.parametrize(("column", "value", "expected"), [
    ("external_id", None, "payment at position 1 (source_id 'ch_0000001'): missing external_id"),
    ("external_id", "  ", "payment at position 1 (source_id 'ch_0000001'): missing external_id"),
    ("currency", "usd", "payment stripe:ch_0000001: currency 'usd' is not 3 upper-case letters"),
    ("currency", None, "payment stripe:ch_0000001: missing currency"),
    ("currency", "US$", "payment stripe:ch_0000001: currency 'US$' is not 3 upper-case letters"),
    ("amount_minor", None, "payment stripe:ch_0000001: NULL amount_minor"),
    ("amount_minor", 12.5, "payment stripe:ch_0000001: amount_minor 12.5 is not a whole number of minor units"),
    ("amount_minor", "12,50", "payment stripe:ch_0000001: amount_minor '12,50' is not a number"),
    ("paid_at", "yesterday", "payment stripe:ch_0000001: paid_at 'yesterday' is not an ISO 8601 timestamp"),
])
def test_rule_breaks_are_rejected_naming_the_record(column, value, expected):
    frame = payments(3)
    frame[column] = frame[column].astype(object)
    frame.at[1, column] = value
    accepted, verdicts = prepare(PAYMENT, frame)
    assert _messages(verdicts) == {1: expected}
    assert accepted["source_id"].tolist() == ["ch_0000000", "ch_0000002"]


def test_duplicates_keep_the_first_copy():
    frame = pd.concat([payments(3), payments(3).iloc[[0]]]).reset_index(drop=True)
    frame.loc[3, "amount_minor"] = 1
    accepted, verdicts = prepare(PAYMENT, frame)
    assert _messages(verdicts) == {
        3: "payment stripe:ch_0000000: duplicate external_id in batch (first at position 0)"}
    assert accepted.loc[0, "amount_minor"] == frame.loc[0, "amount_minor"]


def test_several_broken_rules_are_all_named():
    frame = payments(2)
    frame["amount_minor"] = frame["amount_minor"].astype(object)
    frame.loc[0, ["currency", "amount_minor"]] = ["eur", None]
    _, verdicts = prepare(PAYMENT, frame)
    assert verdicts.loc[0, "message"] == (
        "payment stripe:ch_0000000: currency 'eur' is not 3 upper-case letters; NULL amount_minor")


def test_verdicts_keep_the_input_index():
    frame = payments(3).set_axis(["a", "b", "c"])
    frame.loc["b", "currency"] = "xx"
    _, verdicts = prepare(PAYMENT, frame)
    assert verdicts.index.tolist() == ["a", "b", "c"]
    assert verdicts["outcome"].tolist() == [None, "rejected", None]


def test_customer_may_lack_currency_and_values_are_coerced():
    frame = customers()
    frame["created_at"] = ["2023-05-04T12:11:12.345678+02:00", None]
    accepted, verdicts = prepare(registry.get("customer"), frame)
    assert verdicts["outcome"].isna().all()
    assert accepted.loc[0, "created_at"] == pd.Timestamp("2023-05-04 10:11:12.345678", tz="UTC")
    assert pd.isna(accepted.loc[1, "created_at"]) and accepted.loc[1, "currency"] is None


def test_non_text_values_become_text_and_float_money_is_accepted_when_whole():
    frame = payments(2)
    frame["source_id"] = pd.Series([101, None], dtype=object)
    frame["amount_minor"] = [100.0, 250.0]
    accepted, _ = prepare(PAYMENT, frame)
    assert accepted["source_id"].tolist() == ["101", None]
    assert accepted["amount_minor"].tolist() == [100, 250] and accepted["amount_minor"].dtype == "int64"


def test_missing_canonical_columns_raise():
    with pytest.raises(ValueError, match=r"payment records lack canonical columns \['fee_minor'\]"):
        prepare(PAYMENT, payments(2).drop(columns="fee_minor"))
