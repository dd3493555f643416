"""Property tests: every parser survives any string; normalize() output is always clean."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samad_desk.text import (
    Parsed,
    compact_key,
    format_jalali,
    is_valid_national_id,
    mobile_key,
    name_key,
    national_id_neighbours,
    normalize,
    normalize_line,
    parse_jalali_date,
    parse_landline,
    parse_mobile,
    parse_national_id,
    parse_postal_code,
    strip_controls,
    strip_titles,
    to_ascii_digits,
    to_persian_digits,
)

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HOSTILE = (
    [chr(c) for c in range(0x20)]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + list("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
    + list("\ufeff\u200b\u200c\u200d\u2028\u2029\u00ad\ud800\udfff\ufffe\uffff")
    + ["\x1b[", "\x1b]", "\x1bP", "\x9b", "\x9d", "\x1b\\", "\x07", "m", ";", "0", "2J"]
    + list("يكىكةۀأإٱآؤئءـًٌٍَُِّْٰٔ")
    + list("\ufb8f\ufbfc\ufef1\ufefb\ufdf2\ufdfc\ufe70\ufd3e")
    + list("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩0123456789+-/ ().")
    + list("سیدهادتمحرضعلیپورزاده")
)
# Random text mixing arbitrary unicode (hypothesis avoids surrogates by default) with the
# characters most likely to break things, as single chars and as escape-sequence fragments.
hostile_text = st.lists(st.one_of(st.text(max_size=8), st.sampled_from(HOSTILE)), max_size=40).map(
    "".join
)

PARSERS = [
    ("کد ملی", parse_national_id),
    ("شماره همراه", parse_mobile),
    ("تلفن ثابت", parse_landline),
    ("کد پستی", parse_postal_code),
    ("تاریخ", parse_jalali_date),
]

_PRESENTATION = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]")


def assert_clean(out: str) -> None:
    for ch in out:
        cat = unicodedata.category(ch)
        assert cat != "Cc" or ch == "\n", repr(ch)
        assert cat != "Cf" or ch == "\u200c", repr(ch)
        assert cat != "Cs", repr(ch)
    assert "\x1b" not in out and "\r" not in out and "\t" not in out
    assert not set(out) & set("\u064a\u0649\u0643\u2028\u2029")
    for m in _PRESENTATION.finditer(out):
        ch = m.group()
        assert ch == "\ufdfc" or unicodedata.normalize("NFKC", ch) == ch, repr(ch)
    assert unicodedata.is_normalized("NFC", out)
    out.encode("utf-8")  # storable


@SETTINGS
@given(hostile_text)
def test_normalize_is_clean_and_idempotent(text):
    out = normalize(text)
    assert_clean(out)
    assert normalize(out) == out
    line = normalize_line(text)
    assert "\n" not in line and line == line.strip(" \u200c") and line == line.strip()
    assert normalize_line(line) == line
    sc = strip_controls(text)
    assert strip_controls(sc) == sc
    assert "\x1b" not in sc


@SETTINGS
@given(hostile_text)
def test_keys_are_clean_and_idempotent(text):
    key = name_key(text)
    assert_clean(key)
    assert "\n" not in key and "  " not in key and key == key.strip()
    assert name_key(key) == key
    compact = compact_key(text)
    assert compact == key.replace(" ", "")
    assert compact_key(compact) == compact
    assert not any(ch.isspace() or ch == "\u200c" for ch in compact)
    name, sayyed = strip_titles(text)
    assert isinstance(name, str) and isinstance(sayyed, bool)
    assert_clean(name)


@SETTINGS
@given(hostile_text)
def test_parsers_never_raise(text):
    for field, parser in PARSERS:
        p = parser(text)
        assert isinstance(p, Parsed)
        if p.ok:
            assert p.value is not None
        else:
            assert p.value is None
            assert p.error.startswith(field + ":"), p.error
            assert_clean(p.error)
    nid = parse_national_id(text)
    if nid.ok:
        assert is_valid_national_id(nid.value)
    mob = parse_mobile(text)
    if mob.ok:
        assert re.fullmatch(r"09\d{9}", mob.value)
    key = mobile_key(text)
    assert key is None or re.fullmatch(r"9\d{9}", key)
    land = parse_landline(text, default_area="028")
    assert land.value is None or re.fullmatch(r"0\d{10}", land.value)
    post = parse_postal_code(text)
    assert post.value is None or re.fullmatch(r"\d{10}", post.value)
    date = parse_jalali_date(text, not_future=True)
    assert date.value is None or isinstance(date.value, dt.date)
    for n in national_id_neighbours(text):
        assert is_valid_national_id(n)
    to_ascii_digits(text)
    to_persian_digits(text)


digit_script = st.sampled_from(
    [
        lambda s: s,
        to_persian_digits,
        lambda s: s.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
    ]
)


@SETTINGS
@given(st.integers(0, 999_999_999), digit_script, st.sampled_from(["", " ", "-", "\u200f"]))
def test_valid_national_ids_round_trip(first9, script, sep):
    from samad_desk.text.national_id import check_digit

    body = f"{first9:09d}"
    code = body + str(check_digit(body))
    if len(set(code)) == 1:
        return
    typed = script(sep.join([code[:3], code[3:9], code[9]]))
    p = parse_national_id(typed)
    assert p.ok and p.value == code
    if code.startswith("0"):  # a spreadsheet dropped the leading zeros
        p = parse_national_id(code.lstrip("0") if len(code.lstrip("0")) >= 8 else code)
        assert p.value == code


@SETTINGS
@given(
    st.sampled_from(["912", "935", "901", "990", "921", "932", "934", "941"]),
    st.integers(0, 9_999_999),
    st.sampled_from(
        [
            "0{p}{n}",
            "+98{p}{n}",
            "+98 {p} {n}",
            "0098{p}{n}",
            "98{p}{n}",
            "{p}{n}",
            "0{p}-{n}",
            "+98 (0) {p} {n}",
        ]
    ),
    digit_script,
)
def test_mobile_round_trip(prefix, number, form, script):
    n = f"{number:07d}"
    typed = script(form.format(p=prefix, n=n))
    p = parse_mobile(typed)
    assert p.ok, p.error
    assert p.value == "0" + prefix + n
    assert mobile_key(typed) == prefix + n


@SETTINGS
@given(st.dates(dt.date(1850, 1, 1), dt.date(2200, 12, 31)), st.booleans())
def test_date_round_trip(d, persian):
    text = format_jalali(d, persian_digits=persian)
    p = parse_jalali_date(text, today=dt.date(2026, 11, 28))
    assert p.ok and p.value == d
