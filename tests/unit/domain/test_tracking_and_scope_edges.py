"""Edges of tracking codes and of the scope rules that mutation testing found unguarded
(docs/mutation.md): exact Persian messages, the 200-character paste limit, short and empty
codes, and the unknown-role and unknown-province answers of the permission rules."""

from __future__ import annotations

import pytest

from samad_desk.domain.permissions import Reach, may, may_act, may_see_case
from samad_desk.domain.tracking import (
    format_tracking_code,
    is_valid_tracking_code,
    make_tracking_code,
    parse_tracking_code,
    split_tracking_code,
)


def test_format_leaves_anything_but_a_whole_code_as_it_was():
    code = make_tracking_code(12, 345)
    assert format_tracking_code(code, persian_digits=False) == f"{code[:4]}-{code[4:8]}-{code[8:]}"
    assert format_tracking_code("123", persian_digits=False) == "123"
    assert format_tracking_code("abcdefghijkl", persian_digits=False) == "abcdefghijkl"
    assert format_tracking_code(None, persian_digits=False) == ""
    assert format_tracking_code("", persian_digits=False) == ""


def test_validity_needs_twelve_digits_and_the_check_digit():
    code = make_tracking_code(1, 1)
    assert is_valid_tracking_code(code)
    assert not is_valid_tracking_code("0")  # a one-digit string passes Damm alone
    assert not is_valid_tracking_code(code[:-1] + str((int(code[-1]) + 1) % 10))
    assert split_tracking_code(make_tracking_code(12, 345)) == (12, 345)


def test_out_of_range_numbers_say_which():
    with pytest.raises(ValueError, match=r"^client_no out of range: 100000$"):
        make_tracking_code(100000, 1)
    with pytest.raises(ValueError, match=r"^counter out of range: -1$"):
        make_tracking_code(1, -1)


@pytest.mark.parametrize(("text", "error"), [
    (None, "کد رهگیری: مقدار وارد نشده است"),
    (" - ", "کد رهگیری: وارد نشده است"),
    ("12ab", "کد رهگیری: فقط رقم مجاز است"),
    ("12345", "کد رهگیری: باید ۱۲ رقم باشد، ۵ رقم وارد شده است"),
    ("1" * 200, "کد رهگیری: باید ۱۲ رقم باشد، ۲۰۰ رقم وارد شده است"),  # still scanned
    ("1" * 201, "کد رهگیری: بیش از اندازه بلند است؛ فقط ۱۲ رقم لازم است"),
])
def test_parse_errors_exactly(text, error):
    result = parse_tracking_code(text)
    assert not result.ok and result.error == error


def test_permission_rules_refuse_unknown_roles_and_actions():
    assert may("agent", "register") and not may("agent", "no-such-action") and not may(None, "register")
    assert not may_act({"role": "pilot", "province": "qazvin"}, Reach.of(["qazvin"]))
    assert may_act({"role": "supervisor", "province": "qazvin"}, Reach.of(["qazvin"]))


def test_a_case_of_unknown_province_counts_as_the_actors_own():
    supervisor = {"role": "supervisor", "province": "qazvin"}
    assert may_see_case(supervisor, {"agency_id": None}, province=None)
    assert may_see_case(supervisor, {"agency_id": None}, province="qazvin")
    assert not may_see_case(supervisor, {"agency_id": None}, province="tehran")


def test_role_families():
    from samad_desk.domain.permissions import is_agency_role, is_oversight_role, may_merge

    assert [r for r in ("agent", "officer", "manager", "supervisor", "admin") if is_agency_role(r)] == [
        "officer", "manager"]
    assert [r for r in ("agent", "officer", "manager", "supervisor", "admin") if is_oversight_role(r)] == [
        "supervisor", "admin"]
    assert [r for r in ("agent", "officer", "manager", "supervisor", "admin", None) if may_merge(r)] == [
        "supervisor", "admin"]


def test_referrals_stay_in_the_actors_province_unless_one_side_is_unknown():
    from samad_desk.domain.permissions import may_refer_to

    qazvin = {"role": "supervisor", "province": "qazvin"}
    assert may_refer_to(qazvin, "qazvin") and not may_refer_to(qazvin, "zanjan")
    assert may_refer_to(qazvin, None) and may_refer_to(qazvin, "")
    assert may_refer_to({"role": "supervisor"}, "zanjan")
