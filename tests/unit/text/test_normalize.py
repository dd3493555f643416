"""Display/storage normalization, matching keys, titles, digits."""

from __future__ import annotations

import unicodedata

import pytest

from samad_desk.text import (
    compact_key,
    fa,
    name_key,
    normalize,
    normalize_line,
    strip_controls,
    strip_titles,
    to_ascii_digits,
    to_persian_digits,
)
from samad_desk.text.normalize import _CF_RANGES


def test_cf_table_matches_unicodedata():
    table = {cp for lo, hi in _CF_RANGES for cp in range(lo, hi + 1)}
    actual = {cp for cp in range(0x110000) if unicodedata.category(chr(cp)) == "Cf"}
    assert table == actual


# --- normalize: letters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("\u0643\u0631\u064a\u0645\u064a", "کریمی"),  # كريمي (Arabic kaf/yeh)
        ("\u0645\u0648\u0633\u0649", "موسی"),  # alef maksura → ی
        ("\ufee3\ufea4\ufee4\ufeaa", "محمد"),  # presentation forms (pasted visual text)
        ("\ufbfc", "ی"),  # Farsi yeh isolated form
        ("\ufef1", "ی"),  # Arabic yeh isolated form → ي → ی
        ("\ufb8f", "ک"),  # keheh final form
        ("\ufefb", "لا"),  # lam-alef ligature
        ("۱۰۰ \ufdfc", "۱۰۰ \ufdfc"),  # RIAL SIGN is kept (its NFKC is the word ریال)
        ("\u0627\u0653", "\u0622"),  # NFC: alef + madda → آ
        ("حسن\u200cزاده", "حسن\u200cزاده"),  # ZWNJ kept
        ("فاطمة", "فاطمة"),  # display keeps ة (only the key folds it)
        ("آرش", "آرش"),
    ],
)
def test_normalize_letters(raw, expected):
    assert normalize(raw) == expected


# --- normalize: hostile characters ----------------------------------------------------------


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("\x1b[31mعلی\x1b[0m", "علی"),  # SGR
        ("\x1b[2J\x1b[Hپاک", "پاک"),  # clear screen, cursor home
        ("\x1b[38;2;255;0;0mx", "x"),  # truecolor
        ("\x9b31mx", "x"),  # 8-bit CSI
        ("\x1b]0;hacked title\x07متن", "متن"),  # OSC with BEL
        ("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link"),  # OSC 8 hyperlink with ST
        ("\x1bP+q544e\x1b\\x", "x"),  # DCS
        ("\x1b]52;c;ZXZpbA==", ""),  # unterminated OSC (clipboard write) ends at end/newline
        ("\x1b]2;t\nدوم", "\nدوم"),  # unterminated OSC stops at the newline
        ("a\x1b(Bb", "ab"),  # charset designation
        ("a\x1b7b\x1b8", "ab"),  # save/restore cursor
        ("a\x1b", "a"),  # lone ESC
        ("a\x00b\x07c\x08d\x7fe\x85f", "abcd" + "e\nf"),  # C0, DEL, NEL
        ("\u202eabc\u202c", "abc"),  # RLO/PDF
        ("\u202a\u202b\u202c\u202d\u202ex", "x"),  # all embeddings/overrides
        ("\u2066\u2067\u2068\u2069x", "x"),  # isolates
        ("\u200ex\u200fy\u061cz", "xyz"),  # LRM, RLM, ALM
        ("\ufeffمتن", "متن"),  # BOM
        ("a\u200bb\u200dc\u2060d\u00ade", "abcde"),  # ZWSP, ZWJ, word joiner, soft hyphen
        ("a\ud800b", "ab"),  # lone surrogate
        ("خط۱\r\nخط۲\rخط۳\u2028خط۴\u2029خط۵", "خط۱\nخط۲\nخط۳\nخط۴\nخط۵"),
        ("a\tb", "a b"),
        ("", ""),
    ],
)
def test_normalize_removes_controls(raw, expected):
    assert normalize(raw) == expected
    assert strip_controls(raw) == expected


def test_newlines_kept_for_descriptions():
    text = "سلام\nشکایت از آب\n\nممنون"
    assert normalize(text) == text


def test_strip_controls_does_not_fold_letters():
    assert strip_controls("\u064a\u0643\ufee3") == "\u064a\u0643\ufee3"


def test_normalize_long_and_ascii():
    assert normalize("a" * 10_000) == "a" * 10_000
    assert normalize("\x1b" * 10_000) == ""
    assert normalize("\x1b[" * 5_000) == ""
    assert normalize("Hello, world!") == "Hello, world!"


@pytest.mark.parametrize(
    ("raw", "line"),
    [
        ("  علی \n رضایی\t ", "علی رضایی"),
        ("\u202e", ""),
        ("حسن\u200cزاده", "حسن\u200cزاده"),
        ("حسن\u200c\u200cزاده", "حسن\u200cزاده"),
        ("\u200cعلی \u200c رضایی\u200c", "علی رضایی"),
        ("\u200c", ""),
    ],
)
def test_normalize_line(raw, line):
    assert normalize_line(raw) == line


# --- keys -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "a,b",
    [
        ("كريمي", "کریمی"),
        ("فاطمة", "فاطمه"),
        ("\u0641\u0627\u0637\u0645\u06c0", "فاطمه"),  # ۀ
        ("\u0641\u0627\u0637\u0645\u0647\u0654", "فاطمه"),  # ه + hamza above
        ("آرش", "ارش"),
        ("أحمد", "احمد"),
        ("إسماعیل", "اسماعیل"),
        ("ٱلله", "الله"),
        ("مؤمنی", "مومنی"),
        ("رؤیا", "رویا"),
        ("رضائی", "رضایی"),
        ("فائزه", "فایزه"),
        ("محمـــد", "محمد"),
        ("مُحَمَّد", "محمد"),
        ("\u0639\u0644\u0627\u0621", "علا"),  # hamza ء dropped
        ("رحمٰن", "رحمن"),  # superscript alef
        ("علی\u200d", "علی"),
        ("\u200eعلی\u200f", "علی"),
        ("\ufeffعلی", "علی"),
        ("۱۳۶۵", "1365"),
        ("١٣٦٥", "1365"),
        ("  علی   رضا  ", "علی رضا"),
        ("Ali REZAEE", "ali rezaee"),
    ],
)
def test_name_key_folds(a, b):
    assert name_key(a) == name_key(b)
    assert compact_key(a) == compact_key(b)


def test_name_key_zwnj_is_a_space():
    assert name_key("حسن\u200cزاده") == "حسن زاده"
    assert name_key("حسن زاده") == "حسن زاده"


@pytest.mark.parametrize(
    "variants,compact",
    [
        (["عبدالله", "عبد الله", "عبد\u200cالله", "عبدالله"], "عبدالله"),
        (["حسن\u200cزاده", "حسن زاده", "حسنزاده"], "حسنزاده"),
        (["محمدرضا", "محمد رضا", "محمد\u200cرضا", "  محمد  رضا "], "محمدرضا"),
    ],
)
def test_compact_key_unifies_spacing(variants, compact):
    assert {compact_key(v) for v in variants} == {compact}


def test_keys_keep_real_differences():
    assert compact_key("احمد") != compact_key("احمدی")
    assert compact_key("مرتضی") != compact_key("مرتضا")  # variant table is matching's job


def test_keys_of_hostile_input():
    assert name_key("") == "" and compact_key("") == ""
    assert name_key("\x1b[31mعلی\x1b[0m \u202eرضا") == "علی رضا"
    assert compact_key("a" * 10_000) == "a" * 10_000


# --- titles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,name,sayyed",
    [
        ("سید محمد", "محمد", True),
        ("سيد محمد", "محمد", True),  # Arabic yeh
        ("سیّد علی", "علی", True),  # shadda
        ("سیده زهرا", "زهرا", True),
        ("فاطمه سادات", "فاطمه", True),
        ("زهرا سادات حسینی", "زهرا حسینی", True),
        ("سید\u200cعلی", "علی", True),  # joined with ZWNJ
        ("سید محمد حسن\u200cزاده", "محمد حسن\u200cزاده", True),
        ("محمد", "محمد", False),
        ("سیدی", "سیدی", False),  # a family name, not a title
        ("ساداتی", "ساداتی", False),
        ("میرحسینی", "میرحسینی", False),  # میر is not stripped here
        ("سادات", "سادات", False),  # only a title: kept, no flag
        ("", "", False),
        ("  سید   محمد  ", "محمد", True),
    ],
)
def test_strip_titles(raw, name, sayyed):
    assert strip_titles(raw) == (name, sayyed)


# --- digits ---------------------------------------------------------------------------------


def test_digits():
    assert to_ascii_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"
    assert to_ascii_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert to_ascii_digits("０１２") == "012"
    assert to_ascii_digits("کد ۱۲a٣") == "کد 12a3"
    assert to_persian_digits("0123456789") == "۰۱۲۳۴۵۶۷۸۹"
    assert to_persian_digits("٠١٢٣٤٥٦٧٨٩") == "۰۱۲۳۴۵۶۷۸۹"
    assert to_persian_digits("1403/01/15") == "۱۴۰۳/۰۱/۱۵"
    assert to_persian_digits("") == ""
    assert fa(12) == "۱۲"
    for s in ("", "abc", "۱۲۳", "\u202e", "x" * 10_000):
        assert to_ascii_digits(to_persian_digits(to_ascii_digits(s))) == to_ascii_digits(s)
