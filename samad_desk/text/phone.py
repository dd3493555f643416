"""Mobile, landline and postal-code parsing (identity.md §3).

* Mobile: canonical ``"09xxxxxxxxx"`` (11 ASCII digits); the matching key is the last 10
  digits (starting with 9). Accepted: ``09…``, ``+98 9…``, ``0098 9…``, ``98 9…``, ``9…``,
  ``+98 (0) 9…``, in any digit script, with spaces, dashes, dots or parentheses.
* Landline: ``0`` + 2-digit province code + 8 digits, canonical ``"02833334444"``.
* Postal code: 10 digits; the unverified circulating pattern only gives a warning.
"""

from __future__ import annotations

import re

from .digits import fa, to_ascii_digits
from .normalize import strip_controls
from .result import Parsed

MOBILE_FIELD = "شماره همراه"
LANDLINE_FIELD = "تلفن ثابت"
POSTAL_FIELD = "کد پستی"

_SEP_RE = re.compile(r"[\s\-_./\\()\[\]]+")

# Operator prefixes after the leading 0 (identity.md §3). Longest prefix wins.
_OPERATORS: dict[str, str] = {}
for _p in [*range(910, 920), *range(990, 997)]:
    _OPERATORS[str(_p)] = "همراه اول"
for _p in [*range(900, 906), 930, 933, *range(935, 940), 941]:
    _OPERATORS[str(_p)] = "ایرانسل"
for _p in range(920, 924):
    _OPERATORS[str(_p)] = "رایتل"
_OPERATORS["932"] = "تالیا"
_OPERATORS["934"] = "تله‌کیش"
for _p in range(99810, 99818):
    _OPERATORS[str(_p)] = "شاتل موبایل"
_OPERATORS["9991"] = "آپتل"
_OPERATORS["9999"] = "سامانتل"
del _p

# Province area codes (without the 0).
AREA_CODES: dict[str, str] = {
    "11": "مازندران", "13": "گیلان", "17": "گلستان", "21": "تهران", "23": "سمنان",
    "24": "زنجان", "25": "قم", "26": "البرز", "28": "قزوین", "31": "اصفهان", "34": "کرمان",
    "35": "یزد", "38": "چهارمحال و بختیاری", "41": "آذربایجان شرقی", "44": "آذربایجان غربی",
    "45": "اردبیل", "51": "خراسان رضوی", "54": "سیستان و بلوچستان", "56": "خراسان جنوبی",
    "58": "خراسان شمالی", "61": "خوزستان", "66": "لرستان", "71": "فارس",
    "74": "کهگیلویه و بویراحمد", "76": "هرمزگان", "77": "بوشهر", "81": "همدان",
    "83": "کرمانشاه", "84": "ایلام", "86": "مرکزی", "87": "کردستان",
}  # fmt: skip


def _clean(text: object) -> tuple[str, bool]:
    """ASCII digits without separators; whether the input began with '+' (or '00').
    Anything but a string is empty (the parsers then say «not entered»)."""
    if not isinstance(text, str):
        return "", False
    s = _SEP_RE.sub("", to_ascii_digits(strip_controls(text)))
    plus = s.startswith("+")
    if plus:
        s = s[1:]
    return s, plus


def _national_number(s: str, plus: bool) -> tuple[str | None, str | None, bool]:
    """Strip an Iranian country code and trunk 0.

    Returns (digits after the trunk 0, foreign country prefix, whether a 0 or +98 was seen)."""
    if s.startswith("00") and len(s) >= 12:
        s, plus = s[2:], True
    prefixed = plus
    if plus:
        if not s.startswith("98"):
            return None, s[:3], True
        s = s[2:]
    elif s.startswith("98") and len(s) in (12, 13):
        s, prefixed = s[2:], True
    if s.startswith("0"):
        s, prefixed = s[1:], True
    return s, None, prefixed


def _off_by(diff: int) -> str:
    return f"{fa(-diff)} رقم کم دارد" if diff < 0 else f"{fa(diff)} رقم اضافه دارد"


def mobile_operator(mobile: str) -> str | None:
    """Persian operator name for a canonical mobile ``09…``, or None when the prefix is unknown."""
    body = mobile[1:] if mobile.startswith("0") else mobile
    for n in (5, 4, 3):
        op = _OPERATORS.get(body[:n])
        if op:
            return op
    return None


def parse_mobile(text: str, *, field: str = MOBILE_FIELD) -> Parsed[str]:
    """Canonical ``"09xxxxxxxxx"`` from any accepted form; Persian error otherwise.

    An unknown operator prefix (e.g. 0907) is accepted with a warning: new ranges appear.
    """
    s, plus = _clean(text)
    if not s:
        return Parsed.failure(f"{field}: وارد نشده است")
    if not s.isascii() or not s.isdigit():
        return Parsed.failure(f"{field}: فقط رقم، فاصله و + مجاز است")
    body, foreign, prefixed = _national_number(s, plus)
    if foreign is not None:
        return Parsed.failure(
            f"{field}: شمارهٔ ایران نیست (پیش‌شمارهٔ کشور +{fa(foreign)}…؛ ایران +۹۸ است)"
        )
    assert body is not None
    if body[:1] != "9":
        if prefixed and len(body) == 10 and body[:2] in AREA_CODES:
            return Parsed.failure(f"{field}: این شمارهٔ تلفن ثابت است، نه همراه")
        return Parsed.failure(f"{field}: شمارهٔ همراه باید با ۰۹ شروع شود")
    if len(body) != 10:
        return Parsed.failure(
            f"{field}: باید ۱۱ رقم باشد (۰۹ و ۹ رقم دیگر)؛ {_off_by(len(body) - 10)}"
        )
    mobile = "0" + body
    warning = None
    if mobile_operator(mobile) is None:
        warning = f"{field}: پیش‌شمارهٔ {fa(mobile[:4])} به هیچ اپراتور شناخته‌شده‌ای تعلق ندارد"
    return Parsed.success(mobile, warning)


def mobile_key(text: str) -> str | None:
    """Matching key: the last 10 digits (starting with 9) of a valid mobile, else None.

    Lenient: letters and notes around the number are ignored («۰۹۱۲… (پدر)»)."""
    if not isinstance(text, str):
        return None
    text = strip_controls(text)
    digits = "".join(c for c in to_ascii_digits(text) if "0" <= c <= "9")
    plus = "+" in text.lstrip()[:1]
    parsed = parse_mobile(("+" if plus else "") + digits)
    return parsed.value[1:] if parsed.value else None


def parse_landline(
    text: str, *, field: str = LANDLINE_FIELD, default_area: str | None = None
) -> Parsed[str]:
    """Canonical ``"0AA########"`` (11 digits). An 8-digit local number gets ``default_area``
    (e.g. ``"028"`` for Qazvin) when given; otherwise it is an error."""
    s, plus = _clean(text)
    if not s:
        return Parsed.failure(f"{field}: وارد نشده است")
    if not s.isascii() or not s.isdigit():
        return Parsed.failure(f"{field}: فقط رقم، فاصله و + مجاز است")
    if len(s) == 8 and not plus:
        if not default_area:
            return Parsed.failure(f"{field}: پیش‌شمارهٔ استان (مثلاً ۰۲۸) را هم وارد کنید")
        s = default_area.lstrip("0") + s
    body, foreign, _ = _national_number(s, plus)
    if foreign is not None:
        return Parsed.failure(f"{field}: شمارهٔ ایران نیست (پیش‌شمارهٔ کشور +{fa(foreign)}…)")
    assert body is not None
    if body[:1] == "9" and len(body) == 10:
        return Parsed.failure(f"{field}: این شمارهٔ همراه است، نه تلفن ثابت")
    if len(body) != 10:
        return Parsed.failure(
            f"{field}: باید ۱۱ رقم باشد (۰، پیش‌شمارهٔ دو رقمی و ۸ رقم)؛ {_off_by(len(body) - 10)}"
        )
    if body[:2] not in AREA_CODES:
        return Parsed.failure(f"{field}: پیش‌شمارهٔ {fa('0' + body[:2])} پیش‌شمارهٔ هیچ استانی نیست")
    return Parsed.success("0" + body)


_POSTAL_PATTERN = re.compile(r"[13-9]{4}[1346-9][013-9]{5}")


def parse_postal_code(text: str, *, field: str = POSTAL_FIELD) -> Parsed[str]:
    """Ten ASCII digits (5 + 5, dashes/spaces allowed). A code outside the commonly cited
    pattern (no 0 or 2 in the first five digits) is accepted with a warning: the pattern is
    unverified (identity.md §3)."""
    s, plus = _clean(text)
    if not s:
        return Parsed.failure(f"{field}: وارد نشده است")
    if plus or not s.isascii() or not s.isdigit():
        return Parsed.failure(f"{field}: فقط رقم مجاز است")
    if len(s) != 10:
        return Parsed.failure(f"{field}: باید ۱۰ رقم باشد، {fa(len(s))} رقم وارد شده است")
    if len(set(s)) == 1:
        return Parsed.failure(f"{field}: کدی که همهٔ رقم‌هایش یکسان است معتبر نیست")
    warning = None
    if not _POSTAL_PATTERN.fullmatch(s):
        warning = f"{field}: الگوی این کد غیرعادی است؛ دوباره از شهروند بپرسید"
    return Parsed.success(s, warning)
