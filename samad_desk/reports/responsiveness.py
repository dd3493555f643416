"""Each agency's responsiveness (part of its manager's evaluation, domain.md): share of
answers given within the deadline, mean working days from referral to answer, open and
overdue now; the queues of the province with their counts; text bar charts that read at
80×24 and without colour."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from samad_desk.domain.models import CaseState, parse_iso_datetime
from samad_desk.domain.sla import WorkingCalendar, answered_in_time, iran_date
from samad_desk.reports.deadlines import remaining_days
from samad_desk.text import rtl
from samad_desk.text.digits import fa

OPEN = (CaseState.referred.value, CaseState.in_progress.value)


@dataclass(slots=True)
class AgencyStats:
    agency_id: str
    name: str
    manager_name: str = ""
    open: int = 0
    overdue: int = 0
    escalated: int = 0
    answered: int = 0
    answered_in_time: int = 0
    answer_days_total: int = 0
    states: dict[str, int] = field(default_factory=dict)

    @property
    def in_time_pct(self) -> float | None:
        """Answered within the deadline, % of answered cases (None when none answered)."""
        if not self.answered:
            return None
        return 100.0 * self.answered_in_time / self.answered

    @property
    def mean_days(self) -> float | None:
        """Mean working days from referral to answer (None when none answered)."""
        if not self.answered:
            return None
        return self.answer_days_total / self.answered

    @property
    def in_time_text(self) -> str:
        p = self.in_time_pct
        return "—" if p is None else f"{fa(round(p))}٪"

    @property
    def mean_days_text(self) -> str:
        m = self.mean_days
        return "—" if m is None else fa(f"{m:.1f}").replace(".", "٫")


def province_cases(cases: Iterable[dict], agencies: Iterable[dict], province: str | None) -> list[dict]:
    """Cases of a province: referred to one of its agencies, or not referred yet."""
    ids = {a["id"] for a in agencies if not province or not a.get("province") or a.get("province") == province}
    return [c for c in cases if not c.get("agency_id") or c.get("agency_id") in ids]


def answer_days(case: dict, cal: WorkingCalendar) -> int | None:
    """Working days from referral to answer (Iran-local dates); None when either is missing."""
    referred = parse_iso_datetime(case.get("referred_at"))
    answered = parse_iso_datetime(case.get("answered_at"))
    if referred is None or answered is None:
        return None
    return max(0, cal.working_days_between(iran_date(referred), iran_date(answered)))


def responsiveness(
    cases: Iterable[dict], agencies: Iterable[dict], today: date, cal: WorkingCalendar
) -> list[AgencyStats]:
    """One :class:`AgencyStats` per agency (every agency, even without cases), worst first:
    most overdue now, then lowest in-time share."""
    stats: dict[str, AgencyStats] = {}
    for a in agencies:
        stats[a["id"]] = AgencyStats(a["id"], str(a.get("name") or a["id"]), str(a.get("manager_name") or ""))
    states: dict[str, Counter[str | None]] = defaultdict(Counter)
    for c in cases:
        aid = c.get("agency_id")
        if not aid:
            continue
        s = stats.get(aid)
        if s is None:
            s = stats[aid] = AgencyStats(aid, aid)
        state = c.get("state")
        states[aid][state] += 1
        if state in OPEN:
            s.open += 1
            r = remaining_days(c, today, cal)
            if r is not None and r < 0:
                s.overdue += 1
            if c.get("escalated"):
                s.escalated += 1
        if c.get("answered_at"):
            s.answered += 1
            if answered_in_time(c):
                s.answered_in_time += 1
            days = answer_days(c, cal)
            if days is not None:
                s.answer_days_total += days
    for aid, s in stats.items():
        s.states = {st.value: states[aid].get(st.value, 0) for st in CaseState}
    out = list(stats.values())
    out.sort(key=lambda s: (-s.overdue, s.in_time_pct if s.in_time_pct is not None else 101.0, s.name))
    return out


def queue_counts(cases: Iterable[dict]) -> dict[str | None, dict[str, int]]:
    """agency id (None = the 111 unit: registered/returned) → state → count."""
    out: dict[str | None, Counter[str]] = defaultdict(Counter)
    for c in cases:
        out[c.get("agency_id")][c.get("state") or ""] += 1
    return {k: dict(v) for k, v in out.items()}


def bar(value: float, maximum: float, width: int) -> str:
    """A text bar, filled part first in *logical* order: ``███░░░`` (full=█, empty=░).

    Empty cells are drawn too, so the length reads without colour. In a right-to-left
    line the filled part starts at the right, next to the label."""
    width = max(1, width)
    n = 0 if maximum <= 0 else max(0, min(width, round(width * value / maximum)))
    if value > 0 and n == 0:
        n = 1
    return "█" * n + "░" * (width - n)


def bar_chart(items: list[tuple[str, float, str]], width: int, *, maximum: float | None = None,
              label_width: int = 22, value_width: int = 8) -> list[str]:
    """Visual lines (each exactly ``width`` cells): label on the right, the bar growing
    leftwards from it, the value text on the left. ``items``: (label, value, value text)."""
    if not items:
        return []
    top = maximum if maximum is not None else max((v for _, v, _ in items), default=0) or 1
    label_width = max(4, min(label_width, width // 3))
    bar_width = max(4, width - label_width - value_width - 2)
    lines = []
    for label, value, text in items:
        label_cell = rtl.truncate(label, label_width)
        # a bar is drawn visually: its filled part (logical start) at the right end
        filled = bar(value, top, bar_width)
        bar_cell = filled[::-1]
        value_cell = rtl.truncate(text, value_width, base="rtl")
        line = f"{value_cell} {bar_cell} {label_cell}"
        lines.append(line[:width].ljust(width))
    return lines
