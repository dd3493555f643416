"""Edges of the national-ID code that mutation testing found unguarded (docs/mutation.md):
strict validation of wrong types and non-digits, separators in the neighbour search, and
the exact Persian messages of an empty or zero-padded code."""

from __future__ import annotations

import pytest

from samad_desk.text.national_id import (
    is_valid_national_id,
    national_id_neighbours,
    parse_national_id,
)


@pytest.mark.parametrize("value", ["001234567x", "۰۰۱۲۳۴۵۶۷۹", "00123 5679", 1234567890, None, b"0012345679"])
def test_strict_validation_says_no_and_never_raises(value):
    assert is_valid_national_id(value) is False


def test_neighbours_ignore_separators_like_parsing_does():
    plain = national_id_neighbours("0012345678")
    assert plain and national_id_neighbours("001-234567-8") == plain == national_id_neighbours("001 234 5678")


def test_an_empty_code_says_it_was_not_entered():
    for text in ("", "  - ", None):
        result = parse_national_id(text)
        assert not result.ok and result.error == "کد ملی: وارد نشده است"


def test_padding_says_how_many_zeros_and_shows_the_padded_code():
    result = parse_national_id("12345679", field="کد ملی")  # 8 digits: two zeros added
    assert result.ok and result.value == "0012345679"
    assert result.warning == "کد ملی: ۲ صفر به ابتدای کد افزوده شد (۰۰۱۲۳۴۵۶۷۹)"
