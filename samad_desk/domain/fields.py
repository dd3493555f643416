"""THE field rules: one place to change a limit or a label.

The desk's forms (``services``), the importer (``store/importer.py``) and the reducer
(so the server too) check a citizen's and a case's fields with these functions and
these numbers; each returns the Persian sentence to show at the field, or None.

Where the copies used to disagree, the domain's (the reducer's) rule won:

- a case's description needs :data:`MIN_DESCRIPTION` (3) characters: the form asked for
  10, the reducer and the importer for 3; domain.md asks only for "a free-text
  description", and a higher floor on the server would refuse ops already saved in
  desks' journals;
- names (first, last, father's) are letters only (and spaces, ZWNJ, ``-'.``), at least
  two letters: this was the form's rule alone, the reducer and the importer took digits;
- a case's subject is a key of the reference subject tree (``domain/reference.py``):
  this was checked on the desk only, against the demo module's tree.
"""

from __future__ import annotations

from samad_desk.domain.reference import subject_keys
from samad_desk.text.digits import fa
from samad_desk.text.limits import too_long_message

#: field id → Persian label (the label on screen and the name in messages): the call
#: form's fields and the citizen profile's
FIELD_LABELS: dict[str, str] = {
    "national_id": "کد ملی",
    "no_national_id": "بدون کد ملی",
    "first_name": "نام",
    "last_name": "نام خانوادگی",
    "father_name": "نام پدر",
    "birth_date": "تاریخ تولد",
    "sayyed": "سیادت",
    "mobile": "شماره همراه",
    "phone": "تلفن ثابت",
    "city": "شهر",
    "address": "نشانی",
    "postal_code": "کد پستی",
    "case_type": "نوع پیام",
    "subject": "موضوع",
    "agency": "دستگاه",
    "urgency": "فوریت",
    "description": "شرح پیام",
}
#: the call form's fields in the order the agent fills them in (and errors are reported)
CALL_FORM_FIELDS: tuple[str, ...] = (
    "national_id", "first_name", "last_name", "father_name", "birth_date", "mobile", "city",
    "case_type", "subject", "agency", "urgency", "description",
)
#: a citizen's fields in profile order
CITIZEN_PROFILE_FIELDS: tuple[str, ...] = (
    "national_id", "no_national_id", "first_name", "last_name", "father_name", "birth_date",
    "sayyed", "mobile", "phone", "city", "address", "postal_code",
)
NAME_FIELDS: tuple[str, ...] = ("first_name", "last_name", "father_name")

MAX_NAME = 100  # a name, a city, one line of text
MAX_CITY = MAX_NAME
MAX_TEXT = 8000  # a description, an answer, a reason
MAX_SUBJECT = 200
MAX_ADDRESS = 300
MIN_NAME_LETTERS = 2
MIN_DESCRIPTION = 3

_NAME_MARKS = " \u200c-'."


def label(key: str) -> str:
    return FIELD_LABELS.get(key, key)


def is_letters_only(text: str) -> bool:
    """Letters of any script, spaces, ZWNJ and ``-'.``: no digit, no other sign."""
    return all(ch.isalpha() or ch in _NAME_MARKS for ch in text)


def name_problem(value: str, key: str, *, required: bool) -> str | None:
    """A person's name (``value`` normalized to one line): letters only, two characters
    at least (spaces aside)."""
    name = label(key)
    if not value:
        return f"«{name}» را وارد کنید" if required else None
    if not is_letters_only(value):
        return f"«{name}» فقط حرف می‌پذیرد، نه رقم یا نشانه"
    if len(value.replace(" ", "")) < MIN_NAME_LETTERS:
        return f"«{name}» کوتاه است"
    if len(value) > MAX_NAME:
        return f"«{name}» بلند است (حداکثر {fa(MAX_NAME)} نویسه)"
    return None


def description_problem(text: str) -> str | None:
    """A case's description (normalized, stripped)."""
    if not text:
        return "«شرح پیام» را بنویسید"
    if len(text) < MIN_DESCRIPTION:
        return f"«شرح پیام» کوتاه است (دست‌کم {fa(MIN_DESCRIPTION)} نویسه)"
    if len(text) > MAX_TEXT:
        return too_long_message(label("description"), len(text), MAX_TEXT)
    return None


def subject_problem(key: str) -> str | None:
    """A case's subject: a key of the reference subject tree."""
    if not key:
        return "«موضوع» را انتخاب کنید"
    if key not in subject_keys():
        return "«موضوع» را از فهرست موضوع‌ها انتخاب کنید"
    return None
