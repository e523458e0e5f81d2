"""Sensors: new bank statement drops start a bank sync; failed runs are recorded in the hub store."""

import json

import dagster as dg
import pandas as pd

from integration_hub.config import settings
from integration_hub.connectors.extractors import statement_files
from integration_hub.defs.jobs import bank_sync_job
from integration_hub.defs.resources import HubStoreResource

BANK_EXTRACT_OP = "bank__transactions__extracted"


def _fingerprint(path) -> str:
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


@dg.sensor(job=bank_sync_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Starts a bank sync for each new statement file in $IH_INBOX_DIR/bank/; a file that is "
                       "not a statement is quarantined and reported, never retried.")
def bank_inbox_sensor(context: dg.SensorEvaluationContext, hub: HubStoreResource):
    from integration_hub.connectors.bank import StatementFormatError, detect_format

    inbox = settings().inbox_dir / "bank"
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    new = [p for p in statement_files(inbox) if seen.get(p.name) != _fingerprint(p)]
    if not new:
        return dg.SkipReason(f"no new statement files in {inbox}")
    requests, bad = [], []
    for path in new:
        seen[path.name] = _fingerprint(path)
        try:
            detect_format(path.read_bytes()[:65536])
        except StatementFormatError as exc:
            bad.append((path, str(exc)))
            continue
        requests.append(dg.RunRequest(
            run_key=f"{path.name}:{seen[path.name]}", tags={"source_file": path.name},
            run_config={"ops": {BANK_EXTRACT_OP: {"config": {"files": [str(path)]}}}}))
    if bad:
        hub.store().add_quarantine("sensor:" + context.sensor_name, "bank", "transactions", "inbox", pd.DataFrame({
            "source_id": [p.name for p, _ in bad], "row_number": None, "rule": "statement_format",
            "column_name": None, "value": [reason for _, reason in bad], "record": None}))
        for path, reason in bad:
            context.log.warning(f"not a bank statement, quarantined: {path.name}: {reason}")
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(seen, sort_keys=True),
                           skip_reason=None if requests else f"{len(bad)} rejected file(s), nothing to sync")


@dg.run_failure_sensor(default_status=dg.DefaultSensorStatus.RUNNING,
                       description="Records every failed run (job, run id, first error) in the hub store.")
def record_run_failures(context: dg.RunFailureSensorContext, hub: HubStoreResource):
    message = context.failure_event.message or "run failed"
    hub.store().record_failure(context.dagster_run.run_id, context.dagster_run.job_name, message)
