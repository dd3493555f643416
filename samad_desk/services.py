"""The service layer the desk screens call: plain Python, no Textual.

Screens never touch the store, the domain rules or the network themselves; they call
these methods from workers and show the result. Everything a save needs is checked here
*before* anything reaches the journal: a call is either stored whole and valid, or not at
all, and every problem comes back as a Persian message keyed by the form field it belongs
to, so the screen can show it at that field.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from samad_desk.domain import ops as domain_ops
from samad_desk.domain.ids import uuid7
from samad_desk.domain.models import CaseState, CaseType, Role
from samad_desk.domain.reducer import MAX_NAME, MAX_TEXT, StoreReader, dry_run
from samad_desk.domain.sla import WorkingCalendar, iran_date, remaining_working_days
from samad_desk.domain.tracking import format_tracking_code, parse_tracking_code
from samad_desk.domain.workflow import check_payload, check_transition
from samad_desk.saving import save_ops
from samad_desk.text.digits import to_ascii_digits, to_persian_digits
from samad_desk.text.jalali import format_jalali, parse_jalali_date
from samad_desk.text.limits import too_long_message
from samad_desk.text.national_id import parse_national_id
from samad_desk.text.normalize import name_key, normalize
from samad_desk.text.phone import parse_mobile

# ---------------------------------------------------------------- field names

#: form field id -> Persian label (the label on screen and the name in messages)
FIELD_LABELS: dict[str, str] = {
    "national_id": "کد ملی",
    "first_name": "نام",
    "last_name": "نام خانوادگی",
    "father_name": "نام پدر",
    "birth_date": "تاریخ تولد",
    "mobile": "شماره همراه",
    "city": "شهر",
    "case_type": "نوع پیام",
    "subject": "موضوع",
    "agency": "دستگاه",
    "urgency": "فوریت",
    "description": "شرح پیام",
}
#: the order the agent fills them in (and the order errors are reported)
FIELD_ORDER: tuple[str, ...] = tuple(FIELD_LABELS)

URGENCY_LABELS = {"normal": "عادی", "urgent": "فوری"}
OPEN_STATES = frozenset({"registered", "referred", "in_progress", "answered", "returned"})
MIN_DESCRIPTION = 10

EMBEDDED_OPERATOR: dict[str, Any] = {
    "id": "demo-agent",
    "username": "demo",
    "name": "اپراتور نمایشی",
    "role": "agent",
    "agency_id": None,
    "province": "qazvin",
    "office_id": "embedded",
}


class ServiceError(Exception):
    """An expected failure; ``str()`` is Persian and can go straight into a toast."""


class FormInvalid(ServiceError):
    """Validation failed: ``errors`` maps field id -> Persian message, in form order."""

    def __init__(self, errors: dict[str, str]) -> None:
        ordered = {k: errors[k] for k in FIELD_ORDER if k in errors}
        ordered.update({k: v for k, v in errors.items() if k not in ordered})
        super().__init__(next(iter(ordered.values()), "فرم نامعتبر است"))
        self.errors = ordered

    @property
    def first_field(self) -> str:
        return next(iter(self.errors))


# ---------------------------------------------------------------- forms and results


#: the fields that say who a citizen is: changing one of a registered citizen's needs the
#: agent's confirmation (contact fields, mobile and city, change as the citizen says)
IDENTITY_FIELDS: tuple[str, ...] = ("national_id", "first_name", "last_name", "father_name", "birth_date")


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


class NeedsConfirmation(ServiceError):
    """A save refused until the agent confirms (see :class:`Confirmation`)."""

    def __init__(self, confirmation: Confirmation) -> None:
        self.confirmation = confirmation
        if confirmation.kind == "identity":
            message = f"تغییر مشخصات هویتی «{confirmation.citizen_name}» باید تأیید شود"
        else:
            message = f"شهروندی با همین نام، تاریخ تولد و شماره همراه ثبت است: «{confirmation.citizen_name}»"
        super().__init__(message)


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
class SaveResult:
    case_id: str
    citizen_id: str
    tracking_code: str
    ops: list[dict[str, Any]]

    @property
    def tracking_display(self) -> str:
        return format_tracking_code(self.tracking_code)


@dataclass
class Choice:
    key: str
    label: str
    hint: str = ""  # e.g. the parent category, shown dimmed
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Candidate:
    citizen: dict[str, Any]
    reasons: list[str]
    score: float = 0.0
    open_cases: int = 0
    source: str = "local"  # "local" | "registry"

    @property
    def citizen_id(self) -> str:
        return str(self.citizen.get("id", ""))


@dataclass
class CaseView:
    """One case with everything a follow-up call needs, display-ready."""

    case: dict[str, Any]
    citizen: dict[str, Any] | None
    agency: dict[str, Any] | None
    events: list[dict[str, Any]]
    remaining_days: int | None
    due_jalali: str | None
    #: read from the central server's lookup: this desk's pull does not deliver it (another
    #: office's case), so its history here is only what the server's answer carried
    remote: bool = False
    #: a remote case the server could not be asked about just now: the copy of the last lookup
    stale: bool = False

    @property
    def state_label(self) -> str:
        try:
            return CaseState(self.case.get("state", "")).label
        except ValueError:
            return str(self.case.get("state", ""))


# ---------------------------------------------------------------- drafts


class DraftStore:
    """The call being typed, kept in the operator's own directory.

    Written with the same temp + fsync + rename pattern as the cache, so a crash or a
    closed terminal leaves the previous or the new draft, never a torn one. Saves and
    clears are serialized (draft writes run in worker threads, and an fsync can take a
    few hundred ms); ``epoch`` moves on every clear, and a save asked for before it (the
    form of a call that has since been saved) is dropped, so a crash can never offer an
    already saved call again as a draft.
    """

    def __init__(self, operator_dir: Path) -> None:
        self.path = Path(operator_dir) / "draft.json"
        self._lock = threading.Lock()
        self.epoch = 0

    def save(self, form: CallForm, *, started_at: float | None = None, epoch: int | None = None) -> bool:
        """Write the draft; ``False`` when ``epoch`` is given and a clear came since."""
        with self._lock:
            if epoch is not None and epoch != self.epoch:
                return False
            self._write(form, started_at)
            return True

    def _write(self, form: CallForm, started_at: float | None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = {"form": form.to_dict(), "started_at": started_at, "saved_at": time.time()}
        tmp = self.path.with_name(f"draft.json.tmp-{os.getpid()}-{threading.get_ident()}")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(data, ensure_ascii=False))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)
        try:
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def load(self) -> tuple[CallForm, float | None] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            form = CallForm.from_dict(data.get("form") or {})
        except (OSError, ValueError, TypeError):
            return None
        if form.is_blank():
            return None
        return form, data.get("started_at")

    def clear(self) -> None:
        with self._lock:
            self.epoch += 1
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass


# ---------------------------------------------------------------- cases read from the server


class RemoteCases:
    """Cases this desk read through the central server's lookup (``/v1/cases/lookup``).

    A follow-up call may be about a case this desk's pull never delivers (an agent pulls
    only its own office's cases, the lookup answers for the whole province). Its copy in
    the cache is then only as fresh as the last lookup, so the desk asks the server again
    whenever it shows one while online. ``case id -> tracking code`` is kept in the
    operator directory (a hint: losing it costs only that refresh, and a case without its
    ``register`` event in the cache is treated the same way); the server's last answer per
    case stays in memory, for a read-only window whose cache cannot be written.
    """

    LIMIT = 2000

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._codes: dict[str, str] = {}
        self.answers: dict[str, dict[str, Any]] = {}
        if path is not None:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                self._codes = {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
            except (OSError, ValueError):
                self._codes = {}

    def __contains__(self, case_id: object) -> bool:
        with self._lock:
            return case_id in self._codes

    def code(self, case_id: str) -> str | None:
        with self._lock:
            return self._codes.get(case_id)

    def add(self, case: dict[str, Any], citizen: dict[str, Any] | None, events: list[dict[str, Any]]) -> None:
        case_id, code = str(case["id"]), str(case.get("tracking_code") or "")
        with self._lock:
            self.answers[case_id] = {"case": case, "citizen": citizen, "events": events}
            if self._codes.get(case_id) == code:
                return
            self._codes.pop(case_id, None)
            self._codes[case_id] = code
            while len(self._codes) > self.LIMIT:
                self._codes.pop(next(iter(self._codes)))
            self._write()

    def discard(self, case_id: str) -> None:
        with self._lock:
            self.answers.pop(case_id, None)
            if self._codes.pop(case_id, None) is not None:
                self._write()

    def _write(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = self.path.with_name(f"{self.path.name}.tmp-{os.getpid()}")
            tmp.write_text(json.dumps(self._codes), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass  # a hint only: the next view of such a case just is not refreshed


# ---------------------------------------------------------------- helpers


def _demo() -> Any:
    """The demo data module (``samad_desk.demo``; its pools live in ``demo.data``)."""
    import importlib

    module = importlib.import_module("samad_desk.demo")
    if hasattr(module, "subject_tree"):
        return module
    return importlib.import_module("samad_desk.demo.data")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def tracking_label(code: str) -> str:
    """The grouped tracking code with Persian digits, isolated (LRI…PDI) so that inside a
    Persian sentence its groups keep their order (``0912-345`` would read ``345-0912``)."""
    return f"\u2066{format_tracking_code(code)}\u2069"


def isolated(value: object) -> str:
    """Any number, ID or phone inside Persian text, isolated left to right."""
    return f"\u2066{value}\u2069"


def subject_text(services: Any, case: dict[str, Any]) -> str:
    """A case's subject for a line of Persian text: its Persian title, isolated (FSI…PDI).

    Cases store the subject key (``water.sewage``); an unknown key or free text is shown
    as it is, and the isolate keeps a Latin key from joining the date or code beside it
    into one left-to-right run (which swaps their places in the row)."""
    return f"\u2068{services.subject_label(case.get('subject'))}\u2069"


def _letters_only(text: str) -> bool:
    for ch in text:
        if ch.isalpha() or ch in " \u200c-'.":
            continue
        return False
    return True


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


def _persian_int(n: int) -> str:
    return to_persian_digits(str(n))


def case_type_choices() -> list[Choice]:
    return [Choice(t.value, t.label) for t in CaseType]


def urgency_choices() -> list[Choice]:
    return [Choice(k, v) for k, v in URGENCY_LABELS.items()]


def _flatten_subjects(tree: Any, parents: tuple[str, ...] = ()) -> Iterable[Choice]:
    """Flatten the demo subject tree whatever its exact nesting: dicts with ``children``."""
    if isinstance(tree, dict):
        if "children" in tree or "key" in tree or "id" in tree:
            nodes: Iterable[Any] = [tree]
        else:
            nodes = tree.values()
    else:
        nodes = tree
    for node in nodes:
        if not isinstance(node, dict):
            continue
        key = str(node.get("key") or node.get("id") or node.get("code") or node.get("name"))
        label = str(node.get("label") or node.get("name") or node.get("title") or key)
        children = node.get("children") or []
        agency = node.get("agency_id") or node.get("suggested_agency") or node.get("agency")
        if children:
            yield from _flatten_subjects(children, (*parents, label))
        else:
            yield Choice(key, label, " › ".join(parents), {"agency_id": agency})


# ---------------------------------------------------------------- the service


class DeskServices:
    """Wraps the store and the domain rules for the screens.

    ``now`` is injectable so tests and the benchmark can freeze time. ``sync`` is the
    sync engine or ``None`` (embedded default, tests); a save wakes it.
    """

    def __init__(
        self,
        store: Any,
        operator: dict[str, Any],
        *,
        settings: Any = None,
        sync: Any = None,
        calendar: WorkingCalendar | None = None,
        now: Callable[[], datetime] = _utcnow,
        subjects: list[Choice] | None = None,
        cities: list[Choice] | None = None,
    ) -> None:
        self.store = store
        self.operator = dict(operator)
        self.settings = settings
        self.sync = sync
        self.now = now
        if calendar is None:
            try:
                calendar = (
                    WorkingCalendar.from_settings(settings) if settings is not None else WorkingCalendar()
                )
            except Exception:  # a bad holidays file must not stop the desk
                calendar = WorkingCalendar()
        self.calendar = calendar
        self._subjects = subjects
        self._cities = cities
        #: sync client (None in the embedded default) and whether the link is up now
        self.client: Any = None
        self.online: Callable[[], bool] = lambda: False
        self._registry_cache: dict[str, dict[str, Any] | None] = {}
        operator_dir = getattr(settings, "operator_dir", None)
        self.remote_cases = RemoteCases(Path(operator_dir) / "remote-cases.json" if operator_dir else None)
        self._index: Any = None  # matching.index.CitizenIndex once built
        self._index_lock = threading.Lock()
        self._index_stale: set[str] = set()

    # -- who is working
    @property
    def actor(self) -> dict[str, Any]:
        op = self.operator
        return {
            "operator_id": op.get("id"),
            "name": op.get("name"),
            "role": op.get("role"),
            "agency_id": op.get("agency_id"),
            "office_id": op.get("office_id"),
        }

    @property
    def role_label(self) -> str:
        return Role.label_of(self.operator.get("role"))

    def agency_name(self, agency_id: str | None) -> str:
        if not agency_id:
            return ""
        agency = self.store.get("agency", agency_id)
        return str(agency.get("name", agency_id)) if agency else str(agency_id)

    # -- choice lists
    def subjects(self) -> list[Choice]:
        if self._subjects is None:
            try:
                self._subjects = list(_flatten_subjects(_demo().subject_tree()))
            except Exception:
                self._subjects = []
        return self._subjects

    def cities(self) -> list[Choice]:
        if self._cities is None:
            names: list[str] = []
            try:
                for c in _demo().qazvin_cities():
                    names.append(c if isinstance(c, str) else str(c.get("name") or c.get("label")))
            except Exception:
                names = []
            for agency in self.store.agencies():
                city = agency.get("city")
                if city and city not in names:
                    names.append(city)
            self._cities = [Choice(n, n) for n in names]
        return self._cities

    def agencies(self) -> list[Choice]:
        out = []
        for a in self.store.agencies():
            if a.get("active", True) is False:
                continue
            out.append(Choice(str(a["id"]), str(a.get("name", a["id"])), str(a.get("city") or "")))
        return out

    @staticmethod
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

    def subject_label(self, key: str | None) -> str:
        """Persian title of a subject key (cases store the key); unknown keys unchanged."""
        if not key:
            return ""
        for s in self.subjects():
            if s.key == key:
                return s.label
        return str(key)

    def suggested_agency(self, subject_key: str) -> str | None:
        for s in self.subjects():
            if s.key == subject_key:
                agency = s.extra.get("agency_id")
                return str(agency) if agency else None
        return None

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
        for key in ("first_name", "last_name", "father_name"):
            value = normalize(form.__dict__[key]).strip()
            label = FIELD_LABELS[key]
            if not value:
                if key != "father_name":
                    errors[key] = f"«{label}» را وارد کنید"
            elif not _letters_only(value):
                errors[key] = f"«{label}» فقط حرف می‌پذیرد، نه رقم یا نشانه"
            elif len(value.replace(" ", "")) < 2:
                errors[key] = f"«{label}» کوتاه است"
            elif len(value) > MAX_NAME:
                errors[key] = f"«{label}» بلند است (حداکثر {_persian_int(MAX_NAME)} نویسه)"
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
        subjects = {s.key: s for s in self.subjects()}
        if not form.subject:
            errors["subject"] = "«موضوع» را انتخاب کنید"
        elif subjects and form.subject not in subjects:
            errors["subject"] = "«موضوع» را از فهرست موضوع‌ها انتخاب کنید"
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
        if not description:
            errors["description"] = "«شرح پیام» را بنویسید"
        elif len(description) < MIN_DESCRIPTION:
            errors["description"] = (
                f"«شرح پیام» کوتاه است (دست‌کم {_persian_int(MIN_DESCRIPTION)} نویسه)"
            )
        elif len(description) > MAX_TEXT:
            errors["description"] = too_long_message(
                FIELD_LABELS["description"], len(description), MAX_TEXT
            )
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
            if case.get("state") in OPEN_STATES and case.get("subject") == form.subject:
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
        refused = dry_run(ops, StoreReader(self.store), now=self.now(), calendar=self.calendar)
        if refused is not None:
            raise ServiceError(refused.message or "این تماس با قواعد سامانه سازگار نیست")
        saved = self._save(ops)
        return SaveResult(case_id, citizen_id, code, saved)

    def _save(self, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return save_ops(self.store, ops, wake=self.wake_sync, error=ServiceError)

    def wake_sync(self) -> None:
        if self.sync is not None:
            try:
                self.sync.wake()
            except Exception:  # the save is already durable; sync retries on its own
                pass

    # -- follow-up calls
    def parse_case_query(self, text: str) -> tuple[str, str]:
        """``("tracking", code)`` or ``("national_id", nid)``; raises ServiceError (Persian)."""
        digits = "".join(ch for ch in to_ascii_digits(text) if ch.isdigit())
        if not digits:
            raise ServiceError("کد رهگیری یا کد ملی را وارد کنید")
        if len(digits) <= 10:
            parsed = parse_national_id(digits)
            if not parsed.ok:
                raise ServiceError(parsed.error or "کد ملی نامعتبر است")
            return "national_id", str(parsed.value)
        tracking = parse_tracking_code(text)
        if not tracking.ok:
            raise ServiceError(tracking.error or "کد رهگیری نامعتبر است")
        return "tracking", str(tracking.value)

    def find_cases(self, text: str, asking: Callable[[], None] | None = None) -> list[dict[str, Any]]:
        """Cases for a follow-up call, by tracking code or national ID.

        The local cache first. A tracking code it does not hold, or a national ID (whose
        citizen may have cases of other offices), is then asked of the central server
        when the desk is online; what the server shows this operator is written into the
        cache like a pull would (so a follow-up on it is an ordinary op on a cached case)
        and nothing it refuses is ever shown. ``asking`` is called (in this thread) just
        before the server is asked. Raises :class:`ServiceError` (Persian) with the reason
        when nothing was found: not here, and not on the server or the server unreachable.
        """
        kind, value = self.parse_case_query(text)
        if kind == "tracking":
            case = self.store.case_by_tracking_code(value)
            if case is not None:
                return [case]
            answer, why = self._ask_server(kind, value, asking)
            if answer is None:
                if not why:  # no server configured (the embedded default)
                    raise ServiceError("پرونده‌ای با این کد رهگیری در این میز نیست")
                raise ServiceError(f"پرونده‌ای با این کد رهگیری در حافظهٔ این میز نیست {why}")
            found = [c for c in answer["cases"] if c.get("tracking_code") == value]
            if not found:
                raise ServiceError(
                    "پرونده‌ای با این کد رهگیری نه در این میز هست و نه در سرور مرکزی (در محدودهٔ دسترسی شما)"
                )
            return self._keep_remote(answer, found)
        citizen = self.registered_citizen(value)
        cases = {c["id"]: c for c in (self.person_cases(citizen["id"]) if citizen else [])}
        answer, why = self._ask_server(kind, value, asking)
        theirs: set[str] = set()  # the server's citizens with this national ID
        if answer is not None:
            theirs = {c["id"] for c in answer["citizens"] if c.get("national_id") == value}
            found = [c for c in answer["cases"] if c.get("citizen_id") in theirs and c["id"] not in cases]
            for case in self._keep_remote(answer, found):
                cases[case["id"]] = case
        if not cases:
            if answer is None and why:
                where = "شهروندی با این کد ملی" if citizen is None else "پرونده‌ای از این شهروند"
                raise ServiceError(f"{where} در حافظهٔ این میز نیست {why}")
            if citizen is None and answer is None:
                raise ServiceError("شهروندی با این کد ملی ثبت نشده است")
            if citizen is None and not theirs:
                raise ServiceError(
                    "برای این کد ملی نه در این میز و نه در سرور مرکزی (در محدودهٔ دسترسی شما) پرونده‌ای نیست"
                )
            raise ServiceError("این شهروند پرونده‌ای ندارد")
        return sorted(cases.values(), key=lambda c: str(c.get("registered_at") or ""), reverse=True)

    def _ask_server(
        self, kind: str, value: str, asking: Callable[[], None] | None = None
    ) -> tuple[dict[str, list[dict[str, Any]]] | None, str]:
        """``(answer, "")`` from ``/v1/cases/lookup``, or ``(None, why)``: the end of a
        Persian sentence saying why the server was not asked or did not answer (``""``
        when the desk has no server at all)."""
        from samad_desk.sync.errors import AuthRequired, SyncError

        if self.client is None:
            return None, ""
        relogin = "و برای پرسیدن از سرور مرکزی باید دوباره وارد شوید (Shift+F5)."
        if not self.online():
            if getattr(self.sync, "state", None) == "auth_required":
                return None, relogin
            return None, "و سرور در دسترس نیست؛ پس از برقراری اتصال دوباره جستجو کنید (Enter)."
        if asking is not None:
            asking()
        try:
            if kind == "tracking":
                return self.client.lookup_cases(tracking_code=value), ""
            return self.client.lookup_cases(national_id=value), ""
        except AuthRequired:
            return None, relogin
        except SyncError as exc:
            return None, f"و سرور مرکزی پاسخ نداد: {exc}"

    def _keep_remote(self, answer: dict[str, list[dict[str, Any]]], cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Write the server's answer about ``cases`` (the cases, their citizens and any
        events it carried) into the cache as a pull page would, version-checked, cursor
        unchanged; remember them as remote. Returns the cases as the store now has them
        (the server's copies when the cache could not be written, e.g. a read-only window)."""
        from samad_desk.store import StoreError

        if not cases:
            return []
        ids = {c["id"] for c in cases}
        citizens = {c["id"]: c for c in answer["citizens"]}
        wanted = {c.get("citizen_id") for c in cases}
        events = [e for e in answer["events"] if e.get("case_id") in ids]
        changes = [
            {"entity": entity, "id": d["id"], "op": "put", "version": d.get("version"), "data": d}
            for entity, items in (
                ("citizen", [c for cid, c in citizens.items() if cid in wanted]),
                ("case", cases),
                ("event", events),
            )
            for d in items
        ]
        written = True
        try:
            # outside the change log: the cursor and last-sync time are left alone
            self.store.put_entities(changes)
        except StoreError:
            written = False
        out = []
        for case in cases:
            self.remote_cases.add(
                case,
                citizens.get(case.get("citizen_id")),
                [e for e in events if e.get("case_id") == case["id"]],
            )
            out.append((self.store.get("case", case["id"]) if written else None) or case)
        return out

    def _is_remote(self, case_id: str, events: list[dict[str, Any]]) -> bool:
        """Whether this desk's pull does not deliver the case (so only the server's lookup
        keeps it current): it came from a lookup, or the cache lacks its ``register`` event
        (a pull brings a case together with its whole history)."""
        return case_id in self.remote_cases or not any(e.get("kind") == "register" for e in events)

    def case_view(self, case_id: str) -> CaseView:
        case = self.store.get("case", case_id)
        events = list(self.store.events_of_case(case_id)) if case is not None else []
        remote = stale = False
        if self.client is not None and (case is None or self._is_remote(case_id, events)):
            code = (case or {}).get("tracking_code") or self.remote_cases.code(case_id)
            if code:
                remote = True
                answer, _why = self._ask_server("tracking", str(code))
                if answer is None:
                    stale = True
                else:
                    found = [c for c in answer["cases"] if c.get("id") == case_id]
                    if not found:
                        self._forget_remote(case_id)
                        raise ServiceError("این پرونده در محدودهٔ دسترسی شما روی سرور مرکزی نیست")
                    self._keep_remote(answer, found)
                    case = self.store.get("case", case_id)
                    events = list(self.store.events_of_case(case_id)) if case is not None else []
        citizen = None
        if case is None:  # a read-only window: the server's last answer, kept in memory
            kept = self.remote_cases.answers.get(case_id)
            if kept is None:
                raise ServiceError("پرونده پیدا نشد")
            case, citizen, events = kept["case"], kept["citizen"], list(kept["events"])
        if citizen is None and case.get("citizen_id"):
            citizen = self.store.get("citizen", case["citizen_id"])
        agency = self.store.get("agency", case.get("agency_id")) if case.get("agency_id") else None
        remaining = None
        due = None
        if case.get("due_date"):
            try:
                due = format_jalali(date.fromisoformat(str(case["due_date"])[:10]))
            except ValueError:
                due = None
            try:
                remaining = remaining_working_days(case, iran_date(self.now()), self.calendar)
            except Exception:
                remaining = None
        return CaseView(case, citizen, agency, events, remaining, due, remote=remote, stale=stale)

    def _forget_remote(self, case_id: str) -> None:
        """The server no longer shows this operator a case this desk read from it: drop
        the cached copy (only one the lookup brought; a pulled case leaves by a pull)."""
        from samad_desk.store import StoreError

        if case_id in self.remote_cases:
            try:
                self.store.put_entities([{"entity": "case", "id": case_id, "op": "delete"}])
            except StoreError:
                pass
        self.remote_cases.discard(case_id)

    def record_followup(self, case_id: str, note: str, satisfied: bool | None) -> dict[str, Any]:
        case = self.store.get("case", case_id)
        if case is None:
            if case_id in self.remote_cases.answers:
                raise ServiceError("این پرونده در حافظهٔ این میز ذخیره نشد؛ پیگیری را در پنجرهٔ اصلی ثبت کنید")
            raise ServiceError("پرونده پیدا نشد")
        note = normalize(note).strip()
        objection = satisfied is False and case.get("state") == CaseState.answered.value
        if objection and len(note) < 5:
            raise FormInvalid({"note": "دلیل اعتراض شهروند را بنویسید"})
        if satisfied is not None and case.get("state") not in (
            CaseState.answered.value,
            CaseState.closed.value,
        ):
            raise FormInvalid({"satisfied": "هنوز پاسخی ثبت نشده که شهروند از آن راضی یا ناراضی باشد"})
        reason = check_transition(case, "followup", self.actor)
        if reason:
            raise ServiceError(reason)
        op = domain_ops.make_op(
            "case.followup",
            case_id,
            {"note": note or "پیگیری تلفنی شهروند", "satisfied": satisfied},
            self.actor,
            base_version=case.get("version"),
            now=self.now(),
        )
        # what the server will check, checked here first (as for a call): an op the shared
        # reducer refuses on this case must never be journaled as saved
        refused = dry_run([op], StoreReader(self.store), now=self.now(), calendar=self.calendar)
        if refused is not None:
            raise ServiceError(refused.message or "این پیگیری با قواعد سامانه سازگار نیست")
        return self._save([op])[0]

    def record_followup_from_form(self, case_id: str, form: CallForm) -> dict[str, Any]:
        """The caller rang about an open case: a follow-up instead of a new case."""
        note = normalize(form.description).strip() or "تماس دوباره شهروند درباره همین موضوع"
        return self.record_followup(case_id, note, None)

    # -- citizens
    def citizen(self, citizen_id: str) -> dict[str, Any] | None:
        return self.store.get("citizen", citizen_id)

    def person_cases(self, citizen_id: str) -> list[dict[str, Any]]:
        """The citizen's cases and those of every profile merged into it, newest first."""
        from samad_desk.merge_service import MergeService

        return MergeService(self.store, self.operator).cases_of(citizen_id)

    def citizen_cases(self, citizen_id: str) -> list[dict[str, Any]]:
        cases = self.store.cases_of_citizen(citizen_id)
        return sorted(cases, key=lambda c: str(c.get("registered_at") or ""), reverse=True)

    def lookup(self, query: dict[str, str], limit: int = 8) -> list[Candidate]:
        """Candidates for what the agent has typed so far, best first.

        Exact keys from the store first (ID, its one-digit neighbours, mobile: always
        current, including calls saved a second ago), then the matching engine's
        as-you-type search (names, Finglish, prefixes) once its index is built.
        """
        found = {c.citizen_id: c for c in self._lookup_exact(query, limit)}
        exact_ids = set(found)
        index = self._index
        if index is not None and any(str(v).strip() for v in query.values()):
            self._refresh_index()
            with self._index_lock:
                hits = index.search(dict(query), k=limit)
            for hit in hits:
                if hit.record_id in found:
                    extra = [r for r in hit.reasons if r not in found[hit.record_id].reasons]
                    found[hit.record_id].reasons.extend(extra)
                    continue
                citizen = self.store.get("citizen", hit.record_id)
                if citizen is None:
                    continue
                found[hit.record_id] = self._candidate(citizen, list(hit.reasons), float(hit.score))
        if not exact_ids:
            person = self.registry_person(query.get("national_id", ""))
            if person is not None:
                registry = Candidate(person, ["ثبت احوال (سرور مرکزی)"], 0.5, 0, source="registry")
                found[f"registry:{person.get('national_id')}"] = registry
        ranked = sorted(found.values(), key=lambda c: (c.citizen_id not in exact_ids, -c.score))
        out: list[Candidate] = []
        seen: set[str] = set()
        for c in ranked:
            if c.citizen_id not in seen:  # a merged record shows as its survivor, once
                seen.add(c.citizen_id)
                out.append(c)
        return out[:limit]

    def registry_person(self, text: str) -> dict[str, Any] | None:
        """When online: the civil registry's record of a valid national ID (via the server).

        Shown beside the local candidates when no local citizen has this ID, so a new
        citizen is entered with the registry's spelling. Any failure just means no
        registry candidate (the call goes on)."""
        if self.client is None or not self.online():
            return None
        parsed = parse_national_id(text) if len(to_ascii_digits(text).strip()) == 10 else None
        if parsed is None or not parsed.ok or not parsed.value:
            return None
        nid = parsed.value
        if nid not in self._registry_cache:
            from samad_desk.sync.errors import SyncError

            try:
                person = self.client.registry_citizen(nid)
            except SyncError:  # offline, no registry on the server, session expired …
                return None  # not cached: asked again on the next keystroke
            self._registry_cache[nid] = dict(person, national_id=nid) if person else None
        return self._registry_cache[nid]

    def build_index(self) -> int:
        """Build the as-you-type index over every cached citizen (run it in a worker)."""
        from samad_desk.matching.index import CitizenIndex

        citizens = (c for c in self.store.iter_entities("citizen") if not c.get("merged_into"))
        index = CitizenIndex(citizens)
        with self._index_lock:
            self._index = index
        return len(index)

    def citizens_changed(self, ids: Iterable[str]) -> None:
        """Store callback (any thread): these citizens changed; re-index on next search."""
        with self._index_lock:
            self._index_stale.update(ids)

    def _refresh_index(self) -> None:
        with self._index_lock:
            stale, self._index_stale = self._index_stale, set()
            index = self._index
        if index is None or not stale:
            return
        for cid in stale:
            citizen = self.store.get("citizen", cid)
            with self._index_lock:
                if citizen is None or citizen.get("merged_into"):
                    index.remove(cid)
                else:
                    index.add(citizen)

    def _lookup_exact(self, query: dict[str, str], limit: int) -> list[Candidate]:
        """Exact keys only (ID, its one-edit neighbours, mobile): used until the engine lands."""
        from samad_desk.text.national_id import national_id_neighbours

        found: dict[str, Candidate] = {}
        nid_text = "".join(ch for ch in to_ascii_digits(query.get("national_id", "")) if ch.isdigit())
        if len(nid_text) >= 8:
            parsed = parse_national_id(nid_text)
            if parsed.ok and parsed.value:
                c = self.store.citizen_by_national_id(parsed.value)
                if c:
                    found[c["id"]] = self._candidate(c, ["کد ملی یکسان"], 1.0)
            if len(nid_text) == 10:
                for nb in national_id_neighbours(nid_text):
                    c = self.store.citizen_by_national_id(nb)
                    if c and c["id"] not in found:
                        found[c["id"]] = self._candidate(c, ["کد ملی یک رقم متفاوت"], 0.8)
        mobile = parse_mobile(query.get("mobile", "")) if query.get("mobile") else None
        if mobile is not None and mobile.ok and mobile.value:
            for c in self.store.citizens_by_mobile(mobile.value):
                if c["id"] in found:
                    found[c["id"]].reasons.append("شماره همراه یکسان")
                else:
                    found[c["id"]] = self._candidate(c, ["شماره همراه یکسان"], 0.6)
        ranked = sorted(found.values(), key=lambda c: -c.score)
        return ranked[:limit]

    def _candidate(self, citizen: dict[str, Any], reasons: list[str], score: float) -> Candidate:
        if citizen.get("merged_into"):
            survivor = self.store.get("citizen", citizen["merged_into"])
            if survivor:
                citizen = survivor
        open_cases = sum(
            1 for c in self.store.cases_of_citizen(citizen["id"]) if c.get("state") in OPEN_STATES
        )
        return Candidate(citizen, reasons, score, open_cases)

    # -- needs attention
    def attention(self) -> list[dict[str, Any]]:
        return list(self.store.needs_attention())

    def dismiss(self, op_id: str) -> None:
        self.store.dismiss(op_id)

    def reissue(self, op: dict[str, Any]) -> dict[str, Any]:
        """Re-issue a rejected op against the current state, then dismiss the old one."""
        entity_id = op.get("entity_id", "")
        base = None
        entity = op.get("type", "").split(".")[0]
        current = self.store.get(entity, entity_id) if entity in ("case", "citizen") else None
        if current is not None:
            base = current.get("version")
            if entity == "case":
                action = op.get("type", "").split(".", 1)[1]
                reason = check_transition(current, action, self.actor)
                if reason:
                    raise ServiceError(reason)
        new = domain_ops.make_op(
            op["type"], entity_id, dict(op.get("payload") or {}), self.actor, base_version=base, now=self.now()
        )
        saved = self._save([new])[0]
        self.store.dismiss(op["op_id"])
        return saved

    def stats(self) -> dict[str, Any]:
        try:
            return dict(self.store.stats())
        except Exception:
            return {}


def op_summary(op: dict[str, Any]) -> str:
    """A one-line Persian description of an op for the needs-attention list."""
    from samad_desk.sync.attention import OP_LABELS

    kind = OP_LABELS.get(str(op.get("type")), str(op.get("type")))
    code = (op.get("payload") or {}).get("tracking_code")
    if code:
        return f"{kind} {tracking_label(str(code))}"
    return kind


# ---------------------------------------------------------------- login


def login(client: Any, username: str, password: str, operator_dir: Path) -> tuple[dict[str, Any], bool]:
    """Online login against the server; offline with the stored verifier when unreachable.

    Returns ``(operator, online)``; raises :class:`FormInvalid` keyed by the field.
    """
    from samad_desk.sync.errors import AuthError, SyncError
    from samad_desk.sync.tokens import verify_offline

    username = username.strip()
    errors = {}
    if not username:
        errors["username"] = "نام کاربری را وارد کنید"
    if not password:
        errors["password"] = "گذرواژه را وارد کنید"
    if errors:
        raise FormInvalid(errors)
    if client is None:
        operator = verify_offline(username, password, operator_dir=operator_dir)
        if operator is None:
            raise FormInvalid({"password": "سرور مرکزی تنظیم نشده و ورود برون‌خط برای این کاربر ممکن نیست"})
        return operator, False
    try:
        return client.login(username, password), True
    except AuthError as exc:
        raise FormInvalid({"password": str(exc)}) from None
    except SyncError as exc:
        operator = verify_offline(username, password, operator_dir=operator_dir)
        if operator is not None:
            return operator, False
        raise FormInvalid(
            {
                "password": f"{exc} ورود برون‌خط فقط برای کاربری ممکن است که پیش‌تر در همین میز"
                " برخط وارد شده باشد و گذرواژه درست باشد."
            }
        ) from None


# ---------------------------------------------------------------- embedded demo


def _snapshot_records(items: Iterable[Any]) -> Iterable[dict[str, Any]]:
    """Whatever the generator yields, as change-shaped snapshot records."""
    for item in items:
        if isinstance(item, tuple) and len(item) == 2:
            entity, data = item
        elif isinstance(item, dict) and "entity" in item and "data" in item:
            yield item
            continue
        elif isinstance(item, dict) and ("entity" in item or "kind" in item):
            entity = item.get("entity") or item.get("kind")
            data = {k: v for k, v in item.items() if k not in ("entity",)}
        else:
            continue
        yield {"entity": entity, "id": data.get("id"), "version": data.get("version", 1), "data": data}


EMBEDDED_CURSOR = "embedded-demo"


def seed_embedded_demo(store: Any, *, seed: int = 111, n_citizens: int = 400, n_cases: int = 600) -> bool:
    """First start without a server: Qazvin agencies and demo citizens and cases.

    Only into an empty store (no cursor, no agencies): never over real data. Returns
    whether it seeded.
    """
    if store.cursor() is not None or store.agencies():
        return False
    demo = _demo()
    records: list[dict[str, Any]] = [
        {"entity": "agency", "id": a["id"], "version": a.get("version") or 1, "data": a}
        for a in demo.qazvin_agencies()
    ]
    try:
        import importlib

        generate = getattr(importlib.import_module("samad_desk.demo"), "generate", None)
    except Exception:
        generate = None
    if generate is not None:
        seen = {r["id"] for r in records}
        for rec in _snapshot_records(generate(seed, n_citizens, n_cases, now=_utcnow())):
            if rec["entity"] not in ("citizen", "case", "event") or rec["id"] in seen:
                continue
            records.append(rec)
    store.replace_from_snapshot(records, cursor=EMBEDDED_CURSOR)
    return True
