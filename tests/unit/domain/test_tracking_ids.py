"""Tracking codes (Damm check digit) and time-ordered ids."""

from __future__ import annotations

import random
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samad_desk.domain.ids import derived_id, is_uuid, uuid7, uuid7_ms, uuid7_time
from samad_desk.domain.tracking import (
    damm_digit,
    format_tracking_code,
    is_valid_tracking_code,
    make_tracking_code,
    parse_tracking_code,
    split_tracking_code,
)


def _sample(n: int = 400) -> list[str]:
    rng = random.Random(11)
    codes = [make_tracking_code(rng.randrange(100000), rng.randrange(1000000)) for _ in range(n)]
    return codes + [make_tracking_code(0, 0), make_tracking_code(99999, 999999), make_tracking_code(12, 345678)]


def test_layout():
    code = make_tracking_code(12, 345678)
    assert len(code) == 12 and code.isdigit()
    assert code[:11] == "00012345678"
    assert split_tracking_code(code) == (12, 345678)
    assert damm_digit(code) == "0"


@pytest.mark.parametrize(("client", "counter"), [(-1, 0), (100000, 0), (0, -1), (0, 1000000)])
def test_out_of_range(client, counter):
    with pytest.raises(ValueError):
        make_tracking_code(client, counter)


def test_every_single_digit_error_is_caught():
    for code in _sample():
        assert parse_tracking_code(code).ok
        for i, ch in enumerate(code):
            for d in "0123456789":
                if d != ch:
                    bad = code[:i] + d + code[i + 1:]
                    assert not is_valid_tracking_code(bad), (code, bad)
                    assert not parse_tracking_code(bad).ok


def test_every_adjacent_transposition_is_caught():
    checked = 0
    for code in _sample():
        for i in range(len(code) - 1):
            if code[i] != code[i + 1]:
                bad = code[:i] + code[i + 1] + code[i] + code[i + 2:]
                assert not is_valid_tracking_code(bad), (code, bad)
                checked += 1
    assert checked > 3000


def test_unique_per_client_and_counter():
    codes = {make_tracking_code(c, n) for c in range(20) for n in range(500)}
    assert len(codes) == 20 * 500


def test_parse_any_script_and_separators():
    code = make_tracking_code(12, 345678)
    shown = format_tracking_code(code)
    assert shown == "۰۰۰۱-۲۳۴۵-۶۷۸۶"
    assert parse_tracking_code(shown).value == code
    arabic = shown.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "٠١٢٣٤٥٦٧٨٩"))
    assert parse_tracking_code(arabic).value == code
    assert parse_tracking_code(" 0001 2345 6786 ").value == code
    assert parse_tracking_code("\u202b0001-2345-6786\u202c").value == code
    assert format_tracking_code(code, persian_digits=False) == "0001-2345-6786"


@pytest.mark.parametrize("text", ["", "   ", "abc", "12345", "0001234567861", "۰۰۰۱-۲۳۴۵-۶۷۸۷", "x" * 10000])
def test_bad_codes_get_persian_errors(text):
    res = parse_tracking_code(text)
    assert not res.ok and "کد رهگیری" in res.error


@given(st.text(max_size=60))
def test_parse_never_raises(text):
    res = parse_tracking_code(text)
    assert res.ok == (res.error is None)
    if res.ok:
        assert is_valid_tracking_code(res.value)


def test_uuid7_shape_and_order():
    ids = [uuid7() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)  # monotonic within a process, even in one millisecond
    u = uuid.UUID(ids[0])
    assert u.version == 7 and u.variant == uuid.RFC_4122
    assert uuid7_ms(ids[0]) is not None and uuid7_time(ids[0]).year >= 2024
    assert is_uuid(ids[0]) and not is_uuid("op-221") and uuid7_ms("op-221") is None


def test_derived_ids_are_deterministic_and_distinct():
    base = [uuid7() for _ in range(500)]
    ev = [derived_id(b, "event") for b in base]
    assert ev == [derived_id(b, "event") for b in base]
    assert len(set(ev)) == 500 and not set(ev) & set(base)
    assert derived_id(base[0], "event") != derived_id(base[0], "event:2")
    assert uuid7_ms(ev[0]) == uuid7_ms(base[0])
    assert uuid.UUID(ev[0]).version == 7
    assert derived_id("not-a-uuid", "event") == derived_id("not-a-uuid", "event")
