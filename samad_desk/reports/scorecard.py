"""The manager scorecard (کارنامه مدیران): per agency and its manager, for one Jalali month —
cases received, answered in time %, mean working days to answer, overdue now, returns,
satisfaction % — the rank in the province and the trend of in-time % over the months
before. Answering within the deadline is part of each manager's evaluation (domain.md).

Built on the report engine: one pivot (agency and manager × month) over the month and the
months before it, and one report of what is overdue now (whenever it was registered), by
agency: on the current manager's row only. A case counts for the manager named when it
was referred (``reports/facts.py``), so a change of manager splits the agency's months.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import jdatetime

from samad_desk.domain.sla import WorkingCalendar
from samad_desk.reports.deadlines import DeadlineCue
from samad_desk.reports.engine import Executor, Result, label_of, run
from samad_desk.reports.spec import ReportSpec

MEASURES = ("cases", "in_time_pct", "mean_days", "returns", "satisfaction_pct")
SPARK = "▁▂▃▄▅▆▇█"


@dataclass
class ScoreRow:
    agency: str
    name: str
    manager: str
    values: dict
    overdue_now: int = 0
    rank: int = 0
    trend: list[float | None] = field(default_factory=list)  # in-time %, oldest month first

    @property
    def id(self) -> str:
        # agency and manager: after a change of manager an agency has two rows (keyed by
        # the agency alone, the table drew the second with the first one's cached text)
        return f"{self.agency}|{self.manager}"

    @property
    def trend_mark(self) -> str:
        """This month's in-time % against the mean of the months before that have one:
        ▲ better, ▼ worse (by a point or more), = about the same, · not known."""
        now, before = (self.trend[-1], [v for v in self.trend[:-1] if v is not None]) if self.trend else (None, [])
        if now is None or not before:
            return "·"
        delta = now - sum(before) / len(before)
        return "▲" if delta >= 1 else "▼" if delta <= -1 else "="

    @property
    def cue(self) -> DeadlineCue:
        """How a table styles the row: as overdue when the agency has overdue cases now."""
        return DeadlineCue("", "overdue" if self.overdue_now else "ok", None)


def month_key(today: date, back: int = 0) -> str:
    j = jdatetime.date.fromgregorian(date=today)
    y, m = j.year, j.month - back
    while m < 1:
        y, m = y - 1, m + 12
    return f"{y:04d}/{m:02d}"


def _month_values(cell: dict | None) -> dict:
    """A month's measures of a row; a count the month did not have is 0, a ratio None."""
    values = cell or dict.fromkeys(MEASURES)
    return {k: (v if v is not None else (0 if k in ("cases", "returns") else None)) for k, v in values.items()}


def sparkline(values: list[float | None]) -> str:
    """One character per month, 0–100 % (· for a month without answers)."""
    return "".join("·" if v is None else SPARK[min(7, int(v / 100 * 8))] for v in values)


def scorecard(
    runner: Callable[[ReportSpec], Result],
    *,
    month: str,
    months_back: int = 3,
    names: dict[str, dict[str, str]] | None = None,
) -> list[ScoreRow]:
    """Rows ranked best first: highest in-time %, then fewest mean days, then most cases
    (agencies without answers in the month last); ties share a rank (1, 2, 2, 4). ``runner(spec)`` runs a spec with the
    caller's executor and scope (desk or server). ``month``: ``YYYY/MM`` (Jalali)."""
    y, m = (int(p) for p in month.split("/"))
    first_y, first_m = y, m - months_back
    while first_m < 1:
        first_y, first_m = first_y - 1, first_m + 12
    start = jdatetime.date(first_y, first_m, 1)
    end_month = jdatetime.date(y, m, 1)
    end = (end_month + jdatetime.timedelta(days=40)).replace(day=1) - jdatetime.timedelta(days=1)
    period = f"{start.year:04d}/{start.month:02d}/01..{end.year:04d}/{end.month:02d}/{end.day:02d}"
    pivot = runner(ReportSpec("کارنامه", rows=("agency", "manager"), columns=("month",), measures=MEASURES,
                              period=period, filters={}))
    # A case counts for the manager named when it was referred (its fact's ``manager``):
    # a former manager keeps the months of their time. Overdue *now* is the current
    # manager's: the cartable is in their name (domain.md). ``names["agency_manager"]``
    # (agency id → its manager now) moves every overdue case of an agency onto that row,
    # adding the row when the current manager received nothing in the window; without it
    # the overdue stays on the row of the manager the case was referred under.
    current = (names or {}).get("agency_manager") or {}
    overdue = runner(ReportSpec("معوق", rows=("agency", "manager"), measures=("overdue",)))
    overdue_by: dict[tuple[str, str], int] = {}
    for r in overdue.rows:
        agency, manager = r["key"][0], r["key"][1]
        key = (agency, current.get(agency, manager))
        overdue_by[key] = overdue_by.get(key, 0) + (r["values"]["overdue"] or 0)
    months = []
    yy, mm = first_y, first_m
    while (yy, mm) <= (y, m):
        months.append(f"{yy:04d}/{mm:02d}")
        yy, mm = (yy, mm + 1) if mm < 12 else (yy + 1, 1)
    out = []
    for r in pivot.rows:
        agency, manager = r["key"]
        if not agency:
            continue
        cells = r.get("cells") or {}
        values = _month_values(cells.get(month))
        trend = [(cells.get(mk) or {}).get("in_time_pct") for mk in months[:-1]]
        out.append(ScoreRow(agency, label_of("agency", agency, names), manager, values,
                            overdue_by.pop((agency, manager), 0), trend=trend + [values.get("in_time_pct")]))
    for (agency, manager), n in overdue_by.items():
        if agency and n:  # a current manager with overdue cases and none received in the window
            out.append(ScoreRow(agency, label_of("agency", agency, names), manager, _month_values(None), n,
                                trend=[None] * len(months)))

    def order(s: ScoreRow) -> tuple:
        p, d = s.values.get("in_time_pct"), s.values.get("mean_days")
        return (p is None, -(p or 0), d if d is not None else 1e9, -(s.values.get("cases") or 0), s.agency)

    out.sort(key=order)
    # standard competition ranking (1, 2, 2, 4): rows equal on every ranked measure share a
    # rank, and the next row's rank counts the rows before it (the agency only orders them)
    rank, before = 0, None
    for i, s in enumerate(out, 1):
        key = order(s)[:-1]
        if key != before:
            rank, before = i, key
        s.rank = rank
    return out


def desk_runner(desk, *, today: date, calendar: WorkingCalendar, names=None) -> Callable[[ReportSpec], Result]:
    """``runner`` over a :class:`~samad_desk.reports.memory.DeskReports`."""
    return lambda spec: desk.run(spec, today=today, calendar=calendar, names=names)


def executor_runner(executor: Executor, *, today: date, calendar: WorkingCalendar,
                    names=None) -> Callable[[ReportSpec], Result]:
    return lambda spec: run(spec, executor, today=today, calendar=calendar, names=names)
