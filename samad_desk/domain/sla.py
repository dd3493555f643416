"""Answer deadlines (مهلت پاسخگویی) in Jalali working days.

A working day is a day that is not in the configured weekend (Friday by default; offices
with Thursday off use ``weekend=(3, 4)``) and not a holiday. Holidays are the `holidays`
package's Iran calendar (``holidays.country_holidays("IR")``; its Islamic dates are
estimates) corrected by an **override file** of announced holidays and closures.

Override file format (UTF-8 text, one entry per line)::

    # comment lines and blank lines are ignored; "#" also starts a trailing comment
    1404/01/14                         # a Jalali date (Persian or Latin digits): a holiday everywhere
    2025-01-15 آلودگی هوا              # an ISO Gregorian date with a description
    + 1403/10/26 @qazvin تعطیلی آلودگی  # "+" (optional) adds; "@province[,province]" limits it
    - 2025-03-19 @qazvin                # "-" removes a date (e.g. an estimated Islamic holiday
                                        #  that fell on another day), here only in Qazvin

Dates with a year above 1700 are Gregorian, others Jalali (``/`` or ``-`` separators).
Entries without ``@`` apply to every province; with it, only to a calendar built for one
of those provinces. A bad line raises :class:`HolidayFileError` with a Persian message
naming the line.

Deadlines: the referral day itself does not count; the deadline is the ``sla_days``-th
working day after the referral date (Iran local date, UTC+03:30). Deadlines are computed
from server times only.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import holidays as _holidays
import jdatetime

from samad_desk.domain.models import CaseState, parse_iso_date, parse_iso_datetime
from samad_desk.text.digits import to_ascii_digits, to_persian_digits

#: Iran has kept standard time all year since 2022; deadlines use this fixed offset.
IRAN_TZ = timezone(timedelta(hours=3, minutes=30), "IRST")
DEFAULT_SLA_DAYS = 10
DEFAULT_SLA_MAX_DAYS = 15


class HolidayFileError(ValueError):
    """A line of the override file that cannot be read; ``str()`` is Persian."""


@lru_cache(maxsize=256)
def _official(year: int) -> dict[date, str]:
    try:
        cal = _holidays.country_holidays("IR", years=year, language="fa_IR")
    except Exception:  # an unsupported year: no official holidays known
        return {}
    return dict(cal.items())


def official_holidays(year: int) -> dict[date, str]:
    """Iran's official holidays in a Gregorian year (date → Persian name)."""
    return dict(_official(year))


def iran_date(dt: datetime | date) -> date:
    """The Iran local calendar date of an instant (naive datetimes are taken as UTC)."""
    if isinstance(dt, datetime):
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return dt.astimezone(IRAN_TZ).date()
    return dt


@dataclass(frozen=True)
class HolidayOverride:
    day: date
    remove: bool
    provinces: tuple[str, ...]  # empty: every province
    description: str = ""

    def applies_to(self, province: str | None) -> bool:
        return not self.provinces or (province is not None and province.lower() in self.provinces)


_DATE_RE = re.compile(r"^(\d{1,4})[/\-.](\d{1,2})[/\-.](\d{1,2})$")


def parse_override_date(text: str) -> date | None:
    """An ISO Gregorian (year > 1700) or Jalali date → Gregorian ``date``; None if invalid."""
    m = _DATE_RE.match(to_ascii_digits(text.strip()))
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    try:
        if y > 1700:
            return date(y, mo, d)
        if y < 1200:
            return None
        return jdatetime.date(y, mo, d).togregorian()
    except ValueError:
        return None


def parse_holiday_file(text: str) -> list[HolidayOverride]:
    """Parse an override file's text (format in the module docstring)."""
    out: list[HolidayOverride] = []
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        remove = False
        if line[0] in "+-":
            remove = line[0] == "-"
            line = line[1:].strip()
        parts = line.split()
        if not parts:
            raise HolidayFileError(f"پرونده تعطیلات، سطر {to_persian_digits(str(no))}: تاریخ ندارد")
        day = parse_override_date(parts[0])
        if day is None:
            raise HolidayFileError(
                f"پرونده تعطیلات، سطر {to_persian_digits(str(no))}: تاریخ «{parts[0]}» معتبر نیست"
            )
        provinces: tuple[str, ...] = ()
        rest = parts[1:]
        if rest and rest[0].startswith("@"):
            provinces = tuple(p.strip().lower() for p in rest[0][1:].split(",") if p.strip())
            if not provinces:
                raise HolidayFileError(
                    f"پرونده تعطیلات، سطر {to_persian_digits(str(no))}: نام استان بعد از @ نیامده است"
                )
            rest = rest[1:]
        out.append(HolidayOverride(day, remove, provinces, " ".join(rest)))
    return out


class WorkingCalendar:
    """Which days count for deadlines: weekend days, official holidays and overrides."""

    def __init__(
        self,
        weekend: Iterable[int] = (4,),
        extra_holidays: Iterable[date] = (),
        removed: Iterable[date] = (),
        province: str | None = None,
        *,
        official: bool = True,
        overrides: Iterable[HolidayOverride] = (),
        default_sla_days: int = DEFAULT_SLA_DAYS,
        default_sla_max_days: int = DEFAULT_SLA_MAX_DAYS,
        type_sla_days: dict[str, int] | None = None,
    ) -> None:
        self.weekend = frozenset(int(d) for d in weekend)
        if any(d < 0 or d > 6 for d in self.weekend) or len(self.weekend) >= 7:
            raise ValueError(f"bad weekend: {sorted(self.weekend)}")
        self.province = province.lower() if province else None
        self.official = official
        self.extra: dict[date, str] = {d: "" for d in extra_holidays}
        self.removed: set[date] = set(removed)
        for ov in overrides:
            if not ov.applies_to(self.province):
                continue
            if ov.remove:
                self.removed.add(ov.day)
                self.extra.pop(ov.day, None)
            else:
                self.extra[ov.day] = ov.description
                self.removed.discard(ov.day)
        self.default_sla_days = int(default_sla_days)
        self.default_sla_max_days = int(default_sla_max_days)
        self.type_sla_days = dict(type_sla_days or {})
        self._cache: dict[date, bool] = {}
        self._work: list[int] = []
        self._win_lo = 0
        self._win_hi = -1

    # construction ---------------------------------------------------------------------
    @classmethod
    def from_file(cls, path: Path | str, **kwargs) -> WorkingCalendar:
        text = Path(path).read_text(encoding="utf-8")
        return cls(overrides=parse_holiday_file(text), **kwargs)

    @classmethod
    def from_settings(cls, settings) -> WorkingCalendar:
        overrides: list[HolidayOverride] = []
        path = getattr(settings, "holidays_file", None)
        if path is not None and Path(path).is_file():
            overrides = parse_holiday_file(Path(path).read_text(encoding="utf-8"))
        return cls(
            weekend=getattr(settings, "weekend", (4,)),
            province=getattr(settings, "province", None),
            overrides=overrides,
            default_sla_days=getattr(settings, "sla_days", DEFAULT_SLA_DAYS),
            default_sla_max_days=getattr(settings, "sla_max_days", DEFAULT_SLA_MAX_DAYS),
        )

    # queries --------------------------------------------------------------------------
    def holiday_name(self, d: date) -> str | None:
        """The Persian name of a holiday on ``d`` (``""`` for an unnamed closure), else None."""
        if d in self.removed:
            return None
        if d in self.extra:
            return self.extra[d]
        if self.official:
            return _official(d.year).get(d)
        return None

    def is_holiday(self, d: date) -> bool:
        return self.holiday_name(d) is not None

    def is_working_day(self, d: date) -> bool:
        hit = self._cache.get(d)
        if hit is None:
            hit = d.weekday() not in self.weekend and not self.is_holiday(d)
            if len(self._cache) > 20000:
                self._cache.clear()
            self._cache[d] = hit
        return hit

    # Working days are kept as a sorted list of ordinals over a window that grows on
    # demand, so adding or counting working days is a bisect, not a day-by-day loop.
    _MARGIN = 800

    def _ensure(self, lo: int, hi: int) -> None:
        if self._win_lo <= lo and hi <= self._win_hi:
            return
        new_lo = min(lo, self._win_lo) if self._work else lo
        new_hi = max(hi, self._win_hi) if self._work else hi
        new_lo -= self._MARGIN
        new_hi += self._MARGIN
        fromord = date.fromordinal
        self._work = [o for o in range(new_lo, new_hi + 1) if self.is_working_day(fromord(o))]
        self._win_lo, self._win_hi = new_lo, new_hi

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself not counted);
        ``n == 0`` gives ``start``; negative ``n`` counts backwards."""
        if isinstance(start, datetime):
            start = iran_date(start)
        if n == 0:
            return start
        s = start.toordinal()
        # a working day at least every 7 days unless holidays pile up: the margin covers it
        span = 2 * abs(n) + 14
        while True:
            self._ensure(s - (span if n < 0 else 0), s + (span if n > 0 else 0))
            work = self._work
            if n > 0:
                i = bisect_right(work, s) + n - 1
                if i < len(work) and work[i] <= self._win_hi:
                    return date.fromordinal(work[i])
            else:
                i = bisect_left(work, s) + n
                if i >= 0:
                    return date.fromordinal(work[i])
            span *= 2
            if span > 400_000:
                raise ValueError("no working days in range (is every day a holiday?)")

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in ``(start, end]``; negative when ``end`` is before ``start``."""
        if end < start:
            return -self.working_days_between(end, start)
        a, b = start.toordinal(), end.toordinal()
        self._ensure(a, b)
        return bisect_right(self._work, b) - bisect_right(self._work, a)

    def sla_days_for(self, agency: dict | None, case_type: str | None = None) -> tuple[int, int]:
        """(answer days, maximum days with extensions) for an agency and a case type.

        Order: the agency's ``sla_by_type[type]``, the agency's ``sla_days``, the
        calendar's per-type default, the calendar's default. The maximum is the agency's
        ``sla_max_days`` or the default, never below the answer days.
        """
        days = None
        if agency:
            by_type = agency.get("sla_by_type") or {}
            if case_type and by_type.get(case_type):
                days = int(by_type[case_type])
            elif agency.get("sla_days"):
                days = int(agency["sla_days"])
        if days is None:
            days = int(self.type_sla_days.get(case_type or "", self.default_sla_days))
        max_days = int((agency or {}).get("sla_max_days") or self.default_sla_max_days)
        return days, max(days, max_days)


def due_date(referred_at: datetime | date, sla_days: int, cal: WorkingCalendar) -> date:
    """The last day to answer: ``sla_days`` working days after the referral date."""
    return cal.add_working_days(iran_date(referred_at), int(sla_days))


def remaining_working_days(case: dict, today: date, cal: WorkingCalendar) -> int | None:
    """Working days left until the case's deadline: 0 on the due day itself, negative when
    overdue (at least -1 the day after, even across a weekend). None when the case has no
    running deadline (not referred yet, answered, closed or returned)."""
    state = case.get("state")
    if state not in (CaseState.referred, CaseState.in_progress):
        return None
    due = parse_iso_date(case.get("due_date"))
    if due is None:
        return None
    if isinstance(today, datetime):
        today = iran_date(today)
    if today <= due:
        return cal.working_days_between(today, due)
    return -max(1, cal.working_days_between(due, today))


def answered_in_time(case: dict) -> bool | None:
    """Was the answer recorded on or before the deadline (Iran local date)? None if unknown."""
    due = parse_iso_date(case.get("due_date"))
    answered = parse_iso_datetime(case.get("answered_at"))
    if due is None or answered is None:
        return None
    return iran_date(answered) <= due


#: working days a citizen has to object to an answer before the case may be closed
DEFAULT_OBJECTION_DAYS = 5


def objection_period_over(case: dict, today: date, cal: WorkingCalendar,
                          days: int = DEFAULT_OBJECTION_DAYS) -> bool:
    """True when an answered case saw no objection for ``days`` working days since the
    answer, so it may be closed (domain.md: «no objection within a configurable period»).
    The server's housekeeping closes such cases with a ``case.close`` op."""
    if case.get("state") != CaseState.answered:
        return False
    answered = parse_iso_datetime(case.get("answered_at"))
    if answered is None:
        return False
    if isinstance(today, datetime):
        today = iran_date(today)
    return cal.working_days_between(iran_date(answered), today) >= days
