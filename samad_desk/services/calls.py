"""Saving a call: validation keyed by form field, the agent's confirmations, the ops."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from samad_desk.domain import ops as domain_ops
from samad_desk.domain.fields import NAME_FIELDS, description_problem, name_problem, subject_problem
from samad_desk.domain.ids import uuid7
from samad_desk.domain.models import UNCLOSED_STATES, CaseState, CaseType
from samad_desk.domain.sla import iran_date
from samad_desk.domain.tracking import format_tracking_code
from samad_desk.domain.workflow import check_payload, check_transition
from samad_desk.services.errors import FormInvalid, NeedsConfirmation, ServiceError
from samad_desk.services.forms import (
    FIELD_LABELS,
    IDENTITY_FIELDS,
    URGENCY_LABELS,
    CallForm,
    _shown,
)
from samad_desk.services.reference import ReferenceMixin
from samad_desk.text.jalali import parse_jalali_date
from samad_desk.text.national_id import parse_national_id
from samad_desk.text.normalize import name_key, normalize
from samad_desk.text.phone import parse_mobile


@dataclass
class Confirmation:
    """What the agent must confirm before a call is saved.

    ``identity``: the call would change a registered citizen's identity fields
    (``changes``: label, old, new, as shown); ``distinct``: no citizen was chosen and a
    registered one has the same name, birth date and mobile under another ID (``citizen``)."""

    kind: str
    citizen: dict[str, Any]
    changes: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def citizen_name(self) -> str:
        c = self.citizen
        return f"{c.get('first_name') or ''} {c.get('last_name') or ''}".strip() or "بی‌نام"


@dataclass
class SaveResult:
    case_id: str
    citizen_id: str
    tracking_code: str
    ops: list[dict[str, Any]]

    @property
    def tracking_display(self) -> str:
        return format_tracking_code(self.tracking_code)


class CallsMixin(ReferenceMixin):
    """Validating and saving a call (``person_cases`` comes from the candidates part)."""

    if TYPE_CHECKING:  # from CandidatesMixin, beside this one in DeskServices

        def person_cases(self, citizen_id: str) -> list[dict[str, Any]]: ...

    # -- validation and save
    def validate_call(self, form: CallForm) -> dict[str, Any]:
        """Check every field; return the clean values or raise :class:`FormInvalid`."""
        errors: dict[str, str] = {}
        clean: dict[str, Any] = {}
        if form.no_national_id:
            clean["national_id"] = None
        else:
            parsed = parse_national_id(form.national_id)
            if parsed.ok:
                clean["national_id"] = parsed.value
            else:
                errors["national_id"] = parsed.error or "کد ملی نامعتبر است"
        for key in NAME_FIELDS:
            value = normalize(form.__dict__[key]).strip()
            problem = name_problem(value, key, required=key != "father_name")
            if problem:
                errors[key] = problem
            clean[key] = value
        if form.birth_date.strip():
            parsed_date = parse_jalali_date(
                form.birth_date,
                field=FIELD_LABELS["birth_date"],
                today=iran_date(self.now()),
                not_future=True,
            )
            if not parsed_date.ok or parsed_date.value is None:
                errors["birth_date"] = parsed_date.error or "تاریخ تولد نامعتبر است"
            else:
                clean["birth_date"] = parsed_date.value.isoformat()
        else:
            clean["birth_date"] = None
        mobile = parse_mobile(form.mobile)
        if mobile.ok:
            clean["mobile"] = mobile.value
        else:
            errors["mobile"] = mobile.error or "شماره همراه نامعتبر است"
        city = normalize(form.city).strip()
        if not city:
            errors["city"] = "«شهر» را انتخاب کنید"
        elif self.cities() and city not in {c.key for c in self.cities()}:
            errors["city"] = f"شهر «{city}» در فهرست شهرهای استان نیست"
        clean["city"] = city
        if form.case_type not in {t.value for t in CaseType}:
            errors["case_type"] = "«نوع پیام» را از فهرست انتخاب کنید"
        clean["type"] = form.case_type
        problem = subject_problem(form.subject)
        if problem:
            errors["subject"] = problem
        clean["subject"] = form.subject
        agency = self.store.get("agency", form.agency) if form.agency else None
        if not form.agency:
            errors["agency"] = "«دستگاه» را انتخاب کنید"
        elif agency is None:
            errors["agency"] = "این دستگاه در فهرست دستگاه‌ها نیست"
        else:
            problem = check_payload(
                None, "refer", {"agency_id": form.agency, "note": ""}, agency=agency
            )
            if problem:
                errors["agency"] = problem
        clean["agency_id"] = form.agency
        if form.urgency not in URGENCY_LABELS:
            errors["urgency"] = "«فوریت» باید عادی یا فوری باشد"
        clean["urgency"] = form.urgency
        description = normalize(form.description).strip()
        problem = description_problem(description)
        if problem:
            errors["description"] = problem
        clean["description"] = description
        if errors:
            raise FormInvalid(errors)
        return clean

    def existing_citizen(self, form: CallForm) -> dict[str, Any] | None:
        """The registered citizen this call is about: the one chosen, else the one with
        the typed national ID (a merged profile: the profile it was merged into)."""
        if form.citizen_id:
            citizen = self.store.get("citizen", form.citizen_id)
            if citizen is not None:
                return self.survivor(citizen)
        if not form.no_national_id:
            return self.registered_citizen(form.national_id)
        return None

    def registered_citizen(self, national_id: str) -> dict[str, Any] | None:
        """The citizen registered under this exact, valid national ID (its survivor if it
        was merged), or None."""
        parsed = parse_national_id(national_id) if national_id else None
        if parsed is None or not parsed.ok or not parsed.value:
            return None
        citizen = self.store.citizen_by_national_id(parsed.value)
        return self.survivor(citizen) if citizen is not None else None

    def survivor(self, citizen: dict[str, Any]) -> dict[str, Any]:
        """The profile a merged citizen lives on in (itself when not merged)."""
        hops = 0
        while citizen.get("merged_into") and hops < 10:
            survivor = self.store.get("citizen", citizen["merged_into"])
            if survivor is None:
                break
            citizen, hops = survivor, hops + 1
        return citizen

    @staticmethod
    def _citizen_fields(form: CallForm, clean: dict[str, Any]) -> dict[str, Any]:
        return {
            "national_id": clean["national_id"],
            "no_national_id": bool(form.no_national_id),
            **{k: clean[k] for k in ("first_name", "last_name", "father_name", "birth_date", "mobile", "city")},
        }

    @staticmethod
    def _changes(citizen: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
        """What the call would change on a registered citizen (an empty field changes nothing)."""
        return {k: v for k, v in fields.items() if v not in (None, "") and citizen.get(k) != v}

    def confirmation_needed(self, form: CallForm, clean: dict[str, Any] | None = None) -> Confirmation | None:
        """What the agent must confirm before this (valid) call is saved, or None."""
        if clean is None:
            clean = self.validate_call(form)
        citizen = self.existing_citizen(form)
        if citizen is not None:
            changed = self._changes(citizen, self._citizen_fields(form, clean))
            if form.identity_confirmed or not any(k in IDENTITY_FIELDS for k in changed):
                return None
            rows = [
                (FIELD_LABELS[k], _shown(k, citizen.get(k)), _shown(k, v))
                for k, v in changed.items()
                if k in FIELD_LABELS
            ]
            return Confirmation("identity", citizen, rows)
        if form.distinct_confirmed:
            return None
        twin = self.look_alike(clean)
        return Confirmation("distinct", twin) if twin is not None else None

    def look_alike(self, clean: dict[str, Any]) -> dict[str, Any] | None:
        """A registered citizen with the same first and last name, birth date and mobile
        as these (clean) values, under another national ID (or none): a strong candidate."""
        if not clean.get("birth_date") or not clean.get("mobile"):
            return None
        names = (name_key(clean["first_name"]), name_key(clean["last_name"]))
        for citizen in self.store.citizens_by_mobile(clean["mobile"]):
            citizen = self.survivor(citizen)
            if (
                (name_key(citizen.get("first_name") or ""), name_key(citizen.get("last_name") or "")) == names
                and str(citizen.get("birth_date") or "")[:10] == clean["birth_date"]
            ):
                return citizen
        return None

    def open_cases_on_matter(self, form: CallForm) -> list[dict[str, Any]]:
        """Open cases of this caller on the same subject: offer a follow-up instead."""
        citizen = self.existing_citizen(form)
        if citizen is None or not form.subject:
            return []
        out = []
        for case in self.person_cases(citizen["id"]):
            if case.get("state") in UNCLOSED_STATES and case.get("subject") == form.subject:
                out.append(case)
        return out

    def build_call_ops(self, form: CallForm, clean: dict[str, Any]) -> tuple[list[dict[str, Any]], str, str, str]:
        actor = self.actor
        now = self.now()
        ops: list[dict[str, Any]] = []
        citizen = self.existing_citizen(form)
        fields = self._citizen_fields(form, clean)
        if citizen is None:
            citizen_id = uuid7()
            ops.append(
                domain_ops.citizen_upsert(
                    {"id": citizen_id, **fields, "sayyed": False}, actor, now=now
                )
            )
        else:
            citizen_id = str(citizen["id"])
            changed = self._changes(citizen, fields)
            if changed:
                ops.append(
                    domain_ops.citizen_upsert(
                        {"id": citizen_id, "version": citizen.get("version"), **changed},
                        actor,
                        base={k: citizen.get(k) for k in changed},
                        now=now,
                    )
                )
        tracking_code = self.store.next_tracking_code()
        case_id = uuid7()
        register = {
            "tracking_code": tracking_code,
            "citizen_id": citizen_id,
            "type": clean["type"],
            "subject": clean["subject"],
            "city": clean["city"],
            "description": clean["description"],
            "urgency": clean["urgency"],
            "channel": "call",
        }
        ops.append(domain_ops.make_op("case.register", case_id, register, actor, now=now))
        ops.append(
            domain_ops.make_op(
                "case.refer", case_id, {"agency_id": clean["agency_id"], "note": ""}, actor, now=now
            )
        )
        return ops, case_id, citizen_id, tracking_code

    def save_call(self, form: CallForm) -> SaveResult:
        """Validate, build the ops, append them to the journal (fsynced), wake sync."""
        clean = self.validate_call(form)
        reason = check_transition(None, "register", self.actor)
        if reason:
            raise ServiceError(reason)
        registered = {"state": CaseState.registered.value, "agency_id": None}
        reason = check_transition(registered, "refer", self.actor)
        if reason:
            raise ServiceError(reason)
        # never a registered citizen's identity overwritten, nor a look-alike registered,
        # without the agent's word (the form asks first; this is the guard)
        confirmation = self.confirmation_needed(form, clean)
        if confirmation is not None:
            raise NeedsConfirmation(confirmation)
        ops, case_id, citizen_id, code = self.build_call_ops(form, clean)
        # what the server will check, checked here first: an op the shared reducer
        # refuses must never be journaled as saved (it would silently leave the overlay)
        saved = self.commit(ops, refused="این تماس با قواعد سامانه سازگار نیست")
        return SaveResult(case_id, citizen_id, code, saved)
