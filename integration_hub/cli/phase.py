"""`integration-hub phase status [PHASE] | calendar [--date D]`: each phase's criteria measured; go-live windows."""
from __future__ import annotations

from integration_hub.cli.common import DataCommandError, UsageError
from integration_hub.config import settings

VERDICTS = {True: "PASS", False: "FAIL", None: "NOT MEASURED"}


def cmd_phase_status(args) -> int:
    """Status (the hub store's history, else phases.yaml), go-live date, ROI target and every criterion."""
    from integration_hub.audit.store import HubStore
    from integration_hub.governance.criteria import measure_phase
    from integration_hub.governance.phase_state import current_status
    from integration_hub.governance.phases import load_phases
    from integration_hub.runner import local_instance

    phases = load_phases()
    if args.phase is not None and args.phase not in phases:
        raise UsageError(f"unknown phase {args.phase!r}; known phases: {', '.join(phases)}")
    chosen = [phases[args.phase]] if args.phase else list(phases.values())
    store = HubStore(settings().hub_db_url)
    try:
        with local_instance() as instance:
            for phase in chosen:
                roi = "not set" if phase.roi_target_hours_per_month is None else \
                    f"{phase.roi_target_hours_per_month:g} hours/month"
                print(f"{phase.order}. {phase.name} ({phase.title})")
                print(f"   status {current_status(store.engine, phase)}; go-live {phase.go_live or 'not set'}; "
                      f"ROI target {roi}; systems {', '.join(phase.systems)}")
                for result in measure_phase(phase, store, instance):
                    print(f"   {VERDICTS[result.passed]:<12} {result.name}: {result.measured}")
    finally:
        store.dispose()
    return 0


def cmd_phase_calendar(args) -> int:
    from datetime import date

    from integration_hub.governance.calendar import CalendarError, calendar_file, load_calendar

    try:
        day = date.fromisoformat(args.date) if args.date else date.today()
    except ValueError:
        raise UsageError(f"--date: {args.date!r} is not a date (YYYY-MM-DD)") from None
    try:
        calendar = load_calendar()
    except CalendarError as exc:
        raise DataCommandError(str(exc)) from None
    decision = calendar.check_golive(day)
    start, end = decision.next_safe
    period = calendar.period_of(start)
    print(f"{'ALLOWED' if decision.allowed else 'REFUSED'}: go-live on {decision.reason}")
    print(f"next safe window: {start}..{end} (fiscal {period.fiscal_year} period {period.number}, "
          f"Q{period.quarter}; calendar {calendar_file()})")
    return 0


def add_commands(sub) -> None:
    phase = sub.add_parser("phase", help="go-live phases: criteria measured, close calendar").add_subparsers(
        dest="phase_command", required=True)
    status = phase.add_parser("status", help="each phase's status, go-live date, ROI target and success "
                                             "criteria with the measured value: PASS, FAIL or NOT MEASURED")
    status.add_argument("phase", nargs="?", help="only this phase (default: every phase, in go-live order)")
    status.set_defaults(func=cmd_phase_status)
    calendar = phase.add_parser("calendar", help="whether a go-live may happen on a day (not in a fiscal "
                                                 "quarter's final week nor a blackout) and the next safe window")
    calendar.add_argument("--date", help="YYYY-MM-DD (default: today)")
    calendar.set_defaults(func=cmd_phase_calendar)
