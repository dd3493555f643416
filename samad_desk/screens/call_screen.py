"""Call entry: the screen a 111 agent fills top to bottom while the citizen talks.

National ID first; the candidate list beside the form updates as the agent types (a
mistyped ID still finds the citizen through its one-digit neighbours). Then the caller's
details, case type, subject (search as you type; it suggests the agency), agency, city,
description, urgency. F2 saves: every field is validated in the service layer, a bad one
gets its Persian message at the field and the focus, nothing else is touched. The saved
call's tracking code is shown large. A draft is kept in the operator directory on every
change, so a crash or a closed terminal loses nothing.

Why over 600 lines: (about 660) it is one flow (type, look up, decide, save, read the code
out, next call) whose steps share the form's state; its widgets (``widgets/form``), dialogs
(``screens/modals/call.py``), the draft (``call_drafts.py``) and the tracking panel's frame
(``call_cover.py``) already live apart. About 90 of those lines read the citizen line, the
city and agency lists and F2's checks in worker threads (never the store on the UI thread)
and show the answers only while still current.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from functools import partial
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from samad_desk.messages import CaseSaved, FollowupRecorded, OpenCitizen
from samad_desk.screens.base import DeskScreen
from samad_desk.screens.call_cover import CoversForm
from samad_desk.screens.call_drafts import CallDrafts
from samad_desk.screens.modals import CitizenDecisionModal, FollowupOfferModal
from samad_desk.services import (
    FIELD_LABELS,
    CallForm,
    Candidate,
    Choice,
    Confirmation,
    DraftStore,
    FormInvalid,
    SaveResult,
    ServiceError,
    case_type_choices,
    urgency_choices,
)
from samad_desk.text.digits import fa, to_ascii_digits
from samad_desk.text.jalali import format_jalali
from samad_desk.text.normalize import name_key
from samad_desk.widgets import DigitsInput, NationalIdInput, PhoneInput, RTLInput, RTLTextArea
from samad_desk.widgets.chrome import RLine
from samad_desk.widgets.form import (
    FOLLOWUP_TITLE,
    CandidateList,
    ChoiceField,
    FieldRow,
    TrackingPanel,
)


@dataclass(frozen=True)
class CitizenLine:
    """What the citizen line says for a chosen citizen and a typed ID (read in a thread)."""

    citizen_id: str | None  # chosen when it was asked
    typed: str  # the national ID typed when it was asked
    keep: str | None  # the citizen still chosen (None: the typed ID is no longer theirs)
    text: str


@dataclass(frozen=True)
class CallCheck:
    """What F2's checks found: errors at fields, a question, open cases on the matter, or
    nothing to ask (then the call was saved)."""

    errors: dict[str, str] = dataclass_field(default_factory=dict)
    confirmation: Confirmation | None = None
    open_cases: list[dict[str, Any]] = dataclass_field(default_factory=list)
    saved: SaveResult | None = None


def _registered_text(what: str, citizen: dict[str, Any], tail: str = "") -> str:
    name = f"{citizen.get('first_name') or ''} {citizen.get('last_name') or ''}".strip()
    return f"{what}: {name}{tail}" if name or tail else what


TEXT_FIELDS = ("national_id", "first_name", "last_name", "father_name", "birth_date", "mobile")
CHOICE_FIELDS = ("city", "case_type", "subject", "agency", "urgency")
CITIZEN_FIELDS = ("first_name", "last_name", "father_name", "birth_date", "mobile", "city")


class CallEntryScreen(CallDrafts, CoversForm, DeskScreen, area="call"):
    DEFAULT_CSS = """
    CallEntryScreen { layers: base overlay; overflow: hidden hidden; }
    #call-body { height: 1fr; }
    #call-form { width: 1fr; height: 1fr; }
    #call-side { width: 35%; min-width: 22; max-width: 48; height: 1fr; }
    #call-top { height: 1; }
    #in-description { height: 3; }
    """

    #: the call timer's wall clock in seconds (snapshot tests stop it)
    clock = staticmethod(time.time)

    def __init__(self, services: Any, **kwargs: Any) -> None:
        super().__init__(services, **kwargs)
        self.drafts = DraftStore(services.settings.operator_dir) if services.settings else None
        self.citizen_id: str | None = None
        self.no_national_id = False
        self.started_at = self.clock()
        self.saving = False
        self._loading = False
        self._draft_timer: Timer | None = None
        self._lookup_timer: Timer | None = None
        #: the query the candidate list shows the answer to
        self._shown_query: dict[str, str] | None = None
        self.last_result: SaveResult | None = None
        # the form is moved off screen while the tracking code covers all of it
        self._covered = False
        #: the choices of the city and agency fields, read in a worker thread
        self.reference: dict[str, list[Choice]] = {"city": [], "agency": []}
        #: the citizen line's read in a worker thread (F2 waits for it)
        self._citizen_worker: Worker[CitizenLine] | None = None

    # ------------------------------------------------------------------ layout
    def compose_body(self) -> ComposeResult:
        s = self.services
        with Horizontal(id="call-body"):
            with Vertical(id="call-side"):
                yield RLine("شهروندان مشابه (F4)", id="cand-title")
                yield CandidateList(id="candidates")
            with VerticalScroll(id="call-form"):
                with Horizontal(id="call-top"):
                    yield RLine("", id="call-timer")
                    yield RLine("", id="citizen-state")
                yield FieldRow("national_id", FIELD_LABELS["national_id"], NationalIdInput(label="", id="in-national_id"))
                yield FieldRow("first_name", FIELD_LABELS["first_name"], RTLInput(id="in-first_name"))
                yield FieldRow("last_name", FIELD_LABELS["last_name"], RTLInput(id="in-last_name"))
                yield FieldRow("father_name", FIELD_LABELS["father_name"], RTLInput(id="in-father_name"))
                yield FieldRow(
                    "birth_date",
                    FIELD_LABELS["birth_date"],
                    # an example, not a value; no tanween («مثلاً»): a combining mark is a
                    # character of its own in a terminal's row, and rows must fit 80
                    DigitsInput(id="in-birth_date", placeholder="مثلا ۱۳۶۵/۰۴/۱۲"),
                )
                yield FieldRow("mobile", FIELD_LABELS["mobile"], PhoneInput(label="", id="in-mobile"))
                yield ChoiceField("city", FIELD_LABELS["city"], lambda: self.reference["city"])
                yield ChoiceField("case_type", FIELD_LABELS["case_type"], case_type_choices)
                yield ChoiceField("subject", FIELD_LABELS["subject"], s.subjects)
                yield ChoiceField("agency", FIELD_LABELS["agency"], lambda: self.reference["agency"])
                yield ChoiceField("urgency", FIELD_LABELS["urgency"], urgency_choices)
                description = RTLTextArea(id="in-description", limit_label=FIELD_LABELS["description"])
                yield FieldRow("description", FIELD_LABELS["description"], description)
        yield TrackingPanel(id="tracking")

    async def on_mount(self) -> None:
        # the lists the store holds, read once in a worker thread (again after a sync); the
        # keys typed meanwhile wait for them (key_order.py)
        await self.read_then_show(self._read_reference, self._show_reference, group="call-reference")
        self.field("urgency").select_key("normal")
        self.set_interval(1.0, self._tick)
        self._tick()
        self.input("national_id").focus()
        self._offer_draft()

    def refresh_data(self) -> None:
        self.read_later(self._read_reference, self._show_reference, group="call-reference")

    def _read_reference(self) -> dict[str, list[Choice]]:
        """Worker thread: the cities and agencies (the store has them: a sync may add one)."""
        return {"city": self.services.cities(), "agency": self.services.agencies()}

    def _show_reference(self, lists: dict[str, list[Choice]]) -> None:
        self.reference = lists

    # ------------------------------------------------------------------ access
    def field(self, name: str) -> Any:
        return self.query_one(f"#row-{name}")

    def input(self, name: str) -> Any:
        return self.field(name).input

    def form(self) -> CallForm:
        values: dict[str, Any] = {}
        for name in TEXT_FIELDS:
            values[name] = str(self.input(name).value)
        for name in CHOICE_FIELDS:
            values[name] = self.field(name).value
        values["description"] = self.input("description").value
        return CallForm(
            citizen_id=self.citizen_id, no_national_id=self.no_national_id, **values
        )

    def load_form(self, form: CallForm) -> None:
        self._loading = True
        try:
            for name in TEXT_FIELDS:
                self.input(name).value = getattr(form, name)
            for name in CHOICE_FIELDS:
                self.field(name).select_key(getattr(form, name) or None)
            self.input("description").value = form.description
            self.citizen_id = form.citizen_id
            self.no_national_id = form.no_national_id
        finally:
            self._loading = False
        self._show_citizen_state()

    def clear_errors(self) -> None:
        for row in self.query(FieldRow):
            row.set_error(None)

    # ------------------------------------------------------------------ timer, state
    def on_screen_resume(self) -> None:
        """Back from another area (F6 lookup, F7 follow-up…): with nothing typed, no call
        was in progress here, so the timer starts again; a call being taken keeps its time."""
        if not self.tracking.shown and self.form().is_blank():
            self.started_at = self.clock()
        self._tick()  # shown at once, not at the next second's tick

    def _tick(self) -> None:
        elapsed = int(self.clock() - self.started_at)
        text = f"زمان تماس {fa(f'{elapsed // 60:02d}:{elapsed % 60:02d}')}"
        self.query_one("#call-timer").update(text)

    def _show_citizen_state(self, *, recheck: bool = False) -> None:
        """The line above the form: who the call is for. Read in a worker thread (the store
        is never read here); with ``recheck`` a chosen citizen whose ID the typed one no
        longer is is let go first. F2 waits for the answer (:meth:`_citizen_state_settled`)."""
        if self.no_national_id:
            self._citizen_worker = None
            self.query_one("#citizen-state").update("بدون کد ملی (نشان‌دار)")
            return
        self._citizen_worker = self._read_citizen_state(
            self.citizen_id, str(self.input("national_id").value), recheck
        )

    @work(thread=True, exclusive=True, group="citizen-state", exit_on_error=False)
    def _read_citizen_state(self, citizen_id: str | None, typed: str, recheck: bool) -> CitizenLine:
        """Worker thread: the citizen line for this chosen citizen and typed ID."""
        if citizen_id:
            citizen = self.services.citizen(citizen_id)
            still = citizen is not None and (citizen.get("national_id") or "") == to_ascii_digits(typed).strip()
            if still or not recheck:
                return CitizenLine(citizen_id, typed, citizen_id, _registered_text("شهروند ثبت‌شده", citizen or {}))
        known = self.services.registered_citizen(typed)
        if known is not None:  # typed, not yet chosen: say whose it is
            return CitizenLine(citizen_id, typed, None, _registered_text("کد ملی ثبت‌شده", known, " (Enter)"))
        return CitizenLine(citizen_id, typed, None, "شهروند تازه")

    def _show_citizen_line(self, line: CitizenLine) -> None:
        """The worker's answer, if it is still the answer for what is chosen and typed."""
        if line.citizen_id != self.citizen_id or line.typed != str(self.input("national_id").value):
            return  # (a newer read is under way)
        if self.no_national_id:
            return
        self.citizen_id = line.keep
        self.query_one("#citizen-state").update(line.text)

    async def _citizen_state_settled(self) -> None:
        """Wait for the citizen line being read (F2 must know who the call is for)."""
        worker = self._citizen_worker
        if worker is None:
            return
        try:
            self._show_citizen_line(await worker.wait())
        except (WorkerCancelled, WorkerFailed):
            pass

    # ------------------------------------------------------------------ typing
    @on(RTLInput.Changed)
    def _input_changed(self, event: Any) -> None:
        name = (event.control.id or "").removeprefix("in-")
        if name == "description":
            self.field("description").set_error(None)
        if name in TEXT_FIELDS:
            self.field(name).set_error(None)
            if name == "national_id" and not self._loading:
                self._check_chosen_still_matches()
            if name in ("national_id", "mobile", "first_name", "last_name", "father_name"):
                self._schedule_lookup()
        self._changed()

    @on(ChoiceField.Chosen)
    def _chosen(self, event: ChoiceField.Chosen) -> None:
        event.field.set_error(None)
        if event.field.field_name == "subject" and event.choice is not None:
            agency = self.services.suggested_agency(event.choice.key)
            agency_field = self.field("agency")
            if agency and not agency_field.selected:
                agency_field.select_key(agency)
        self._changed()

    @on(RTLInput.Submitted)
    async def _submitted(self, event: Any) -> None:
        """Enter moves to the next field, like Tab (a ChoiceField took its match first).
        On an exact, valid national ID of a registered citizen it loads that citizen (read
        in a worker thread; the keys after Enter wait for it, key_order.py)."""
        event.stop()
        if event.control is self.input("national_id") and await self._load_registered():
            return
        self.focus_next()

    async def _load_registered(self) -> bool:
        """The typed ID is a registered citizen's and no citizen is chosen: choose it
        (not over names already typed that differ: those are kept, and F2 asks)."""
        await self._citizen_state_settled()
        if self.citizen_id or self.no_national_id:
            return False
        typed = str(self.input("national_id").value)
        worker = self.run_worker(partial(self.services.registered_citizen, typed), thread=True,
                                 group="registered", exit_on_error=False)
        try:
            citizen = await worker.wait()
        except (WorkerCancelled, WorkerFailed):
            return False
        if citizen is None or typed != str(self.input("national_id").value):
            return False
        for name in ("first_name", "last_name"):
            typed = str(self.input(name).value).strip()
            if typed and name_key(typed) != name_key(citizen.get(name) or ""):
                return False
        self.choose_citizen(citizen)
        return True

    def _check_chosen_still_matches(self) -> None:
        """The ID changed: a chosen citizen whose ID it no longer is is let go; the state
        line says whose ID it is now (both read in a worker thread)."""
        self._show_citizen_state(recheck=True)

    # ------------------------------------------------------------------ candidates
    def _schedule_lookup(self) -> None:
        if self._loading:
            return
        if self._lookup_timer is not None:
            self._lookup_timer.stop()
        self._lookup_timer = self.set_timer(0.15, self._lookup_now)

    def _query(self) -> dict[str, str]:
        """What the candidate lookup searches for: the form as it is now."""
        return {
            name: str(self.input(name).value)
            for name in ("national_id", "mobile", "first_name", "last_name", "father_name", "birth_date")
        }

    def _lookup_now(self) -> None:
        self._lookup_timer = None
        self._lookup(self._query())

    @work(thread=True, exclusive=True, group="lookup", exit_on_error=False)
    def _lookup(self, query: dict[str, str]) -> tuple[dict[str, str], list[Candidate]]:
        return query, self.services.lookup(query)

    def _show_candidates(self, query: dict[str, str], found: list[Candidate]) -> None:
        self._shown_query = query
        self.query_one(CandidateList).show(found)

    @on(Worker.StateChanged)
    def _worker_done(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "lookup" and event.state == WorkerState.SUCCESS and worker.result:
            query, found = worker.result
            if query == self._query():  # (an answer for what is no longer typed: dropped)
                self._show_candidates(query, found)
        elif worker.group == "citizen-state" and event.state == WorkerState.SUCCESS and worker.result:
            self._show_citizen_line(worker.result)
        elif worker.group == "save" and event.state in (WorkerState.SUCCESS, WorkerState.ERROR):
            self.saving = False
            if event.state == WorkerState.SUCCESS:
                self._saved(worker.result)
            else:
                self._save_failed(worker.error)
        elif worker.group == "followup" and event.state in (WorkerState.SUCCESS, WorkerState.ERROR):
            self.saving = False
            if event.state == WorkerState.SUCCESS:
                op, code = worker.result
                self.post_message(FollowupRecorded(op["entity_id"], False))
                self._after_followup(code)
            else:
                self._save_failed(worker.error)

    async def action_candidates(self) -> None:
        """F4: the candidates for what is typed *now*. A lookup still waiting or running
        (the list lags the last keystroke) is done first, so F4 right after the last digit
        finds the citizen; the keys after F4 wait for it (key_order.py)."""
        query = self._query()
        if query != self._shown_query:
            if self._lookup_timer is not None:
                self._lookup_timer.stop()
                self._lookup_timer = None
            found = await asyncio.to_thread(self.services.lookup, query)
            self._show_candidates(query, found)
        candidates = self.query_one(CandidateList)
        if candidates.option_count:
            candidates.focus()
        else:
            self.notify("نامزدی پیدا نشد؛ شهروند تازه ثبت می‌شود.", title="نامزدها", markup=False)

    @on(CandidateList.Chosen)
    def _candidate_chosen(self, event: CandidateList.Chosen) -> None:
        self.choose_citizen(event.candidate.citizen)

    def choose_citizen(self, citizen: dict[str, Any]) -> None:
        self._loading = True
        try:
            self.input("national_id").value = citizen.get("national_id") or ""
            for name in ("first_name", "last_name", "father_name"):
                self.input(name).value = citizen.get(name) or ""
            birth = citizen.get("birth_date")
            if birth:
                from datetime import date

                try:
                    self.input("birth_date").value = format_jalali(date.fromisoformat(birth[:10]))
                except ValueError:
                    self.input("birth_date").value = str(birth)
            else:
                self.input("birth_date").value = ""
            self.input("mobile").value = citizen.get("mobile") or ""
            city = self.field("city")
            city.select_key(citizen.get("city")) if citizen.get("city") else None
        finally:
            self._loading = False
        # a registry record is not a citizen of ours yet: the call creates one
        self.citizen_id = str(citizen["id"]) if citizen.get("id") else None
        self.no_national_id = bool(citizen.get("no_national_id"))
        for name in ("national_id", *CITIZEN_FIELDS):
            self.field(name).set_error(None)
        self._show_citizen_state()
        self._changed()
        # the first thing still missing (a registry record has no mobile or city), else the case
        for name in ("first_name", "last_name", "mobile"):
            if not str(self.input(name).value).strip():
                self.input(name).focus()
                return
        if not self.field("city").selected:
            self.input("city").focus()
            return
        self.input("case_type").focus()

    def action_escape(self) -> None:
        if isinstance(self.focused, CandidateList):
            self.input("national_id").focus()

    def action_toggle_no_nid(self) -> None:
        self.no_national_id = not self.no_national_id
        if self.no_national_id:
            self.input("national_id").value = ""
            self.field("national_id").set_error(None)
            self.notify(
                "تماس بدون کد ملی ثبت و نشان‌دار می‌شود؛ پیگیری بعدی با کد رهگیری است.",
                title="بدون کد ملی",
                markup=False,
            )
        self._show_citizen_state()
        self._changed()

    def action_profile(self) -> None:
        if self.citizen_id:
            self.post_message(OpenCitizen(self.citizen_id))
        else:
            self.notify("هنوز شهروندی انتخاب نشده است.", title="پروفایل", markup=False)

    # ------------------------------------------------------------------ save
    async def action_save(self) -> None:
        if self.tracking.shown:
            return  # the code of the call just saved is on screen: Enter starts the next
        if self.saving:
            self.notify("ذخیره قبلی هنوز در جریان است.", title="ذخیره", markup=False)
            return
        for name in CHOICE_FIELDS:
            self.field(name).resolve_typed()
        await self._citizen_state_settled()
        await self._check_and_save(self.form())

    async def _check_and_save(self, form: CallForm) -> None:
        """F2's checks, read in a worker thread; awaited, so the keys after F2 wait for
        them (key_order.py) and meet the question or the code they lead to."""
        self.saving = True  # (a second F2 meanwhile is told the first is in hand)
        try:
            verdict = await self._check(form).wait()
        except WorkerFailed as failed:
            self.saving = False
            self._save_failed(failed.error)
            return
        except WorkerCancelled:
            self.saving = False
            return
        self.saving = False
        if verdict.saved is not None:
            self._saved(verdict.saved)
            return
        if verdict.errors:
            self.show_errors(verdict.errors)
            return
        if verdict.confirmation is not None:
            self._ask(verdict.confirmation, form)
            return
        open_cases = verdict.open_cases
        if open_cases:  # (with none, the check saved the call)
            subject = self.field("subject").selected
            label = subject.label if subject else form.subject

            def decided(choice: str | None) -> None:
                if choice == "followup":
                    self._start_followup(open_cases[0], form)
                elif choice == "new":
                    self._start_save(form)

            self.app.push_screen(FollowupOfferModal(open_cases, label), decided)

    @work(thread=True, group="check", exit_on_error=False)
    def _check(self, form: CallForm) -> CallCheck:
        """Worker thread: what F2 finds before saving (each a read of the store); with
        nothing to ask, the save itself, in the same thread (no second hop for it)."""
        try:
            clean = self.services.validate_call(form)
        except FormInvalid as exc:
            return CallCheck(errors=exc.errors)
        confirmation = self.services.confirmation_needed(form, clean)
        if confirmation is not None:
            return CallCheck(confirmation=confirmation)
        open_cases = self.services.open_cases_on_matter(form)
        if open_cases:
            return CallCheck(open_cases=open_cases)
        return CallCheck(saved=self.services.save_call(form))

    def _ask(self, confirmation: Confirmation, form: CallForm) -> None:
        """A registered citizen's identity would change, or a look-alike is registered:
        the agent decides (F2) before anything is saved; Esc goes back to the form."""

        def decided(yes: bool | None) -> None:
            if yes:
                flag = "identity_confirmed" if confirmation.kind == "identity" else "distinct_confirmed"
                self.call_later(self._check_and_save, replace(form, **{flag: True}))
            elif confirmation.kind == "distinct":
                self.call_later(self.action_candidates)  # the look-alike, to choose with Enter

        self.app.push_screen(CitizenDecisionModal(confirmation), decided)

    def show_errors(self, errors: dict[str, str]) -> None:
        self.clear_errors()
        for name, message in errors.items():
            try:
                self.field(name).set_error(message)
            except Exception:
                continue
        first = next(iter(errors))
        try:
            target = self.input(first)
            target.focus()
            self.field(first).scroll_visible()
        except Exception:
            pass
        count = fa(len(errors))
        self.notify(
            f"{count} خانه نیاز به اصلاح دارد: {errors[first]}",
            title="فرم کامل نیست",
            severity="warning",
            markup=False,
        )

    def _start_save(self, form: CallForm) -> None:
        self.saving = True
        self._save(form)

    @work(thread=True, group="save", exit_on_error=False)
    def _save(self, form: CallForm) -> SaveResult:
        return self.services.save_call(form)

    def _start_followup(self, case: dict[str, Any], form: CallForm) -> None:
        """Record the call as a follow-up of ``case`` (one the services offered: its
        tracking code is read out afterwards, with no second read of the store)."""
        self.saving = True
        self._followup(str(case["id"]), str(case.get("tracking_code") or ""), form)

    @work(thread=True, group="followup", exit_on_error=False)
    def _followup(self, case_id: str, code: str, form: CallForm) -> tuple[dict[str, Any], str]:
        return self.services.record_followup_from_form(case_id, form), code

    def _saved(self, result: SaveResult) -> None:
        self.last_result = result
        self._drop_draft()
        self.post_message(CaseSaved(result.case_id, result.tracking_code, result.citizen_id, len(result.ops)))
        self.show_tracking(result.tracking_code)

    def _after_followup(self, code: str) -> None:
        self._drop_draft()
        self.show_tracking(code, note="همین کد رهگیری را برای شهروند بخوانید.", title=FOLLOWUP_TITLE)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_call":
            return self.tracking.shown  # otherwise Enter/Esc go to the fields as usual
        return True

    def action_next_call(self) -> None:
        self._uncover_form()  # in the same frame as the panel goes: no blank frame between
        self.tracking.action_close()

    @property
    def tracking(self) -> TrackingPanel:
        return self.query_one(TrackingPanel)

    def show_tracking(self, code: str, *, note: str = "", title: str = "") -> None:
        self._cover_form()
        self.tracking.show_code(code, note=note, title=title)

    @on(TrackingPanel.Closed)
    def _tracking_closed(self) -> None:
        self._uncover_form()
        self.reset()

    # ------------------------------------------------------------------ the panel's frame
    def on_resize(self) -> None:
        # a new terminal size: the panel may no longer cover the whole form (it covers it
        # again from the next code on, if it does)
        self._uncover_form()

    def _save_failed(self, error: BaseException | None) -> None:
        if isinstance(error, FormInvalid):
            self.show_errors(error.errors)
        elif isinstance(error, ServiceError):
            self.notify(str(error), title="ذخیره نشد", severity="error", markup=False)
        else:
            self.notify(
                f"ذخیره نشد؛ فرم دست نخورده است. ({type(error).__name__}: {error})",
                title="خطا",
                severity="error",
                markup=False,
            )

    # ------------------------------------------------------------------ new call
    def action_new_call(self) -> None:
        if self.tracking.shown:
            self.action_next_call()
            return
        if self.form().is_blank() or self.form() == CallForm():
            self.reset()
            return
        from samad_desk.screens.modals import ConfirmModal

        self.app.push_screen(
            ConfirmModal("فرم کنونی پاک شود و تماس تازه آغاز شود؟"),
            lambda ok: self.reset() if ok else None,
        )

    def reset(self) -> None:
        self.load_form(CallForm())
        self.field("urgency").select_key("normal")
        self.clear_errors()
        self.citizen_id = None
        self.no_national_id = False
        self._show_citizen_state()
        self._show_candidates(self._query(), [])
        self.started_at = self.clock()
        self._tick()
        if self.drafts is not None:
            self.drafts.clear()
        self.input("national_id").focus()
