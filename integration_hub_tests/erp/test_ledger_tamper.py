"""Out-of-band edits of the SQL ledger: found by their fingerprint, reported, repaired by the next load."""
from __future__ import annotations

import pandas as pd

from integration_hub.audit.chain import AuditTrail
from integration_hub.erp.ledger_tamper import (find_tampered, record_repairs, record_tampering, repair_message,
                                               repairs)
from integration_hub_tests.erp.frames import invoice, payments

EDITED = "stripe:ch_0000002"


def _load(ledger, entity, frame, run_id="run-1"):
    return ledger.upsert(entity, frame, run_id=run_id, mapping_version="v1")


def _sql(ledger, statement: str) -> None:
    with ledger.engine.begin() as conn:
        conn.exec_driver_sql(statement)


def test_a_ledger_as_the_hub_left_it_has_no_tampering(ledger):
    _load(ledger, "payment", payments(20))
    _load(ledger, "invoice", pd.DataFrame([invoice("INV-1", 1000)]))
    found = find_tampered(ledger)
    assert found.empty and list(found.columns) == ["entity", "external_id", "detail"]


def test_direct_edit_of_an_amount_is_found_and_repaired_by_the_next_load(ledger):
    frame = payments(5)
    _load(ledger, "payment", frame)
    _sql(ledger, f"UPDATE payments SET amount_minor = 1, status = 'refunded' WHERE external_id = '{EDITED}'")

    found = find_tampered(ledger)
    assert found[["entity", "external_id"]].values.tolist() == [["payment", EDITED]]
    assert "no longer matches the fingerprint the hub wrote" in found["detail"].iloc[0]

    result = _load(ledger, "payment", frame, run_id="run-2")
    assert result["outcome"].tolist() == ["unchanged", "unchanged", "updated", "unchanged", "unchanged"]
    assert result["message"].iloc[2] == repair_message(["amount_minor", "status"])
    assert repairs(result).values.tolist() == [[EDITED, "amount_minor, status"]]
    back = ledger.read_back("payment").set_index("external_id")
    assert back.loc[EDITED, "amount_minor"] == frame.loc[2, "amount_minor"] and back.loc[EDITED, "run_id"] == "run-2"
    assert find_tampered(ledger).empty
    assert _load(ledger, "payment", frame, run_id="run-3")["outcome"].eq("unchanged").all()


def test_edit_to_a_value_the_hub_never_writes_is_found_with_the_broken_rule(ledger):
    frame = payments(3)
    _load(ledger, "payment", frame)
    _sql(ledger, f"UPDATE payments SET currency = NULL WHERE external_id = '{EDITED}'")
    found = find_tampered(ledger)
    assert found["external_id"].tolist() == [EDITED] and "missing currency" in found["detail"].iloc[0]
    result = _load(ledger, "payment", frame, run_id="run-2")
    assert result["message"].iloc[2] == repair_message(["currency"])
    assert ledger.read_back("payment", [EDITED])["currency"].tolist() == ["USD"]


def test_a_genuine_change_over_an_edit_is_an_ordinary_update(ledger):
    frame = payments(3)
    _load(ledger, "payment", frame)
    _sql(ledger, f"UPDATE payments SET amount_minor = 1 WHERE external_id = '{EDITED}'")
    frame.loc[2, "amount_minor"] += 5
    result = _load(ledger, "payment", frame, run_id="run-2")
    assert result["outcome"].tolist() == ["unchanged", "unchanged", "updated"] and repairs(result).empty
    assert ledger.read_back("payment", [EDITED])["amount_minor"].tolist() == [frame.loc[2, "amount_minor"]]


def test_tampering_and_repairs_are_audit_entries(ledger, tmp_path):
    trail = AuditTrail(f"sqlite:///{tmp_path / 'hub.db'}")
    frame = payments(3)
    _load(ledger, "payment", frame)
    assert record_tampering(trail, "ann", find_tampered(ledger)) is None
    _sql(ledger, f"UPDATE payments SET amount_minor = 1 WHERE external_id = '{EDITED}'")
    detected = record_tampering(trail, "ann", find_tampered(ledger))
    assert (detected.action, detected.object) == ("erp.tamper_detected", "erp")
    assert f'"payment":["{EDITED}"]' in detected.details and '"records":1' in detected.details
    outcome = _load(ledger, "payment", frame, run_id="run-2")
    repaired = record_repairs(trail, "ann", "payment", outcome, run_id="run-2")
    assert (repaired.action, repaired.object) == ("erp.tamper_repaired", "erp/payments")
    assert f'"{EDITED}":"amount_minor"' in repaired.details and '"run_id":"run-2"' in repaired.details
    assert record_repairs(trail, "ann", "payment", _load(ledger, "payment", frame, "run-3"), run_id="run-3") is None
    assert trail.verify().ok
