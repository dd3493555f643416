"""Working days and deadlines: Nowruz, Fridays, Thursday-off weeks, override holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime

import jdatetime
import pytest
from hypothesis import given
from hypothesis import strategies as st

from samad_desk.domain.sla import (
    HolidayFileError,
    WorkingCalendar,
    due_date,
    iran_date,
    parse_holiday_file,
    remaining_working_days,
)


def j(y: int, m: int, d: int) -> date:
    return jdatetime.date(y, m, d).togregorian()


def test_nowruz_days_are_holidays():
    cal = WorkingCalendar()
    for day in (1, 2, 3, 4, 12, 13):
        assert not cal.is_working_day(j(1404, 1, day)), day
        assert cal.holiday_name(j(1404, 1, day))
    assert cal.is_working_day(j(1404, 1, 5))  # Tuesday 25 March 2025


def test_deadline_across_nowruz():
    cal = WorkingCalendar()
    referred = datetime(2025, 3, 18, 7, 0, tzinfo=UTC)  # Tuesday 27 Esfand 1403
    # 28-30 Esfand and 1-4 Farvardin off, Friday, 11-13 Farvardin off (Eid al-Fitr, Nowruz 12-13)
    assert due_date(referred, 10, cal) == date(2025, 4, 8)
    assert cal.working_days_between(date(2025, 3, 18), date(2025, 4, 8)) == 10


def test_deadline_across_nowruz_without_the_package_calendar():
    nowruz = [j(1404, 1, d) for d in (1, 2, 3, 4, 12, 13)]
    cal = WorkingCalendar(extra_holidays=nowruz, official=False)
    # Wed 19 Mar → Thu 20 (1), Sat 22 is 2 Farvardin … 5 Farvardin = Tue 25 Mar
    assert cal.add_working_days(date(2025, 3, 19), 1) == date(2025, 3, 20)
    assert cal.add_working_days(date(2025, 3, 19), 2) == date(2025, 3, 25)


def test_friday_is_skipped():
    cal = WorkingCalendar()
    thursday = date(2025, 5, 1)
    assert thursday.weekday() == 3
    assert cal.add_working_days(thursday, 1) == date(2025, 5, 3)  # Saturday
    assert not cal.is_working_day(date(2025, 5, 2))
    assert cal.working_days_between(thursday, date(2025, 5, 3)) == 1


def test_thursday_off_week():
    cal = WorkingCalendar(weekend=(3, 4))
    assert cal.add_working_days(date(2025, 4, 30), 1) == date(2025, 5, 3)
    assert not cal.is_working_day(date(2025, 5, 1))


def test_override_holiday_per_province(tmp_path):
    f = tmp_path / "holidays.txt"
    f.write_text(
        "# closures announced by the governorate\n"
        "\n"
        "۱۴۰۴/۰۲/۱۳ @qazvin تعطیلی به دلیل آلودگی هوا   # Saturday 3 May 2025\n"
        "2025-05-05 @tehran,alborz\n"
        "+ 1404/02/16\n"
        "- 2025-03-19   # estimated holiday that was not observed\n",
        encoding="utf-8",
    )
    qazvin = WorkingCalendar.from_file(f, province="qazvin")
    tehran = WorkingCalendar.from_file(f, province="tehran")
    assert qazvin.add_working_days(date(2025, 5, 1), 1) == date(2025, 5, 4)
    assert tehran.add_working_days(date(2025, 5, 1), 1) == date(2025, 5, 3)
    assert qazvin.holiday_name(date(2025, 5, 3)) == "تعطیلی به دلیل آلودگی هوا"
    assert qazvin.is_working_day(date(2025, 5, 5)) and not tehran.is_working_day(date(2025, 5, 5))
    assert not qazvin.is_working_day(date(2025, 5, 6))  # 16 Ordibehesht, everywhere
    assert not tehran.is_working_day(date(2025, 5, 6))
    assert qazvin.is_working_day(date(2025, 3, 19))  # removed
    assert not WorkingCalendar().is_working_day(date(2025, 3, 19))
    # a deadline through the override: referral Wed 30 Apr, 3 working days
    assert due_date(datetime(2025, 4, 30, 6, tzinfo=UTC), 3, qazvin) == date(2025, 5, 5)
    assert due_date(datetime(2025, 4, 30, 6, tzinfo=UTC), 3, tehran) == date(2025, 5, 4)


@pytest.mark.parametrize("line", ["1404/13/01", "hello", "2025-02-30", "1404/02/13 @", "99/1/1"])
def test_bad_override_lines(line):
    with pytest.raises(HolidayFileError) as err:
        parse_holiday_file("# ok\n" + line + "\n")
    assert "سطر ۲" in str(err.value)


def test_from_settings(tmp_path):
    class S:
        weekend = (3, 4)
        holidays_file = tmp_path / "h.txt"
        province = "qazvin"
        sla_days = 7
        sla_max_days = 12

    S.holidays_file.write_text("1404/02/13\n", encoding="utf-8")
    cal = WorkingCalendar.from_settings(S)
    assert cal.weekend == {3, 4}
    assert not cal.is_working_day(date(2025, 5, 3))
    assert cal.sla_days_for(None) == (7, 12)
    assert cal.sla_days_for({"sla_days": 15, "sla_max_days": 20}) == (15, 20)
    assert cal.sla_days_for({"sla_days": 10, "sla_by_type": {"inspection": 20}}, "inspection") == (20, 20)


def test_referral_day_uses_iran_local_date():
    # 22:00 UTC on Tuesday is already Wednesday 01:30 in Tehran
    assert iran_date(datetime(2025, 5, 6, 22, 0, tzinfo=UTC)) == date(2025, 5, 7)
    assert iran_date(datetime(2025, 5, 6, 22, 0)) == date(2025, 5, 7)  # naive = UTC


def test_remaining_working_days():
    cal = WorkingCalendar()
    case = {"state": "in_progress", "due_date": "2025-05-05"}  # Monday
    assert remaining_working_days(case, date(2025, 5, 5), cal) == 0
    assert remaining_working_days(case, date(2025, 5, 1), cal) == 3  # Sat 3, Sun 4, Mon 5
    assert remaining_working_days(case, date(2025, 5, 6), cal) == -1
    assert remaining_working_days(case, date(2025, 5, 8), cal) == -3
    friday_due = {"state": "referred", "due_date": "2025-05-01"}  # Thursday
    assert remaining_working_days(friday_due, date(2025, 5, 2), cal) == -1  # overdue on the Friday
    assert remaining_working_days({"state": "answered", "due_date": "2025-05-05"}, date(2025, 5, 1), cal) is None
    assert remaining_working_days({"state": "referred", "due_date": None}, date(2025, 5, 1), cal) is None


def test_backwards_and_zero():
    cal = WorkingCalendar()
    assert cal.add_working_days(date(2025, 5, 3), 0) == date(2025, 5, 3)
    assert cal.add_working_days(date(2025, 5, 3), -1) == date(2025, 5, 1)
    assert cal.working_days_between(date(2025, 5, 3), date(2025, 5, 1)) == -1
    with pytest.raises(ValueError):
        WorkingCalendar(weekend=range(7))


@given(st.text(max_size=80))
def test_override_parsers_never_crash(text):
    from samad_desk.domain.sla import parse_override_date

    d = parse_override_date(text)
    assert d is None or isinstance(d, date)
    try:
        entries = parse_holiday_file(text)
    except HolidayFileError as err:
        assert "پرونده تعطیلات" in str(err)
    else:
        assert all(isinstance(e.day, date) for e in entries)


@pytest.mark.parametrize("weekend", [(4,), (3, 4), (4, 5)])
def test_fast_paths_match_day_by_day_counting(weekend):
    import random
    from datetime import timedelta

    cal = WorkingCalendar(weekend=weekend, extra_holidays=[date(2025, 5, 3), date(2026, 1, 7)])
    rng = random.Random(3)

    def naive_add(start, n):
        d, left, step = start, abs(n), (1 if n >= 0 else -1)
        while left:
            d += timedelta(days=step)
            left -= cal.is_working_day(d)
        return d

    def naive_between(a, b):
        if b < a:
            return -naive_between(b, a)
        return sum(cal.is_working_day(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))

    for _ in range(300):
        start = date(2023, 1, 1) + timedelta(days=rng.randrange(1500))
        n = rng.randint(-40, 40)
        assert cal.add_working_days(start, n) == naive_add(start, n), (start, n)
        end = start + timedelta(days=rng.randint(-90, 90))
        assert cal.working_days_between(start, end) == naive_between(start, end)
    far = date(2035, 3, 20)  # far outside the first window: it grows
    assert cal.add_working_days(far, 10) == naive_add(far, 10)
    assert cal.add_working_days(date(2019, 1, 1), 300) == naive_add(date(2019, 1, 1), 300)


def test_objection_period():
    from samad_desk.domain.sla import objection_period_over

    cal = WorkingCalendar()
    case = {"state": "answered", "answered_at": "2025-05-03T06:00:00Z"}  # Saturday
    assert not objection_period_over(case, date(2025, 5, 7), cal)  # 4 working days
    assert objection_period_over(case, date(2025, 5, 8), cal)
    assert not objection_period_over(dict(case, state="closed"), date(2025, 6, 1), cal)
    assert not objection_period_over({"state": "answered"}, date(2025, 6, 1), cal)
