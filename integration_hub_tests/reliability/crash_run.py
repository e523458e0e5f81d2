"""Run the cash phase the way `integration-hub demo` does, and SIGKILL this process at $IH_KILL_AT.

Usage: IH_KILL_AT=<point> python -m integration_hub_tests.reliability.crash_run SCALE SEED
(cwd: the data folder), or `run(...)` in a process forked from a preloaded one (conftest).

Kill points (IH_KILL_AT; empty runs to completion):
  after:<stage>          every step of the stage (extracted, cleaned, mapped) has succeeded
  after:master           master/customers (golden records and crosswalk) succeeded
  after:<entity>         erp/<entity>s/loaded succeeded (customer, invoice, payment, bank_transaction)
  write:<entity>         inside the ledger transaction of the entity's first batch, all its rows
                         written, before COMMIT
  batch:<entity>         the entity's first batch committed in the ERP, the rest of its load not done
  applied:payment        payment applications committed, the load's evidence not yet written
  lineage:<entity>       the load's lineage rows written, its audit entry not yet
  audit:<entity>         the load's "erp.load" audit entry written, its journal entry still open
                         (both inside the load's evidence transaction, so neither commits)
  journal:<entity>       the load's evidence transaction (lineage, audit entry, journal) committed,
                         its cursors and the step's end not yet

The process dies by SIGKILL (no exception, no finally, no atexit), so whatever was not
committed is lost exactly as in a power cut or an OOM kill.
"""
from __future__ import annotations

import functools
import os
import signal
import sys
from contextlib import contextmanager
from integration_hub.canonical import registry

KILL_AT, KIND, WHAT = "", "", ""
STAGES = ("extracted", "cleaned", "mapped")
POINT_KINDS = ("after", "write", "batch", "applied", "lineage", "audit", "journal")
PLURAL = {name: declared.plural for name, declared in registry.all_entities().items()}


def die(where: str) -> None:
    print(f"crash_run: SIGKILL at {KILL_AT} ({where})", file=sys.stderr, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


def _after_steps() -> None:
    """Kill once the steps that end a stage have succeeded (Dagster's STEP_SUCCESS, stored)."""
    import dagster as dg

    if WHAT in STAGES:
        def wanted(step_key: str) -> bool:
            return step_key.endswith(f"__{WHAT}")
    elif WHAT == "master":
        def wanted(step_key: str) -> bool:
            return step_key == "master_customers"
    else:
        def wanted(step_key: str) -> bool:
            return step_key == f"erp__{PLURAL[WHAT]}__loaded"
    done: set[str] = set()
    original = dg.DagsterInstance.handle_new_event

    @functools.wraps(original)
    def handle_new_event(self, event, *args, **kwargs):
        result = original(self, event, *args, **kwargs)
        dagster_event = getattr(event, "dagster_event", None)
        if dagster_event is not None and dagster_event.event_type == dg.DagsterEventType.STEP_SUCCESS \
                and wanted(dagster_event.step_key or ""):
            done.add(dagster_event.step_key)
            if WHAT not in STAGES or done >= _stage_steps():
                die(f"after {sorted(done)}")
        return result

    dg.DagsterInstance.handle_new_event = handle_new_event


@functools.cache
def _stage_steps() -> set[str]:
    from integration_hub.definitions import defs

    return {s for s in defs.resolve_job_def("cash_phase").graph.node_dict if s.endswith(f"__{WHAT}")}


def _in_load() -> None:
    """Kill points inside an ERP load: the ledger's writes and the load's evidence."""
    from integration_hub.audit import chain
    from integration_hub.erp import load as assets
    from integration_hub.erp import ledger

    if KIND in ("write", "batch"):
        original_upsert = ledger.SqlLedger.upsert

        def upsert(self, entity, records, **kwargs):
            if entity != WHAT:
                return original_upsert(self, entity, records, **kwargs)
            if KIND == "write":
                self._bulk._transaction = _killing_transaction(self._bulk._transaction, entity)
            outcome = original_upsert(self, entity, records, **kwargs)
            die(f"after the first {entity} batch ({len(records)} records) committed")
            return outcome

        ledger.SqlLedger.upsert = upsert
    elif KIND == "applied":
        original_apply = ledger.SqlLedger.apply_payments

        def apply_payments(self, run_id):
            applied = original_apply(self, run_id)
            die(f"after {len(applied)} payment applications committed")
            return applied

        ledger.SqlLedger.apply_payments = apply_payments
    elif KIND == "lineage":
        original_lineage = assets.record_lineage

        def record_lineage(engine, frame):
            count = original_lineage(engine, frame)
            if not frame.empty and frame["erp_entity"].iloc[0] == WHAT:
                die(f"after {count} lineage rows")
            return count

        assets.record_lineage = record_lineage
    elif KIND in ("audit", "journal"):
        original_append, original_locked = chain.AuditTrail.append, chain.AuditTrail.locked
        state = {"armed": False}

        def append(self, actor, action, obj, *args, **kwargs):
            entry = original_append(self, actor, action, obj, *args, **kwargs)
            if action == "erp.load" and obj == f"erp/{PLURAL[WHAT]}" and "completed_by_run" not in (
                    args[2] if len(args) > 2 else kwargs.get("details") or {}):
                if KIND == "audit":
                    die(f"after audit entry {entry.seq}, before its transaction commits")
                state["armed"] = True
            return entry

        @contextmanager
        def locked(self):
            with original_locked(self) as conn:
                yield conn
            if state["armed"]:
                die("after the load's lineage, audit entry and journal entry committed")

        chain.AuditTrail.append = append
        chain.AuditTrail.locked = locked


def _killing_transaction(transaction, entity: str):
    """The backend's write transaction, dying after its body ran and before its COMMIT."""
    @contextmanager
    def killing(*args, **kwargs):
        with transaction(*args, **kwargs) as conn:
            yield conn
            die(f"inside the {entity} write transaction, before COMMIT")
    return killing


def install(kill_at: str) -> None:
    """Arm the kill point `kill_at` in this process (see the module docstring); "" arms none."""
    global KILL_AT, KIND, WHAT
    KILL_AT = kill_at
    KIND, _, WHAT = kill_at.partition(":")
    if KIND and KIND not in POINT_KINDS:
        raise ValueError(f"unknown kill point {kill_at!r}")
    if KIND == "after":
        _after_steps()
    elif KIND:
        _in_load()


def demo(scale: int, seed: int) -> int:
    from integration_hub.cli import main as cli_main

    return cli_main(["demo", "--phase", "cash", "--scale", str(scale), "--seed", str(seed)])


def run(kill_at: str, scale: int, seed: int, env: dict[str, str | None], cwd: str, log: str) -> None:
    """Child process body: this environment and folder, output to `log`, the demo, killed at `kill_at`."""
    for name, value in env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    os.chdir(cwd)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    install(kill_at)
    sys.exit(demo(scale, seed))


if __name__ == "__main__":
    install(os.environ.get("IH_KILL_AT", ""))
    sys.exit(demo(int(sys.argv[1]), int(sys.argv[2])))
