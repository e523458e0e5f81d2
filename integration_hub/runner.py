"""Running a phase job in-process against the local Dagster instance, with progress and a summary."""
from __future__ import annotations

import os
import signal
import socket
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pandas as pd

from integration_hub.config import settings

QUIET_LOGGERS = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
# The process running an in-process run: host, pid and the pid's start time (so a reused pid is not it).
PROCESS_TAG = "ih/process"
UNFINISHED = (dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED)


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
    _keep_children_terminable()
    fail_dead_runs(instance)
    selection = _without_groups(defs, job, skip_groups) if skip_groups else None
    run_id = str(uuid.uuid4())
    config = {**QUIET_LOGGERS, **(run_config or {})}
    box: dict = {}

    def work():
        try:
            box["result"] = job.execute_in_process(run_config=config, instance=instance, run_id=run_id,
                                                   raise_on_error=False, tags={"ih/actor": cli_actor(),
                                                         PROCESS_TAG: process_tag()},
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


def _keep_children_terminable() -> None:
    """A command started in the background of a script (or under some supervisors) inherits SIGINT or
    SIGTERM ignored, and Dagster maps SIGTERM to SIGINT's handler. The `tail -F` processes that mirror
    a run's compute logs then inherit SIGTERM ignored: Dagster's SIGTERM at the run's end cannot stop
    them, and they outlive the command, holding its output pipe open (a caller reading it waits for
    ever). Restore the defaults before the run starts its children; only the main thread may."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.getsignal(signal.SIGTERM) is signal.SIG_IGN:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _start_time(pid: int) -> str:
    """The pid's start time in clock ticks since boot (Linux /proc); "" where that is not known."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def process_tag(pid: int | None = None) -> str:
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}:{pid}:{_start_time(pid)}"


def _alive(tag: str) -> bool:
    host, _, rest = tag.partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True          # another machine's process: not ours to judge
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return not started or _start_time(int(pid)) in ("", started)


def fail_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed the unfinished runs whose process on this host is gone (killed, OOM, power cut).

    An in-process run that dies never reports its end, so without this it stays "started" in
    Dagster for good. Only runs tagged with their process (PROCESS_TAG, set by run_job) are judged.
    """
    failed = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=list(UNFINISHED))):
        tag = run.tags.get(PROCESS_TAG)
        if tag and not _alive(tag):
            instance.report_run_failed(run, f"the process that ran it ({tag}) is gone: killed before the run "
                                            "ended; a later run re-runs its work (ERP loads are idempotent)")
            failed.append(run.run_id)
    return failed


def _without_groups(defs: dg.Definitions, job, groups: tuple[str, ...]) -> list[dg.AssetKey]:
    """The job's assets minus those groups and everything downstream of them."""
    graph = defs.resolve_asset_graph()
    dropped = (dg.AssetSelection.groups(*groups).downstream()).resolve(graph)
    return [k for k in job.asset_layer.selected_asset_keys if k not in dropped
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
