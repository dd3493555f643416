"""Report periods in the Jalali calendar, and the previous period to compare with.

Accepted (any digit script)::

    this_month | این ماه          the current Jalali month (whole month)
    last_month | ماه گذشته        the month before
    this_year  | امسال            the current Jalali year
    last_30_days | 30 روز گذشته   the last N days ending today (any N from 1 to 3660)
    1404                          a Jalali year
    1404/02                       a Jalali month
    1404/01/01..1404/03/31        a custom range (also «1404/01/01 تا 1404/03/31»)

A period covers whole Iran-local days ``start..end`` (inclusive) of the case's
registration. The previous period of a month is the month before, of a year the year
before, of anything else the same number of days just before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import jdatetime

from samad_desk.text.digits import fa, to_ascii_digits
from samad_desk.text.jalali import JALALI_MONTHS, jalali_month_length, parse_jalali_date
from samad_desk.text.limits import echo


class PeriodError(ValueError):
    """A period text that cannot be read; ``str()`` is Persian."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    kind: str  # "month" | "year" | "days"
    label: str

    @property
    def start_iso(self) -> str:
        return self.start.isoformat()

    @property
    def end_iso(self) -> str:
        return self.end.isoformat()

    def previous(self) -> Period:
        if self.kind == "month":
            j = jdatetime.date.fromgregorian(date=self.start)
            y, m = (j.year, j.month - 1) if j.month > 1 else (j.year - 1, 12)
            return month_period(y, m)
        if self.kind == "year":
            return year_period(jdatetime.date.fromgregorian(date=self.start).year - 1)
        days = (self.end - self.start).days + 1
        end = self.start - timedelta(days=1)
        start = end - timedelta(days=days - 1)
        return Period(start, end, "days", _range_label(start, end))


def _j(d: date) -> str:
    j = jdatetime.date.fromgregorian(date=d)
    return fa(f"{j.year:04d}/{j.month:02d}/{j.day:02d}")


def _range_label(start: date, end: date) -> str:
    return f"{_j(start)} تا {_j(end)}"


def month_period(y: int, m: int) -> Period:
    start = jdatetime.date(y, m, 1).togregorian()
    end = jdatetime.date(y, m, jalali_month_length(y, m)).togregorian()
    return Period(start, end, "month", f"{JALALI_MONTHS[m - 1]} {fa(y)}")


def year_period(y: int) -> Period:
    start = jdatetime.date(y, 1, 1).togregorian()
    end = jdatetime.date(y + 1, 1, 1).togregorian() - timedelta(days=1)
    return Period(start, end, "year", f"سال {fa(y)}")


_LAST_DAYS = re.compile(r"^(?:last_(\d+)_days|(\d+)\s*روز\s*(?:گذشته|اخیر))$")
_YEAR = re.compile(r"^(1[2-5]\d\d)$")
_MONTH = re.compile(r"^(1[2-5]\d\d)[/\-](\d{1,2})$")
_RANGE = re.compile(r"^(.+?)\s*(?:\.\.|تا)\s*(.+)$")


def resolve_period(text: str, today: date) -> Period:
    """The :class:`Period` a text names, ``today`` being the Iran-local date."""
    t = " ".join(to_ascii_digits(text).strip().split())
    tj = jdatetime.date.fromgregorian(date=today)
    if t in ("this_month", "این ماه"):
        return month_period(tj.year, tj.month)
    if t in ("last_month", "ماه گذشته", "ماه قبل"):
        return month_period(tj.year, tj.month - 1) if tj.month > 1 else month_period(tj.year - 1, 12)
    if t in ("this_year", "امسال"):
        return year_period(tj.year)
    m = _LAST_DAYS.match(t)
    if m:
        n = int(m.group(1) or m.group(2))
        if not 1 <= n <= 3660:
            raise PeriodError(f"دوره: تعداد روزها ({fa(n)}) باید از ۱ تا ۳۶۶۰ باشد")
        start = today - timedelta(days=n - 1)
        return Period(start, today, "days", f"{fa(n)} روز گذشته")
    m = _YEAR.match(t)
    if m:
        return year_period(int(m.group(1)))
    m = _MONTH.match(t)
    if m:
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise PeriodError(f"دوره: ماه {fa(month)} وجود ندارد")
        return month_period(int(m.group(1)), month)
    m = _RANGE.match(t)
    if m:
        ends: list[date] = []
        for part in m.groups():
            parsed = parse_jalali_date(part, field="دوره")
            if not parsed.ok or parsed.value is None:
                raise PeriodError(parsed.error or "دوره: تاریخ معتبر نیست")
            ends.append(parsed.value)
        start, end = ends
        if end < start:
            raise PeriodError("دوره: تاریخ پایان پیش از تاریخ شروع است")
        return Period(start, end, "days", _range_label(start, end))
    raise PeriodError(
        f"دوره «{echo(text)}» شناخته نیست؛ نمونه‌ها: «این ماه»، «۳۰ روز گذشته»، «۱۴۰۴»، «۱۴۰۴/۰۲»، "
        "«۱۴۰۴/۰۱/۰۱..۱۴۰۴/۰۳/۳۱»"
    )


def check_period(text: str) -> None:
    """Raise :class:`PeriodError` when ``text`` is not a period (today does not matter)."""
    resolve_period(text, date(2025, 6, 1))
