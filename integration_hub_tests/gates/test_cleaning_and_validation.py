import pandas as pd
import pandera.pandas as pa
import pytest

from integration_hub.connectors.exports import stamp
from integration_hub.gates.budget import within_budget
from integration_hub.gates.conservation import account_rows
from integration_hub.gates.quarantine import quarantine_records
from integration_hub.gates.validation import SchemaGateError, validate_rows
from integration_hub.mapping.systems import load_systems
from integration_hub.standardize.frame import clean_frame, cleaned_schema


@pytest.fixture(scope="module")
def charges():
    stripe = next(s for s in load_systems() if s.name == "stripe")
    return next(e for e in stripe.entities if e.name == "charges")


def raw_charges(rows):
    columns = ["id", "amount", "amount_refunded", "currency", "customer_id", "created", "status", "description",
               "metadata_invoice_number", "balance_transaction_id", "payment_method_type"]
    return stamp(pd.DataFrame([dict(zip(columns, r)) for r in rows], columns=columns).fillna(""), origin="test")


GOOD = ("ch_1", "1250", "0", "usd", "cus_1", "2025-01-03 10:00:00", "succeeded", "", "INV-000001", "txn_1", "card")


def test_bad_rows_are_rejected_with_rule_and_value_and_the_rest_continue(charges):
    raw = raw_charges([
        GOOD,
        ("ch_2", "12.5x", "0", "usd", "cus_1", "2025-01-03 10:00:00", "succeeded", "", "", "", "card"),
        ("ch_3", "100", "0", "dollars", "cus_1", "2025-01-03 10:00:00", "succeeded", "", "", "", "card"),
        ("", "100", "0", "usd", "cus_1", "2025-01-03 10:00:00", "succeeded", "", "", "", "card"),
        ("ch_5", "-100", "0", "usd", "cus_1", "2025-01-03 10:00:00", "succeeded", "", "", "", "card"),
        ("ch_6", "100", "0", "usd", "cus_1", "31/02/2025", "succeeded", "", "", "", "card"),
        ("ch_7", "100", "0", "usd", "cus_1", "2025-01-03 10:00:00", "exploded", "", "", "", "card"),
    ])
    result = clean_frame(raw, charges)
    assert result.cleaned["id"].tolist() == ["ch_1"]
    assert result.cleaned["amount"].tolist() == [1250]
    assert result.cleaned["currency"].tolist() == ["USD"]
    by_row = dict(zip(result.rejects["row"], zip(result.rejects["rule"], result.rejects["value"])))
    assert by_row[1] == ("amount.minor_units", "12.5x")
    assert by_row[2] == ("currency.currency", "dollars")
    assert by_row[3][0] == "id.required"
    assert by_row[4] == ("amount.min(0)", "-100")
    assert by_row[5] == ("created.timestamp", "31/02/2025")
    assert by_row[6] == ("status.allowed", "exploded")
    good, failures = validate_rows(result.cleaned, cleaned_schema(charges))
    assert failures.empty and len(good) == 1


def test_exact_reexport_is_merged_but_a_conflicting_duplicate_is_quarantined(charges):
    conflicting = ("ch_1",) + GOOD[1:6] + ("failed",) + GOOD[7:]
    raw = raw_charges([GOOD, GOOD, conflicting])
    result = clean_frame(raw, charges)
    assert len(result.cleaned) == 1
    assert result.merged["row"].tolist() == [1] and result.merged["reason"].iloc[0] == "exact duplicate of row 1"
    assert result.rejects["row"].tolist() == [2]
    assert result.rejects["rule"].iloc[0].startswith("id.unique")


def test_quarantine_records_carry_the_whole_source_record(charges):
    raw = raw_charges([GOOD, ("ch_2", "12.5x") + GOOD[2:]])
    result = clean_frame(raw, charges)
    records = quarantine_records(result.rejects, raw, "id")
    assert records.loc[0, "source_id"] == "ch_2" and records.loc[0, "row_number"] == 2
    assert '"amount": "12.5x"' in records.loc[0, "record"]


def test_missing_declared_column_is_named(charges):
    raw = raw_charges([GOOD]).drop(columns=["currency"])
    with pytest.raises(KeyError, match="missing declared columns \\['currency'\\]"):
        clean_frame(raw, charges)


def test_validate_rows_splits_row_failures_and_refuses_a_malformed_dataset():
    schema = pa.DataFrameSchema({"a": pa.Column("int64", pa.Check.ge(0)), "b": pa.Column(str)}, name="t", coerce=True)
    good, failures = validate_rows(pd.DataFrame({"a": [1, -1, 2], "b": ["x", "y", "z"]}), schema)
    assert good["a"].tolist() == [1, 2]
    assert failures["row"].tolist() == [1] and failures["rule"].iloc[0] == "t.a:greater_than_or_equal_to(0)"
    with pytest.raises(SchemaGateError, match="column_in_dataframe failed .*'b'"):
        validate_rows(pd.DataFrame({"a": [1]}), schema)


@pytest.mark.parametrize("rejected, total, budget, passed", [(0, 0, 0.02, True), (2, 100, 0.02, True),
                                                              (3, 100, 0.02, False), (1, 1, 0.5, False)])
def test_error_budget(rejected, total, budget, passed):
    verdict = within_budget(rejected, total, budget)
    assert verdict.passed is passed
    assert ("exceeds" in verdict.description) is (not passed)


def test_conservation_finds_lost_and_double_counted_rows():
    rows = pd.Series([1, 2, 3, 4, 5])
    ok = account_rows(rows, pd.Series([1, 2]), pd.Series([3, 3, 4]), pd.Series([5]))
    assert ok.holds and (ok.loaded, ok.quarantined, ok.merged) == (2, 2, 1)
    lost = account_rows(rows, pd.Series([1, 2]), pd.Series([3]), pd.Series([5]))
    assert not lost.holds and lost.unaccounted == (4,)
    twice = account_rows(rows, pd.Series([1, 2, 3]), pd.Series([3, 4]), pd.Series([5]))
    assert not twice.holds and twice.double_counted == (3,)
