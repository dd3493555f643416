"""One case for the agency (or the supervisor): its whole history in order, the citizen's
other cases, and the actions the role allows.

Every action key is live for every role: an action the workflow refuses (wrong role,
wrong state, another agency's case) answers with the workflow's Persian reason instead
of silently doing nothing. An allowed action opens its form (modals.ActionForm),
the form is checked with the same rules, and the op is saved in a worker.
"""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from samad_desk.domain.models import CaseState, CaseType, EventKind, Role
from samad_desk.domain.tracking import format_tracking_code
from samad_desk.domain.workflow import action_label
from samad_desk.keys import keys
from samad_desk.reports.cartable import jalali_text
from samad_desk.screens.modals import ActionForm, FormField
from samad_desk.services import error_text
from samad_desk.services.case_actions import CaseActions, CaseDetail
from samad_desk.text import rtl
from samad_desk.text.digits import fa, to_persian_digits
from samad_desk.widgets import RTLStatic
from samad_desk.widgets.chrome import BottomBars, DeskHeader, key_label

#: action -> (binding key, Persian label on the key bar)
ACTION_KEYS: dict[str, str] = {
    "accept": "f2",
    "answer": "f3",
    "extend": "f4",
    "note": "f11",
    "assign": "shift+f2",
    "return": "shift+f3",
    "refer": "shift+f4",
    "escalate": "shift+f6",
    "close": "shift+f7",
    "reopen": "shift+f8",
}
#: what the toast says once an action is saved («ثبت پاسخ ثبت شد» read badly)
DONE_TEXT: dict[str, str] = {
    "accept": "پرونده پذیرفته شد",
    "answer": "پاسخ ثبت شد",
    "assign": "پرونده واگذار شد",
    "return": "پرونده عودت داده شد",
    "extend": "مهلت تمدید شد",
    "close": "پرونده مختومه شد",
    "reopen": "پرونده بازگشایی شد",
    "note": "یادداشت ثبت شد",
    "refer": "پرونده ارجاع شد",
    "escalate": "پرونده به ناظر ارجاع شد",
}


def saved_text(action: str) -> str:
    done = DONE_TEXT.get(action) or f"{action_label(action)} انجام شد"
    return f"{done} و در صف همگام‌سازی است."


#: what the agency calls "refer on to another agency": the 111 unit refers, so the agency
#: returns the case naming the right agency (domain.md, workflow.py)
AGENCY_REFER_NOTE = (
    "ارجاع به دستگاه دیگر با واحد ۱۱۱ است: پرونده با نام دستگاه پیشنهادی به واحد ۱۱۱ عودت"
    " می‌شود تا همان‌جا دوباره ارجاع شود."
)


def code_text(case: dict[str, Any]) -> str:
    """The tracking code for a Persian sentence: grouped, Persian digits, isolated LTR
    (without the isolate the bidi rules turn its groups around: rtl.md §5)."""
    return rtl.ltr(to_persian_digits(format_tracking_code(str(case.get("tracking_code") or ""))))


def _time(iso: Any) -> str:
    text = str(iso or "")
    return fa(text[11:16]) if len(text) >= 16 else ""


def history_line(e: dict[str, Any]) -> str:
    """One event in Persian: when, what, who, and the details that matter."""
    kind = EventKind.parse(e.get("kind"))
    label = kind.label if kind is not None else str(e.get("kind"))
    actor = e.get("actor") or {}
    who = actor.get("name") or ""
    role = Role.parse(actor.get("role"))
    if role is not None and who:
        who = f"{who}، {role.label}"
    data = e.get("data") or {}
    details: list[str] = []
    k = e.get("kind")
    if k == "refer":
        details.append(f"به {data.get('agency_name') or data.get('agency_id') or ''}")
        if data.get("due_date"):
            details.append(f"مهلت {jalali_text(data['due_date'])}")
    elif k == "extend":
        details.append(f"{fa(data.get('days', 0))} روز کاری")
        if data.get("previous_due_date"):
            details.append(f"از {jalali_text(data['previous_due_date'])} تا {jalali_text(data.get('due_date'))}")
    elif k == "return" and data.get("suggested_agency_name"):
        details.append(f"دستگاه پیشنهادی: {data['suggested_agency_name']}")
    elif k == "assign" and data.get("operator_name"):
        details.append(f"به {data['operator_name']}")
    elif k == "followup":
        if data.get("satisfied") is True:
            details.append("شهروند راضی است")
        elif data.get("satisfied") is False:
            details.append("اعتراض شهروند")
    elif k == "answer" and data.get("in_time") is False:
        details.append("پس از مهلت")
    text = data.get("text") or data.get("reason") or data.get("note") or ""
    if k == "refer":
        text = data.get("note") or ""
    line = f"{jalali_text(e.get('at'))} {_time(e.get('at'))} — {label}"
    if who:
        line += f" ({who})"
    if details:
        line += "، " + "، ".join(details)
    if text:
        line += f": {text}"
    if e.get("concurrent"):
        line += " [هم‌زمان]"
    return line


class CaseScreen(Screen[None]):
    """Pushed over the cartable or the supervisor view; Esc goes back."""

    BINDINGS = keys("case")

    DEFAULT_CSS = """
    CaseScreen #case-body { height: 1fr; }
    CaseScreen .case-section { text-style: bold; color: $accent; height: 1; margin-top: 1; }
    CaseScreen #case-cue.-overdue { color: $error; text-style: bold; }
    CaseScreen #case-cue.-today, CaseScreen #case-cue.-soon { color: $warning; text-style: bold; }
    CaseScreen:nocolor #case-cue.-overdue { text-style: bold underline; }
    """

    def __init__(self, services: Any, case_id: str, *, actions: CaseActions | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services
        self.case_id = case_id
        self.actions = actions or services.case_actions()
        self.detail: CaseDetail | None = None
        self.refused: str | None = None
        self.last_message: str = ""

    def compose(self) -> ComposeResult:
        yield DeskHeader("پرونده")
        yield BottomBars()
        with VerticalScroll(id="case-body"):
            yield RTLStatic("", id="case-summary")
            yield RTLStatic("", id="case-cue")
            yield RTLStatic("", id="case-allowed")
            yield RTLStatic("", id="case-history-title", classes="case-section")
            yield RTLStatic("", id="case-history")
            yield RTLStatic("", id="case-others-title", classes="case-section")
            yield RTLStatic("", id="case-others")

    def on_mount(self) -> None:
        self.query_one("#case-body").focus()
        self.reload()

    def refresh_data(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="case-load", exit_on_error=False)
    def _load(self) -> CaseDetail:
        return self.actions.detail(self.case_id)

    @work(thread=True, group="case-save", exit_on_error=False)
    def _save(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        return self.actions.perform(self.case_id, action, payload)

    @on(Worker.StateChanged)
    def _worker(self, event: Worker.StateChanged) -> None:
        w = event.worker
        if w.group == "case-load":
            if event.state == WorkerState.ERROR:
                self.refused = str(w.error)
                self.detail = None  # e.g. returned: no longer this agency's case
                for wid in ("#case-cue", "#case-allowed", "#case-history-title", "#case-history",
                            "#case-others-title", "#case-others"):
                    self.query_one(wid, RTLStatic).update("")
                self.query_one("#case-summary", RTLStatic).update(self.refused)
                self.notify(self.refused, title="پرونده", severity="error", markup=False)
            elif event.state == WorkerState.SUCCESS and w.result is not None:
                self._show(w.result)
        elif w.group == "case-save":
            if event.state == WorkerState.ERROR:
                self._tell(error_text(w.error), severity="error")
            elif event.state == WorkerState.SUCCESS and w.result is not None:
                self._tell(saved_text(str(w.result.get("type", "")).split(".", 1)[-1]))
                self.reload()

    def _tell(self, text: str, *, severity: str = "information") -> None:
        self.last_message = text
        self.notify(text, title="پرونده", severity=severity, markup=False)  # type: ignore[arg-type]

    # -- showing
    def _show(self, d: CaseDetail) -> None:
        self.detail = d
        c = d.case
        citizen = d.citizen or {}
        state = CaseState.parse(c.get("state"))
        ctype = CaseType.parse(c.get("type"))
        code = code_text(c)
        lines = [
            f"پرونده {code} — {state.label if state else c.get('state')}"
            + (" — ارجاع‌شده به ناظر" if c.get("escalated") else ""),
            f"{ctype.label if ctype else c.get('type')}: {self.actions.subject_label(str(c.get('subject') or ''))}"
            f" — شهر: {c.get('city') or '—'}",
            f"شهروند: {citizen.get('first_name', '')} {citizen.get('last_name', '')}"
            + (f" — همراه {fa(citizen['mobile'])}" if citizen.get("mobile") else ""),
            f"دستگاه: {(d.agency or {}).get('name') or 'ارجاع نشده'}"
            + (f" — کارشناس: {self.actions.operator_name(c.get('assigned_to'))}" if c.get("assigned_to") else ""),
            f"شرح: {c.get('description') or ''}",
        ]
        if c.get("answer"):
            lines.append(f"پاسخ ({jalali_text(c.get('answered_at'))}): {c['answer']}")
        self.query_one("#case-summary", RTLStatic).update("\n".join(lines))
        cue = self.query_one("#case-cue", RTLStatic)
        for level in ("overdue", "today", "soon"):
            cue.set_class(d.cue.level == level, f"-{level}")
        if d.due_jalali and d.remaining is not None:
            extra = f" (تمدید: {fa(c.get('extended_days') or 0)} روز)" if c.get("extended_days") else ""
            cue.update(f"مهلت پاسخ: {d.due_jalali} — {self._cue_words(d)}{extra}")
        elif d.due_jalali:
            cue.update(f"مهلت پاسخ: {d.due_jalali}")
        else:
            cue.update("مهلت پاسخ: ندارد")
        allowed = [f"{key_label(ACTION_KEYS[a])} {action_label(a)}"
                   for a in d.allowed if a in ACTION_KEYS]
        self.query_one("#case-allowed", RTLStatic).update(
            "کارهای مجاز: " + ("، ".join(allowed) if allowed else "هیچ (فقط خواندنی)")
        )
        self.query_one("#case-history-title", RTLStatic).update(f"تاریخچه ({fa(len(d.events))} رویداد)")
        self.query_one("#case-history", RTLStatic).update("\n".join(history_line(e) for e in d.events))
        self.query_one("#case-others-title", RTLStatic).update(
            f"پرونده‌های دیگر این شهروند ({fa(len(d.other_cases))})"
        )
        others = []
        for o in d.other_cases:
            st = CaseState.parse(o.get("state"))
            others.append(
                f"{code_text(o)} — "
                f"{self.actions.subject_label(str(o.get('subject') or ''))} — {st.label if st else ''}"
                f" — {jalali_text(o.get('registered_at'))}"
            )
        self.query_one("#case-others", RTLStatic).update("\n".join(others) if others else "ندارد")
        self.refresh_bindings()  # the key bar follows what is allowed now

    def shows_key(self, binding: Any) -> bool:
        """The key bar offers only what this operator may do to this case now (after an
        acceptance, «F2 پذیرش» went on being offered). A key left off still answers with
        the reason it is refused."""
        action = str(binding.action)
        if not action.startswith("act("):
            return True
        if self.detail is None:
            return False
        name = action[len("act("):-1].strip("'\"")
        return ("return" if self._agency_refer(name) else name) in self.detail.allowed

    @staticmethod
    def _cue_words(d: CaseDetail) -> str:
        r = d.remaining
        if r is None:
            return ""
        if r < 0:
            return f"{fa(-r)} روز کاری از مهلت گذشته (معوق)"
        if r == 0:
            return "امروز آخرین روز مهلت است"
        return f"{fa(r)} روز کاری مانده"

    @property
    def text(self) -> str:
        """Everything the screen shows, logical (tests)."""
        return "\n".join(w.text for w in self.query(RTLStatic))

    # -- actions
    def action_back(self) -> None:
        self.dismiss(None)

    def action_act(self, action: str) -> None:
        d = self.detail
        if d is None:
            if self.refused:
                self._tell(self.refused, severity="error")
            return
        reason = self.actions.refusal(d.case, "return" if self._agency_refer(action) else action)
        if reason and self._agency_refer(action):
            reason = self.actions.refusal(d.case, "refer")  # explain with the refer rule
        if reason:
            self._tell(reason, severity="warning")
            return
        if action == "accept":
            self._save("accept", {})
            return
        form = self._form(action, d)
        if form is not None:
            self.app.push_screen(form, lambda payload, a=form.action: self._submitted(a, payload))

    def _agency_refer(self, action: str) -> bool:
        return action == "refer" and self.actions.is_agency

    def _submitted(self, action: str, payload: dict[str, Any] | None) -> None:
        if payload is None:
            return
        self._save(action, payload)

    def _validator(self, action: str):
        return lambda values: self.actions.validate(self.case_id, action, values)

    def _agency_choices(self, *, exclude: str | None, blank: str | None) -> list[tuple[str, str]]:
        out = [("", blank)] if blank else []
        referable = self.detail.referable if self.detail else []
        out += [(str(a["id"]), str(a.get("name") or a["id"])) for a in referable
                if a.get("id") != exclude and a.get("active", True) is not False]
        return out

    def _form(self, action: str, d: CaseDetail) -> ActionForm | None:
        c = d.case
        title = f"{action_label(action)} — پرونده {code_text(c)}"
        v = self._validator
        if action == "answer":
            return ActionForm("answer", title, [FormField("text", "متن پاسخ به شهروند", "text", initial=c.get("answer") or "")],
                              validate=v("answer"))
        if action == "note":
            return ActionForm("note", title, [FormField("text", "متن یادداشت", "text")], validate=v("note"))
        if action == "extend":
            note = (f"مهلت کنونی {d.due_jalali}؛ حداکثر {fa(d.sla[1])} روز کاری، "
                    f"{fa(d.extension_left)} روز دیگر قابل تمدید است.")
            return ActionForm("extend", title, [FormField("days", "چند روز کاری", "days"),
                                                FormField("reason", "دلیل تمدید", "text")],
                              validate=v("extend"), note=note)
        if action == "assign":
            choices = [(str(o["id"]), f"{o.get('name', '')} — {Role.parse(o.get('role')).label if Role.parse(o.get('role')) else ''}")
                       for o in self.actions.officers(c.get("agency_id"))]
            if not choices:
                self._tell("کارشناسی از این دستگاه در این میز شناخته نیست.", severity="warning")
                return None
            return ActionForm("assign", title, [FormField("operator_id", "کارشناس", "choice", choices=choices,
                                                          initial=str(c.get("assigned_to") or ""))],
                              validate=v("assign"))
        if action == "return" or self._agency_refer(action):
            refer_on = action == "refer"
            agencies = self._agency_choices(exclude=c.get("agency_id"),
                                            blank=None if refer_on else "نامشخص (واحد ۱۱۱ تصمیم بگیرد)")
            fields = [FormField("suggested_agency_id", "دستگاه پیشنهادی", "choice", choices=agencies),
                      FormField("reason", "دلیل عدم ارتباط", "text")]
            return ActionForm("return", title if not refer_on else f"ارجاع به دستگاه دیگر — {title}", fields,
                              validate=v("return"), note=AGENCY_REFER_NOTE if refer_on else "")
        if action == "refer":
            fields = [FormField("agency_id", "دستگاه مقصد", "choice",
                                choices=self._agency_choices(exclude=None, blank=None)),
                      FormField("note", "یادداشت ارجاع", "line")]
            return ActionForm("refer", title, fields, validate=v("refer"))
        if action in ("escalate", "close", "reopen"):
            return ActionForm(action, title, [FormField("reason", "دلیل", "text")], validate=v(action))
        return None
