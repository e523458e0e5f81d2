from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from integration_hub.canonical import registry
from integration_hub.erp.base import summarize
from integration_hub.erp.ledger import SqlLedger, normalize_url
from integration_hub_tests.erp.frames import customers, invoice, payments

META = ["mapping_version", "run_id", "loaded_at"]


def _load(ledger, entity, frame, run_id="run-1", version="v1"):
    return ledger.upsert(entity, frame, run_id=run_id, mapping_version=version)


def test_first_load_creates_and_identical_second_load_changes_nothing(ledger):
    frame = payments(50)
    first = _load(ledger, "payment", frame)
    assert summarize(first)["created"] == 50
    before = ledger.read_back("payment")
    second = _load(ledger, "payment", frame, run_id="run-2")
    assert second["outcome"].eq("unchanged").all() and second["message"].eq("").all()
    after = ledger.read_back("payment")
    assert len(after) == 50
    pd.testing.assert_frame_equal(after, before)  # run_id and loaded_at untouched


def test_changed_records_are_updated_and_new_ones_created(ledger):
    frame = payments(6)
    _load(ledger, "payment", frame.iloc[:4])
    changed = frame.copy()
    changed.loc[1, "amount_minor"] += 1
    changed.loc[2, "fee_minor"] = pd.NA if pd.notna(changed.loc[2, "fee_minor"]) else 5
    result = _load(ledger, "payment", changed, run_id="run-2", version="v2")
    assert result["outcome"].tolist() == ["unchanged", "updated", "updated", "unchanged", "created", "created"]
    back = ledger.read_back("payment").set_index("external_id")
    assert back.loc["stripe:ch_0000001", "amount_minor"] == changed.loc[1, "amount_minor"]
    assert back.loc["stripe:ch_0000001", "run_id"] == "run-2" and back.loc["stripe:ch_0000001", "mapping_version"] == "v2"
    assert back.loc["stripe:ch_0000000", "run_id"] == "run-1"


def test_read_back_returns_what_was_loaded_with_canonical_dtypes(ledger):
    frame = payments(20)
    frame.loc[3, "invoice_ref"] = ""  # empty text stays apart from NULL
    frame.loc[4, "paid_at"] = pd.Timestamp("1999-12-31 23:59:59.999999", tz="UTC")
    _load(ledger, "payment", frame)
    back = ledger.read_back("payment")
    assert back.columns.tolist() == [*registry.get("payment").columns, *META]
    assert back["amount_minor"].dtype == "int64" and back["fee_minor"].dtype == "Int64"
    assert str(back["paid_at"].dtype) == str(back["loaded_at"].dtype) == "datetime64[ns, UTC]"
    expected = frame.sort_values("external_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(back[frame.columns.tolist()], expected, check_dtype=True)
    assert back.loc[3, "invoice_ref"] == "" and back.loc[5, "invoice_ref"] is None


def test_read_back_round_trips_every_entity(ledger):
    frames = {
        "customer": customers(),
        "invoice": pd.DataFrame([invoice("INV-1", 1000), invoice("CN-1", -300, kind="credit_note", applies_to="INV-1")]),
        "bank_transaction": pd.DataFrame([{
            "external_id": "bank:S1:4", "source_system": "bank", "source_id": "S1:4", "account_mask": "****6789",
            "statement_id": "S1", "booking_date": pd.Timestamp("2024-03-01", tz="UTC"), "value_date": pd.NaT,
            "amount_minor": -12_345_678_901_234, "currency": "EUR", "type_code": "475", "reference": "INV-1",
            "counterparty": "ACME", "description": "wire, with \"quotes\"",
        }]).assign(value_date=lambda d: pd.to_datetime(d["value_date"], utc=True)),
    }
    for entity, frame in frames.items():
        assert _load(ledger, entity, frame)["outcome"].eq("created").all(), entity
        back = ledger.read_back(entity)
        expected = frame.sort_values("external_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(back[list(registry.get(entity).columns)], expected, check_dtype=False)
        again = _load(ledger, entity, back)  # what was read back hashes to what was stored
        assert again["outcome"].eq("unchanged").all(), entity


def test_read_back_filters_by_external_ids(ledger):
    frame = payments(30)
    _load(ledger, "payment", frame)
    wanted = ["stripe:ch_0000007", "stripe:ch_0000002", "stripe:nope", "stripe:ch_0000007", None]
    back = ledger.read_back("payment", wanted)
    assert back["external_id"].tolist() == ["stripe:ch_0000002", "stripe:ch_0000007"]
    assert ledger.read_back("payment", []).empty


def test_read_back_of_an_empty_table_has_canonical_dtypes(ledger):
    back = ledger.read_back("payment")
    assert back.empty and back["amount_minor"].dtype == "int64"
    assert str(back["paid_at"].dtype) == "datetime64[ns, UTC]"


def test_rejected_records_are_not_loaded_and_the_rest_are(ledger):
    frame = payments(4).set_axis([100, 101, 102, 103])
    frame.loc[101, "currency"] = "usd"
    frame.loc[103, "external_id"] = frame.loc[100, "external_id"]
    result = _load(ledger, "payment", frame)
    assert result.index.tolist() == [100, 101, 102, 103]
    assert result["outcome"].tolist() == ["created", "rejected", "created", "rejected"]
    assert result.loc[101, "message"] == "payment stripe:ch_0000001: currency 'usd' is not 3 upper-case letters"
    assert "duplicate external_id in batch" in result.loc[103, "message"]
    assert ledger.read_back("payment")["external_id"].tolist() == ["stripe:ch_0000000", "stripe:ch_0000002"]


def test_all_rejected_or_empty_batches_write_nothing(ledger):
    frame = payments(2).assign(currency="eur")
    assert _load(ledger, "payment", frame)["outcome"].eq("rejected").all()
    assert _load(ledger, "payment", frame.iloc[:0]).empty
    assert ledger.read_back("payment").empty


def test_urls_and_sqlite_directories(tmp_path):
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg2://u@h/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg2://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
    path = tmp_path / "deep" / "er" / "ledger.db"
    with SqlLedger(f"sqlite:///{path}") as ledger:
        assert set(sa.inspect(ledger.engine).get_table_names()) == {
            *(e.table for e in registry.all_entities().values()), "payment_applications"}
    assert path.exists()
    with pytest.raises(ValueError, match="sqlite and postgresql"):
        SqlLedger("mysql+pymysql://u@h/db")


def test_money_is_bigint_and_keys_are_primary(ledger):
    columns = {c["name"]: c for c in sa.inspect(ledger.engine).get_columns("payments")}
    assert isinstance(columns["amount_minor"]["type"], sa.BigInteger)
    assert sa.inspect(ledger.engine).get_pk_constraint("payments")["constrained_columns"] == ["external_id"]
    pk = sa.inspect(ledger.engine).get_pk_constraint("payment_applications")["constrained_columns"]
    assert pk == ["payment_external_id", "invoice_external_id"]


def test_a_ledger_made_before_a_column_was_declared_gains_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with SqlLedger(url) as ledger:
        ledger.upsert("customer", customers(), run_id="r1", mapping_version="m@1")
        with ledger.engine.begin() as conn:   # as an older release created it
            conn.exec_driver_sql("ALTER TABLE customers DROP COLUMN parent_external_id")
    with SqlLedger(url) as ledger:
        back = ledger.read_back("customer")
        assert len(back) == len(customers()) and back["parent_external_id"].isna().all()


def test_a_line_removed_from_its_order_no_longer_reads_back(ledger):
    from integration_hub_tests.erp import orders_batch

    lines = orders_batch.lines()
    _load(ledger, "sales_order_line", lines)
    kept = lines[lines["external_id"] != "shop:SO-1001/L2"]
    out = _load(ledger, "sales_order_line", kept, run_id="run-2")
    assert out["outcome"].tolist() == ["unchanged"] * 3
    assert ledger.read_back("sales_order_line")["external_id"].tolist() == [
        "shop:SO-1001/L1", "shop:SO-1001/L3", "shop:SO-1002/L1"]
    # A batch naming only SO-1002 leaves SO-1001's lines alone; a line the ledger refuses keeps its stored version.
    refused = lines[lines["order_external_id"] == "shop:SO-1002"].assign(currency="usd")
    assert _load(ledger, "sales_order_line", refused, run_id="run-3")["outcome"].tolist() == ["rejected"]
    back = ledger.read_back("sales_order_line")
    assert back["external_id"].tolist() == ["shop:SO-1001/L1", "shop:SO-1001/L3", "shop:SO-1002/L1"]
    assert back["currency"].tolist() == ["USD"] * 3
