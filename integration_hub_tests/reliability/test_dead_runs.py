"""A run whose process was killed is marked failed by the next run, not left "started" for good."""
import subprocess
import sys
import uuid

import dagster as dg

from integration_hub.runner import PROCESS_TAG, fail_dead_runs, process_tag


def _started_run(instance: dg.DagsterInstance, tag: str) -> str:
    run_id = str(uuid.uuid4())
    instance.add_run(dg.DagsterRun(job_name="cash_phase", run_id=run_id, status=dg.DagsterRunStatus.STARTED,
                                   tags={PROCESS_TAG: tag}))
    return run_id


def test_runs_of_dead_processes_are_marked_failed_and_live_ones_are_left_alone():
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)
    with dg.DagsterInstance.ephemeral() as instance:
        dead = _started_run(instance, process_tag(dead_pid).rsplit(":", 1)[0] + ":1")   # pid gone (or reused)
        live = _started_run(instance, process_tag())
        other_host = _started_run(instance, "another-host:1:1")
        untagged = _started_run(instance, "")
        assert fail_dead_runs(instance) == [dead]
        status = {r.run_id: r.status for r in instance.get_runs()}
        assert status[dead] == dg.DagsterRunStatus.FAILURE
        assert {status[live], status[other_host], status[untagged]} == {dg.DagsterRunStatus.STARTED}
        failure = instance.all_logs(dead, of_type=dg.DagsterEventType.RUN_FAILURE)
        assert "is gone" in failure[0].dagster_event.message


def test_a_run_started_with_sigterm_ignored_gives_its_children_sigterm_back():
    """Started in a script's background (SIGINT, SIGTERM ignored), the compute-log `tail -F` processes a
    run starts would ignore Dagster's SIGTERM, outlive the command and hold its output pipe open."""
    import signal

    from integration_hub.runner import _keep_children_terminable

    saved = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _keep_children_terminable()
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGINT, saved[0])
        signal.signal(signal.SIGTERM, saved[1])
