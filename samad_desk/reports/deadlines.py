"""Deadline cues, reminders, overdue lists and escalation candidates.

A cue is a short Persian text («۳ روز»، «امروز»، «۲ روز تأخیر») plus a level the UI maps to
a colour; the text alone must carry the meaning (NO_COLOR terminals, colour-blind users).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from samad_desk.domain.sla import WorkingCalendar, remaining_working_days
from samad_desk.text.digits import fa

#: reminders fire when this many working days or fewer are left (0 = the due day)
REMIND_DAYS = 1


@dataclass(frozen=True, slots=True)
class DeadlineCue:
    text: str
    level: str  # "overdue" | "today" | "soon" | "ok" | "none"
    remaining: int | None

    @property
    def overdue(self) -> bool:
        return self.level == "overdue"


_NONE = DeadlineCue("—", "none", None)


def deadline_cue(remaining: int | None, *, soon: int = REMIND_DAYS) -> DeadlineCue:
    """The cue for ``remaining`` working days (negative = overdue, None = no clock)."""
    if remaining is None:
        return _NONE
    if remaining < 0:
        return DeadlineCue(f"{fa(-remaining)} روز تأخیر", "overdue", remaining)
    if remaining == 0:
        return DeadlineCue("امروز", "today", 0)
    if remaining <= soon:
        return DeadlineCue(f"{fa(remaining)} روز", "soon", remaining)
    return DeadlineCue(f"{fa(remaining)} روز", "ok", remaining)


def remaining_days(case: dict, today: date, cal: WorkingCalendar) -> int | None:
    """``remaining_working_days``, or None for a case whose dates do not parse."""
    try:
        return remaining_working_days(case, today, cal)
    except (TypeError, ValueError):
        return None


def near_deadline(
    cases: Iterable[dict], today: date, cal: WorkingCalendar, *, within: int = REMIND_DAYS
) -> list[dict]:
    """Open cases with 0..``within`` working days left, nearest first (the reminders)."""
    out = []
    for c in cases:
        r = remaining_days(c, today, cal)
        if r is not None and 0 <= r <= within:
            out.append((r, c.get("due_date") or "", c))
    out.sort(key=lambda t: (t[0], t[1]))
    return [t[2] for t in out]


def overdue_cases(cases: Iterable[dict], today: date, cal: WorkingCalendar) -> list[tuple[dict, int]]:
    """Open cases past their deadline with the working days overdue, worst first."""
    out = []
    for c in cases:
        r = remaining_days(c, today, cal)
        if r is not None and r < 0:
            out.append((c, -r))
    out.sort(key=lambda t: (-t[1], t[0].get("due_date") or ""))
    return out


def escalation_candidates(cases: Iterable[dict], today: date, cal: WorkingCalendar) -> list[tuple[dict, int]]:
    """Overdue cases not yet escalated to the supervisor: what the supervisor should act on."""
    return [(c, days) for c, days in overdue_cases(cases, today, cal) if not c.get("escalated")]
