"""Digits: accept Persian, Arabic-Indic and Latin digits on input, store ASCII, display Persian."""

from __future__ import annotations

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"  # U+06F0..U+06F9
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"  # U+0660..U+0669
FULLWIDTH_DIGITS = "０１２３４５６７８９"  # U+FF10..U+FF19 (CJK input methods, rare)

_TO_ASCII = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS + FULLWIDTH_DIGITS, "0123456789" * 3)
_TO_PERSIAN = str.maketrans("0123456789" + ARABIC_INDIC_DIGITS, PERSIAN_DIGITS * 2)


def to_ascii_digits(text: str) -> str:
    """Persian ۰-۹, Arabic-Indic ٠-٩ (and fullwidth ０-９) → 0-9; everything else unchanged."""
    return text.translate(_TO_ASCII)


def to_persian_digits(text: str) -> str:
    """0-9 and Arabic-Indic ٠-٩ → Persian ۰-۹; everything else unchanged."""
    return text.translate(_TO_PERSIAN)


def fa(value: object) -> str:
    """``str(value)`` with Persian digits: for numbers inside Persian messages."""
    return str(value).translate(_TO_PERSIAN)
