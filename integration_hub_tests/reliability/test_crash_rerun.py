"""Crash anywhere, re-run, same ERP: the demo killed (SIGKILL) at each stage boundary and inside each
ERP load, then run again to the end, leaves the ERP and the hub store a clean run leaves.

After every kill the ERP holds no record a clean run would not hold, and none with other content;
the run to the end leaves the clean run's external ids, content fingerprints and payment
applications, nothing lost or duplicated, the same cursors, every load journaled as done with
exactly one "erp.load" audit entry, lineage for every ERP record, and `audit verify` passing.

A scenario is a sequence of kill points: the first run dies at the first point, its re-run at
the second (a crash during recovery), and so on; then one run goes to the end. Single points
are the plain crash-then-rerun case. Every kill point is in some scenario; IH_CRASH_EVERY_POINT=1
adds a single-point scenario for each of them (about 15 s each on a quiet 2-core machine).
"""
from __future__ import annotations

import os

import pytest

from integration_hub_tests.reliability.crash_harness import (  # noqa: F401  (fixtures)
    KILLED, compare, crash_company, crash_keys, hub_problems, new_site, reference, run_statuses, site, snapshot)

STAGES = ("after:extracted", "after:cleaned", "after:mapped", "after:master")
SCENARIOS = [
    STAGES,
    ("write:customer", "batch:customer", "lineage:customer", "after:customer"),
    ("write:invoice", "batch:invoice", "audit:invoice", "after:invoice"),
    ("write:payment", "batch:payment", "applied:payment", "journal:payment", "after:payment"),
    ("write:bank_transaction", "batch:bank_transaction", "lineage:bank_transaction", "after:bank_transaction"),
    # one crash, one re-run: ERP writes committed and their evidence not yet, per kind of evidence
    ("batch:payment",), ("applied:payment",), ("lineage:customer",),
]
EVERY_POINT = sorted({p for s in SCENARIOS for p in s} | {
    f"{kind}:{e}" for kind in ("write", "batch", "lineage", "audit", "journal", "after")
    for e in ("customer", "invoice", "payment", "bank_transaction")})
if os.environ.get("IH_CRASH_EVERY_POINT"):
    SCENARIOS += [(p,) for p in EVERY_POINT if (p,) not in SCENARIOS]
# PostgreSQL (hub store and ledger): each entity's load killed mid-way, crashes during recovery included.
POSTGRES_SCENARIOS = [("write:customer", "batch:invoice", "batch:payment", "applied:payment",
                       "batch:bank_transaction"), ("lineage:invoice",)]


def _ids(scenario) -> str:
    return "+".join(scenario)


def _kill(site, reference, point: str, before) -> object:
    code, log = site.run(point)
    assert code == KILLED, f"the run was not killed at {point} (exit {code}):\n{log[-3000:]}"
    assert f"SIGKILL at {point}" in log
    killed = snapshot(site)
    partial = compare(killed, reference)
    assert not partial.extra and not partial.changed and not partial.duplicates, (
        f"after the kill at {point} the ERP holds records a clean run does not: extra {partial.extra[:5]}, "
        f"changed {partial.changed[:5]}, {partial.duplicates} duplicates")
    kind, _, entity = point.partition(":")
    if kind == "write":
        assert len(killed.records[entity]) == len(before.records[entity]), \
            f"{entity}: an uncommitted write reached the ERP"
    if kind == "batch":
        assert len(killed.records[entity]), f"{entity}: the first batch should be in the ERP"
    return killed


def crash_and_rerun(site, reference, scenario) -> str:
    state, left = snapshot(site), []
    for point in scenario:
        state = _kill(site, reference, point, state)
        left.append(str(sum(len(r) for r in state.records.values())))
    code, log = site.run()
    label = " then ".join(scenario)
    assert code == 0, f"the re-run after the kill at {label} failed (exit {code}):\n{log[-3000:]}"
    after = snapshot(site)
    result = compare(after, reference)
    assert not result.lost, f"lost after the re-run: {result.lost[:10]}"
    assert not result.extra, f"records a clean run does not hold: {result.extra[:10]}"
    assert not result.changed, f"content differs from the clean run: {result.changed[:10]}"
    assert result.duplicates == 0
    assert after.applications.equals(reference.applications), "payment applications differ from the clean run"
    assert after.cursors == reference.cursors
    problems = hub_problems(site)
    assert not problems, "\n".join(problems)
    # The killed runs are marked failed by the runs after them, not left "started" in Dagster.
    assert run_statuses(site) == ["FAILURE"] * len(scenario) + ["SUCCESS"]
    line = (f"kill at {label}: rerun ok, {result.equal} ids equal, {result.duplicates} dup, {len(result.lost)} lost, "
            f"{len(after.applications)} payment applications equal; ERP records after each kill: {', '.join(left)}")
    print(line)
    return line


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS, ids=_ids)
def test_killed_then_rerun_gives_the_clean_run_erp_on_sqlite(site, reference, scenario):
    crash_and_rerun(site, reference, scenario)


@pytest.mark.slow
@pytest.mark.parametrize("scenario", POSTGRES_SCENARIOS, ids=_ids)
def test_killed_then_rerun_gives_the_clean_run_erp_on_postgresql(tmp_path, crash_company, crash_keys, reference,
                                                                   new_pg_database, scenario):
    site = new_site(tmp_path, crash_company, crash_keys, hub_url=new_pg_database(), erp_url=new_pg_database())
    crash_and_rerun(site, reference, scenario)
