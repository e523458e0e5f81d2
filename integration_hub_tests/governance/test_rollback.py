"""Rollback returns the ERP to a go-live's before-image: the ledger's exact prior content, every action audited."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from integration_hub_tests.defs.conftest import company, company_template, instance  # noqa: F401 (fixtures)
from integration_hub_tests.erp import frames


def _hub():
    from integration_hub.audit.store import HubStore
    from integration_hub.config import settings

    return HubStore(settings().hub_db_url)


def _ledger():
    from integration_hub.config import settings
    from integration_hub.erp.ledger import SqlLedger

    return SqlLedger(settings().erp_url)


def _snapshot(ledger) -> dict:
    """Every entity as the ledger stores it (records with load metadata, and their stored fingerprints)."""
    from integration_hub.canonical import registry

    return {e: ledger.read_fingerprinted(e) for e in registry.all_entities()}


def _golive_run(instance, phase: str):
    from integration_hub.definitions import build_definitions
    from integration_hub.governance.phase_state import GOLIVE_TAG

    return build_definitions().resolve_job_def(f"{phase}_phase").execute_in_process(
        instance=instance, raise_on_error=False, tags={GOLIVE_TAG: phase})


def _assert_same(before: dict, after: dict) -> None:
    for entity, (records, hashes) in before.items():
        got_records, got_hashes = after[entity]
        assert dict(zip(records["external_id"], hashes)) == dict(zip(got_records["external_id"], got_hashes)), entity
        pd.testing.assert_frame_equal(records, got_records, obj=entity)


def test_rollback_of_the_customers_golive_restores_the_ledgers_exact_prior_content(company, instance):
    from integration_hub.audit.chain import AuditTrail
    from integration_hub.governance import before_images
    from integration_hub.governance.phase_state import current_status, record_status
    from integration_hub.governance.phases import load_phases
    from integration_hub.governance.rollback import rollback
    from integration_hub_tests.defs.conftest import run_phase

    assert run_phase(instance, "cash_phase").success
    store, phase = _hub(), load_phases()["customers"]
    record_status(store.engine, "customers", "locked", actor="omar", reason="test: scope locked for go-live")
    with _ledger() as ledger:
        before, applications = _snapshot(ledger), ledger.payment_applications()
        captured = before_images.capture(store, ledger, phase, "golive-1")
        assert captured.entities == ("customer", "contact", "sales_order", "item", "opportunity", "order_refund",
                                     "sales_order_line")
        assert captured.records["customer"] == len(before["customer"][0]) > 0
        assert _golive_run(instance, "customers").success
        during = _snapshot(ledger)
        # the go-live updated existing (master) customers and created orders, lines, items, contacts
        was = dict(zip(before["customer"][0]["external_id"], before["customer"][1]))
        changed = {i for i, h in zip(during["customer"][0]["external_id"], during["customer"][1])
                   if was.get(i) not in (None, h)}
        assert changed and len(during["sales_order"][0]) > 0 and len(during["sales_order_line"][0]) > 0
        cursor = store.get_cursor("crm", "order_items")
        assert cursor is not None

        outcome = rollback(store, ledger, "customers", "omar")
        _assert_same(before, _snapshot(ledger))
        assert ledger.payment_applications().equals(applications)
    assert outcome.restored["customer"] == len(changed)
    assert outcome.removed["sales_order"] == len(during["sales_order"][0])
    assert outcome.removed["sales_order_line"] == len(during["sales_order_line"][0])
    assert store.get_cursor("crm", "order_items") is None and "crm/order_items" in outcome.cursors_reset
    assert current_status(store.engine, phase) == "rolled_back"

    trail = AuditTrail(store.engine)
    entries = trail.entries()
    entry = entries[entries["action"] == "phase.rollback"].iloc[-1]
    details = json.loads(entry["details"])
    assert details["removed"]["sales_order"] == outcome.removed["sales_order"]
    assert details["restored"]["customer"] == len(changed) and details["matches_before_image"] is True
    statuses = [json.loads(d)["status"] for d in entries.loc[entries["action"] == "phase.status", "details"]]
    assert statuses[-2:] == ["locked", "rolled_back"]
    assert trail.verify().ok

    # a second rollback has no go-live left to undo
    from integration_hub.governance.rollback import RollbackRefused

    with _ledger() as ledger, pytest.raises(RollbackRefused, match="already rolled back"):
        rollback(store, ledger, "customers", "omar")


def test_rollback_of_the_cash_golive_removes_everything_it_created_and_its_payment_applications(company, instance):
    from integration_hub.audit.chain import AuditTrail
    from integration_hub.governance import before_images
    from integration_hub.governance.phase_state import record_status
    from integration_hub.governance.phases import load_phases
    from integration_hub.governance.rollback import rollback

    store = _hub()
    record_status(store.engine, "cash", "locked", actor="omar", reason="test: scope locked for go-live")
    with _ledger() as ledger:
        before = _snapshot(ledger)
        captured = before_images.capture(store, ledger, load_phases()["cash"], "golive-cash")
        assert captured.applications == 0
        assert _golive_run(instance, "cash").success
        assert len(ledger.payment_applications()) > 0 and len(ledger.read_back("payment")) > 0
        outcome = rollback(store, ledger, "cash", "omar")
        _assert_same(before, _snapshot(ledger))
        assert ledger.payment_applications().empty
    assert outcome.applications_restored and outcome.removed["payment"] > 0
    assert AuditTrail(store.engine).verify().ok


def test_rollback_without_a_golive_is_refused_and_audited(hub_env):
    from integration_hub.audit.chain import AuditTrail
    from integration_hub.governance.rollback import RollbackRefused, rollback

    store = _hub()
    with _ledger() as ledger, pytest.raises(RollbackRefused,
                                            match="phase customers has no go-live recorded"):
        rollback(store, ledger, "customers", "omar")
    entries = AuditTrail(store.engine).entries()
    assert entries["action"].tolist() == ["phase.rollback.refused"]
    assert "no go-live recorded" in json.loads(entries["details"].iloc[0])["reason"]


def test_rollback_by_an_account_without_the_right_is_refused(hub_env):
    from integration_hub.audit.chain import AuditTrail
    from integration_hub.governance.access import AccessDenied
    from integration_hub.governance.rollback import rollback

    store = _hub()
    with _ledger() as ledger, pytest.raises(AccessDenied, match="dana may not phase.rollback"):
        rollback(store, ledger, "customers", "dana")
    assert AuditTrail(store.engine).entries()["action"].tolist() == ["access.denied"]


def test_a_target_that_cannot_delete_is_refused_before_anything_changes(hub_env, tmp_path):
    from integration_hub.connectors.fakes.netsuite_fake import NetSuiteFake
    from integration_hub.erp.posting import PostingLog
    from integration_hub.governance import before_images
    from integration_hub.governance.phases import Phase
    from integration_hub.governance.rollback import RollbackRefused, rollback
    from integration_hub_tests.erp import erp_batch
    from integration_hub_tests.erp.test_netsuite import CREDS, target_for

    store, postings = _hub(), PostingLog(f"sqlite:///{tmp_path / 'postings.db'}")
    billing = Phase("billing_only", 1, "billing", "locked", ("billing",), 0.0, None)
    with NetSuiteFake(CREDS) as fake:
        target = target_for(fake, postings)
        captured = before_images.capture(store, target, billing, "golive-ns")
        assert captured.entities == ("customer", "invoice") and captured.records == {"customer": 0, "invoice": 0}
        target.upsert("customer", erp_batch.customers(), run_id="run-1", mapping_version="test@v1")
        with pytest.raises(RollbackRefused, match="the NetSuiteTarget target cannot remove and write back records"):
            rollback(store, target, billing, "omar")
        assert len(target.read_back("customer")) == len(erp_batch.customers())
    postings.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_ledger(request, tmp_path):
    from integration_hub.erp.ledger import SqlLedger

    url = f"sqlite:///{tmp_path / 'ledger.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_database")
    ledger = SqlLedger(url)
    yield ledger
    ledger.close()


def test_delete_and_restore_write_records_back_exactly_as_stored(any_ledger):
    """Restored rows are the stored ones byte for byte: reloading the original batch changes nothing."""
    ledger = any_ledger
    customers, payments = frames.customers(), frames.payments(6)
    ledger.upsert("customer", customers, run_id="run-1", mapping_version="v1")
    ledger.upsert("payment", payments, run_id="run-1", mapping_version="v1")
    before = {e: ledger.read_fingerprinted(e) for e in ("customer", "payment")}
    changed = payments.assign(amount_minor=payments["amount_minor"] + 1, status="refunded")
    extra = frames.payments(2, prefix="ch_new_", seed=5)
    ledger.upsert("payment", pd.concat([changed, extra], ignore_index=True), run_id="run-2", mapping_version="v2")
    assert ledger.delete("payment", extra["external_id"]) == 2
    assert ledger.restore("payment", before["payment"][0].assign(content_hash=before["payment"][1])) == 6
    for entity, (records, hashes) in before.items():
        got, got_hashes = ledger.read_fingerprinted(entity)
        pd.testing.assert_frame_equal(records, got)
        assert hashes.tolist() == got_hashes.tolist()
    again = ledger.upsert("payment", payments, run_id="run-3", mapping_version="v1")
    assert set(again["outcome"]) == {"unchanged"}


def test_payment_applications_are_replaced_exactly(any_ledger):
    ledger = any_ledger
    ledger.upsert("customer", frames.customers(), run_id="r", mapping_version="v1")
    ledger.upsert("invoice", pd.DataFrame([frames.invoice("INV-1", 1000)]), run_id="r", mapping_version="v1")
    ledger.upsert("payment", pd.DataFrame([frames.payment("stripe:ch_1", 400, invoice_ref="INV-1")]),
                  run_id="r", mapping_version="v1")
    assert len(ledger.apply_payments("r")) == 1
    image = ledger.payment_applications()
    ledger.upsert("payment", pd.DataFrame([frames.payment("stripe:ch_2", 600, invoice_ref="INV-1")]),
                  run_id="r2", mapping_version="v1")
    ledger.apply_payments("r2")
    assert len(ledger.payment_applications()) == 2
    ledger.replace_payment_applications(image)
    assert ledger.payment_applications().equals(image)
