"""کد ملی: checksum, padding, same-digit codes, the flawed-validator trap, neighbours."""

from __future__ import annotations

import random

import pytest

from samad_desk.text import is_valid_national_id, national_id_neighbours, parse_national_id
from samad_desk.text.national_id import check_digit
from tests.support.parsed import accepted, refused

# Valid codes whose remainder r = S mod 11 is 1 (check digit 1): the validator copied widely
# since 2008 (Σ over all ten digits × (10−i) ≡ 0 mod 11) rejects every one of them.
R1_CODES = ["6405622411", "7585847191", "2792877571", "4476216821"]
R0_CODES = ["3806756910", "1850894140", "8086026310", "3717030760"]
VALID = ["0012345679", "0499370899", "0790419904", "1234567891", *R1_CODES, *R0_CODES]


def flawed_validator(code: str) -> bool:
    return sum(int(c) * (10 - i) for i, c in enumerate(code)) % 11 == 0


def remainder(code: str) -> int:
    return sum(int(c) * (10 - i) for i, c in enumerate(code[:9])) % 11


@pytest.mark.parametrize("code", VALID)
def test_valid_codes(code):
    assert is_valid_national_id(code)
    p = parse_national_id(code)
    assert p.ok and p.value == code and p.warning is None


@pytest.mark.parametrize("code", R1_CODES)
def test_r1_codes_are_valid_although_the_flawed_validator_rejects_them(code):
    assert remainder(code) == 1 and code[9] == "1"
    assert is_valid_national_id(code)
    assert not flawed_validator(code)


def test_flawed_validator_agrees_elsewhere():
    # sanity of the trap itself: for r != 1 the flawed formula accepts the valid code
    for code in R0_CODES + ["0012345679"]:
        assert flawed_validator(code)


@pytest.mark.parametrize("digit", "0123456789")
def test_same_digit_codes_rejected(digit):
    code = digit * 10
    assert check_digit(code[:9]) == int(code[9])  # they pass the checksum…
    assert not is_valid_national_id(code)  # …and are rejected explicitly
    refused(parse_national_id(code), "کد ملی", "یکسان")


def test_same_digit_after_padding_rejected():
    assert not parse_national_id("00000000").ok


def test_check_digit_error_message():
    p = parse_national_id("0012345678")
    assert p.error == "کد ملی: رقم کنترل درست نیست"


@pytest.mark.parametrize(
    "typed",
    [
        "۰۰۱۲۳۴۵۶۷۹",
        "٠٠١٢٣٤٥٦٧٩",
        "001-234567-9",
        " 001 234 567 9 ",
        "۰۰۱-۲۳۴۵۶۷-۹",
        "\u202e0012345679\u202c",
        "\u200f0012345679",
        "\x1b[31m0012345679\x1b[0m",
    ],
)
def test_any_digit_script_and_separators(typed):
    accepted(parse_national_id(typed), "0012345679")


@pytest.mark.parametrize(
    "typed,zeros", [("12345679", 2), ("۱۲۳۴۵۶۷۹", 2), ("012345679", 1), ("499370899", 1)]
)
def test_padding_8_and_9_digits(typed, zeros):
    p = parse_national_id(typed)
    assert p.ok and len(p.value) == 10 and p.value.startswith("0" * zeros)
    assert p.warning and p.warning.startswith("کد ملی:")


@pytest.mark.parametrize(
    "typed,needle",
    [
        ("", "وارد نشده"),
        ("   ", "وارد نشده"),
        ("1234567", "۷ رقم"),
        ("12345678901", "۱۱ رقم"),
        ("00123a5679", "فقط رقم"),
        ("۰۰۱۲۳۴۵۶۷x", "فقط رقم"),
        ("0012345679" * 1000, "رقم"),
        ("1" * 10_000, "رقم"),
        ("\x00\x01\x02", "وارد نشده"),
    ],
)
def test_bad_input(typed, needle):
    refused(parse_national_id(typed), "کد ملی", needle)


def test_field_name_is_used():
    assert parse_national_id("1", field="کد ملی پدر").error.startswith("کد ملی پدر:")


def test_is_valid_is_strict_about_the_canonical_form():
    assert not is_valid_national_id("۰۰۱۲۳۴۵۶۷۹")
    assert not is_valid_national_id("12345679")
    assert not is_valid_national_id("001234567 9")
    assert not is_valid_national_id("")


def _brute_neighbours(code: str) -> list[str]:
    out = set()
    for i in range(10):
        for c in "0123456789":
            out.add(code[:i] + c + code[i + 1 :])
    for i in range(9):
        out.add(code[:i] + code[i + 1] + code[i] + code[i + 2 :])
    out.discard(code)
    return sorted(x for x in out if is_valid_national_id(x))


def test_neighbours_match_brute_force():
    rng = random.Random(7)
    codes = ["0012345678", "0012345679", *R1_CODES]
    codes += ["".join(rng.choice("0123456789") for _ in range(10)) for _ in range(300)]
    total = 0
    for code in codes:
        got = national_id_neighbours(code)
        assert got == _brute_neighbours(code), code
        total += len(got)
    assert 5 < total / len(codes) < 20  # identity.md: ≈11.5 on average


def test_neighbours_recover_single_typos():
    true = "0499370899"
    typo_sub = "0499371899"  # one substitution
    typo_swap = "0499730899"  # adjacent transposition
    for typo in (typo_sub, typo_swap):
        assert not is_valid_national_id(typo)
        assert true in national_id_neighbours(typo)


def test_neighbours_accept_any_script_and_reject_garbage():
    assert national_id_neighbours("۰۰۱۲۳۴۵۶۷۸") == national_id_neighbours("0012345678")
    assert national_id_neighbours("12345678") == national_id_neighbours("0012345678")
    for bad in ("", "abc", "1" * 11, "1" * 10_000, "\u202e"):
        assert national_id_neighbours(bad) == []
    assert "1111111111" not in national_id_neighbours("1111111121")
