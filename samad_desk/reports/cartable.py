"""Cartable rows: one display-ready record per case, the filters and the per-state counts.

Rows are built once per load (in a worker); a filter change only runs the cheap
predicates of :func:`apply_filter` over them, so it stays fast at thousands of cases.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from samad_desk.domain.models import ANSWER_DUE_STATES, CaseState, CaseType
from samad_desk.domain.sla import WorkingCalendar
from samad_desk.domain.tracking import format_tracking_code
from samad_desk.reports.deadlines import DeadlineCue, deadline_cue, remaining_days
from samad_desk.text.digits import to_ascii_digits, to_persian_digits
from samad_desk.text.jalali import jalali_day
from samad_desk.text.normalize import name_key

#: filter value meaning "any"
ALL = ""
#: the state filter value for "open" (the agency still owes an answer)
OPEN_FILTER = "open"
#: assigned-officer filter value for cases nobody has been given yet
UNASSIGNED = "-"


@dataclass(slots=True)
class CartableRow:
    id: str
    tracking_code: str
    code_display: str  # Persian digits, grouped
    state: str
    state_label: str
    type: str
    type_label: str
    subject: str  # label
    citizen: str
    city: str
    referred_on: str  # Jalali, Persian digits
    referred_at: str
    due_date: str
    remaining: int | None
    cue: DeadlineCue
    assigned_to: str | None
    assigned_name: str
    escalated: bool
    agency_id: str | None
    search_key: str = field(repr=False, default="")

    @property
    def overdue(self) -> bool:
        return self.cue.level == "overdue"

    def sort_key(self) -> tuple:
        """Deadline order: overdue worst first, then nearest deadline; no clock last."""
        r = self.remaining
        return (r is None, r if r is not None else 0, self.due_date or "9999", self.referred_at, self.id)


def _label(enum, value: str | None) -> str:
    member = enum.parse(value) if value else None
    return member.label if member is not None else (value or "")


def jalali_text(iso: object) -> str:
    """The Jalali day of an ISO date or datetime (a time as a day in Tehran), Persian
    digits; "" for none; the raw text (Persian digits) when it is not a date."""
    return _jalali_day(str(iso)) if iso else ""


@lru_cache(maxsize=8192)
def _jalali_day(value: str) -> str:
    return jalali_day(value)


@lru_cache(maxsize=8192)
def _key(text: str) -> str:
    """``name_key`` of the few distinct subjects, cities and types (cached)."""
    return name_key(text)


def build_row(
    case: dict,
    *,
    today: date,
    calendar: WorkingCalendar,
    citizen_name: Callable[[str | None], str] = lambda _id: "",
    subject_label: Callable[[str], str] = lambda s: s,
    operator_name: Callable[[str | None], str] = lambda _id: "",
    memo: dict | None = None,
) -> CartableRow:
    code = str(case.get("tracking_code") or "")
    try:
        code_display = to_persian_digits(format_tracking_code(code)) if code else ""
    except Exception:
        code_display = to_persian_digits(code)
    if memo is not None:
        # the remaining days depend only on (state is open, due date): thousands of cases
        # share a few dozen deadlines
        mkey = (case.get("state"), case.get("due_date"))
        remaining = memo.get(mkey, _MISSING)
        if remaining is _MISSING:
            remaining = memo[mkey] = remaining_days(case, today, calendar)
    else:
        remaining = remaining_days(case, today, calendar)
    subject = subject_label(str(case.get("subject") or ""))
    citizen = citizen_name(case.get("citizen_id"))
    city = str(case.get("city") or "")
    assigned = case.get("assigned_to")
    row = CartableRow(
        id=str(case["id"]),
        tracking_code=code,
        code_display=code_display,
        state=str(case.get("state") or ""),
        state_label=_label(CaseState, case.get("state")),
        type=str(case.get("type") or ""),
        type_label=_label(CaseType, case.get("type")),
        subject=subject,
        citizen=citizen,
        city=city,
        referred_on=jalali_text(case.get("referred_at")),
        referred_at=str(case.get("referred_at") or ""),
        due_date=str(case.get("due_date") or ""),
        remaining=remaining,
        cue=deadline_cue(remaining),
        assigned_to=assigned,
        assigned_name=operator_name(assigned) if assigned else "",
        escalated=bool(case.get("escalated")),
        agency_id=case.get("agency_id"),
    )
    row.search_key = " ".join((code, _key(subject), _key(citizen), _key(city), _key(row.type_label)))
    return row


_MISSING = object()


def build_rows(cases: Iterable[dict], **kwargs) -> list[CartableRow]:
    """Rows for ``cases`` in deadline order (see :meth:`CartableRow.sort_key`)."""
    memo: dict = {}
    rows = [build_row(c, memo=memo, **kwargs) for c in cases]
    rows.sort(key=CartableRow.sort_key)
    return rows


@dataclass(frozen=True, slots=True)
class CartableFilter:
    """What the operator narrowed the cartable to; ``ALL`` ("") means any."""

    state: str = OPEN_FILTER
    type: str = ALL
    city: str = ALL
    overdue: bool = False
    assigned: str = ALL  # operator id, UNASSIGNED, or ALL
    query: str = ""

    def describe(self) -> str:
        parts = []
        if self.state == OPEN_FILTER:
            parts.append("باز")
        elif self.state:
            parts.append(_label(CaseState, self.state))
        if self.type:
            parts.append(_label(CaseType, self.type))
        if self.city:
            parts.append(self.city)
        if self.overdue:
            parts.append("فقط معوق")
        if self.assigned == UNASSIGNED:
            parts.append("واگذارنشده")
        elif self.assigned:
            parts.append("کارشناس انتخابی")
        if self.query:
            parts.append(f"«{self.query}»")
        return "، ".join(parts) if parts else "همه"


def _query_key(query: str) -> tuple[str, str]:
    digits = "".join(ch for ch in to_ascii_digits(query) if ch.isdigit())
    return name_key(query), digits


def apply_filter(rows: Iterable[CartableRow], f: CartableFilter) -> list[CartableRow]:
    """The rows that pass ``f``, keeping their order. Cheap: no layout, no I/O."""
    state, type_, city, assigned = f.state, f.type, f.city, f.assigned
    key, digits = _query_key(f.query) if f.query.strip() else ("", "")
    words = key.split()
    out = []
    for r in rows:
        if state == OPEN_FILTER:
            if r.state not in ANSWER_DUE_STATES:
                continue
        elif state and r.state != state:
            continue
        if type_ and r.type != type_:
            continue
        if city and r.city != city:
            continue
        if f.overdue and r.cue.level != "overdue":
            continue
        if assigned:
            if assigned == UNASSIGNED:
                if r.assigned_to:
                    continue
            elif r.assigned_to != assigned:
                continue
        if words:
            hay = r.search_key
            if digits and len(digits) >= 3 and digits in r.tracking_code:
                pass
            elif not all(w in hay for w in words):
                continue
        out.append(r)
    return out


def state_counts(rows: Iterable[CartableRow]) -> dict[str, int]:
    """Cases per state (every state present, zeros included), plus ``overdue``."""
    counts: Counter[str] = Counter()
    for r in rows:
        counts[r.state] += 1
        if r.cue.level == "overdue":
            counts["overdue"] += 1
    out = {s.value: counts.get(s.value, 0) for s in CaseState}
    out["overdue"] = counts.get("overdue", 0)
    return out
