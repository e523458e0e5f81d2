import json

import pandas as pd
import pytest
import sqlalchemy as sa

from integration_hub.audit.lineage import lineage_for, record_lineage

GATES = ["cleaned: pandera customer schema", "loaded: go-live suite", "loaded: conservation"]
CUSTOMER_RULES = {"name": "billing.company_name | standardize.company_name (system of record: billing)",
                  "email": "stripe.email | lower", "phone": "crm.Phone | e164"}


def merged_customer(run_id: str, mapping_version: str, loaded_at: str) -> pd.DataFrame:
    sources = [("billing", "customers", "CUST-000001", 2, "billing/customers.csv", None),
               ("stripe", "customers", "cus_A1", 7, "http://127.0.0.1/v1/customers",
                {"rule": "email exact", "score": 1.0, "matched_with": "billing:CUST-000001"}),
               ("crm", "accounts", "001A000001", 4, "crm/accounts.csv",
                {"rule": "name + postal code", "score": 0.93, "matched_with": "billing:CUST-000001"})]
    return pd.DataFrame([{
        "erp_entity": "customer", "external_id": "billing:CUST-000001", "source_system": system,
        "source_entity": entity, "source_id": source_id, "source_row": row, "origin": origin,
        "extracted_at": pd.Timestamp("2025-03-01 08:00", tz="UTC"), "mapping_version": mapping_version,
        "field_rules": CUSTOMER_RULES, "run_id": run_id, "loaded_at": loaded_at, "gates_passed": GATES,
        "master_id": "M-000001", "merge_evidence": evidence}
        for system, entity, source_id, row, origin, evidence in sources])


def payment() -> pd.DataFrame:
    return pd.DataFrame({
        "erp_entity": ["payment"], "external_id": ["stripe:ch_0001"], "source_system": ["stripe"],
        "source_entity": ["charges"], "source_id": ["ch_0001"], "source_row": [12], "origin": ["stripe/charges.csv"],
        "extracted_at": ["2025-03-01T08:00:00Z"], "mapping_version": ["stripe-payments@3"],
        "field_rules": [json.dumps({"amount_minor": "amount (already minor units)", "currency": "upper(currency)"})],
        "run_id": ["run-1"], "gates_passed": [json.dumps(GATES)]})


def check_round_trip(url: str) -> None:
    assert record_lineage(url, merged_customer("run-1", "crm-customers@1", "2025-03-01 09:00:00+00:00")) == 3
    assert record_lineage(url, payment()) == 1
    # A later run reloads the billing record under a newer mapping version.
    assert record_lineage(url, merged_customer("run-2", "crm-customers@2", "2025-03-02 09:00:00+00:00").head(1)) == 1

    golden = lineage_for(url, "customer", "billing:CUST-000001")
    assert golden["found"] and golden["merged_into"] is None
    assert golden["systems"] == ["billing", "crm", "stripe"]
    assert [(s["source_system"], s["source_id"], s["run_id"]) for s in golden["sources"]] == [
        ("billing", "CUST-000001", "run-2"), ("crm", "001A000001", "run-1"), ("stripe", "cus_A1", "run-1")]
    assert golden["mapping_version"] == "crm-customers@2" and golden["field_rules"] == CUSTOMER_RULES
    assert golden["run_id"] == "run-2" and golden["loaded_at"] == "2025-03-02T09:00:00+00:00"
    assert golden["gates_passed"] == GATES
    assert [load["run_id"] for load in golden["loads"]] == ["run-2", "run-1"]
    assert golden["master_id"] == "M-000001"
    evidence = {e["source_id"]: e["merge_evidence"] for e in golden["merge_evidence"]}
    assert evidence == {"CUST-000001": None, "cus_A1": {"rule": "email exact", "score": 1.0,
                                                        "matched_with": "billing:CUST-000001"},
                        "001A000001": {"rule": "name + postal code", "score": 0.93,
                                       "matched_with": "billing:CUST-000001"}}
    source = next(s for s in golden["sources"] if s["source_system"] == "crm")
    assert (source["source_row"], source["origin"], source["extracted_at"]) == \
        (4, "crm/accounts.csv", "2025-03-01T08:00:00+00:00")

    via_source = lineage_for(url, "customer", "stripe:cus_A1")
    assert via_source["found"] and via_source["merged_into"] == "billing:CUST-000001"
    assert via_source["systems"] == golden["systems"]

    paid = lineage_for(url, "payment", "stripe:ch_0001")
    assert paid["systems"] == ["stripe"] and paid["mapping_version"] == "stripe-payments@3"
    assert paid["field_rules"]["currency"] == "upper(currency)" and paid["gates_passed"] == GATES
    assert paid["master_id"] is None and paid["merge_evidence"] is None
    assert paid["sources"][0]["source_row"] == 12 and paid["loaded_at"] is not None    # defaulted to now
    json.dumps(paid)                                                                       # JSON-ready

    assert lineage_for(url, "payment", "stripe:ch_missing") == {
        "entity": "payment", "external_id": "stripe:ch_missing", "found": False, "merged_into": None}


def test_lineage_round_trip_on_sqlite(tmp_path):
    check_round_trip(f"sqlite:///{tmp_path / 'hub.db'}")


def test_lineage_round_trip_on_postgresql(pg_database):
    check_round_trip(pg_database)


def test_bulk_lineage_of_a_hundred_thousand_rows(tmp_path):
    n = 100_000
    rules = {"amount_minor": "amount", "currency": "upper(currency)"}
    frame = pd.DataFrame({"erp_entity": "payment", "external_id": [f"stripe:ch_{i}" for i in range(n)],
                          "source_system": "stripe", "source_id": [f"ch_{i}" for i in range(n)],
                          "source_row": range(2, n + 2), "field_rules": [rules] * n, "run_id": "run-big",
                          "loaded_at": pd.Timestamp("2025-01-01", tz="UTC")})
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    assert record_lineage(url, frame) == n
    answer = lineage_for(url, "payment", "stripe:ch_99999")
    assert answer["sources"][0]["source_row"] == 100_001 and answer["field_rules"] == rules
    with sa.create_engine(url).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM lineage")).scalar() == n


@pytest.mark.parametrize(("change", "message"), [
    (lambda f: f.drop(columns=["run_id"]), "lacks required column"),
    (lambda f: f.assign(external_id=[None]), r"rows 0: external_id is required"),
    (lambda f: f.assign(source_id=[""]), "source_id is required"),
    (lambda f: f.assign(colour=["red"]), "does not know: colour"),
])
def test_bad_lineage_frames_are_refused(tmp_path, change, message):
    with pytest.raises(ValueError, match=message):
        record_lineage(f"sqlite:///{tmp_path / 'hub.db'}", change(payment()))


def test_an_engine_and_an_empty_frame_are_accepted(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    assert record_lineage(engine, pd.DataFrame()) == 0
    assert record_lineage(engine, payment()) == 1
    assert lineage_for(engine, "payment", "stripe:ch_0001")["found"]
    engine.dispose()
