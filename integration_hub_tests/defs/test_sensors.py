import json
import shutil

import dagster as dg

from integration_hub.audit.store import HubStore
from integration_hub.config import settings
from integration_hub.defs.resources import HubStoreResource
from integration_hub.defs.sensors import BANK_EXTRACT_OP, bank_inbox_sensor, record_run_failures


def evaluate(instance, cursor=None):
    context = dg.build_sensor_context(instance=instance, cursor=cursor, sensor_name="bank_inbox_sensor",
                                      resources={"hub": HubStoreResource()})
    return bank_inbox_sensor(context)


def test_bank_sensor_starts_one_sync_per_new_file_and_reports_bad_files(company, instance):
    inbox = settings().inbox_dir / "bank"
    inbox.mkdir(parents=True)
    assert isinstance(evaluate(instance), dg.SkipReason)

    statement = next(p for p in (company / "bank").iterdir() if p.suffix == ".bai")
    shutil.copy(statement, inbox / "today.bai")
    (inbox / "broken.xml").write_text("<not-a-statement/>")
    result = evaluate(instance)
    assert [r.run_config["ops"][BANK_EXTRACT_OP]["config"]["files"] for r in result.run_requests] == \
        [[str(inbox / "today.bai")]]
    assert result.run_requests[0].tags["source_file"] == "today.bai"
    assert set(json.loads(result.cursor)) == {"today.bai", "broken.xml"}
    quarantined = HubStore(settings().hub_db_url).quarantined(stage="inbox")
    assert quarantined["source_id"].tolist() == ["broken.xml"]
    assert quarantined["rule"].tolist() == ["statement_format"]

    again = evaluate(instance, cursor=result.cursor)
    assert isinstance(again, dg.SkipReason)          # each file is processed once


def test_bank_sync_run_from_the_sensor_loads_only_that_file(company, instance):
    from integration_hub.definitions import build_definitions

    inbox = settings().inbox_dir / "bank"
    inbox.mkdir(parents=True)
    statement = next(p for p in (company / "bank").iterdir() if p.suffix == ".sta")
    shutil.copy(statement, inbox / "gbp.sta")
    request = evaluate(instance).run_requests[0]
    job = build_definitions().resolve_job_def("bank_sync")
    result = job.execute_in_process(instance=instance, run_config=request.run_config, raise_on_error=False)
    assert result.success
    origin = result.asset_materializations_for_node(BANK_EXTRACT_OP)[0].metadata["origin"].value
    assert origin == str(inbox / "gbp.sta")


def test_failed_runs_are_recorded_in_the_hub_store(hub_env, instance):
    @dg.asset
    def boom():
        raise RuntimeError("ERP unreachable")

    result = dg.materialize([boom], instance=instance, raise_on_error=False)
    event = instance.all_logs(result.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)[0].dagster_event
    context = dg.build_run_status_sensor_context(
        sensor_name="record_run_failures", dagster_instance=instance, dagster_run=result.dagster_run,
        dagster_event=event, resources={"hub": HubStoreResource()}).for_run_failure()
    record_run_failures(context)
    failures = HubStore(settings().hub_db_url).failures()
    assert failures["run_id"].tolist() == [result.run_id]
    assert "boom" in failures["message"].iloc[0]          # the failure names the step that failed
