"""The call form and its field names: what the call-entry screen holds, the Persian label
of every field (the label on screen and the name in messages), and the fixed choice lists."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from samad_desk.domain.fields import CALL_FORM_FIELDS, FIELD_LABELS, MIN_DESCRIPTION  # noqa: F401 (re-exported)
from samad_desk.domain.models import CaseType
from samad_desk.text.digits import to_persian_digits
from samad_desk.text.jalali import format_jalali
from samad_desk.text.normalize import name_key

#: the order the agent fills the call form in (and the order errors are reported); the
#: labels and limits are the domain's (``domain/fields.py``)
FIELD_ORDER: tuple[str, ...] = CALL_FORM_FIELDS

URGENCY_LABELS = {"normal": "عادی", "urgent": "فوری"}


#: the fields that say who a citizen is: changing one of a registered citizen's needs the
#: agent's confirmation (contact fields, mobile and city, change as the citizen says)
IDENTITY_FIELDS: tuple[str, ...] = ("national_id", "first_name", "last_name", "father_name", "birth_date")


@dataclass
class CallForm:
    """What the call-entry screen holds: raw text as typed, choices as keys."""

    national_id: str = ""
    no_national_id: bool = False
    citizen_id: str | None = None  # chosen from the candidates, or None for a new citizen
    first_name: str = ""
    last_name: str = ""
    father_name: str = ""
    birth_date: str = ""
    mobile: str = ""
    city: str = ""
    case_type: str = ""
    subject: str = ""
    agency: str = ""
    urgency: str = "normal"
    description: str = ""
    #: the agent confirmed changing a registered citizen's identity (old → new shown)
    identity_confirmed: bool = False
    #: the agent confirmed the caller is not the registered look-alike (a new profile)
    distinct_confirmed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CallForm:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def is_blank(self) -> bool:
        blank = CallForm()
        return all(
            getattr(self, k) == getattr(blank, k) for k in self.__dataclass_fields__
        )


@dataclass
class Choice:
    key: str
    label: str
    hint: str = ""  # e.g. the parent category, shown dimmed
    extra: dict[str, Any] = field(default_factory=dict)


def _shown(key: str, value: Any) -> str:
    """A citizen field's value as the agent reads it (Persian digits, Jalali dates)."""
    if value in (None, ""):
        return "—"
    if key == "birth_date":
        try:
            return format_jalali(date.fromisoformat(str(value)[:10]))
        except ValueError:
            return str(value)
    return to_persian_digits(str(value))


def case_type_choices() -> list[Choice]:
    return [Choice(t.value, t.label) for t in CaseType]


def urgency_choices() -> list[Choice]:
    return [Choice(k, v) for k, v in URGENCY_LABELS.items()]


def filter_choices(choices: list[Choice], query: str, limit: int = 8) -> list[Choice]:
    """Search as you type: every word of the query must start a word of label or hint."""
    q = name_key(query) if query.strip() else ""
    if not q:
        return choices[:limit]
    words = q.split()
    prefix: list[Choice] = []
    inside: list[Choice] = []
    for c in choices:
        hay = name_key(f"{c.label} {c.hint}")
        hay_words = hay.split()
        if all(any(h.startswith(w) for h in hay_words) for w in words):
            (prefix if name_key(c.label).startswith(q) else inside).append(c)
        elif q in hay:
            inside.append(c)
    return (prefix + inside)[:limit]
