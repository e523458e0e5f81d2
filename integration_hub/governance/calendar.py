"""The fiscal close calendar (governance/calendar.yaml): periods, quarter ends, blackouts, go-live windows.

A go-live is refused in the final week (7 days) of a fiscal quarter, when close is under way, and
inside any configured blackout; the window it recommends instead is the first two weeks (days 1-14)
of a period, the quietest time after a close. Fiscal year N starts in calendar year N.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

CALENDAR_FILE = Path(__file__).with_name("calendar.yaml")
WEEK_PATTERNS = {"4-4-5": (4, 4, 5), "4-5-4": (4, 5, 4), "5-4-4": (5, 4, 4)}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FINAL_WEEK_DAYS = 7
SAFE_DAYS = 14
_SEARCH_DAYS = 800      # a safe window is never further off than this (two years of blackouts at most)


class CalendarError(ValueError):
    """The calendar file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Period:
    number: int          # 1..12 within the fiscal year
    start: date
    end: date            # inclusive
    quarter: int         # 1..4
    fiscal_year: int = 0


@dataclass(frozen=True)
class Blackout:
    start: date
    end: date
    reason: str

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class GoLiveDecision:
    allowed: bool
    reason: str
    next_safe: tuple[date, date]


@dataclass(frozen=True)
class FiscalCalendar:
    start_month: int
    start_day: int
    periods_kind: str = "months"          # "months" or a WEEK_PATTERNS key
    week_start: int = 6                   # date.weekday() of the first day of a week-based year (6 = Sunday)
    blackouts: tuple[Blackout, ...] = ()

    def year_start(self, fiscal_year: int) -> date:
        nominal = date(fiscal_year, self.start_month, self.start_day)
        if self.periods_kind == "months":
            return nominal
        return nominal + timedelta(days=(self.week_start - nominal.weekday()) % 7)

    def periods(self, fiscal_year: int) -> list[Period]:
        start, following = self.year_start(fiscal_year), self.year_start(fiscal_year + 1)
        if self.periods_kind == "months":
            starts = [_add_months(start, n) for n in range(12)]
        else:
            weeks = WEEK_PATTERNS[self.periods_kind] * 4
            starts = [start + timedelta(weeks=sum(weeks[:n])) for n in range(12)]
        ends = [s - timedelta(days=1) for s in starts[1:]] + [following - timedelta(days=1)]   # a 53rd week: period 12
        return [Period(n + 1, s, e, n // 3 + 1, fiscal_year) for n, (s, e) in enumerate(zip(starts, ends))]

    def period_of(self, day: date) -> Period:
        year = day.year if day >= self.year_start(day.year) else day.year - 1
        return next(p for p in self.periods(year) if p.start <= day <= p.end)

    def quarter_end(self, day: date) -> date:
        period = self.period_of(day)
        return self.periods(period.fiscal_year)[period.quarter * 3 - 1].end

    def blackout_of(self, day: date) -> Blackout | None:
        return next((b for b in self.blackouts if day in b), None)

    def in_final_week(self, day: date) -> bool:
        return self.quarter_end(day) - day < timedelta(days=FINAL_WEEK_DAYS)

    def is_safe(self, day: date) -> bool:
        """In a period's first two weeks, outside a quarter's final week and every blackout."""
        return ((day - self.period_of(day).start).days < SAFE_DAYS and not self.in_final_week(day)
                and self.blackout_of(day) is None)

    def safe_window(self, day: date) -> tuple[date, date]:
        """The safe window containing `day`, else the first one starting after it."""
        first = day
        while not self.is_safe(first):
            first += timedelta(days=1)
            if (first - day).days > _SEARCH_DAYS:
                raise CalendarError(f"no safe go-live window within {_SEARCH_DAYS} days of {day}")
        period = self.period_of(first)
        start = first
        while start > period.start and self.is_safe(start - timedelta(days=1)):
            start -= timedelta(days=1)
        end = first
        while end < period.end and self.is_safe(end + timedelta(days=1)):
            end += timedelta(days=1)
        return start, end

    def check_golive(self, day: date) -> GoLiveDecision:
        window = self.safe_window(day)
        blackout = self.blackout_of(day)
        if blackout is not None:
            return GoLiveDecision(False, f"{day} is in blackout {blackout.reason!r} "
                                         f"{blackout.start}..{blackout.end}", window)
        if self.in_final_week(day):
            period = self.period_of(day)
            return GoLiveDecision(False, f"{day} is in the final week of fiscal Q{period.quarter} "
                                         f"{period.fiscal_year} (ends {self.quarter_end(day)})", window)
        period = self.period_of(day)
        return GoLiveDecision(True, f"{day} is in fiscal {period.fiscal_year} period {period.number} "
                                    f"(Q{period.quarter}), outside the quarter's final week and every blackout",
                              window)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, day.day)    # day <= 28: valid in every month


def calendar_file() -> Path:
    return Path(os.environ.get("IH_CALENDAR_FILE") or CALENDAR_FILE)


def load_calendar(path: Path | None = None) -> FiscalCalendar:
    """The calendar in `path`, else $IH_CALENDAR_FILE, else the packaged calendar.yaml."""
    path = Path(path) if path is not None else calendar_file()
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise CalendarError(f"{path}: cannot read the calendar: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("fiscal_year"), dict):
        raise CalendarError(f"{path}: fiscal_year: missing (a mapping with start and periods)")
    year = data["fiscal_year"]
    start = year.get("start")
    if not isinstance(start, dict):
        raise CalendarError(f"{path}: fiscal_year.start: missing (a mapping with month and day)")
    month, day = start.get("month"), start.get("day")
    if not isinstance(month, int) or not 1 <= month <= 12:
        raise CalendarError(f"{path}: fiscal_year.start.month: must be 1..12, not {month!r}")
    if not isinstance(day, int) or not 1 <= day <= 28:
        raise CalendarError(f"{path}: fiscal_year.start.day: must be 1..28 (a day every month has), not {day!r}")
    kind = str(year.get("periods", "months"))
    if kind != "months" and kind not in WEEK_PATTERNS:
        raise CalendarError(f"{path}: fiscal_year.periods: must be months or one of {list(WEEK_PATTERNS)}, "
                            f"not {kind!r}")
    week_start = str(year.get("week_start", "sunday")).lower()
    if week_start not in WEEKDAYS:
        raise CalendarError(f"{path}: fiscal_year.week_start: must be one of {list(WEEKDAYS)}, not {week_start!r}")
    return FiscalCalendar(start_month=month, start_day=day, periods_kind=kind, week_start=WEEKDAYS.index(week_start),
                          blackouts=tuple(_blackout(path, n, raw) for n, raw in enumerate(data.get("blackouts") or [])))


def _blackout(path: Path, n: int, raw) -> Blackout:
    field = f"blackouts[{n}]"
    if not isinstance(raw, dict):
        raise CalendarError(f"{path}: {field}: must be a mapping with start, end and reason")
    for key in ("start", "end"):
        if not isinstance(raw.get(key), date):
            raise CalendarError(f"{path}: {field}.{key}: must be a date (YYYY-MM-DD), not {raw.get(key)!r}")
    if raw["end"] < raw["start"]:
        raise CalendarError(f"{path}: {field}.end: {raw['end']} is before its start {raw['start']}")
    if not str(raw.get("reason") or "").strip():
        raise CalendarError(f"{path}: {field}.reason: missing (say why no go-live may happen then)")
    return Blackout(raw["start"], raw["end"], str(raw["reason"]).strip())
