"""Jalali (Solar Hijri) dates: parsing operator input, formatting for display (identity.md §3).

Dates are stored as Gregorian ISO strings; :func:`parse_jalali_date` returns a
``datetime.date`` (Gregorian) and the UI shows :func:`format_jalali`. Conversions use
``jdatetime`` (it agrees with persiantools on every leap year 1200–1501).

Accepted input, in any digit script: ``1365/04/12``, ``1365-4-12``, ``1365.4.12``,
``13650412``, ``12/04/1365`` (day first), ``65/4/12`` (two-digit year: 14yy unless that is
in the future, else 13yy; a warning says how it was read), ``12 تیر 1365``.
A Gregorian date typed by mistake (``1986-07-03``, ``03/07/1986``) is an error whose message
gives the Jalali equivalent, with the date in ``Parsed.suggestion``; non-existent dates
(``1402/12/30``, ``1403/07/31``, month 13) are errors that say why.
"""

from __future__ import annotations

import datetime as _dt
import re

import jdatetime

from .digits import fa, to_ascii_digits
from .normalize import normalize_line
from .result import Parsed

FIELD = "تاریخ"
JALALI_MONTHS = (
    "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
)  # fmt: skip
MIN_YEAR = 1200  # 1821 CE
MAX_YEAR = 1599  # later four-digit years ≥ 1700 are read as Gregorian
GREGORIAN_FROM = 1700

try:  # the desk shows Iran time; Iran has had no DST since 2022, so +03:30 is the fallback
    from zoneinfo import ZoneInfo

    TEHRAN: _dt.tzinfo = ZoneInfo("Asia/Tehran")
except Exception:  # noqa: BLE001 - no tz database on this machine
    TEHRAN = _dt.timezone(_dt.timedelta(hours=3, minutes=30), "IRST")

_MONTH_NAMES: dict[str, int] = {}
for _i, _name in enumerate(JALALI_MONTHS, start=1):
    _MONTH_NAMES[_name] = _i
_MONTH_NAMES.update({"امرداد": 5, "اردی‌بهشت": 2, "اردی بهشت": 2})
del _i, _name

_SHAMSI_SUFFIX_RE = re.compile(r"\s*(?:هجری\s*شمسی|ه\s*\.?\s*ش\s*\.?|شمسی)$")
_SEP_RE = re.compile(r"[\s/\-.\\,،\u060d\u066b\u066c_]+")
_NAMED_RE = re.compile(
    r"^(\d{1,2})\s*(" + "|".join(sorted(_MONTH_NAMES, key=len, reverse=True)) + r")(?:\s*ماه)?"
    r"[\s,،]*(\d{2}|\d{4})$"
)


# --------------------------------------------------------------------------------------------
# Calendar helpers


def is_jalali_leap(year: int) -> bool:
    """True when Esfand of ``year`` has 30 days (1399 and 1403 are leap, 1402 is not)."""
    return jdatetime.date(year, 1, 1).isleap()


def jalali_month_length(year: int, month: int) -> int:
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if is_jalali_leap(year) else 29


def jalali_to_gregorian(year: int, month: int, day: int) -> _dt.date:
    """Gregorian date of a Jalali date; raises ValueError if it does not exist."""
    return jdatetime.date(year, month, day).togregorian()


def jalali_parts(d: _dt.date | _dt.datetime) -> tuple[int, int, int]:
    """(year, month, day) in the Jalali calendar. An aware datetime is taken in Tehran time."""
    if isinstance(d, _dt.datetime):
        if d.tzinfo is not None:
            d = d.astimezone(TEHRAN)
        d = d.date()
    j = jdatetime.date.fromgregorian(date=d)
    return j.year, j.month, j.day


def _fmt(y: int, m: int, d: int, persian: bool = True) -> str:
    s = f"{y:04d}/{m:02d}/{d:02d}"
    return fa(s) if persian else s


def format_jalali(d: _dt.date | _dt.datetime, *, persian_digits: bool = True) -> str:
    """``"۱۴۰۳/۰۱/۱۵"`` (or ``"1403/01/15"``). An aware datetime is shown in Tehran time."""
    return _fmt(*jalali_parts(d), persian=persian_digits)


def format_jalali_datetime(
    dt: _dt.datetime, *, persian_digits: bool = True, seconds: bool = False
) -> str:
    """``"۱۴۰۳/۰۱/۱۵ ۰۸:۴۱"`` in Tehran time (a naive datetime is taken as UTC)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_dt.UTC)
    local = dt.astimezone(TEHRAN)
    s = _fmt(*jalali_parts(local.date()), persian=False)
    s += local.strftime(" %H:%M:%S" if seconds else " %H:%M")
    return fa(s) if persian_digits else s


def jalali_day(value: object) -> str:
    """The Jalali day, Persian digits, of an ISO date (``"2026-11-28"``) or of an ISO time
    as a day in Tehran (``"2026-11-27T21:30:00Z"`` is 00:00 on the 28th there, not the
    27th); ``""`` for none; the text itself, Persian digits, when it is not a date."""
    if not value:
        return ""
    text = str(value)
    try:
        if len(text) > 10:
            moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=_dt.UTC)
            return format_jalali(moment.astimezone(TEHRAN).date())
        return format_jalali(_dt.date.fromisoformat(text))
    except ValueError:
        return fa(text)


def format_jalali_long(d: _dt.date) -> str:
    """``"۱۵ فروردین ۱۴۰۳"``."""
    y, m, day = jalali_parts(d)
    return f"{fa(day)} {JALALI_MONTHS[m - 1]} {fa(y)}"


# --------------------------------------------------------------------------------------------
# Parsing


def _today_jalali(today: _dt.date | None) -> tuple[int, int, int]:
    if today is None:
        today = _dt.datetime.now(TEHRAN).date()
    return jalali_parts(today)


def _gregorian_mistake(field: str, y: int, m: int, d: int) -> Parsed[_dt.date]:
    """The input is a Gregorian date: report it, suggest the date (its Jalali form in text)."""
    shown = fa(f"{y:04d}/{m:02d}/{d:02d}")
    try:
        g = _dt.date(y, m, d)
    except ValueError:
        return Parsed.failure(
            f"{field}: {shown} شبیه تاریخ میلادی است ولی چنین روزی وجود ندارد؛ تاریخ را شمسی وارد کنید"
        )
    try:
        j = format_jalali(g)
    except (ValueError, OverflowError):
        return Parsed.failure(f"{field}: {shown} تاریخ میلادی است؛ تاریخ را شمسی وارد کنید")
    return Parsed.failure(f"{field}: {shown} تاریخ میلادی است؛ معادل شمسی آن {j} است", suggestion=g)


def _check_jalali(field: str, y: int, m: int, d: int) -> str | None:
    """Persian reason why Jalali y/m/d does not exist, or None."""
    shown = fa(f"{y:04d}/{m:02d}/{d:02d}")
    if not MIN_YEAR <= y <= MAX_YEAR:
        return f"{field}: سال {fa(y)} پذیرفتنی نیست (سال شمسی بین {fa(MIN_YEAR)} و {fa(MAX_YEAR)})"
    if not 1 <= m <= 12:
        hint = "؛ شاید جای روز و ماه عوض شده است" if m > 12 and 1 <= d <= 12 else ""
        return f"{field}: {shown} وجود ندارد؛ ماه باید بین ۱ و ۱۲ باشد{hint}"
    if d < 1:
        return f"{field}: {shown} وجود ندارد؛ روز نمی‌تواند صفر باشد"
    length = jalali_month_length(y, m)
    if d > length:
        month = JALALI_MONTHS[m - 1]
        if m == 12 and d == 30:
            return f"{field}: {shown} وجود ندارد؛ {fa(y)} کبیسه نیست و اسفند آن ۲۹ روز دارد"
        if m == 12:
            return f"{field}: {shown} وجود ندارد؛ اسفند حداکثر ۳۰ روز دارد"
        return f"{field}: {shown} وجود ندارد؛ {month} {fa(length)} روز دارد"
    return None


def _bad_format(field: str) -> Parsed[_dt.date]:
    return Parsed.failure(f"{field}: قالب تاریخ درست نیست؛ مثلاً ۱۳۶۵/۰۴/۱۲")


def parse_jalali_date(
    text: str,
    *,
    field: str = FIELD,
    today: _dt.date | None = None,
    not_future: bool = False,
) -> Parsed[_dt.date]:
    """Parse a Jalali date typed by an operator; ``value`` is the Gregorian ``datetime.date``.

    ``today`` (Gregorian, default: today in Tehran) decides two-digit years and, with
    ``not_future=True`` (birth dates), rejects dates after today. Never raises on a str.
    """
    if not isinstance(text, str):
        return Parsed.failure(f"{field}: وارد نشده است")
    if isinstance(today, _dt.datetime):
        today = today.astimezone(TEHRAN).date() if today.tzinfo else today.date()
    s = to_ascii_digits(normalize_line(text))
    if not s:
        return Parsed.failure(f"{field}: وارد نشده است")
    if len(s) > 40:
        return _bad_format(field)
    s = _SHAMSI_SUFFIX_RE.sub("", s)
    warning = None
    year_tok: str
    named = _NAMED_RE.match(s)
    if named:
        d_tok, month_name, year_tok = named.groups()
        y_raw, m, d = int(year_tok), _MONTH_NAMES[month_name], int(d_tok)
    else:
        parts = [p for p in _SEP_RE.split(s) if p]
        if len(parts) == 1 and len(parts[0]) == 8 and parts[0].isascii() and parts[0].isdigit():
            p = parts[0]
            parts = [p[:4], p[4:6], p[6:]]
        if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
            return _bad_format(field)
        a, b, c = parts
        if any(len(p) > 4 for p in parts) or (len(b) > 2):
            return _bad_format(field)
        if len(a) == 4 and len(c) <= 2:  # y/m/d
            year_tok, m, d = a, int(b), int(c)
        elif len(c) == 4 and len(a) <= 2:  # d/m/y (or m/d/y when Gregorian)
            year_tok, m, d = c, int(b), int(a)
            if int(c) >= GREGORIAN_FROM:
                if m > 12 and d <= 12:  # US order: month first
                    m, d = d, m
                return _gregorian_mistake(field, int(c), m, d)
        elif len(a) <= 2 and len(c) <= 2:
            if int(c) > 31 and int(a) <= 31:  # d/m/yy
                year_tok, m, d = c, int(b), int(a)
            else:  # yy/m/d, the Persian order
                year_tok, m, d = a, int(b), int(c)
            if len(year_tok) == 1:
                return _bad_format(field)
        elif len(a) == 3 or len(c) == 3:
            return Parsed.failure(f"{field}: سال باید چهار رقمی (مثلاً ۱۳۶۵) یا دو رقمی باشد")
        else:
            return _bad_format(field)
        y_raw = int(year_tok)
    if len(year_tok) == 2:
        ty, tm, td = _today_jalali(today)
        y = 1400 + y_raw
        if (y, m, d) > (ty, tm, td):
            y -= 100
        warning = f"{field}: سال {fa(year_tok)} به صورت {fa(y)} خوانده شد"
    else:
        y = y_raw
        if y >= GREGORIAN_FROM:
            return _gregorian_mistake(field, y, m, d)
    problem = _check_jalali(field, y, m, d)
    if problem:
        return Parsed.failure(problem)
    try:
        g = jalali_to_gregorian(y, m, d)
    except (ValueError, OverflowError):
        return Parsed.failure(f"{field}: {fa(_fmt(y, m, d, False))} وجود ندارد")
    if not_future:
        t = today or _dt.datetime.now(TEHRAN).date()
        if g > t:
            return Parsed.failure(f"{field}: {_fmt(y, m, d)} هنوز نرسیده است (در آینده است)")
    return Parsed.success(g, warning)
