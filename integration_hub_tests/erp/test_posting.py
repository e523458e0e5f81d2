"""The hub-side posting record: plan before posting, record what the ERP accepted."""
from __future__ import annotations

import pandas as pd
import pytest

from integration_hub.erp.posting import PostingLog


@pytest.fixture
def log(tmp_path):
    posting_log = PostingLog(f"sqlite:///{tmp_path / 'data' / 'hub.db'}")
    yield posting_log
    posting_log.close()


def batch(**fingerprints) -> pd.DataFrame:
    return pd.DataFrame({"external_id": list(fingerprints), "fingerprint": list(fingerprints.values())})


def test_unknown_records_are_created_then_unchanged_then_updated(log):
    first = log.plan("netsuite", "customer", batch(a="f1", b="f2"))
    assert first["action"].tolist() == ["create", "create"] and first["erp_id"].isna().all()
    log.record("netsuite", "customer", first.assign(erp_id=["101", "102"]), run_id="run-1", mapping_version="m@v1")
    second = log.plan("netsuite", "customer", batch(a="f1", b="f2-changed", c="f3"))
    assert second["action"].tolist() == ["unchanged", "update", "create"]
    assert second["erp_id"].tolist() == ["101", "102", None]


def test_record_replaces_the_previous_posting(log):
    log.record("acumatica", "payment", batch(x="old").assign(erp_id="guid-1"), run_id="r1", mapping_version="v1")
    log.record("acumatica", "payment", batch(x="new").assign(erp_id="guid-1"), run_id="r2", mapping_version="v2")
    rows = log.postings("acumatica", "payment")
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row["fingerprint"], row["run_id"], row["mapping_version"]) == ("new", "r2", "v2")
    assert row["posted_at"].tzinfo is not None


def test_targets_and_entities_are_kept_apart(log):
    log.record("netsuite", "customer", batch(a="f").assign(erp_id="1"), run_id="r", mapping_version="v")
    assert log.plan("acumatica", "customer", batch(a="f"))["action"].tolist() == ["create"]
    assert log.plan("netsuite", "invoice", batch(a="f"))["action"].tolist() == ["create"]
    assert log.postings("netsuite", "customer", ["a", "zz"])["external_id"].tolist() == ["a"]


def test_plan_keeps_the_input_index(log):
    records = batch(a="f", b="g").set_axis([10, 20])
    assert log.plan("tryton", "invoice", records).index.tolist() == [10, 20]


def test_large_id_lists_are_looked_up_in_chunks(log):
    many = pd.DataFrame({"external_id": [f"s:{i}" for i in range(12_000)], "fingerprint": "f", "erp_id": None})
    log.record("tryton", "payment", many, run_id="r", mapping_version="v")
    assert len(log.postings("tryton", "payment", many["external_id"])) == 12_000
