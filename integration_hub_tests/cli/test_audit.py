"""`integration-hub audit verify`: a wiped trail and an ERP edited behind the hub's back both fail it."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from integration_hub.audit.chain import AuditTrail
from integration_hub.cli import main
from integration_hub.config import settings
from integration_hub.erp.ledger import SqlLedger
from integration_hub_tests.erp.frames import payments

EDITED = "stripe:ch_0000002"


@pytest.fixture
def trail(hub_env):
    trail = AuditTrail(settings().hub_db_url)
    for n in range(3):
        trail.append("ann", "load", f"erp/payments#{n}")
    yield trail
    trail.dispose()


def _sql(url: str, statement: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(statement)
    engine.dispose()


def test_a_sound_trail_and_ledger_pass(trail, capsys):
    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"OK: 3 entries verified; anchored at {trail.anchor()}")
    assert "ERP ledger: no record edited outside the hub" in out


def test_an_empty_store_passes(hub_env, capsys):
    assert main(["audit", "verify"]) == 0 and capsys.readouterr().out.startswith("OK: 0 entries verified")


@pytest.mark.parametrize("wipe, message", [
    ("DROP TABLE audit_chain", "the chain is empty (audit_chain dropped or emptied) but the anchor records entry 3"),
    ("DELETE FROM audit_chain", "the chain is empty"),
    ("DELETE FROM audit_chain WHERE seq = 3", "the chain ends at entry 2 but the anchor records entry 3"),
    ("DELETE FROM audit_anchor", "the anchor is missing"),
])
def test_a_wiped_or_cut_trail_fails(trail, capsys, wipe, message):
    _sql(settings().hub_db_url, wipe)
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("BROKEN at entry ") and message in out


def test_an_amount_edited_in_the_ledger_is_reported_as_tampering_until_a_load_repairs_it(trail, capsys):
    ledger = SqlLedger(settings().erp_url)
    frame = payments(4)
    ledger.upsert("payment", frame, run_id="run-1", mapping_version="v1")
    _sql(settings().erp_url, f"UPDATE payments SET amount_minor = 1 WHERE external_id = '{EDITED}'")

    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("OK: 3 entries verified")
    assert "TAMPERED: 1 ERP record edited outside the hub (audit entry 4)" in out
    assert f"  payment {EDITED}: stored content no longer matches the fingerprint the hub wrote" in out
    assert trail.entries()["action"].iloc[-1] == "erp.tamper_detected"

    ledger.upsert("payment", frame, run_id="run-2", mapping_version="v1")
    ledger.close()
    assert main(["audit", "verify"]) == 0
    assert "ERP ledger: no record edited outside the hub" in capsys.readouterr().out


def test_other_erp_targets_are_not_checked(trail, capsys, monkeypatch):
    monkeypatch.setenv("IH_ERP_TARGET", "netsuite")
    assert main(["audit", "verify"]) == 0
    assert "ERP netsuite: not checked (only the SQL ledger keeps content fingerprints)" in capsys.readouterr().out


def test_a_published_anchor_must_be_seq_and_hash(trail, capsys):
    assert main(["audit", "verify", "--anchor", "3:abc"]) == 2
    assert "--anchor" in capsys.readouterr().err
    assert main(["audit", "verify", "--anchor", str(trail.anchor())]) == 0
