"""The close calendar: go-live refused in a quarter's final week and in blackouts, with the next safe
window named; 4-4-5 period boundaries; a malformed calendar rejected naming the file and field."""
from __future__ import annotations

from datetime import date

import pytest

from integration_hub.governance.calendar import CalendarError, FiscalCalendar, load_calendar

MONTHS = """
fiscal_year: {start: {month: 1, day: 1}, periods: months}
blackouts:
  - {start: 2027-01-04, end: 2027-01-15, reason: year-end audit}
"""


@pytest.fixture
def calendar(tmp_path):
    path = tmp_path / "calendar.yaml"
    path.write_text(MONTHS)
    return load_calendar(path)


def test_the_last_week_of_a_quarter_is_refused_and_the_next_safe_window_named(calendar):
    decision = calendar.check_golive(date(2026, 3, 27))
    assert not decision.allowed
    assert decision.reason == "2026-03-27 is in the final week of fiscal Q1 2026 (ends 2026-03-31)"
    assert decision.next_safe == (date(2026, 4, 1), date(2026, 4, 14))


def test_the_next_safe_window_is_allowed_and_is_the_window_it_lies_in(calendar):
    decision = calendar.check_golive(date(2026, 4, 6))
    assert decision.allowed and "period 4 (Q2)" in decision.reason
    assert decision.next_safe == (date(2026, 4, 1), date(2026, 4, 14))


def test_a_day_allowed_outside_a_safe_window_points_to_the_next_period_start(calendar):
    decision = calendar.check_golive(date(2026, 5, 20))
    assert decision.allowed and decision.next_safe == (date(2026, 6, 1), date(2026, 6, 14))


def test_a_blackout_is_refused_and_the_window_after_it_named(calendar):
    decision = calendar.check_golive(date(2027, 1, 5))
    assert not decision.allowed
    assert decision.reason == "2027-01-05 is in blackout 'year-end audit' 2027-01-04..2027-01-15"
    # 2027-01-16 is day 16 of January: past the first two weeks, so February's opens the next window
    assert decision.next_safe == (date(2027, 2, 1), date(2027, 2, 14))
    assert calendar.check_golive(date(2027, 1, 3)).next_safe == (date(2027, 1, 1), date(2027, 1, 3))


def test_month_periods_and_quarter_ends_for_a_february_fiscal_year():
    cal = FiscalCalendar(start_month=2, start_day=1)
    periods = cal.periods(2026)
    assert (periods[0].start, periods[0].end, periods[-1].start, periods[-1].end) == \
        (date(2026, 2, 1), date(2026, 2, 28), date(2027, 1, 1), date(2027, 1, 31))
    assert cal.period_of(date(2026, 1, 15)).fiscal_year == 2025
    assert cal.quarter_end(date(2026, 3, 3)) == date(2026, 4, 30)
    assert not cal.check_golive(date(2026, 4, 25)).allowed


def test_4_4_5_periods_start_on_the_first_sunday_and_a_53rd_week_goes_into_period_12():
    cal = FiscalCalendar(start_month=1, start_day=1, periods_kind="4-4-5")
    # 2026-01-01 is a Thursday: the year starts Sunday 2026-01-04; 4, 4 and 5 weeks make Q1.
    p = cal.periods(2026)
    assert [(x.start, x.end) for x in p[:4]] == [
        (date(2026, 1, 4), date(2026, 1, 31)), (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 4, 4)), (date(2026, 4, 5), date(2026, 5, 2))]
    assert [x.quarter for x in p] == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    assert p[-1].end == date(2027, 1, 2) and (p[-1].end - p[-1].start).days + 1 == 35    # 52 weeks
    # 2028 starts Sunday 2028-01-02, 2029 Sunday 2029-01-07: 53 weeks, period 12 has six
    last = cal.periods(2028)[-1]
    assert (last.start, last.end) == (date(2028, 11, 26), date(2029, 1, 6))
    assert cal.period_of(date(2026, 1, 2)).fiscal_year == 2025
    decision = cal.check_golive(date(2026, 3, 30))
    assert not decision.allowed and "(ends 2026-04-04)" in decision.reason
    assert decision.next_safe == (date(2026, 4, 5), date(2026, 4, 18))


def test_4_5_4_puts_the_long_period_in_the_middle():
    p = FiscalCalendar(start_month=1, start_day=1, periods_kind="4-5-4").periods(2026)
    assert [((x.end - x.start).days + 1) // 7 for x in p[:3]] == [4, 5, 4]


def test_the_packaged_calendar_loads_and_env_overrides_it(tmp_path, monkeypatch):
    assert load_calendar().periods_kind == "months"
    path = tmp_path / "mine.yaml"
    path.write_text("fiscal_year: {start: {month: 7, day: 1}, periods: 5-4-4, week_start: monday}\n")
    monkeypatch.setenv("IH_CALENDAR_FILE", str(path))
    cal = load_calendar()
    assert (cal.start_month, cal.periods_kind, cal.year_start(2026)) == (7, "5-4-4", date(2026, 7, 6))


@pytest.mark.parametrize("text, message", [
    ("fiscal_year: {start: {month: 13, day: 1}}", "fiscal_year.start.month: must be 1..12, not 13"),
    ("fiscal_year: {start: {month: 1, day: 31}}", "fiscal_year.start.day: must be 1..28"),
    ("fiscal_year: {start: {month: 1, day: 1}, periods: 4-4-4}", "fiscal_year.periods: must be months or one of"),
    ("fiscal_year: {start: {month: 1, day: 1}, periods: 4-4-5, week_start: someday}", "fiscal_year.week_start"),
    ("periods: months", "fiscal_year: missing"),
    ("fiscal_year: {start: {month: 1, day: 1}}\nblackouts: [{start: 2026-02-10, end: 2026-02-01, reason: x}]",
     "blackouts[0].end: 2026-02-01 is before its start 2026-02-10"),
    ("fiscal_year: {start: {month: 1, day: 1}}\nblackouts: [{start: soon, end: 2026-02-01, reason: x}]",
     "blackouts[0].start: must be a date"),
    ("fiscal_year: {start: {month: 1, day: 1}}\nblackouts: [{start: 2026-02-01, end: 2026-02-01}]",
     "blackouts[0].reason: missing"),
])
def test_a_bad_calendar_is_rejected_naming_file_and_field(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(CalendarError) as error:
        load_calendar(path)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)
