"""Jalali dates: parse, format, leap years, two-digit years, Gregorian typed by mistake."""

from __future__ import annotations

import datetime as dt

import pytest

from samad_desk.text import (
    format_jalali,
    format_jalali_datetime,
    format_jalali_long,
    is_jalali_leap,
    jalali_month_length,
    jalali_parts,
    jalali_to_gregorian,
    parse_jalali_date,
)
from tests.support.parsed import accepted, refused

TODAY = dt.date(2026, 11, 28)  # 1405/09/07
BIRTH = "تاریخ تولد"
D1365 = dt.date(1986, 7, 3)  # 1365/04/12 (identity.md §3)


def parse(text, **kw):
    kw.setdefault("today", TODAY)
    kw.setdefault("field", BIRTH)
    return parse_jalali_date(text, **kw)


def test_known_conversions():
    assert jalali_parts(D1365) == (1365, 4, 12)
    assert jalali_parts(dt.date(2024, 3, 20)) == (1403, 1, 1)
    assert jalali_parts(dt.date(2025, 3, 20)) == (1403, 12, 30)
    assert jalali_parts(dt.date(1921, 3, 21)) == (1300, 1, 1)
    assert jalali_to_gregorian(1403, 1, 15) == dt.date(2024, 4, 3)
    assert jalali_parts(TODAY) == (1405, 9, 7)


def test_leap_years():
    assert is_jalali_leap(1399) and is_jalali_leap(1403)
    assert not is_jalali_leap(1402) and not is_jalali_leap(1404)
    assert [y for y in range(1390, 1411) if is_jalali_leap(y)] == [1391, 1395, 1399, 1403, 1408]
    # the stdlib 33-year rule of identity.md §3 agrees on every year 1290–1410
    for y in range(1290, 1411):
        assert is_jalali_leap(y) == ((25 * y + 11) % 33 < 8), y
    assert jalali_month_length(1403, 12) == 30
    assert jalali_month_length(1402, 12) == 29
    assert jalali_month_length(1402, 1) == 31 and jalali_month_length(1402, 7) == 30


@pytest.mark.parametrize(
    "typed",
    [
        "1365/04/12",
        "1365/4/12",
        "۱۳۶۵/۰۴/۱۲",
        "١٣٦٥/٠٤/١٢",
        "1365-04-12",
        "1365.4.12",
        "1365 4 12",
        "13650412",
        "۱۳۶۵۰۴۱۲",
        "12/04/1365",
        "12 تیر 1365",
        "۱۲ تیر ۱۳۶۵",
        "۱۲ تیر ماه ۱۳۶۵",
        " \u202b1365/04/12\u202c ",
        "\x1b[31m1365/04/12\x1b[0m",
        "1365/04/12 ه.ش",
        "۱۲ تیر ۱۳۶۵ هجری شمسی",
        "1365/4/12 شمسی",
    ],
)
def test_valid_forms(typed):
    p = parse(typed)
    accepted(p, D1365)
    assert p.warning is None


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("65/4/12", dt.date(1986, 7, 3)),  # 1465 would be in the future → 1365
        ("۶۵/۰۴/۱۲", dt.date(1986, 7, 3)),
        ("12/4/65", dt.date(1986, 7, 3)),  # day first, year last (65 > 31)
        ("12 تیر 65", dt.date(1986, 7, 3)),
        ("03/01/15", dt.date(2024, 4, 3)),  # 1403/01/15 is past → 14yy
        ("05/09/07", TODAY),  # exactly today → 1405
        ("05/09/08", jalali_to_gregorian(1305, 9, 8)),  # tomorrow → 1305
        ("99/12/30", jalali_to_gregorian(1399, 12, 30)),
    ],
)
def test_two_digit_years(typed, expected):
    p = parse(typed)
    accepted(p, expected)
    assert p.warning and p.warning.startswith(BIRTH)


@pytest.mark.parametrize(
    "typed,greg,jalali_text",
    [
        ("1986-07-03", dt.date(1986, 7, 3), "۱۳۶۵/۰۴/۱۲"),
        ("1986/7/3", dt.date(1986, 7, 3), "۱۳۶۵/۰۴/۱۲"),
        ("۱۹۸۶/۰۷/۰۳", dt.date(1986, 7, 3), "۱۳۶۵/۰۴/۱۲"),
        ("03/07/1986", dt.date(1986, 7, 3), "۱۳۶۵/۰۴/۱۲"),  # dd/mm/yyyy
        ("07/13/1986", dt.date(1986, 7, 13), "۱۳۶۵/۰۴/۲۲"),  # mm/dd/yyyy (13 > 12)
        ("2024-04-03", dt.date(2024, 4, 3), "۱۴۰۳/۰۱/۱۵"),
        ("20240403", dt.date(2024, 4, 3), "۱۴۰۳/۰۱/۱۵"),
    ],
)
def test_gregorian_by_mistake(typed, greg, jalali_text):
    p = parse(typed)
    assert not p.ok and p.value is None
    assert p.error.startswith(BIRTH + ":")
    assert "میلادی" in p.error and jalali_text in p.error
    assert p.suggestion == greg
    assert format_jalali(p.suggestion) == jalali_text


def test_impossible_gregorian():
    p = parse("2023-02-29")
    assert not p.ok and "میلادی" in p.error and p.suggestion is None


@pytest.mark.parametrize(
    "typed,needle",
    [
        ("1402/12/30", "۱۴۰۲/۱۲/۳۰ وجود ندارد؛ ۱۴۰۲ کبیسه نیست"),
        ("1404/12/30", "۱۴۰۴ کبیسه نیست"),
        ("1403/12/31", "اسفند حداکثر ۳۰ روز دارد"),
        ("1399/12/31", "اسفند حداکثر ۳۰ روز دارد"),
        ("1403/07/31", "مهر ۳۰ روز دارد"),
        ("1403/11/31", "بهمن ۳۰ روز دارد"),
        ("1403/01/32", "وجود ندارد"),
        ("1403/13/05", "شاید جای روز و ماه عوض شده است"),
        ("1403/00/05", "ماه باید بین ۱ و ۱۲"),
        ("1403/05/00", "روز نمی‌تواند صفر باشد"),
        ("1100/01/01", "سال ۱۱۰۰ پذیرفتنی نیست"),
        ("1650/01/01", "پذیرفتنی نیست"),
        ("365/04/12", "چهار رقمی"),
        ("", "وارد نشده"),
        ("   ", "وارد نشده"),
        ("\u202e", "وارد نشده"),
        ("abc", "قالب تاریخ"),
        ("1365/04", "قالب تاریخ"),
        ("1365/04/12/01", "قالب تاریخ"),
        ("1365/004/12", "قالب تاریخ"),
        ("5/4/3", "قالب تاریخ"),
        ("12 فلان 1365", "قالب تاریخ"),
        ("1" * 10_000, "قالب تاریخ"),
        ("1365/04/12" * 1000, "قالب تاریخ"),
        ("9" * 4000 + "/1/1", "قالب تاریخ"),
    ],
)
def test_bad_dates(typed, needle):
    refused(parse(typed), BIRTH, needle)


def test_leap_day_exists_in_leap_years():
    assert parse("1403/12/30").value == dt.date(2025, 3, 20)
    assert parse("1399/12/30").value == dt.date(2021, 3, 20)


def test_not_future():
    assert parse("1405/09/07", not_future=True).ok
    p = parse("1405/09/08", not_future=True)
    assert not p.ok and "آینده" in p.error
    assert parse("1405/09/08").ok  # other fields (due dates) may be in the future
    # a datetime is accepted as `today` too (aware: taken in Tehran time)
    now = dt.datetime(2026, 11, 28, 21, 0, tzinfo=dt.UTC)  # already 1405/09/08 in Tehran
    assert parse("1405/09/08", not_future=True, today=now).ok
    assert not parse("1405/09/08", not_future=True, today=dt.datetime(2026, 11, 28, 12)).ok


def test_default_field_name():
    assert parse_jalali_date("x").error.startswith("تاریخ:")


def test_format():
    d = dt.date(2024, 4, 3)
    assert format_jalali(d) == "۱۴۰۳/۰۱/۱۵"
    assert format_jalali(d, persian_digits=False) == "1403/01/15"
    assert format_jalali(dt.datetime(2024, 4, 3, 12, 0)) == "۱۴۰۳/۰۱/۱۵"
    # an aware datetime is shown in Tehran time: 22:00 UTC is already the next day there
    late = dt.datetime(2024, 4, 3, 22, 0, tzinfo=dt.UTC)
    assert format_jalali(late) == "۱۴۰۳/۰۱/۱۶"
    assert format_jalali_datetime(late, persian_digits=False) == "1403/01/16 01:30"
    assert format_jalali_datetime(dt.datetime(2024, 4, 3, 8, 41, 9), seconds=True) == (
        "۱۴۰۳/۰۱/۱۵ ۱۲:۱۱:۰۹"
    )
    assert format_jalali_long(d) == "۱۵ فروردین ۱۴۰۳"


def test_round_trip_every_day_for_years():
    d = dt.date(1950, 1, 1)
    end = dt.date(2030, 12, 31)
    step = dt.timedelta(days=1)
    while d <= end:
        text = format_jalali(d)
        assert parse(text).value == d, text
        d += step


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2026-11-28", "۱۴۰۵/۰۹/۰۷"),  # a date is that day
        ("2026-11-27T21:30:00Z", "۱۴۰۵/۰۹/۰۷"),  # 01:00 in Tehran: already the next day
        ("2026-11-27T20:29:59Z", "۱۴۰۵/۰۹/۰۶"),  # 23:59:59 in Tehran
        ("2026-11-27T21:30:00+00:00", "۱۴۰۵/۰۹/۰۷"),
        ("2026-11-27T21:30:00", "۱۴۰۵/۰۹/۰۷"),  # naive: UTC
        ("", ""),
        (None, ""),
        ("2026-13-01", "۲۰۲۶-۱۳-۰۱"),  # not a date: the text, Persian digits
    ],
)
def test_jalali_day_of_dates_and_times_is_a_day_in_tehran(value, shown):
    from samad_desk.text.jalali import jalali_day

    assert jalali_day(value) == shown
