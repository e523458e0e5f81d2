"""Running a phase job in-process against the local Dagster instance, with progress and a summary."""
from __future__ import annotations

import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pandas as pd

from integration_hub.config import settings

QUIET_LOGGERS = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def local_instance() -> dg.DagsterInstance:
    """$DAGSTER_HOME's instance when set; else ./dagster.yaml (what `dagster dev` reads from the repo
    root); else a SQLite instance under $IH_DATA_DIR/dagster."""
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    if Path("dagster.yaml").is_file():
        return dg.DagsterInstance.from_config(str(Path.cwd()))
    home = settings().data_dir / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    return dg.DagsterInstance.from_config(str(home))


def cli_actor() -> str:
    """Who started a run from the command line, as the audit trail names them."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name for this uid (some containers)
        return f"cli:uid-{os.getuid()}"


@dataclass
class RunOutcome:
    run_id: str
    success: bool
    checks: pd.DataFrame        # asset, check, passed, description
    failed_steps: list[str]
    untouched_steps: list[str]


def run_job(defs: dg.Definitions, job_name: str, instance: dg.DagsterInstance, *, run_config: dict | None = None,
            on_step=None, skip_groups: tuple[str, ...] = ()) -> RunOutcome:
    """Execute `job_name` in this process; `on_step(step_key, status, done)` is called as steps finish."""
    job = defs.resolve_job_def(job_name)
    selection = _without_groups(defs, job, skip_groups) if skip_groups else None
    run_id = str(uuid.uuid4())
    config = {**QUIET_LOGGERS, **(run_config or {})}
    box: dict = {}

    def work():
        try:
            box["result"] = job.execute_in_process(run_config=config, instance=instance, run_id=run_id,
                                                   raise_on_error=False, tags={"ih/actor": cli_actor()},
                                                   asset_selection=selection)
        except BaseException as exc:  # surfaced in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    reported: set[str] = set()
    while thread.is_alive():
        thread.join(0.5)
        if on_step is not None:
            _report_steps(instance, run_id, reported, on_step)
    if "error" in box:
        raise box["error"]
    if on_step is not None:
        _report_steps(instance, run_id, reported, on_step)
    result = box["result"]
    checks = pd.DataFrame([{"asset": e.asset_key.to_user_string(), "check": e.check_name, "passed": e.passed,
                            "description": e.description or ""} for e in result.get_asset_check_evaluations()],
                          columns=["asset", "check", "passed", "description"])
    planned = result.dagster_run.step_keys_to_execute
    steps = [s for s in job.graph.node_dict if planned is None or s in planned]
    failed = [e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    untouched = [s for s in steps if result.is_node_untouched(s)]
    return RunOutcome(run_id, result.success, checks, failed, untouched)


def _without_groups(defs: dg.Definitions, job, groups: tuple[str, ...]) -> list[dg.AssetKey]:
    """The job's assets minus those groups and everything downstream of them."""
    graph = defs.resolve_asset_graph()
    dropped = (dg.AssetSelection.groups(*groups).downstream()).resolve(graph)
    return [k for k in job.asset_layer.asset_graph.get_all_asset_keys() if k not in dropped
            and graph.has(k) and not graph.get(k).is_external]


_STEP_EVENTS = {dg.DagsterEventType.STEP_SUCCESS: "ok", dg.DagsterEventType.STEP_FAILURE: "failed"}


def _report_steps(instance, run_id: str, reported: set[str], on_step) -> None:
    for record in instance.all_logs(run_id, of_type=set(_STEP_EVENTS)):
        event = record.dagster_event
        if event is None or event.step_key in reported:
            continue
        reported.add(event.step_key)
        on_step(event.step_key, _STEP_EVENTS[event.event_type], len(reported))


def step_count(defs: dg.Definitions, job_name: str) -> int:
    return len(defs.resolve_job_def(job_name).graph.node_dict)
