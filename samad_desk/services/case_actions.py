"""The agency's and the supervisor's case work, as plain Python (no Textual).

Screens call :class:`CaseActions` from workers. Every action is one op, checked with the
shared workflow rules (:func:`~samad_desk.domain.workflow.check_transition` and
``check_payload``) and then dry-run through the shared reducer against the local state,
so an op that the local state already refuses never reaches the journal; what the server
later refuses (its state moved on meanwhile) lands in "needs attention" like any op.

Role scoping on the desk: an officer or manager only ever gets cases of their own agency
out of these methods (and the server only sends them those, see central); a supervisor
reads every agency of the province; an agent has no cartable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from samad_desk.domain import ops as domain_ops
from samad_desk.domain.models import ANSWER_DUE_STATES, Role
from samad_desk.domain.permissions import (
    is_agency_role,
    is_oversight_role,
    may_refer_to,
    may_see_case,
)
from samad_desk.domain.sla import iran_date
from samad_desk.domain.workflow import (
    allowed_actions,
    check_payload,
    check_transition,
)
from samad_desk.reports import (
    REMIND_DAYS,
    AgencyStats,
    CartableRow,
    build_rows,
    deadline_cue,
    escalation_candidates,
    overdue_cases,
    province_cases,
    responsiveness,
    state_counts,
)
from samad_desk.reports.deadlines import DeadlineCue, remaining_days
from samad_desk.services.commit import refusal
from samad_desk.services.core import ServiceBase
from samad_desk.services.errors import ServiceError
from samad_desk.services.session import DeskSession
from samad_desk.text.jalali import format_jalali
from samad_desk.text.normalize import normalize

#: every state a case can have while it is in an agency's hands or history
AGENCY_STATES = ("referred", "in_progress", "answered", "closed")
DONE_STATES = ("answered", "closed")
#: actions the case screen offers, in menu order
CASE_ACTIONS = ("accept", "assign", "answer", "extend", "refer", "return", "note", "escalate", "close", "reopen")


@dataclass
class CartableData:
    agency: dict[str, Any] | None
    owner: str  # the manager's name: the cartable is in their name
    rows: list[CartableRow]
    counts: dict[str, int]
    near: list[CartableRow]  # reminders: near the deadline
    officers: list[dict[str, Any]]
    cities: list[str]
    partial: bool = False  # only the head of the list: counts and filters not known yet
    #: the agencies whose cartables this operator may open in turn (a supervisor's F6; read
    #: with the rows, so the key never reads the store on the UI thread)
    agency_ids: list[str] = field(default_factory=list)


@dataclass
class CaseDetail:
    case: dict[str, Any]
    citizen: dict[str, Any] | None
    agency: dict[str, Any] | None
    events: list[dict[str, Any]]
    other_cases: list[dict[str, Any]]
    remaining: int | None
    cue: DeadlineCue
    due_jalali: str
    allowed: list[str]
    sla: tuple[int, int]
    extension_left: int
    #: the agencies this operator may refer to (the action forms' choices; read with the
    #: case, so a form never reads the store on the UI thread)
    referable: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SupervisorData:
    agencies: list[AgencyStats]
    overdue: list[tuple[dict[str, Any], int]]
    candidates: list[tuple[dict[str, Any], int]]
    unreferred: dict[str, int]  # registered / returned: the 111 unit's own queue
    total_open: int
    overdue_rows: list[CartableRow] = field(default_factory=list)


class CaseActions(ServiceBase):
    """Cartable, case, deadline and supervision services over one :class:`DeskSession`."""

    def __init__(self, session: DeskSession, *, subject_label: Callable[[str], str] | None = None) -> None:
        super().__init__(session)
        self._subject_label = subject_label
        self._names: dict[str, str] = {}
        self._role = Role.parse(self.operator.get("role"))

    # -- who
    @property
    def role(self) -> Role | None:
        return self._role

    @property
    def agency_id(self) -> str | None:
        return self.operator.get("agency_id")

    @property
    def is_agency(self) -> bool:
        return is_agency_role(self.role)

    @property
    def is_supervisor(self) -> bool:
        return is_oversight_role(self.role)

    def today(self) -> date:
        return iran_date(self.now())

    def may_see(self, case: dict | None) -> bool:
        """Desk-side scope, the server's reach rule (``domain/permissions.py``): officers
        and managers their agency's cases, province roles their province's (the case's
        province known here through its agency)."""
        if case is None:
            return False
        agency = self.store.get("agency", case["agency_id"]) if case.get("agency_id") else None
        return may_see_case(self.operator, case, province=(agency or {}).get("province") or None)

    # -- lookups
    def subject_label(self, key: str) -> str:
        return self._subject_label(key) if self._subject_label else key

    def citizen_name(self, citizen_id: str | None) -> str:
        if not citizen_id:
            return ""
        hit = self._names.get(citizen_id)
        if hit is None:
            c = self.store.get("citizen", citizen_id)
            hit = f"{c.get('first_name', '')} {c.get('last_name', '')}".strip() if c else ""
            self._names[citizen_id] = hit
        return hit

    def operators(self) -> list[dict[str, Any]]:
        try:
            return list(self.store.iter_entities("operator"))
        except Exception:
            return []

    def officers(self, agency_id: str | None) -> list[dict[str, Any]]:
        """The agency's officers and manager (for assigning and the officer filter)."""
        if not agency_id:
            return []
        out = [o for o in self.operators() if o.get("agency_id") == agency_id
               and is_agency_role(o.get("role"))]
        out.sort(key=lambda o: (o.get("role") != "officer", str(o.get("name") or "")))
        return out

    def operator_name(self, operator_id: str | None) -> str:
        if not operator_id:
            return ""
        key = f"op:{operator_id}"
        hit = self._names.get(key)
        if hit is None:
            o = self.store.get("operator", operator_id)
            hit = str((o or {}).get("name") or operator_id)
            if operator_id == self.operator.get("id"):
                hit = str(self.operator.get("name") or hit)
            self._names[key] = hit
        return hit

    def agencies(self) -> list[dict[str, Any]]:
        out = [a for a in self.store.agencies() if may_refer_to(self.operator, a.get("province") or None)]
        out.sort(key=lambda a: str(a.get("name") or ""))
        return out

    # -- the cartable
    def cartable_agency(self, agency_id: str | None = None) -> str:
        """Which agency's cartable this operator may open (officers: only their own)."""
        if self.is_agency:
            if not self.agency_id:
                raise ServiceError("دستگاه کاربر معلوم نیست؛ کارتابل در دسترس نیست.")
            if agency_id and agency_id != self.agency_id:
                raise ServiceError("فقط کارتابل دستگاه خودتان را می‌توانید ببینید.")
            return self.agency_id
        if self.is_supervisor:
            if agency_id:
                return agency_id
            agencies = self.agencies()
            if not agencies:
                raise ServiceError("هیچ دستگاهی در این میز ثبت نشده است.")
            return str(agencies[0]["id"])
        raise ServiceError("کارتابل مخصوص کارشناسان و مدیران دستگاه‌ها و ناظر استان است.")

    def cartable(self, agency_id: str | None = None, *, head: Callable[[CartableData], None] | None = None,
                 head_rows: int = 60) -> CartableData:
        """The agency's cartable. With ``head``, a first partial result (the ``head_rows``
        open cases nearest their deadline, no counts yet) is handed to it before the rest
        is built, so a screen can draw its first frame early on a large cartable."""
        aid = self.cartable_agency(agency_id)
        self._names.clear()  # names may have been corrected since the last load
        agency = self.store.get("agency", aid)
        owner = str((agency or {}).get("manager_name") or "")
        # the store returns them oldest deadline first: the head is the top of the list
        open_cases = self._scoped(aid, ANSWER_DUE_STATES)
        if head is not None:
            rows = self.rows(open_cases[:head_rows])
            head(CartableData(agency, owner, rows, {}, [], [], [], partial=True))
        done = self._scoped(aid, DONE_STATES)
        rows = self.rows(open_cases + done)
        counts = state_counts(rows)
        near = [r for r in rows if r.remaining is not None and 0 <= r.remaining <= REMIND_DAYS]
        cities = sorted({r.city for r in rows if r.city})
        ids = [str(a["id"]) for a in self.agencies()] if self.is_supervisor else []
        return CartableData(agency, owner, rows, counts, near, self.officers(aid), cities, agency_ids=ids)

    def _scoped(self, agency_id: str, states: tuple[str, ...]) -> list[dict[str, Any]]:
        """``store.cartable`` through the desk-side scope (cheap for the agency's own)."""
        cases = self.store.cartable(agency_id, states)
        if self.is_agency:
            own = self.agency_id
            return [c for c in cases if c.get("agency_id") == own] if own == agency_id else []
        return [c for c in cases if self.may_see(c)]

    # -- one case
    def case(self, case_id: str) -> dict[str, Any]:
        case = self.store.get("case", case_id)
        if case is None or not self.may_see(case):
            # the same answer whether it does not exist or is another agency's
            raise ServiceError("این پرونده در کارتابل شما نیست.")
        return case

    def detail(self, case_id: str) -> CaseDetail:
        case = self.case(case_id)
        citizen = self.store.get("citizen", case["citizen_id"]) if case.get("citizen_id") else None
        agency = self.store.get("agency", case["agency_id"]) if case.get("agency_id") else None
        events = self.store.events_of_case(case_id)
        events.sort(key=lambda e: (str(e.get("at") or ""), str(e.get("id") or "")))
        others = []
        if citizen is not None:
            others = [c for c in self.store.cases_of_citizen(citizen["id"])
                      if c["id"] != case_id and self.may_see(c)]
        remaining = remaining_days(case, self.today(), self.calendar)
        due = ""
        if case.get("due_date"):
            try:
                due = format_jalali(date.fromisoformat(str(case["due_date"])[:10]))
            except ValueError:
                due = str(case["due_date"])
        sla = self.calendar.sla_days_for(agency, case.get("type"))
        left = max(0, sla[1] - sla[0] - int(case.get("extended_days") or 0))
        allowed = [a for a in allowed_actions(case, self.actor) if a in CASE_ACTIONS]
        return CaseDetail(case, citizen, agency, events, others, remaining, deadline_cue(remaining),
                          due, allowed, sla, left, referable=self.agencies())

    def refusal(self, case: dict, action: str) -> str | None:
        """Why ``action`` is not possible on ``case`` now (None when it is)."""
        return check_transition(case, action, self.actor)

    def validate(self, case_id: str, action: str, payload: dict[str, Any] | None = None) -> str | None:
        """The Persian reason the desk refuses ``action`` with ``payload`` (None: it may go)."""
        try:
            op = self._checked_op(case_id, action, payload)
        except ServiceError as exc:
            return str(exc)
        return refusal(self.session, [op])

    def _checked_op(self, case_id: str, action: str, payload: dict[str, Any] | None) -> dict[str, Any]:
        payload = self.clean_payload(action, dict(payload or {}))
        case = self.store.get("case", case_id)
        if case is None or not self.may_see(case):
            raise ServiceError("این پرونده در کارتابل شما نیست.")
        reason = check_transition(case, action, self.actor)
        if reason:
            raise ServiceError(reason)
        kwargs: dict[str, Any] = {}
        if action == "refer":
            target = payload.get("agency_id")
            kwargs["agency"] = self.store.get("agency", target) if target else None
        if action == "extend":
            agency = self.store.get("agency", case["agency_id"]) if case.get("agency_id") else None
            kwargs["sla"] = self.calendar.sla_days_for(agency, case.get("type"))
        reason = check_payload(case, action, payload, **kwargs)
        if reason:
            raise ServiceError(reason)
        return domain_ops.make_op(f"case.{action}", case_id, payload, self.actor,
                                  base_version=case.get("version"), now=self.now())

    def perform(self, case_id: str, action: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """Validate ``action`` with the shared rules, dry-run it, append the op; return it."""
        op = self._checked_op(case_id, action, payload)
        return self.commit([op], refused="این کار ممکن نیست.")[0]

    @staticmethod
    def clean_payload(action: str, payload: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for k, v in payload.items():
            out[k] = normalize(v).strip() if isinstance(v, str) else v
        if action == "return" and not out.get("suggested_agency_id"):
            out["suggested_agency_id"] = None
        return out

    # -- supervision
    def supervisor(self) -> SupervisorData:
        if not self.is_supervisor:
            raise ServiceError("نمای نظارت مخصوص ناظر استان است.")
        agencies = self.agencies()
        cases = province_cases(self.store.iter_entities("case"), agencies, self.operator.get("province"))
        today = self.today()
        stats = responsiveness(cases, agencies, today, self.calendar)
        overdue = overdue_cases(cases, today, self.calendar)
        candidates = escalation_candidates(cases, today, self.calendar)
        unreferred = {s: 0 for s in ("registered", "returned")}
        open_total = 0
        for c in cases:
            if c.get("state") in unreferred and not c.get("agency_id"):
                unreferred[c["state"]] += 1
            if c.get("state") in ANSWER_DUE_STATES:
                open_total += 1
        data = SupervisorData(stats, overdue, candidates, unreferred, open_total)
        data.overdue_rows = self.rows([c for c, _days in overdue])
        return data

    def rows(self, cases: list[dict[str, Any]]) -> list[CartableRow]:
        """Display rows for ``cases`` (deadline order)."""
        return build_rows(cases, today=self.today(), calendar=self.calendar, citizen_name=self.citizen_name,
                          subject_label=self.subject_label, operator_name=self.operator_name)

    def agency_rows(self, agency_id: str) -> list[CartableRow]:
        """A supervisor's drill-down: every case of one agency, overdue first."""
        if not self.is_supervisor and agency_id != self.agency_id:
            raise ServiceError("فقط کارتابل دستگاه خودتان را می‌توانید ببینید.")
        return self.rows(self._scoped(agency_id, AGENCY_STATES))


__all__ = ["AGENCY_STATES", "CASE_ACTIONS", "CaseActions", "CaseDetail", "CartableData",
           "SupervisorData"]
