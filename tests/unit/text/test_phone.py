"""Mobile, landline and postal code."""

from __future__ import annotations

import pytest

from samad_desk.text import (
    mobile_key,
    mobile_operator,
    parse_landline,
    parse_mobile,
    parse_postal_code,
)
from tests.support.parsed import accepted, refused

MOBILE_FORMS = [
    "09123456789",
    "9123456789",
    "+989123456789",
    "+98 912 345 6789",
    "+98-912-345-6789",
    "+98 (0) 912 345 6789",
    "00989123456789",
    "0098 912 345 6789",
    "989123456789",
    "98 912 345 6789",
    "0912 345 6789",
    "0912-345-6789",
    "0912.345.6789",
    "(0912) 345 6789",
    "۰۹۱۲۳۴۵۶۷۸۹",
    "٠٩١٢٣٤٥٦٧٨٩",
    "+۹۸۹۱۲۳۴۵۶۷۸۹",
    "۰۹۱۲ ۳۴۵ ۶۷۸۹",
    "\u200e+98 912 345 6789\u200f",
    "\u202e09123456789\u202c",
    "\x1b[1m09123456789\x1b[0m",
    "\t09123456789\n",
]


@pytest.mark.parametrize("typed", MOBILE_FORMS)
def test_mobile_forms(typed):
    p = parse_mobile(typed)
    accepted(p, "09123456789")
    assert p.warning is None
    assert mobile_key(typed) == "9123456789"


@pytest.mark.parametrize(
    "mobile,operator",
    [
        ("09121234567", "همراه اول"),
        ("09901234567", "همراه اول"),
        ("09961234567", "همراه اول"),
        ("09351234567", "ایرانسل"),
        ("09011234567", "ایرانسل"),
        ("09411234567", "ایرانسل"),
        ("09201234567", "رایتل"),
        ("09321234567", "تالیا"),
        ("09341234567", "تله‌کیش"),
        ("09981234567", "شاتل موبایل"),
        ("09991234567", "آپتل"),
        ("09999234567", "سامانتل"),
    ],
)
def test_operators(mobile, operator):
    p = parse_mobile(mobile)
    assert p.ok and p.warning is None
    assert mobile_operator(p.value) == operator


@pytest.mark.parametrize("mobile", ["09071234567", "09241234567", "09801234567", "09971234567"])
def test_unknown_prefix_is_a_warning(mobile):
    p = parse_mobile(mobile)
    assert p.ok and p.value == mobile
    assert p.warning.startswith("شماره همراه:")
    assert mobile_operator(mobile) is None


@pytest.mark.parametrize(
    "typed,needle",
    [
        ("", "وارد نشده"),
        ("+", "وارد نشده"),
        ("abc", "فقط رقم"),
        ("0912abc4567", "فقط رقم"),
        ("0912345678", "۱ رقم کم دارد"),  # one digit short
        ("091234567890", "۱ رقم اضافه دارد"),  # one digit too many
        ("+44 7911 123456", "ایران نیست"),
        ("0044 7911 123456", "ایران نیست"),
        ("+1 202 555 0100", "ایران نیست"),
        ("02833334444", "تلفن ثابت"),
        ("+98 28 3333 4444", "تلفن ثابت"),
        ("0812345678", "۰۹"),
        ("1111111111", "۰۹"),
        ("9" * 10_000, "رقم"),
        ("\x00\x1b[2J", "وارد نشده"),
    ],
)
def test_bad_mobiles(typed, needle):
    refused(parse_mobile(typed), "شماره همراه", needle)
    assert mobile_key(typed) is None


def test_mobile_key_is_lenient_about_notes():
    assert mobile_key("۰۹۱۲۳۴۵۶۷۸۹ (پدر)") == "9123456789"
    assert mobile_key("tel: +98 912 345 6789") == "9123456789"
    assert mobile_key("09123456789 / 09351234567") is None  # two numbers: no key


def test_mobile_field_name():
    assert parse_mobile("x", field="شماره همراه دوم").error.startswith("شماره همراه دوم:")


@pytest.mark.parametrize(
    "typed", ["02833334444", "028-3333-4444", "+98 28 3333 4444", "00982833334444", "۰۲۸۳۳۳۳۴۴۴۴"]
)
def test_landline_forms(typed):
    accepted(parse_landline(typed), "02833334444")


def test_landline_default_area():
    assert parse_landline("33334444", default_area="028").value == "02833334444"
    p = parse_landline("33334444")
    assert not p.ok and "پیش‌شماره" in p.error


@pytest.mark.parametrize(
    "typed,needle",
    [
        ("", "وارد نشده"),
        ("09123456789", "همراه"),
        ("0283333444", "۱ رقم کم دارد"),
        ("9123456", "۳ رقم کم دارد"),
        ("01933334444", "استان"),  # 019 is no province
        ("+44 20 7946 0000", "ایران نیست"),
        ("abc", "فقط رقم"),
    ],
)
def test_bad_landlines(typed, needle):
    refused(parse_landline(typed), "تلفن ثابت", needle)


@pytest.mark.parametrize("typed", ["3415678913", "34156-78913", "۳۴۱۵۶ ۷۸۹۱۳", "٣٤١٥٦-٧٨٩١٣"])
def test_postal_code(typed):
    p = parse_postal_code(typed)
    assert p.ok and p.value == "3415678913" and p.warning is None


def test_postal_code_unusual_pattern_warns():
    p = parse_postal_code("1234567890")  # a 2 and a 0: outside the circulating pattern
    assert p.ok and p.value == "1234567890"
    assert p.warning.startswith("کد پستی:")


@pytest.mark.parametrize(
    "typed,needle",
    [
        ("", "وارد نشده"),
        ("341567891", "۹ رقم"),
        ("34156789131", "۱۱ رقم"),
        ("3415a78913", "فقط رقم"),
        ("+3415678913", "فقط رقم"),
        ("1111111111", "یکسان"),
    ],
)
def test_bad_postal_codes(typed, needle):
    refused(parse_postal_code(typed), "کد پستی", needle)
