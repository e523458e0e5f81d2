import json

import pandas as pd
import pytest

from integration_hub.audit.store import HubStore


def _exercise(store: HubStore):
    rows = pd.DataFrame({"source_id": ["ch_2", None], "row_number": [2, None], "rule": ["amount.minor_units", "x"],
                         "column_name": ["amount", None], "value": ["12.5x", None], "record": [{"id": "ch_2"}, None]})
    assert store.add_quarantine("run-1", "stripe", "charges", "cleaned", rows) == 2
    store.add_quarantine("run-2", "stripe", "refunds", "mapped", rows.head(1))
    got = store.quarantined(run_ids=["run-1"], system="stripe", entity="charges")
    assert got["rule"].tolist() == ["amount.minor_units", "x"]
    assert got["record"].iloc[0] == '{"id": "ch_2"}' and pd.isna(got["row_number"].iloc[1])
    assert len(store.quarantined(stage="mapped")) == 1

    store.add_merges("run-1", "stripe", "charges", pd.DataFrame(
        {"source_id": ["ch_1"], "row_number": [3], "merged_into": ["ch_1"], "reason": ["exact duplicate of row 1"]}))
    assert store.merged(run_ids=["run-1"], system="stripe", entity="charges")["row_number"].tolist() == [3]

    assert store.get_cursor("stripe", "charges") is None
    store.set_cursor("stripe", "charges", "1735689600", "run-1")
    store.set_cursor("stripe", "charges", "1735700000", "run-2")
    assert store.get_cursor("stripe", "charges") == "1735700000"

    store.record_metric("run-1", "stripe", "charges", "cleaned", rows_in=10, rows_out=8, quarantined=2)
    store.record_metric("run-1", "stripe", "charges", "cleaned", rows_in=10, rows_out=9, quarantined=1)
    metrics = store.metrics(["run-1"])
    assert metrics[["rows_out", "quarantined"]].values.tolist() == [[9, 1]]   # re-recording replaces

    store.record_failure("run-3", "cash_phase", "boom")
    assert store.failures()[["run_id", "job_name", "message"]].values.tolist() == [["run-3", "cash_phase", "boom"]]


def test_hub_store_on_sqlite(tmp_path):
    store = HubStore(f"sqlite:///{tmp_path / 'nested' / 'hub.db'}")
    _exercise(store)
    store.dispose()


def test_hub_store_on_postgresql(pg_database):
    store = HubStore(pg_database.replace("postgresql+psycopg2://", "postgresql://"))   # plain URLs are pinned to psycopg2
    _exercise(store)
    store.dispose()


def test_record_flags_round_trip(tmp_path):
    store = HubStore(f"sqlite:///{tmp_path / 'hub.db'}")
    rows = pd.DataFrame({"source_id": ["ch_1", None], "row_number": [3, None], "column_name": ["description"] * 2})
    assert store.add_flags("r1", "stripe", "charges", "extracted", "card_number_masked", rows) == 2
    assert store.add_flags("r1", "stripe", "charges", "extracted", "card_number_masked", rows.iloc[:0]) == 0
    flags = store.flags(run_ids=["r1"], flag="card_number_masked")
    assert flags["source_id"].tolist() == ["ch_1", None] and flags["row_number"].iloc[0] == 3
    assert store.flags(flag="account_number_masked").empty


def test_quarantine_stores_values_and_records_scrubbed_whatever_the_caller(tmp_path):
    store = HubStore(f"sqlite:///{tmp_path / 'hub.db'}")
    key = "sk_live_51HxAbCdEfGh0123456789"
    rows = pd.DataFrame({"source_id": ["cus_1", "cus_2"], "row_number": [1, 2], "rule": ["erp_rejected: x", "y"],
                         "column_name": ["address_line1", None], "value": ["SSN 219-09-9999", "12,50 EUR"],
                         "record": [{"id": "cus_1", "note": f"key {key}"}, '{"id":"cus_2","memo":"ref 219 09 9999"}']})
    store.add_quarantine("run-1", "stripe", "customers", "loaded", rows)
    got = store.quarantined(run_ids=["run-1"])
    assert got["value"].tolist() == ["SSN [SSN]", "12,50 EUR"]
    assert [json.loads(r) for r in got["record"]] == [{"id": "cus_1", "note": "key [REDACTED]"},
                                                      {"id": "cus_2", "memo": "ref [SSN]"}]
    store.dispose()
