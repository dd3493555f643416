"""A citizen's details with their history, and editing the contact details (issue 7.4).

Plain Python (no Textual): the profile screen and its edit dialog call it.

- The history is read from the citizen-level events the store indexes by citizen
  (:meth:`samad_desk.store.Store.events_of_citizen`): every ``citizen.upsert`` records
  the values it set and the ones they replaced, a ``citizen.merge`` the survivor's values
  before the merge, a ``citizen.unmerge`` the values it put back. Nothing else is stored
  for it, so the history is exactly what the server and every desk agree on.
- A value the server did **not** apply is in the history too: when two agents edit the
  same field at once, or a new call gives a known national ID with a different mobile, the
  server keeps the current value and records the other one (``conflicts``). The profile
  shows it as «heard, not applied», so nobody loses a number a citizen gave.
- Editing goes through one ``citizen.upsert`` with ``base`` (the values the agent saw),
  checked field by field here (Persian message per field) and then by the shared reducer,
  like every other save.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from samad_desk.domain import ops as domain_ops
from samad_desk.domain.fields import CITIZEN_PROFILE_FIELDS, FIELD_LABELS, MAX_ADDRESS, MAX_CITY
from samad_desk.domain.models import CONTACT_FIELDS, Role
from samad_desk.domain.permissions import may_edit_citizens
from samad_desk.services.core import ServiceBase
from samad_desk.services.errors import FormInvalid, ServiceError
from samad_desk.text.digits import fa
from samad_desk.text.jalali import format_jalali, jalali_day
from samad_desk.text.normalize import normalize_line, strip_controls
from samad_desk.text.phone import parse_landline, parse_mobile, parse_postal_code

#: the kinds of a history entry
SET, HEARD = "set", "heard"  # a value that took effect / one that was told but not applied

_DIGIT_FIELDS = ("national_id", "mobile", "phone", "postal_code")


def display_value(field_name: str, value: Any) -> str:
    """A field value as the desk shows it (Persian digits, Jalali dates, «—» for none)."""
    if field_name == "sayyed":
        return "سید/سیده" if value else "—"
    if field_name == "no_national_id":
        return "بله" if value else "—"
    if value in (None, ""):
        return "—"
    if field_name == "birth_date":
        try:
            return format_jalali(date.fromisoformat(str(value)[:10]))
        except ValueError:
            return str(value)
    if field_name in _DIGIT_FIELDS:
        return fa(str(value))
    return str(value)


@dataclass(frozen=True)
class DetailChange:
    """One field's change in a citizen's history."""

    at: str  # ISO time of the event
    field: str
    old: Any
    new: Any
    how: str  # Persian: what did it (a call, an edit, a merge, …)
    actor: str  # the operator's name
    kind: str = SET  # SET, or HEARD (told, kept aside because the profile had another value)
    pending: bool = False  # still only in this desk's journal

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)

    def text(self) -> str:
        """One line for the history list, e.g. «۱۴۰۵/۰۹/۰۷ شماره همراه: ۰۹۱۲… ← ۰۹۳۵… (ویرایش، زهرا احمدی)»."""
        new = display_value(self.field, self.new)
        old = display_value(self.field, self.old)
        if self.kind == HEARD:
            body = f"{self.label}: {new} گفته شد، ثبت نشد؛ {old} ماند (نیازمند بررسی)"
        elif self.old in (None, "", False):
            body = f"{self.label}: {new}"
        else:
            body = f"{self.label}: {old} ← {new}"
        who = "، ".join(x for x in (self.how, self.actor) if x)
        tail = " — در صف ارسال" if self.pending else ""
        return f"{jalali_day(self.at)} {body} ({who}){tail}"


def _changes_of(event: dict[str, Any], citizen_id: str, merges: dict[str, dict]) -> list[DetailChange]:
    data = event.get("data") or {}
    kind = event.get("kind")
    at = str(event.get("at") or "")
    actor = str((event.get("actor") or {}).get("name") or "")
    pending = bool(event.get("pending"))

    def one(field_name: str, old: Any, new: Any, how: str, entry: str = SET) -> DetailChange:
        return DetailChange(at, field_name, old, new, how, actor, entry, pending)

    out: list[DetailChange] = []
    if kind == "citizen.upsert":
        if data.get("citizen_id") != citizen_id:
            return out  # an alias's own record: its values went to the profile it folded into
        if data.get("created"):
            for k, v in (data.get("fields") or {}).items():
                if k in CITIZEN_PROFILE_FIELDS and v not in (None, "", False):
                    out.append(one(k, None, v, "ثبت نخست"))
        elif data.get("natural_key"):
            for k, v in (data.get("filled") or {}).items():
                out.append(one(k, None, v, "تماس تازه با همین کد ملی"))
        else:
            previous = data.get("previous") or {}
            how = "ویرایش هم‌زمان" if event.get("concurrent") else "ویرایش"
            for k, v in (data.get("changed") or {}).items():
                out.append(one(k, previous.get(k), v, how))
        for k, c in (data.get("conflicts") or {}).items():
            if isinstance(c, dict):
                how = "تماس تازه با همین کد ملی" if data.get("natural_key") else "ویرایش هم‌زمان"
                out.append(one(k, c.get("kept"), c.get("incoming"), how, HEARD))
    elif kind == "citizen.merge" and data.get("survivor_id") == citizen_id:
        before = (data.get("previous") or {}).get(citizen_id) or {}
        for k, v in (data.get("changed") or {}).items():
            out.append(one(k, before.get(k), v, "ادغام پروفایل"))
    elif kind == "citizen.unmerge" and data.get("citizen_id") == citizen_id:
        merged = merges.get(str(data.get("merge_op_id"))) or {}
        for k, v in (data.get("reverted") or {}).items():
            out.append(one(k, (merged.get("changed") or {}).get(k), v, "لغو ادغام"))
    return [c for c in out if c.field in CITIZEN_PROFILE_FIELDS and c.field != "no_national_id"]


def detail_history(events: Iterable[dict[str, Any]], citizen_id: str,
                   fields: Iterable[str] | None = None) -> list[DetailChange]:
    """Every change of the citizen's details the events record, newest first; with
    ``fields`` only those fields."""
    events = list(events)
    merges = {str(e.get("op_id")): (e.get("data") or {}) for e in events if e.get("kind") == "citizen.merge"}
    want = set(fields) if fields is not None else None
    out: list[DetailChange] = []
    for ev in events:  # oldest first
        out.extend(c for c in _changes_of(ev, citizen_id, merges) if want is None or c.field in want)
    out.reverse()
    return out


def previous_values(history: list[DetailChange], field_name: str, current: Any) -> list[tuple[Any, str]]:
    """The values a field had before ``current``, newest first, each with the date it was
    replaced: ``[(value, iso_time), …]`` (values told but never applied left out)."""
    out: list[tuple[Any, str]] = []
    seen = {current}
    for c in history:
        if c.field != field_name or c.kind != SET or c.old in (None, "") or c.old in seen:
            continue
        seen.add(c.old)
        out.append((c.old, c.at))
    return out


# -- editing the contact details ------------------------------------------------------------



def clean_contact(form: dict[str, str]) -> dict[str, Any]:
    """The contact fields as stored (canonical digits, one-line text, ``None`` for empty),
    or :class:`FormInvalid` with a Persian message for every bad field."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for key in CONTACT_FIELDS:
        raw = strip_controls(str(form.get(key) or ""))
        if key in ("city", "address"):
            text = normalize_line(raw)
            limit = MAX_ADDRESS if key == "address" else MAX_CITY
            if len(text) > limit:
                errors[key] = f"«{FIELD_LABELS[key]}» بلند است (حداکثر {fa(limit)} نویسه)"
            out[key] = text
            continue
        if not raw.strip():
            out[key] = None
            continue
        if key == "mobile":
            parsed = parse_mobile(raw)
        elif key == "phone":
            parsed = parse_landline(raw)
        else:
            parsed = parse_postal_code(raw)
        if parsed.ok:
            out[key] = parsed.value
        else:
            errors[key] = parsed.error or f"«{FIELD_LABELS[key]}» نامعتبر است"
    if errors:
        raise FormInvalid(errors, order=CONTACT_FIELDS)
    return out


class ContactDetails(ServiceBase):
    """Reading a citizen's details history and saving an edit of the contact details."""

    def refusal(self) -> str | None:
        """``None`` when this operator may edit citizens' details, else the Persian reason
        (the shared reducer's rule: the 111 unit, supervisors and admins)."""
        role = self.operator.get("role")
        if may_edit_citizens(role):
            return None
        return f"ویرایش مشخصات شهروند با اپراتور ۱۱۱، ناظر یا مدیر سامانه است؛ نقش شما «{Role.label_of(role)}» است."

    def history(self, citizen_id: str, fields: Iterable[str] | None = None) -> list[DetailChange]:
        return detail_history(self.store.events_of_citizen(citizen_id), citizen_id, fields)

    def save(self, citizen_id: str, form: dict[str, str]) -> dict[str, Any] | None:
        """Save what changed in the contact fields; ``None`` when nothing did.

        Raises :class:`FormInvalid` (per field) or :class:`ServiceError` (Persian)."""

        refusal = self.refusal()
        if refusal:
            raise ServiceError(refusal)
        citizen = self.store.get("citizen", citizen_id)
        if citizen is None:
            raise ServiceError("این شهروند در حافظهٔ این میز پیدا نشد.")
        if citizen.get("merged_into"):
            raise ServiceError("این پروفایل در پروفایل دیگری ادغام شده است؛ مشخصات را در آن ویرایش کنید.")
        clean = clean_contact(form)
        changed = {k: v for k, v in clean.items() if (citizen.get(k) or None) != (v or None)}
        if not changed:
            return None
        op = domain_ops.citizen_upsert(
            {"id": citizen_id, "version": citizen.get("version"), **changed}, self.actor,
            base={k: citizen.get(k) for k in changed}, now=self.now(),
        )
        return self.commit([op], refused="این ویرایش با قواعد سامانه سازگار نیست.")[0]


__all__ = [
    "FIELD_LABELS", "HEARD", "SET", "ContactDetails", "DetailChange",
    "clean_contact", "detail_history", "display_value", "jalali_day", "previous_values",
]
