"""The citizen's values as the reducer checks and stores them (``values.citizen_fields``),
exactly: which keys a new profile gets and which an edit touches, the required names,
the national-ID / "no national ID" pair, numbers given as numbers, the optional contact
details and each refusal's full Persian text; the base of an edit (``clean_base``) and
what counts as an empty value (``empty_value``).

Written against the survivors of the mutmut run of ``domain/reducer/`` (docs/mutation.md)
in ``values.py`` outside the functions ``test_reducer_limits.py`` covers."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from samad_desk.domain.reducer.outcome import Rejected
from samad_desk.domain.reducer.values import citizen_fields, clean_base, empty_value

# 6 December 2026, noon UTC: 15 Azar 1405 in Iran
CTX = SimpleNamespace(now=datetime(2026, 12, 6, 12, 0, tzinfo=UTC))
NID = "0499370899"
NAMES = {"first_name": "فاطمه", "last_name": "محمدی"}
NO_NID = "کد ملی وارد نشده است؛ اگر شهروند کد ملی ندارد، گزینه «بدون کد ملی» را بزنید."


def refusal(payload: dict, *, creating: bool) -> str:
    with pytest.raises(Rejected) as info:
        citizen_fields(CTX, payload, creating=creating)
    assert info.value.code == "invalid_payload" and info.value.current is None
    return info.value.message


# -- a new profile -----------------------------------------------------------------------


def test_a_new_profile_gets_every_field_with_its_empty_value():
    assert citizen_fields(CTX, {**NAMES, "national_id": NID}, creating=True) == {
        "first_name": "فاطمه", "last_name": "محمدی", "father_name": "", "city": "", "sayyed": False,
        "no_national_id": False, "national_id": NID, "mobile": None, "birth_date": None,
    }


def test_a_new_profile_with_every_field_given_is_made_canonical():
    payload = {"first_name": " علي ", "last_name": "رضايي", "father_name": "حسن", "city": " آبیک ",
               "sayyed": 1, "national_id": "۴۹۹۳۷۰۸۹۹", "mobile": "+98 912 123 4567",
               "birth_date": "۱۳۶۵/۰۴/۱۲", "address": " خیابان\u202e فردوسی\n کوچه ۱۲ ",
               "phone": "۰۲۸-۳۳۳۳ ۴۴۴۴", "postal_code": "34137-57391"}
    assert citizen_fields(CTX, payload, creating=True) == {
        "first_name": "علی", "last_name": "رضایی", "father_name": "حسن", "city": "آبیک", "sayyed": True,
        "no_national_id": False, "national_id": NID, "mobile": "09121234567", "birth_date": "1986-07-03",
        "address": "خیابان فردوسی کوچه ۱۲", "phone": "02833334444", "postal_code": "3413757391",
    }


@pytest.mark.parametrize(("missing", "message"), [("first_name", "«نام» وارد نشده است."),
                                                  ("last_name", "«نام خانوادگی» وارد نشده است.")])
def test_a_new_profile_needs_first_and_last_name(missing, message):
    payload = {**NAMES, "national_id": NID}
    del payload[missing]
    assert refusal(payload, creating=True) == message
    assert refusal({**payload, missing: "  "}, creating=True) == message


def test_the_fathers_name_is_optional_but_checked_when_given():
    assert citizen_fields(CTX, {**NAMES, "national_id": NID}, creating=True)["father_name"] == ""
    assert refusal({**NAMES, "national_id": NID, "father_name": "حسن۲"}, creating=True) == (
        "«نام پدر» فقط حرف می\u200cپذیرد، نه رقم یا نشانه.")
    assert refusal({"father_name": "ح"}, creating=False) == "«نام پدر» کوتاه است."


@pytest.mark.parametrize(("key", "label"), [("first_name", "نام"), ("last_name", "نام خانوادگی")])
def test_a_name_with_a_digit_is_refused_exactly(key, label):
    assert refusal({**NAMES, "national_id": NID, key: "علی۲"}, creating=True) == (
        f"«{label}» فقط حرف می\u200cپذیرد، نه رقم یا نشانه.")
    assert refusal({key: "ع"}, creating=False) == f"«{label}» کوتاه است."


def test_the_city_is_a_line_of_text_not_a_name():
    assert citizen_fields(CTX, {"city": " بوئین‌زهرا ۲ "}, creating=False) == {"city": "بوئین‌زهرا ۲"}


def test_a_new_profile_without_a_national_id_must_say_so():
    assert refusal(dict(NAMES), creating=True) == NO_NID
    assert refusal({**NAMES, "national_id": ""}, creating=True) == NO_NID
    assert refusal({**NAMES, "national_id": None, "no_national_id": False}, creating=True) == NO_NID
    out = citizen_fields(CTX, {**NAMES, "no_national_id": True}, creating=True)
    assert (out["national_id"], out["no_national_id"]) == (None, True)


def test_a_national_id_given_with_no_national_id_ticked_wins():
    out = citizen_fields(CTX, {**NAMES, "no_national_id": True, "national_id": NID}, creating=True)
    assert (out["national_id"], out["no_national_id"]) == (NID, False)
    assert citizen_fields(CTX, {"national_id": NID, "no_national_id": "yes"}, creating=False) == {
        "national_id": NID, "no_national_id": False}


@pytest.mark.parametrize(("raw", "message"), [
    ("0499370898", "کد ملی: رقم کنترل درست نیست"),
    ("12", "کد ملی: باید ۱۰ رقم باشد، فقط ۲ رقم وارد شده است"),
    (12, "کد ملی: باید ۱۰ رقم باشد، فقط ۲ رقم وارد شده است"),
])
def test_a_bad_national_id_is_refused_with_the_parsers_reason(raw, message):
    assert refusal({"national_id": raw}, creating=False) == message


def test_a_national_id_sent_as_a_number_is_read_as_its_digits():
    # a JSON number loses the leading zero: the parser pads 9 digits back
    assert citizen_fields(CTX, {"national_id": 499370899}, creating=False) == {
        "national_id": NID, "no_national_id": False}


# -- an edit touches only the keys it names -----------------------------------------------


@pytest.mark.parametrize(("payload", "expected"), [
    ({}, {}),
    ({"first_name": "زهرا"}, {"first_name": "زهرا"}),
    ({"father_name": ""}, {"father_name": ""}),
    ({"sayyed": True}, {"sayyed": True}),
    ({"sayyed": 0}, {"sayyed": False}),
    ({"no_national_id": True}, {"no_national_id": True}),
    ({"national_id": ""}, {"national_id": None}),
    ({"national_id": None}, {"national_id": None}),
    ({"mobile": ""}, {"mobile": None}),
    ({"mobile": None}, {"mobile": None}),
    ({"mobile": 9121234567}, {"mobile": "09121234567"}),
    ({"birth_date": "2026-12-06"}, {"birth_date": "2026-12-06"}),
    ({"birth_date": ""}, {"birth_date": None}),
    ({"address": ""}, {"address": ""}),
    ({"address": "خ" * 300}, {"address": "خ" * 300}),
    ({"phone": "", "postal_code": "3413757391"}, {"phone": None, "postal_code": "3413757391"}),
    ({"phone": 2833334444, "postal_code": None}, {"phone": "02833334444", "postal_code": None}),
    ({"postal_code": 3413757391}, {"postal_code": "3413757391"}),
    ({"unknown": "x", "merged_into": "c2"}, {}),
])
def test_an_edit_gives_exactly_the_keys_it_names(payload, expected):
    assert citizen_fields(CTX, payload, creating=False) == expected


@pytest.mark.parametrize(("payload", "message"), [
    ({"mobile": "12345"}, "شماره همراه: شمارهٔ همراه باید با ۰۹ شروع شود"),
    ({"mobile": "x"}, "شماره همراه: فقط رقم، فاصله و + مجاز است"),
    ({"phone": "33334444"}, "تلفن ثابت: پیش\u200cشمارهٔ استان (مثلاً ۰۲۸) را هم وارد کنید"),
    ({"postal_code": "12345"}, "کد پستی: باید ۱۰ رقم باشد، ۵ رقم وارد شده است"),
    ({"postal_code": 12345}, "کد پستی: باید ۱۰ رقم باشد، ۵ رقم وارد شده است"),
    ({"address": "خ" * 301}, "«نشانی» بیش از اندازه بلند است (حداکثر ۳۰۰ نویسه)."),
    ({"address": 5}, "«نشانی» نامعتبر است."),
    ({"city": 5}, "«شهر» نامعتبر است."),
    ({"city": "ش" * 101}, "«شهر» بیش از اندازه بلند است (حداکثر ۱۰۰ نویسه)."),
    ({"birth_date": "2026-12-07"}, "تاریخ تولد: نمی\u200cتواند در آینده باشد."),
])
def test_each_bad_value_of_an_edit_is_refused_exactly(payload, message):
    assert refusal(payload, creating=False) == message


# -- the base of an edit -------------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, "city", ["city"], 5])
def test_a_base_that_is_no_object_is_empty(raw):
    assert clean_base(raw) == {}


def test_the_base_keeps_editable_scalars_made_canonical():
    raw = {"city": " آبیک\u202e ", "first_name": "علي", "mobile": None, "sayyed": False, "no_national_id": True,
           "national_id": NID, "address": " خیابان  فردوسی ", "version": 3, "merged_into": "c9",
           "birth_date": 1986, "postal_code": ["x"]}
    assert clean_base(raw) == {"city": "آبیک", "first_name": "علی", "mobile": None, "sayyed": False,
                               "no_national_id": True, "national_id": NID, "address": "خیابان فردوسی"}


def test_the_base_cuts_a_long_text_at_the_fields_limit():
    out = clean_base({"city": "ش" * 150, "address": "خ" * 350, "last_name": "ن" * 101})
    assert out == {"city": "ش" * 100, "address": "خ" * 300, "last_name": "ن" * 100}


def test_a_base_leaves_out_the_fields_it_does_not_name():
    assert clean_base({"mobile": None}) == {"mobile": None}
    assert clean_base({}) == {}


# -- empty values ------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "empty"), [
    (None, True), ("", True), (False, True), (0, False), (" ", False), ("x", False), (True, False), ([], False),
])
def test_what_counts_as_an_empty_value(value, empty):
    assert empty_value(value) is empty
