"""Left-to-right fields inside a Persian form: کد ملی, phone, e-mail (design/rtl.md §5).

They are never shaped or reordered as Persian text. Digits typed or pasted in any script
(Persian ۰-۹, Arabic-Indic ٠-٩, Latin) are stored as ASCII; the field shows Persian digits
(one character for one, so the layout maps stay exact). The label stays on the right.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from samad_desk.text.digits import to_ascii_digits, to_persian_digits
from samad_desk.widgets.rtl_input import RTLInput

_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _national_id_error(value: str) -> str | None:
    from samad_desk.text.national_id import parse_national_id

    return parse_national_id(value).error if value else None


def _mobile_error(value: str) -> str | None:
    from samad_desk.text.phone import parse_mobile

    return parse_mobile(value).error if value else None


def _email_error(value: str) -> str | None:
    if not value or _EMAIL_RE.fullmatch(value):
        return None
    return "«پست الکترونیکی» معتبر نیست؛ نمونه: name@example.ir"


class LTRInput(RTLInput):
    """An RTLInput declared left-to-right: Latin text, codes and numbers."""

    direction = "ltr"
    #: characters kept on input (after digit conversion); None keeps everything
    allowed: re.Pattern[str] | None = None
    #: show the stored ASCII digits as Persian digits
    persian_digits = False
    #: the label, length limit and validator the field has unless it is given others
    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, value: str = "", **kwargs: Any) -> None:
        super().__init__(value, **(self.defaults | kwargs))

    def _filter_insert(self, text: str) -> str:
        text = to_ascii_digits(text)
        if self.allowed is not None:
            text = "".join(ch for ch in text if self.allowed.fullmatch(ch))
        return text

    def display_text(self) -> str:
        return to_persian_digits(self.value) if self.persian_digits else self.value

    @property
    def value(self) -> str:  # type: ignore[override]
        return self._value

    @value.setter
    def value(self, new: str) -> None:
        clean = self._filter_insert(self._clean(new))
        self._set_value(clean, len(clean))


class NationalIdInput(LTRInput):
    """کد ملی: ten ASCII digits with a check digit; validated with ``parse_national_id``."""

    allowed = re.compile(r"[0-9]")
    persian_digits = True
    defaults: ClassVar[dict[str, Any]] = {"label": "کد ملی", "max_length": 10, "validator": _national_id_error}


class PhoneInput(LTRInput):
    """شماره همراه: digits (and a leading +), validated with ``parse_mobile``."""

    allowed = re.compile(r"[0-9+]")
    persian_digits = True
    defaults: ClassVar[dict[str, Any]] = {"label": "شماره همراه", "max_length": 14, "validator": _mobile_error}


class EmailInput(LTRInput):
    """پست الکترونیکی: ASCII only; a simple shape check."""

    allowed = re.compile(r"[\x21-\x7e]")
    defaults: ClassVar[dict[str, Any]] = {"label": "پست الکترونیکی", "validator": _email_error}


class DigitsInput(LTRInput):
    """Codes, dates and counts typed as digits (tracking code, a number of days): left to
    right, shown with Persian digits, stored as ASCII."""

    persian_digits = True


class LandlineInput(DigitsInput):
    """A landline number: digits and a leading +; the desk's field row carries the label."""

    allowed = re.compile(r"[0-9+]")


class PostalCodeInput(DigitsInput):
    """A postal code: digits only; the desk's field row carries the label."""

    allowed = re.compile(r"[0-9]")
