"""کد ملی (Iranian national ID): parsing, checksum, typo neighbours (identity.md §3).

Ten digits: a 3-digit registration-office code, a 6-digit serial and a check digit.
``S = Σ d_i·(11−i)`` for i = 1..9 (weights 10…2), ``r = S mod 11``, check = ``r`` if r < 2
else ``11 − r``. The ten same-digit codes pass that checksum and are rejected explicitly.
Input with 8 or 9 digits is left-padded with zeros (spreadsheets drop leading zeros).

Note the widely copied flawed validator (Σ over all ten digits × (10−i) ≡ 0 mod 11) rejects
every valid code with r = 1; we do not use it (tests cover such codes).
"""

from __future__ import annotations

import re

from .digits import fa, to_ascii_digits
from .normalize import strip_controls
from .result import Parsed

FIELD = "کد ملی"
_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_SAME_DIGIT = frozenset(str(d) * 10 for d in range(10))
_SEPARATORS_RE = re.compile(r"[\s\-_./\\,،]+")
_DIGITS10_RE = re.compile(r"[0-9]{10}")


def check_digit(first9: str) -> int:
    """The check digit for the first nine digits (ASCII)."""
    s = sum(int(c) * w for c, w in zip(first9, _WEIGHTS, strict=True))
    r = s % 11
    return r if r < 2 else 11 - r


def is_valid_national_id(nid: str) -> bool:
    """True for a canonical (10 ASCII digits) valid کد ملی; same-digit codes are invalid.

    Strict: no padding, no Persian digits, no separators (use :func:`parse_national_id`)."""
    if not isinstance(nid, str) or len(nid) != 10 or not _DIGITS10_RE.fullmatch(nid):
        return False
    if nid in _SAME_DIGIT:
        return False
    return check_digit(nid[:9]) == ord(nid[9]) - 48


def parse_national_id(text: str, *, field: str = FIELD) -> Parsed[str]:
    """Parse a کد ملی typed in any digit script with spaces/dashes; pad 8–9 digits.

    ``value`` is 10 ASCII digits. Errors (Persian): empty, non-digit characters, too few or too
    many digits, all digits the same, wrong check digit. Padding sets a ``warning``.
    """
    if not isinstance(text, str):
        return Parsed.failure(f"{field}: وارد نشده است")
    s = _SEPARATORS_RE.sub("", to_ascii_digits(strip_controls(text)))
    if not s:
        return Parsed.failure(f"{field}: وارد نشده است")
    if not s.isascii() or not s.isdigit():
        return Parsed.failure(f"{field}: فقط رقم مجاز است")
    n = len(s)
    warning = None
    if n > 10:
        return Parsed.failure(f"{field}: باید ۱۰ رقم باشد، {fa(n)} رقم وارد شده است")
    if n < 8:
        return Parsed.failure(f"{field}: باید ۱۰ رقم باشد، فقط {fa(n)} رقم وارد شده است")
    if n < 10:
        s = s.zfill(10)
        warning = f"{field}: {fa(10 - n)} صفر به ابتدای کد افزوده شد ({fa(s)})"
    if s in _SAME_DIGIT:
        return Parsed.failure(f"{field}: کدی که همهٔ رقم‌هایش یکسان است معتبر نیست")
    if check_digit(s[:9]) != int(s[9]):
        return Parsed.failure(f"{field}: رقم کنترل درست نیست")
    return Parsed.success(s, warning)


def national_id_neighbours(nid: str) -> list[str]:
    """Valid codes one digit substitution or one adjacent transposition away from ``nid``.

    For «did you mean» after a checksum failure (identity.md §3): ≈11.5 on average. Accepts any
    digit script, separators and 8–9-digit input (padded); anything else gives ``[]``. The
    code itself and same-digit codes are never included. Sorted, no duplicates.
    """
    if not isinstance(nid, str):
        return []
    s = _SEPARATORS_RE.sub("", to_ascii_digits(nid))
    if not (8 <= len(s) <= 10) or not s.isascii() or not s.isdigit():
        return []
    s = s.zfill(10)
    d = [ord(c) - 48 for c in s]
    total = sum(x * w for x, w in zip(d, _WEIGHTS, strict=False))
    check = d[9]
    out: set[str] = set()

    def expected(sm: int) -> int:
        r = sm % 11
        return r if r < 2 else 11 - r

    # substitutions in the first nine digits: S changes by w·(new − old)
    for i in range(9):
        w = _WEIGHTS[i]
        for c in range(10):
            if c != d[i] and expected(total + w * (c - d[i])) == check:
                out.add(s[:i] + chr(48 + c) + s[i + 1 :])
    # substitution of the check digit
    e = expected(total)
    if e != check:
        out.add(s[:9] + chr(48 + e))
    # adjacent transpositions among the first nine: S changes by (d[i+1] − d[i])·1
    for i in range(8):
        if d[i] != d[i + 1] and expected(total + d[i + 1] - d[i]) == check:
            out.add(s[:i] + s[i + 1] + s[i] + s[i + 2 :])
    # transposition of digit 9 with the check digit
    if d[8] != d[9]:
        swapped = s[:8] + s[9] + s[8]
        if is_valid_national_id(swapped):
            out.add(swapped)
    out.discard(s)
    out -= _SAME_DIGIT
    return sorted(out)
