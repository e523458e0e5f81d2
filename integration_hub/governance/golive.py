"""Go-live: a phase's first load as the system of record, inside the close calendar, judged by its criteria.

`golive` authorizes "phase.golive", refuses a day the fiscal calendar forbids (a quarter's final
week, a blackout) naming the next safe window, captures the ERP's before-images (rollback.py
returns to them), runs the phase's job in-process tagged as its go-live run (so a locked or
rolled-back phase may load), then measures the phase's success criteria. Every criterion's
outcome and the run's asset-check results go into the `golive_outcomes` table and the
"phase.golive" audit entry; the phase moves to `live` only when the run succeeded and every
criterion passed (a criterion that could not be measured has not passed). A dry run checks the
calendar and the criteria as they stand, without capturing or loading.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa

from integration_hub.audit.chain import AuditTrail
from integration_hub.audit.store import metadata
from integration_hub.governance import before_images
from integration_hub.governance.access import authorize
from integration_hub.governance.phase_state import GOLIVE_TAG, current_status, record_status
from integration_hub.governance.phases import load_phases

GOLIVE_ID_TAG = "integration_hub/golive_id"

golive_outcomes = sa.Table(
    "golive_outcomes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("golive_id", sa.String(64), nullable=False, index=True),
    sa.Column("phase", sa.String(64), nullable=False, index=True),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("dry_run", sa.Boolean, nullable=False),
    sa.Column("run_id", sa.String(64)),
    sa.Column("run_success", sa.Boolean),
    sa.Column("live", sa.Boolean, nullable=False),
    sa.Column("criteria", sa.Text, nullable=False),      # JSON: name, description, measured, passed
    sa.Column("checks", sa.Text, nullable=False),        # JSON: asset, check, passed, severity
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("audit_seq", sa.Integer),
)


class GoLiveRefused(Exception):
    """A go-live that may not start (unknown phase, wrong status): the message is the one line to show."""


@dataclass
class GoLiveOutcome:
    phase: str
    day: date
    allowed: bool                      # the calendar and the phase's status let it start
    live: bool                         # the phase moved to live
    message: str                       # one line for the operator
    next_safe: tuple[date, date] | None = None
    golive_id: str | None = None
    dry_run: bool = False
    run_id: str | None = None
    run_success: bool | None = None
    criteria: list[dict] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)
    audit_seq: int | None = None

    @property
    def failed_criteria(self) -> list[str]:
        return [c["name"] for c in self.criteria if c["passed"] is not True]

    @property
    def failed_checks(self) -> list[str]:
        return [f"{c['asset']}:{c['check']}" for c in self.checks if not c["passed"]]

    @property
    def ok(self) -> bool:
        """Live after a real go-live; for a dry run, the calendar allows the day and every criterion passes."""
        return self.live if not self.dry_run else self.allowed and not self.failed_criteria


def _criterion(result) -> dict:
    raw = asdict(result) if is_dataclass(result) else dict(result._asdict())
    return {"name": str(raw["name"]), "description": str(raw.get("description") or ""),
            "measured": json.loads(json.dumps(raw.get("measured"), default=str)), "passed": raw.get("passed")}


def _refuse(store, actor: str, phase: str, day: date, reason: str, next_safe=None) -> GoLiveOutcome:
    details = {"day": day, "reason": reason, **({"next_safe": list(next_safe)} if next_safe else {})}
    entry = AuditTrail(store.engine).append(actor, "phase.golive.refused", f"phase/{phase}", details=details)
    window = f"; next safe window {next_safe[0]} to {next_safe[1]}" if next_safe else ""
    return GoLiveOutcome(phase, day, False, False, f"go-live of {phase} refused: {reason}{window}", next_safe,
                         audit_seq=entry.seq)


def golive(store, phase_name: str, actor: str | None = None, *, today: date, instance, calendar=None,
           dry_run: bool = False, target=None) -> GoLiveOutcome:
    """Take `phase_name` live on `today` (see the module docstring). `store`: a HubStore; `instance`: the
    DagsterInstance the run executes on; `target`: the ErpTarget the before-image is read from
    (default: the configured one, which the run's ERP resource also loads into)."""
    from integration_hub.governance.calendar import load_calendar

    phases = load_phases()
    if phase_name not in phases:
        raise GoLiveRefused(f"no phase {phase_name!r}; phases: {', '.join(phases)}")
    phase = phases[phase_name]
    actor = authorize(store.engine, "phase.golive", actor, obj=f"phase/{phase.name}").id
    status = current_status(store.engine, phase)
    if status == "live":
        return _refuse(store, actor, phase.name, today, f"phase {phase.name} is already live")
    if status == "planned":
        return _refuse(store, actor, phase.name, today, f"phase {phase.name} is planned: its job holds no ERP "
                                                        "loads until its scope is locked")
    decision = (calendar or load_calendar()).check_golive(today)
    if not decision.allowed:
        return _refuse(store, actor, phase.name, today, decision.reason, decision.next_safe)
    from integration_hub.governance.criteria import measure_phase

    if dry_run:
        criteria = [_criterion(c) for c in measure_phase(phase, store, instance)]
        outcome = GoLiveOutcome(phase.name, today, True, False, "", decision.next_safe, dry_run=True,
                                criteria=criteria)
        outcome.message = (f"dry run: {phase.name} may go live on {today} ({decision.reason}); "
                           + (f"criteria not passing now: {', '.join(outcome.failed_criteria)}"
                              if outcome.failed_criteria else "every criterion passes now"))
        return _record(store, actor, outcome, "phase.golive.dry_run")

    golive_id = uuid.uuid4().hex
    own_target = target is None
    if own_target:
        from integration_hub.erp.factory import make_target

        target = make_target()
    try:
        captured = before_images.capture(store, target, phase, golive_id)
    finally:
        if own_target:
            target.close()
    from integration_hub.definitions import build_definitions

    result = build_definitions().resolve_job_def(f"{phase.name}_phase").execute_in_process(
        instance=instance, tags={GOLIVE_TAG: phase.name, GOLIVE_ID_TAG: golive_id, "ih/actor": actor},
        raise_on_error=False)
    checks = [{"asset": e.asset_key.to_user_string(), "check": e.check_name, "passed": bool(e.passed),
               "severity": str(getattr(e.severity, "value", e.severity))}
              for e in result.get_asset_check_evaluations()]
    criteria = [_criterion(c) for c in measure_phase(phase, store, instance)]
    outcome = GoLiveOutcome(phase.name, today, True, False, "", decision.next_safe, golive_id=golive_id,
                            run_id=result.run_id, run_success=result.success, criteria=criteria, checks=checks)
    outcome.live = bool(result.success) and not outcome.failed_criteria
    if outcome.live:
        record_status(store.engine, phase.name, "live", actor=actor, reason=f"go-live {golive_id}",
                      details={"golive_id": golive_id, "run_id": result.run_id, "day": today.isoformat()})
        outcome.message = (f"phase {phase.name} is live (go-live {golive_id}, run {result.run_id}): "
                           f"{len(criteria)} criteria passed; before-image of {sum(captured.records.values())} "
                           f"records kept for rollback")
    else:
        why = []
        if not result.success:
            why.append("the run failed" + (f" (checks failed: {', '.join(outcome.failed_checks)})"
                                           if outcome.failed_checks else ""))
        if outcome.failed_criteria:
            why.append(f"criteria not passed: {', '.join(outcome.failed_criteria)}")
        outcome.message = (f"phase {phase.name} stays {status}: {'; '.join(why)} (go-live {golive_id}; "
                           f"`integration-hub rollback {phase.name}` returns the ERP to its before-image)")
    return _record(store, actor, outcome, "phase.golive")


def _record(store, actor: str, outcome: GoLiveOutcome, action: str) -> GoLiveOutcome:
    """The outcome row and its audit entry, committed together."""
    golive_outcomes.create(store.engine, checkfirst=True)
    details = {"golive_id": outcome.golive_id, "day": outcome.day.isoformat(), "dry_run": outcome.dry_run,
               "run_id": outcome.run_id, "run_success": outcome.run_success, "live": outcome.live,
               "criteria": outcome.criteria, "failed_criteria": outcome.failed_criteria,
               "checks": {"total": len(outcome.checks), "failed": outcome.failed_checks}}
    trail = AuditTrail(store.engine)
    with trail.locked() as conn:
        entry = trail.append(actor, action, f"phase/{outcome.phase}", details=details, conn=conn)
        conn.execute(golive_outcomes.insert().values(
            golive_id=outcome.golive_id or "", phase=outcome.phase, actor=actor, day=outcome.day,
            dry_run=outcome.dry_run, run_id=outcome.run_id, run_success=outcome.run_success, live=outcome.live,
            criteria=json.dumps(outcome.criteria, default=str), checks=json.dumps(outcome.checks, default=str),
            at=datetime.now(UTC), audit_seq=entry.seq))
    outcome.audit_seq = entry.seq
    return outcome


def outcomes(store, phase: str | None = None) -> list[dict]:
    """Recorded go-lives and dry runs, oldest first, criteria and checks parsed."""
    golive_outcomes.create(store.engine, checkfirst=True)
    query = sa.select(golive_outcomes).order_by(golive_outcomes.c.id)
    if phase is not None:
        query = query.where(golive_outcomes.c.phase == phase)
    with store.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for row in rows:
        row["criteria"], row["checks"] = json.loads(row["criteria"]), json.loads(row["checks"])
    return rows
