"""A run killed (SIGKILL) between its ERP writes and its evidence: the next run completes the evidence."""
import json
import subprocess
import sys
import textwrap

import pytest
import sqlalchemy as sa

from integration_hub.audit.chain import AuditTrail
from integration_hub.audit.lineage import with_lineage
from integration_hub.audit.load_journal import load_journal
from integration_hub.config import settings
from integration_hub.erp.ledger import SqlLedger
from integration_hub_tests.defs.conftest import run_phase

KILLED_RUN = textwrap.dedent("""
    import os, signal
    import dagster as dg
    import integration_hub.erp.load as assets

    record = assets.record_lineage
    def killed(engine, frame):
        if {after_lineage} or frame.empty or frame["erp_entity"].iloc[0] != "customer":
            record(engine, frame)
        if not frame.empty and frame["erp_entity"].iloc[0] == "customer":
            os.kill(os.getpid(), signal.SIGKILL)
    assets.record_lineage = killed

    from integration_hub.definitions import build_definitions
    with dg.DagsterInstance.ephemeral() as instance:
        build_definitions().resolve_job_def("cash_phase").execute_in_process(instance=instance, raise_on_error=False)
""")


@pytest.mark.parametrize("after_lineage", [False, True], ids=["before-lineage", "before-audit-entry"])
def test_records_a_killed_run_committed_get_lineage_and_an_audit_entry(company, instance, after_lineage):
    killed = subprocess.run([sys.executable, "-c", KILLED_RUN.format(after_lineage=after_lineage)],
                            capture_output=True, text=True, timeout=600)
    assert killed.returncode == -9, killed.stderr[-2000:]
    customers = SqlLedger(settings().erp_url).read_back("customer")
    assert len(customers), "the killed run should have committed its first ERP load"
    hub = sa.create_engine(settings().hub_db_url)
    with hub.connect() as conn:
        dead_run = conn.execute(sa.select(load_journal.c.run_id).where(
            load_journal.c.erp_entity == "customer")).scalar_one()

    assert run_phase(instance).success
    ledger = SqlLedger(settings().erp_url)
    for entity in ("customer", "invoice", "payment"):
        ids = ledger.read_back(entity)["external_id"].tolist()
        assert set(ids) == with_lineage(hub, entity, ids), f"{entity}: records without lineage"
    entries = AuditTrail(hub).entries()
    loads = entries[(entries["action"] == "erp.load") & (entries["object"] == "erp/customers")]
    runs = [json.loads(d)["run_id"] for d in loads["details"]]
    assert runs.count(dead_run) == 1                    # the dead run's load is on record, exactly once
    with hub.connect() as conn:
        states = dict(conn.execute(sa.select(load_journal.c.run_id, load_journal.c.status)).fetchall())
    assert states[dead_run] == "completed_by_later_run" and "pending" not in states.values()
    assert AuditTrail(hub).verify().ok
