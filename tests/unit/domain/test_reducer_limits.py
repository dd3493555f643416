"""The reducer's value limits, both sides of each, with the exact refusal (code and Persian
text): a birth date of today / tomorrow, the year-1900 floor, the minimum and maximum
length of a multi-line text (reasons, answers), the one-line limit, the pre-normalisation
size guard, and which fields compare names loosely in ``same_value``.

Written against the survivors of the mutmut run of ``domain/reducer/`` (docs/mutation.md):
each of these rules could be changed without any test noticing."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from samad_desk.domain.reducer.outcome import Rejected
from samad_desk.domain.reducer.values import birth_date, multiline, same_value, single_line

# 6 December 2026, noon UTC: 15 Azar 1405 in Iran
CTX = SimpleNamespace(now=datetime(2026, 12, 6, 12, 0, tzinfo=UTC))

FUTURE = "تاریخ تولد: نمی\u200cتواند در آینده باشد."
TOO_OLD = "تاریخ تولد: بیش از اندازه قدیمی است."


def refusal(fn, *args, **kwargs) -> str:
    with pytest.raises(Rejected) as info:
        fn(*args, **kwargs)
    assert info.value.code == "invalid_payload"
    return info.value.message


# -- birth date ------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["2026-12-06", "1405/09/15"])
def test_a_birth_date_of_today_is_accepted(raw):
    assert birth_date(CTX, raw) == "2026-12-06"


def test_a_birth_date_of_tomorrow_is_refused_exactly():
    assert refusal(birth_date, CTX, "2026-12-07") == FUTURE


def test_a_jalali_birth_date_of_tomorrow_is_refused_by_the_jalali_parser():
    assert refusal(birth_date, CTX, "1405/09/16") == "تاریخ تولد: ۱۴۰۵/۰۹/۱۶ هنوز نرسیده است (در آینده است)"


@pytest.mark.parametrize("raw", ["1900-01-01", "1278/10/11"])
def test_the_first_day_of_1900_is_accepted(raw):
    assert birth_date(CTX, raw) == "1900-01-01"


@pytest.mark.parametrize("raw", ["1899-12-31", "1278/10/10"])
def test_a_birth_date_before_1900_is_refused_exactly(raw):
    assert refusal(birth_date, CTX, raw) == TOO_OLD


def test_a_birth_date_that_is_no_text_is_refused_exactly():
    assert refusal(birth_date, CTX, 5) == "تاریخ تولد نامعتبر است."


@pytest.mark.parametrize("raw", [None, ""])
def test_no_birth_date_is_none(raw):
    assert birth_date(CTX, raw) is None


def test_an_unreadable_birth_date_names_the_field():
    assert refusal(birth_date, CTX, "abc") == "تاریخ تولد: قالب تاریخ درست نیست؛ مثلاً ۱۳۶۵/۰۴/۱۲"


def test_an_iso_shaped_date_that_does_not_exist_goes_to_the_jalali_parser():
    assert refusal(birth_date, CTX, "2026-13-01") == (
        "تاریخ تولد: ۲۰۲۶/۱۳/۰۱ شبیه تاریخ میلادی است ولی چنین روزی وجود ندارد؛ تاریخ را شمسی وارد کنید"
    )


# -- multi-line text (answers, reasons) ------------------------------------------------


def test_a_required_text_of_one_character_is_enough_by_default():
    assert multiline({"t": "  x  "}, "t", "متن", required=True) == "x"


@pytest.mark.parametrize("min_len", [2, 3])
def test_the_minimum_length_is_inclusive(min_len):
    assert multiline({"t": "ab" if min_len == 2 else "abc"}, "t", "دلیل", required=True, min_len=min_len)
    short = "a" if min_len == 2 else "ab"
    assert refusal(multiline, {"t": short}, "t", "دلیل", required=True, min_len=min_len) == "«دلیل» وارد نشده است."


def test_a_text_of_exactly_the_maximum_is_accepted_one_more_is_refused_exactly():
    assert len(multiline({"t": "a" * 8000}, "t", "متن", required=True)) == 8000
    message = refusal(multiline, {"t": "a" * 8001}, "t", "متن", required=True)
    assert message == "«متن» بیش از اندازه بلند است (حداکثر ۸۰۰۰ نویسه)."


def test_the_size_guard_before_normalising_is_four_times_the_maximum():
    # blanks normalise away: only the raw-size guard can refuse them
    assert multiline({"t": " " * 32000}, "t", "متن", required=False) == ""
    message = refusal(multiline, {"t": " " * 32001}, "t", "متن", required=False)
    assert message == "«متن» بیش از اندازه بلند است (حداکثر ۸۰۰۰ نویسه)."


def test_a_multiline_value_that_is_no_text_is_refused_exactly():
    assert refusal(multiline, {"t": 5}, "t", "متن", required=False) == "«متن» نامعتبر است."


# -- one-line text (names, city, address) ------------------------------------------------


def test_a_line_of_exactly_the_maximum_is_accepted_one_more_is_refused_exactly():
    assert len(single_line({"k": "a" * 100}, "k", "نام", required=True)) == 100
    message = refusal(single_line, {"k": "a" * 101}, "k", "نام", required=True)
    assert message == "«نام» بیش از اندازه بلند است (حداکثر ۱۰۰ نویسه)."


def test_the_line_size_guard_is_four_times_the_maximum():
    assert single_line({"k": " " * 400}, "k", "نام", required=False) == ""
    message = refusal(single_line, {"k": " " * 401}, "k", "نام", required=False)
    assert message == "«نام» بیش از اندازه بلند است (حداکثر ۱۰۰ نویسه)."


def test_a_line_that_is_no_text_is_refused_exactly():
    assert refusal(single_line, {"k": 5}, "k", "نام", required=False) == "«نام» نامعتبر است."


def test_a_missing_required_line_is_refused_exactly():
    assert refusal(single_line, {"k": "  "}, "k", "نام", required=True) == "«نام» وارد نشده است."


# -- same_value (merge and conflict comparisons) -----------------------------------------


@pytest.mark.parametrize("field", ["first_name", "last_name", "father_name", "city"])
def test_names_and_city_compare_without_spaces_and_letter_forms(field):
    assert same_value(field, "عبد الله", "عبدالله")
    assert same_value(field, "علي", "علی")
    assert not same_value(field, "علی", "رضا")


@pytest.mark.parametrize("field", ["mobile", "address", "national_id"])
def test_other_fields_compare_exactly(field):
    assert not same_value(field, "عبد الله", "عبدالله")


@pytest.mark.parametrize(("a", "b"), [("علی", None), (None, "علی"), (None, 1)])
def test_a_text_never_equals_a_non_text(a, b):
    assert not same_value("first_name", a, b)


def test_the_jalali_future_check_uses_the_ops_clock_not_the_machines():
    # an op of 1 January 2020 (11 Dey 1398): 1 Farvardin 1399 is its future
    ctx = SimpleNamespace(now=datetime(2020, 1, 1, 12, 0, tzinfo=UTC))
    assert refusal(birth_date, ctx, "1399/01/01") == "تاریخ تولد: ۱۳۹۹/۰۱/۰۱ هنوز نرسیده است (در آینده است)"
