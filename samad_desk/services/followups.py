"""Follow-up calls: finding a case by tracking code or national ID (here, else on the
central server), showing it, and recording the follow-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from samad_desk.domain import ops as domain_ops
from samad_desk.domain.models import CaseState
from samad_desk.domain.sla import iran_date, remaining_working_days
from samad_desk.domain.tracking import parse_tracking_code
from samad_desk.domain.workflow import check_transition
from samad_desk.services.core import ServiceBase
from samad_desk.services.errors import FormInvalid, ServiceError
from samad_desk.services.forms import CallForm
from samad_desk.services.remote_cases import RemoteCases
from samad_desk.text.digits import to_ascii_digits
from samad_desk.text.jalali import format_jalali
from samad_desk.text.national_id import parse_national_id
from samad_desk.text.normalize import normalize


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


class FollowupsMixin(ServiceBase):
    """Follow-up lookups over the cache and the server's ``/v1/cases/lookup``."""

    if TYPE_CHECKING:  # from CallsMixin and CandidatesMixin, beside this one in DeskServices

        def registered_citizen(self, national_id: str) -> dict[str, Any] | None: ...

        def person_cases(self, citizen_id: str) -> list[dict[str, Any]]: ...

    remote_cases: RemoteCases

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
        return self.commit([op], refused="این پیگیری با قواعد سامانه سازگار نیست")[0]

    def record_followup_from_form(self, case_id: str, form: CallForm) -> dict[str, Any]:
        """The caller rang about an open case: a follow-up instead of a new case."""
        note = normalize(form.description).strip() or "تماس دوباره شهروند درباره همین موضوع"
        return self.record_followup(case_id, note, None)
