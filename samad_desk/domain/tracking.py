"""Tracking codes (کد رهگیری): 12 digits, unique even when issued offline.

Layout: ``CCCCC NNNNNN K``: a 5-digit client number (assigned by the server to each desk
journal), a 6-digit counter local to that client, and a Damm check digit over the first
eleven. The Damm algorithm (a totally anti-symmetric quasigroup of order 10) detects
every single-digit substitution and every adjacent transposition, which the mod-10/Luhn
family does not. Codes are digits only so they can be read over the phone and typed on
any keypad; shown in three groups of four with Persian digits.
"""

from __future__ import annotations

import re

from samad_desk.text.digits import to_ascii_digits, to_persian_digits
from samad_desk.text.result import Parsed

CLIENT_DIGITS = 5
COUNTER_DIGITS = 6
LENGTH = CLIENT_DIGITS + COUNTER_DIGITS + 1
MAX_CLIENT_NO = 10**CLIENT_DIGITS - 1
MAX_COUNTER = 10**COUNTER_DIGITS - 1
FIELD = "کد رهگیری"

# Damm's quasigroup table (Damm 2004), the usual one.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def damm_digit(digits: str) -> str:
    """The Damm check digit of an ASCII digit string."""
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][ord(ch) - 48]
    return chr(48 + interim)


def damm_valid(digits: str) -> bool:
    """True when ``digits`` (check digit last) has interim 0."""
    return bool(digits) and digits.isascii() and digits.isdigit() and damm_digit(digits) == "0"


def make_tracking_code(client_no: int, counter: int) -> str:
    """The 12-digit code for ``client_no`` (0…99999) and ``counter`` (0…999999)."""
    if not 0 <= int(client_no) <= MAX_CLIENT_NO:
        raise ValueError(f"client_no out of range: {client_no}")
    if not 0 <= int(counter) <= MAX_COUNTER:
        raise ValueError(f"counter out of range: {counter}")
    body = f"{int(client_no):0{CLIENT_DIGITS}d}{int(counter):0{COUNTER_DIGITS}d}"
    return body + damm_digit(body)


def split_tracking_code(code: str) -> tuple[int, int]:
    """(client_no, counter) of a valid code."""
    return int(code[:CLIENT_DIGITS]), int(code[CLIENT_DIGITS:CLIENT_DIGITS + COUNTER_DIGITS])


_SEPARATORS = re.compile(r"[\s\-_./\u200c\u200e\u200f\u202a-\u202e\u2066-\u2069]+")


def parse_tracking_code(text: str) -> Parsed[str]:
    """Parse a tracking code typed or read back in any digit script.

    Spaces, dashes, dots and direction marks between digits are ignored.
    """
    if not isinstance(text, str):
        return Parsed.failure(f"{FIELD}: مقدار وارد نشده است")
    if len(text) > 200:  # a paste gone wrong; don't scan it, and don't misreport its length
        return Parsed.failure(f"{FIELD}: بیش از اندازه بلند است؛ فقط {to_persian_digits(str(LENGTH))} رقم لازم است")
    raw = to_ascii_digits(text)
    compact = _SEPARATORS.sub("", raw)
    if not compact:
        return Parsed.failure(f"{FIELD}: وارد نشده است")
    if not (compact.isascii() and compact.isdigit()):
        return Parsed.failure(f"{FIELD}: فقط رقم مجاز است")
    if len(compact) != LENGTH:
        return Parsed.failure(
            f"{FIELD}: باید {to_persian_digits(str(LENGTH))} رقم باشد، "
            f"{to_persian_digits(str(len(compact)))} رقم وارد شده است"
        )
    if not damm_valid(compact):
        return Parsed.failure(f"{FIELD}: رقم کنترل درست نیست؛ احتمالاً یک رقم اشتباه خوانده یا جابه‌جا شده است")
    return Parsed.success(compact)


def is_valid_tracking_code(code: object) -> bool:
    return isinstance(code, str) and len(code) == LENGTH and damm_valid(code)


def format_tracking_code(code: str, *, persian_digits: bool = True, sep: str = "-") -> str:
    """``"۰۰۰۱-۲۳۴۵-۶۷۸۹"``: three groups of four for reading out, Persian digits.

    Anything that is not a 12-digit code is returned as it was (digits converted).
    """
    digits = to_ascii_digits(code or "")
    if len(digits) == LENGTH and digits.isdigit():
        out = sep.join((digits[0:4], digits[4:8], digits[8:12]))
    else:
        out = digits
    return to_persian_digits(out) if persian_digits else out
