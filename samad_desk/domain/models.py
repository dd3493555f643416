"""Vocabulary of the domain: enums with Persian labels and the entity shapes.

Entities are plain JSON-able dicts (docs/CONTRACTS.md). The ``*_FIELDS`` tuples list
their keys; ``new_citizen`` / ``new_case`` / ``new_event`` build a dict with every key
present, so the cache, the wire and the server always see one shape.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any


class _Labelled(StrEnum):
    @property
    def label(self) -> str:
        return _LABELS[type(self).__name__][self.value]

    @classmethod
    def label_of(cls, value: object) -> str:
        """The Persian label of a value (or of a label), else the value itself, else «نامشخص»."""
        member = cls.parse(value)
        return member.label if member is not None else (str(value) if value else "نامشخص")

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, Persian label) pairs in declaration order, for select widgets."""
        return [(m.value, m.label) for m in cls]

    @classmethod
    def parse(cls, value: object):
        """The member for a value or a Persian label, or None."""
        if isinstance(value, cls):
            return value
        if not isinstance(value, str):
            return None
        hit = cls._value2member_map_.get(value)
        if hit is not None:
            return hit
        text = value.strip()
        try:
            return cls(text)
        except ValueError:
            pass
        for m in cls:
            if m.label == text:
                return m
        return None


class CaseType(_Labelled):
    request = "request"
    complaint = "complaint"
    criticism = "criticism"
    suggestion = "suggestion"
    plan = "plan"
    report = "report"
    inspection = "inspection"


class CaseState(_Labelled):
    registered = "registered"
    referred = "referred"
    in_progress = "in_progress"
    answered = "answered"
    closed = "closed"
    returned = "returned"


class Role(_Labelled):
    agent = "agent"
    officer = "officer"
    manager = "manager"
    supervisor = "supervisor"
    admin = "admin"
    #: the citizen on the public tracking page (``central/citizen_web.py``): never an
    #: operator account, only the server acts in this role, and only a follow-up
    citizen = "citizen"


class Urgency(_Labelled):
    normal = "normal"
    urgent = "urgent"


class Channel(_Labelled):
    call = "call"
    letter = "letter"
    walk_in = "walk_in"
    web = "web"


class EventKind(_Labelled):
    """Kinds of case-history events (``event.kind``)."""

    register = "register"
    refer = "refer"
    accept = "accept"
    assign = "assign"
    answer = "answer"
    return_ = "return"
    extend = "extend"
    close = "close"
    reopen = "reopen"
    note = "note"
    followup = "followup"
    escalate = "escalate"
    citizen_upsert = "citizen.upsert"
    citizen_merge = "citizen.merge"
    citizen_unmerge = "citizen.unmerge"
    citizen_distinct = "citizen.distinct"


_LABELS: dict[str, dict[str, str]] = {
    "CaseType": {
        "request": "درخواست",
        "complaint": "شکایت",
        "criticism": "انتقاد",
        "suggestion": "پیشنهاد",
        "plan": "طرح",
        "report": "گزارش",
        "inspection": "درخواست بازرسی",
    },
    "CaseState": {
        "registered": "ثبت‌شده",
        "referred": "ارجاع‌شده",
        "in_progress": "در حال رسیدگی",
        "answered": "پاسخ داده شده",
        "closed": "مختومه",
        "returned": "عودت (عدم ارتباط)",
    },
    "Role": {
        "agent": "اپراتور",
        "officer": "کارشناس دستگاه",
        "manager": "مدیر دستگاه",
        "supervisor": "ناظر استان",
        "admin": "مدیر سامانه",
        "citizen": "شهروند (درگاه اینترنتی)",
    },
    "Urgency": {"normal": "عادی", "urgent": "فوری"},
    "Channel": {"call": "تماس ۱۱۱", "letter": "نامه", "walk_in": "مراجعه حضوری", "web": "وب"},
    "EventKind": {
        "register": "ثبت پرونده",
        "refer": "ارجاع",
        "accept": "پذیرش",
        "assign": "واگذاری به کارشناس",
        "answer": "پاسخ",
        "return": "عودت (عدم ارتباط)",
        "extend": "تمدید مهلت",
        "close": "مختومه شدن",
        "reopen": "بازگشایی",
        "note": "یادداشت",
        "followup": "پیگیری",
        "escalate": "ارجاع به ناظر",
        "citizen.upsert": "ثبت/ویرایش شهروند",
        "citizen.merge": "ادغام پروفایل شهروند",
        "citizen.unmerge": "لغو ادغام پروفایل",
        "citizen.distinct": "دو شهروند جدا (تکراری نیست)",
    },
}

# Two meanings of "open", two names (state values in workflow order):
#: states in which the agency still owes an answer (the deadline clock runs; the cartable)
ANSWER_DUE_STATES: tuple[str, ...] = (CaseState.referred.value, CaseState.in_progress.value)
#: every state but closed: the citizen's matter is not finished (a repeat call on the same
#: subject is a follow-up of such a case, not a new case)
UNCLOSED_STATES: tuple[str, ...] = tuple(s.value for s in CaseState if s is not CaseState.closed)
#: states that are finished for the agency
DONE_STATES = frozenset({CaseState.answered, CaseState.closed})

CITIZEN_FIELDS = (
    "id", "national_id", "no_national_id", "first_name", "last_name", "father_name",
    "birth_date", "mobile", "city", "sayyed", "merged_into", "created_at", "version",
)
#: citizen fields an operator edits (everything but bookkeeping)
CITIZEN_EDITABLE = (
    "national_id", "no_national_id", "first_name", "last_name", "father_name",
    "birth_date", "mobile", "city", "sayyed", "phone", "address", "postal_code",
)
#: the citizen's contact details (shown with their history on the profile)
CONTACT_FIELDS = ("mobile", "phone", "city", "address", "postal_code")
CASE_FIELDS = (
    "id", "tracking_code", "citizen_id", "type", "subject", "agency_id", "city",
    "description", "urgency", "channel", "state", "registered_at", "referred_at",
    "due_date", "extended_days", "assigned_to", "answer", "answered_at", "closed_at",
    "escalated", "version",
)
EVENT_FIELDS = ("id", "case_id", "kind", "actor", "at", "data", "op_id", "concurrent", "version")
AGENCY_FIELDS = ("id", "name", "manager_name", "province", "city", "sla_days", "sla_max_days", "active")
OPERATOR_FIELDS = ("id", "username", "name", "role", "agency_id", "province")
ENTITY_KINDS = ("citizen", "case", "event", "agency", "operator")


def iso_datetime(dt: datetime) -> str:
    """``2024-04-03T08:41:09Z`` (UTC, whole seconds). Naive datetimes are taken as UTC."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    elif dt.utcoffset():
        dt = dt.astimezone(UTC)
    return f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}Z"


def parse_iso_datetime(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt


def parse_iso_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def new_citizen(**fields: Any) -> dict:
    doc: dict[str, Any] = {
        "id": None, "national_id": None, "no_national_id": False, "first_name": "",
        "last_name": "", "father_name": "", "birth_date": None, "mobile": None, "city": "",
        "sayyed": False, "merged_into": None, "created_at": None, "version": 0,
    }
    doc.update(fields)
    return doc


def new_case(**fields: Any) -> dict:
    doc: dict[str, Any] = {
        "id": None, "tracking_code": None, "citizen_id": None, "type": CaseType.request.value,
        "subject": "", "agency_id": None, "city": "", "description": "",
        "urgency": Urgency.normal.value, "channel": Channel.call.value,
        "state": CaseState.registered.value, "registered_at": None, "referred_at": None,
        "due_date": None, "extended_days": 0, "assigned_to": None, "answer": None,
        "answered_at": None, "closed_at": None, "escalated": False, "version": 0,
    }
    doc.update(fields)
    return doc


def new_event(**fields: Any) -> dict:
    doc: dict[str, Any] = {
        "id": None, "case_id": None, "kind": "", "actor": {}, "at": None, "data": {},
        "op_id": None, "concurrent": False, "version": 1,
    }
    doc.update(fields)
    return doc


def event_citizen_ids(event: dict) -> list[str]:
    """The citizens a citizen-level event (``case_id`` empty: upsert, merge, unmerge)
    concerns: the profile it changed, an alias folded into it, the profiles merged into it
    or restored from it, the two profiles declared different people. Case events give ``[]`` (they belong to their case)."""
    if event.get("case_id"):
        return []
    data = event.get("data")
    if not isinstance(data, dict):
        return []
    ids = [data.get("citizen_id"), data.get("alias_id"), *(data.get("merged_ids") or ()),
           *(data.get("restored_ids") or ()), *(data.get("distinct_ids") or ())]
    return [i for i in dict.fromkeys(ids) if isinstance(i, str) and i]


def new_agency(**fields: Any) -> dict:
    doc: dict[str, Any] = {
        "id": None, "name": "", "manager_name": "", "province": "", "city": "",
        "sla_days": 10, "sla_max_days": 15, "active": True,
    }
    doc.update(fields)
    return doc


def event_actor(actor: dict) -> dict:
    """The actor as recorded in an event (who, with which role and agency)."""
    return {
        "operator_id": actor.get("operator_id"),
        "name": actor.get("name") or "",
        "role": actor.get("role"),
        "agency_id": actor.get("agency_id"),
        "office_id": actor.get("office_id"),
    }
