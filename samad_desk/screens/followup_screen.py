"""Follow-up calls: "what happened to my case?"

The agent types the tracking code (its check digit is verified as they type) or the
national ID. The case shows with its current state, agency, deadline in Jalali working
days, the answer if any and its whole history in order. The agent records the call with a
note and whether the citizen is satisfied with the answer; an objection reopens it.

A case this desk does not hold (another office's, or a cache that is behind) is asked of
the central server when the desk is online (``DeskServices.find_cases``); offline, or when
the server does not answer, the reason shows at the field and what was typed stays.
"""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList
from textual.worker import Worker, WorkerState

from samad_desk.messages import FollowupRecorded, OpenCitizen
from samad_desk.screens.base import DeskScreen
from samad_desk.services import (
    CaseView,
    Choice,
    FormInvalid,
    ServiceError,
    subject_text,
    tracking_label,
)
from samad_desk.text.digits import fa, to_ascii_digits
from samad_desk.text.jalali import jalali_day
from samad_desk.widgets import DigitsInput, RTLInput, RTLStatic, RTLTextArea
from samad_desk.widgets.form import ChoiceField, FieldRow
from samad_desk.widgets.rtl_options import RtlOptionList

SATISFACTION = [
    Choice("none", "نامشخص (پاسخی نیامده یا نپرسیدیم)"),
    Choice("yes", "راضی است"),
    Choice("no", "ناراضی است (اعتراض: بازگشایی)"),
]

EVENT_LABELS = {
    "register": "ثبت",
    "refer": "ارجاع",
    "accept": "پذیرش",
    "assign": "واگذاری",
    "answer": "پاسخ",
    "return": "عودت",
    "extend": "تمدید مهلت",
    "close": "مختومه",
    "reopen": "بازگشایی",
    "note": "یادداشت",
    "followup": "پیگیری",
    "escalate": "ارجاع به ناظر",
}


def followup_label(data: dict[str, Any]) -> str:
    """A follow-up call, marked with what the citizen said of the answer: an objection
    (dissatisfied with an answered case, which reopened it) must stand out in the history."""
    if data.get("objection"):
        return "اعتراض شهروند به پاسخ (بازگشایی)"
    if data.get("satisfied") is True:
        return "پیگیری (شهروند راضی)"
    if data.get("satisfied") is False:
        return "پیگیری (شهروند ناراضی)"
    return EVENT_LABELS["followup"]


def event_line(e: dict[str, Any]) -> str:
    kind = EVENT_LABELS.get(str(e.get("kind")), str(e.get("kind")))
    actor = (e.get("actor") or {}).get("name") or ""
    data = e.get("data") or {}
    if e.get("kind") == "followup":
        kind = followup_label(data)
    detail = (
        data.get("text") or data.get("note") or data.get("reason") or data.get("agency_name") or ""
    )
    line = f"{jalali_day(e.get('at'))} {kind}"
    if actor:
        line += f" ({actor})"
    if detail:
        line += f": {detail}"
    if e.get("concurrent"):
        line += " [هم‌زمان]"
    return line


class FollowupScreen(DeskScreen, area="followup"):
    DEFAULT_CSS = """
    #fu-body { height: 1fr; }
    #fu-results { height: auto; max-height: 5; display: none; }
    #fu-results.-shown { display: block; }
    #fu-case { height: auto; }
    #fu-history { height: auto; }
    #in-note { height: 2; }
    """

    def __init__(self, services: Any, **kwargs: Any) -> None:
        super().__init__(services, **kwargs)
        self.view: CaseView | None = None
        self.cases: list[dict[str, Any]] = []

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="fu-body"):
            yield FieldRow("query", "کد رهگیری/ملی", DigitsInput(id="in-query"))
            results = RtlOptionList(id="fu-results")
            yield results
            with Vertical(id="fu-case"):
                yield RTLStatic("", id="fu-summary")
            yield RTLStatic("", id="fu-history-title", classes="help-area")
            yield Vertical(id="fu-history")
            yield FieldRow("note", "یادداشت پیگیری", RTLTextArea(id="in-note"))
            yield ChoiceField("satisfied", "رضایت", lambda: SATISFACTION)

    def on_mount(self) -> None:
        self.query_one("#row-satisfied", ChoiceField).select_key("none")
        self.query_one("#in-query").focus()

    # -- typing the code: check digit verified as typed
    @on(RTLInput.Changed, "#in-query")
    def _query_typed(self, event: Any) -> None:
        row = self.query_one("#row-query", FieldRow)
        digits = "".join(ch for ch in to_ascii_digits(event.value) if ch.isdigit())
        if len(digits) == 12:
            from samad_desk.domain.tracking import parse_tracking_code

            parsed = parse_tracking_code(event.value)
            row.set_error(None if parsed.ok else parsed.error)
        elif len(digits) > 12:
            row.set_error("کد رهگیری ۱۲ رقم است")
        else:
            row.set_error(None)

    @on(RTLInput.Submitted, "#in-query")
    def _search(self, event: Any) -> None:
        event.stop()
        self._find(event.value)

    @work(thread=True, exclusive=True, group="find", exit_on_error=False)
    def _find(self, text: str) -> list[dict[str, Any]]:
        return self.services.find_cases(text, asking=lambda: self.app.call_from_thread(self._asking))

    def _asking(self) -> None:
        """The case is not on this desk: say so while the server is asked (up to seconds)."""
        self._clear_case()
        self.query_one("#fu-summary").update("در حافظهٔ این میز نیست؛ در حال پرسیدن از سرور مرکزی…")

    @work(thread=True, exclusive=True, group="view", exit_on_error=False)
    def _load(self, case_id: str) -> CaseView:
        return self.services.case_view(case_id)

    @work(thread=True, group="record", exit_on_error=False)
    def _record(self, case_id: str, note: str, satisfied: bool | None) -> dict[str, Any]:
        return self.services.record_followup(case_id, note, satisfied)

    @on(Worker.StateChanged)
    def _worker(self, event: Worker.StateChanged) -> None:
        w = event.worker
        if event.state == WorkerState.ERROR:
            error = w.error
            if isinstance(error, FormInvalid):
                for name, message in error.errors.items():
                    try:
                        row = self.query_one(f"#row-{name}", FieldRow)
                    except Exception:
                        row = self.query_one("#row-note", FieldRow)
                    row.set_error(message)
                    row.input.focus()
            elif w.group in ("find", "view") and isinstance(error, ServiceError):
                # nothing found (or no longer visible): no case stays on screen that F2
                # could record upon by mistake; what was typed stays in the field
                self._clear_case()
                self.query_one("#row-query", FieldRow).set_error(str(error))
                self.query_one("#in-query").focus()
            else:
                self.notify(str(error), title="پیگیری", severity="error", markup=False)
            return
        if event.state != WorkerState.SUCCESS:
            return
        if w.group == "find":
            self._found(w.result or [])
        elif w.group == "view":
            self._show(w.result)
        elif w.group == "record":
            op = w.result
            satisfied = (op.get("payload") or {}).get("satisfied")
            self.post_message(FollowupRecorded(op["entity_id"], satisfied is False))
            self.notify("پیگیری ثبت شد.", title="پیگیری", markup=False)
            self.query_one("#in-note").value = ""
            self.query_one("#row-satisfied", ChoiceField).select_key("none")
            self._load(op["entity_id"])

    def _found(self, cases: list[dict[str, Any]]) -> None:
        self._clear_case()  # a new search: nothing of the previous case stays to record upon
        self.cases = cases
        results = self.query_one("#fu-results", RtlOptionList)
        if len(cases) == 1:
            results.set_rows([])
            results.remove_class("-shown")
            self._load(cases[0]["id"])
            return
        rows = []
        for case in cases:
            code = tracking_label(str(case.get("tracking_code", "")))
            label = f"{code} — {subject_text(self.services, case)} — {jalali_day(case.get('registered_at'))}"
            rows.append((label, str(case["id"])))
        # shown only now: laid out again once the list has its size
        results.add_class("-shown")
        results.set_rows(rows)
        results.focus()

    @on(OptionList.OptionSelected, "#fu-results")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self._load(event.option.id)

    def show_case(self, case_id: str) -> None:
        self._load(case_id)

    def _show(self, view: CaseView) -> None:
        # a refresh of the same case (after each sync round, or a remote case re-read from
        # the server) must not pull the focus away from the field the agent is in
        same_case = self.view is not None and self.view.case.get("id") == view.case.get("id")
        self.view = view
        self.query_one("#fu-results").remove_class("-shown")
        case = view.case
        citizen = view.citizen or {}
        lines = [
            f"کد رهگیری {tracking_label(str(case.get('tracking_code', '')))}"
            f" — وضعیت: {view.state_label}",
            f"شهروند: {citizen.get('first_name', '')} {citizen.get('last_name', '')}"
            f" — موضوع: {subject_text(self.services, case)}",
            f"دستگاه: {(view.agency or {}).get('name') or case.get('agency_id') or 'هنوز ارجاع نشده'}",
        ]
        if case.get("description"):
            lines.append(f"شرح پیام: {case['description']}")
        if view.due_jalali:
            if view.remaining_days is None:
                deadline = f"مهلت پاسخ: {view.due_jalali}"
            elif view.remaining_days < 0:
                deadline = (
                    f"مهلت پاسخ: {view.due_jalali} — {fa(-view.remaining_days)}"
                    " روز کاری گذشته (دیرکرد)"
                )
            else:
                deadline = (
                    f"مهلت پاسخ: {view.due_jalali} — {fa(view.remaining_days)}"
                    " روز کاری مانده"
                )
            lines.append(deadline)
        if case.get("answer"):
            lines.append(f"پاسخ دستگاه: {case['answer']}")
        if view.stale:
            lines.append("سرور مرکزی در دسترس نیست: آنچه آخرین بار از سرور خوانده شد")
        self.query_one("#fu-summary").update("\n".join(lines))
        title = f"تاریخچه ({fa(len(view.events))} رویداد)"
        if view.remote and not any(e.get("kind") == "register" for e in view.events):
            # the server's lookup does not carry the history of another office's case
            title = f"تاریخچه ({fa(len(view.events))} رویداد؛ از سرور مرکزی: تاریخچهٔ کامل در این میز نیست)"
        self.query_one("#fu-history-title").update(title)
        history = self.query_one("#fu-history", Vertical)
        history.remove_children()
        history.mount_all([RTLStatic(event_line(e), classes="history-row") for e in view.events])
        if not same_case:
            self.query_one("#in-note").focus()

    @property
    def summary_text(self) -> str:
        return self.query_one("#fu-summary").text

    @property
    def history_texts(self) -> list[str]:
        return [w.text for w in self.query(".history-row")]

    def action_record(self) -> None:
        if self.view is None:
            self.query_one("#row-query", FieldRow).set_error("نخست پرونده را پیدا کنید (Enter)")
            self.query_one("#in-query").focus()
            return
        for row in self.query(FieldRow):
            row.set_error(None)
        satisfied_field = self.query_one("#row-satisfied", ChoiceField)
        satisfied_field.resolve_typed()
        satisfied = {"yes": True, "no": False}.get(satisfied_field.value)
        note = self.query_one("#in-note").value
        self._record(str(self.view.case["id"]), note, satisfied)

    def action_new_query(self) -> None:
        query = self.query_one("#in-query")
        query.value = ""
        self._clear_case()
        query.focus()

    def _clear_case(self) -> None:
        self.view = None
        self.query_one("#fu-results").remove_class("-shown")
        self.query_one("#fu-summary").update("")
        self.query_one("#fu-history-title").update("")
        self.query_one("#fu-history").remove_children()

    def action_profile(self) -> None:
        if self.view and self.view.citizen:
            self.post_message(OpenCitizen(str(self.view.citizen["id"])))

    def refresh_data(self) -> None:
        if self.view is not None:
            self._load(str(self.view.case["id"]))
