"""The supervisor's view (نظارت): every queue of the province, read-only.

Three panes: F2 the agencies (queues with their counts and each agency's responsiveness:
answered in time, mean working days to answer, overdue now, with a text bar), F3 a bar
chart, F4 the cases: overdue first across the province, or one agency's cases after Enter
on it. Enter on a case opens it (the supervisor may escalate, close or reopen there, never
answer). The view re-reads the store whenever it changes (after every sync).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import ContentSwitcher
from textual.worker import Worker, WorkerState

from samad_desk.domain.models import CaseState
from samad_desk.reports import AgencyStats, DeadlineCue, bar
from samad_desk.screens.case_live import LiveStoreScreen
from samad_desk.services import ServiceError, error_text
from samad_desk.services.case_actions import CaseActions, SupervisorData
from samad_desk.text.digits import fa
from samad_desk.widgets import RTLStatic
from samad_desk.widgets.cases import CaseTable, ChartView, Col


@dataclass
class AgencyRow:
    """An agency as a table row (``id`` and ``cue`` are what CaseTable needs)."""

    stats: AgencyStats

    @property
    def id(self) -> str:
        return self.stats.agency_id

    @property
    def cue(self) -> DeadlineCue:
        s = self.stats
        return DeadlineCue("", "overdue" if s.overdue else "ok", None)


def agency_columns() -> list[Col]:
    def chart(r: AgencyRow) -> str:
        p = r.stats.in_time_pct
        return bar(p or 0, 100, 10)[::-1] if p is not None else "·" * 10

    return [
        Col("name", "دستگاه", 0, lambda r: r.stats.name, min_width=12),
        Col("open", "باز", 5, lambda r: fa(r.stats.open)),
        Col("overdue", "معوق", 5, lambda r: fa(r.stats.overdue), styled=True),
        Col("in_time", "در موعد", 7, lambda r: r.stats.in_time_text),
        Col("mean", "میانگین", 7, lambda r: r.stats.mean_days_text),
        Col("bar", "نمودار", 12, chart, direction="ltr"),  # «در موعد» is the column before
    ]


def case_columns(agency_name: Any) -> list[Col]:
    return [
        Col("code", "کد رهگیری", 14, lambda r: r.code_display, direction="ltr", keep=True),
        Col("agency", "دستگاه", 14, lambda r: agency_name(r.agency_id)),
        Col("subject", "موضوع", 0, lambda r: r.subject, min_width=8),
        Col("state", "وضعیت", 9, lambda r: r.state_label),
        Col("remaining", "مهلت", 13, lambda r: r.cue.text + (" ▲" if r.escalated else ""), styled=True),
    ]


def summary_text(data: SupervisorData) -> str:
    overdue = len(data.overdue)
    return (
        f"باز در استان {fa(data.total_open)} | معوق {fa(overdue)}"
        f" (بی‌اقدام ناظر {fa(len(data.candidates))}) | در انتظار ارجاع {fa(data.unreferred.get('registered', 0))}"
        f" | عودت‌شده {fa(data.unreferred.get('returned', 0))}"
    )


def agency_detail(s: AgencyStats) -> str:
    states = " | ".join(
        f"{CaseState(k).label} {fa(s.states.get(k, 0))}" for k in ("referred", "in_progress", "answered", "closed")
    )
    manager = f" — مدیر: {s.manager_name}" if s.manager_name else ""
    return f"{s.name}{manager}\n{states} | ارجاع به ناظر {fa(s.escalated)}"


class SupervisorScreen(LiveStoreScreen, area="supervisor"):
    DEFAULT_CSS = """
    SupervisorScreen #sup-summary { height: 1; }
    SupervisorScreen #sup-detail { height: 2; }
    SupervisorScreen #sup-switch { height: 1fr; }
    SupervisorScreen #sup-cases-title { height: 1; text-style: bold; }
    """
    resume_always = False  # back from the reports: no re-read of every case unless the store changed

    def __init__(self, services: Any, *, actions: CaseActions | None = None, **kwargs: Any) -> None:
        super().__init__(services, **kwargs)
        self.actions = actions or services.case_actions()
        self.data: SupervisorData | None = None
        self.drill: str | None = None  # agency id shown in the cases pane, None = overdue list
        self.refusal: str | None = None
        self._names: dict[str, str] = {}

    def compose_body(self) -> ComposeResult:
        yield RTLStatic("", id="sup-summary", truncate=True)
        yield RTLStatic("", id="sup-detail")
        with ContentSwitcher(initial="agencies", id="sup-switch"):
            yield CaseTable(agency_columns(), id="agencies", empty_text="دستگاهی ثبت نشده است.")
            with VerticalScroll(id="chart"):
                yield ChartView(id="sup-chart")
            with Vertical(id="cases"):
                yield RTLStatic("", id="sup-cases-title", truncate=True)
                yield CaseTable(case_columns(self.agency_name), id="sup-cases",
                                empty_text="پرونده معوقی نیست.")

    def agency_name(self, agency_id: str | None) -> str:
        if not agency_id:
            return "واحد ۱۱۱"
        return self._names.get(agency_id, agency_id)  # names come with each load (_loaded)

    def on_mount(self) -> None:
        self.query_one("#agencies", CaseTable).focus()
        self.reload()
        self.watch_store(self.actions.store)

    def start_load(self) -> None:
        self._load()
        if self.drill:
            self._load_agency(self.drill)

    @work(thread=True, exclusive=True, group="supervisor-load", exit_on_error=False)
    def _load(self) -> SupervisorData:
        return self.actions.supervisor()

    @work(thread=True, exclusive=True, group="supervisor-drill", exit_on_error=False)
    def _load_agency(self, agency_id: str) -> tuple[str, list[Any]]:
        return agency_id, self.actions.agency_rows(agency_id)

    @on(Worker.StateChanged)
    def _worker(self, event: Worker.StateChanged) -> None:
        w = event.worker
        if w.group not in ("supervisor-load", "supervisor-drill"):
            return
        if w.group == "supervisor-load" and event.state in (WorkerState.SUCCESS, WorkerState.ERROR,
                                                            WorkerState.CANCELLED):
            self.load_ended()
        if event.state == WorkerState.ERROR:
            text = error_text(w.error)
            self.refusal = text
            self.query_one("#sup-summary", RTLStatic).update(text)
            return
        if event.state != WorkerState.SUCCESS or w.result is None:
            return
        if w.group == "supervisor-load":
            self._loaded(w.result)
        else:
            agency_id, rows = w.result
            self._show_cases(rows, f"پرونده‌های {self.agency_name(agency_id)} — معوق‌ها نخست ({fa(len(rows))})")

    def _loaded(self, data: SupervisorData) -> None:
        self.data = data
        self._names = {s.agency_id: s.name for s in data.agencies}
        self.refusal = None
        self.query_one("#sup-summary", RTLStatic).update(summary_text(data))
        table = self.query_one("#agencies", CaseTable)
        keep = table.current.id if table.current is not None else None
        table.invalidate()
        table.set_rows([AgencyRow(s) for s in data.agencies], keep=keep)
        self.query_one("#sup-chart", ChartView).show(data.agencies)
        if self.drill is None:
            self._show_cases(data.overdue_rows, f"پرونده‌های معوق استان، بدترین نخست ({fa(len(data.overdue_rows))})"
                                                " — ▲ ارجاع‌شده به ناظر")

    def _show_cases(self, rows: list[Any], title: str) -> None:
        self.query_one("#sup-cases-title", RTLStatic).update(title)
        table = self.query_one("#sup-cases", CaseTable)
        keep = table.current.id if table.current is not None else None
        table.invalidate()
        table.set_rows(rows, keep=keep)

    @on(CaseTable.Highlighted, "#agencies")
    def _agency_highlighted(self, event: CaseTable.Highlighted) -> None:
        if event.row is not None:
            self.query_one("#sup-detail", RTLStatic).update(agency_detail(event.row.stats))

    @on(CaseTable.Chosen, "#agencies")
    def _agency_chosen(self, event: CaseTable.Chosen) -> None:
        event.stop()
        self.drill = event.row.id
        self._load_agency(event.row.id)
        self._switch("cases")

    @on(CaseTable.Chosen, "#sup-cases")
    def _case_chosen(self, event: CaseTable.Chosen) -> None:
        event.stop()
        from samad_desk.screens.case_screen import CaseScreen

        self.app.push_screen(CaseScreen(self.services, event.row.id, actions=self.actions))

    def action_case_action(self, action: str) -> None:
        """Escalate or close the highlighted case of the cases pane, without opening it."""
        if self.query_one(ContentSwitcher).current != "cases" or self.cases_table.current is None:
            self.notify("نخست پرونده‌ای را در فهرست پرونده‌ها (F4) انتخاب کنید.", title="نظارت", markup=False)
            return
        self._check_action(self.cases_table.current.id, action)

    @work(thread=True, group="supervisor-check", exit_on_error=False)
    def _check_action(self, case_id: str, action: str) -> tuple[str, str, dict[str, Any] | None, str | None]:
        """Off the UI thread: the case and why ``action`` is refused on it (None: allowed)."""
        try:
            case = self.actions.case(case_id)
        except ServiceError:
            return case_id, action, None, "پرونده پیدا نشد."
        return case_id, action, case, self.actions.refusal(case, action)

    def _ask_action(self, case_id: str, action: str, case: dict[str, Any] | None, reason: str | None) -> None:
        from samad_desk.domain.workflow import action_label
        from samad_desk.screens.case_screen import code_text
        from samad_desk.screens.modals import ActionForm, FormField

        if reason or case is None:
            self.notify(reason or "پرونده پیدا نشد.", title="نظارت", severity="warning", markup=False)
            return
        form = ActionForm(action, f"{action_label(action)} — پرونده {code_text(case)}",
                          [FormField("reason", "دلیل", "text")],
                          validate=lambda values: self.actions.validate(case_id, action, values))
        self.app.push_screen(form, lambda payload: payload is not None and self._act(case_id, action, payload))

    @work(thread=True, group="supervisor-act", exit_on_error=False)
    def _act(self, case_id: str, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        return self.actions.perform(case_id, action, payload)

    @on(Worker.StateChanged)
    def _acted(self, event: Worker.StateChanged) -> None:
        w = event.worker
        if w.group == "supervisor-check":
            if event.state == WorkerState.SUCCESS:
                self._ask_action(*w.result)
            elif event.state == WorkerState.ERROR:
                self.notify(error_text(w.error), title="نظارت", severity="error", markup=False)
            return
        if w.group != "supervisor-act":
            return
        if event.state == WorkerState.ERROR:
            self.notify(error_text(w.error), title="نظارت", severity="error", markup=False)
        elif event.state == WorkerState.SUCCESS:
            self.notify("ثبت شد و در صف همگام‌سازی است.", title="نظارت", markup=False)
            self.reload()

    def _switch(self, pane: str) -> None:
        self.query_one(ContentSwitcher).current = pane
        target = {"agencies": "#agencies", "chart": "#chart", "cases": "#sup-cases"}[pane]
        self.query_one(target).focus()

    def action_pane(self, pane: str) -> None:
        if pane == "cases" and self.drill is not None:
            self.drill = None
            if self.data is not None:
                self._loaded(self.data)
        self._switch(pane)

    def action_open_cartable(self) -> None:
        """The highlighted agency's cartable, as its manager sees it (read-only for us)."""
        row = self.query_one("#agencies", CaseTable).current
        if row is None:
            return
        from samad_desk.screens.cartable_screen import CartableScreen

        self.app.push_screen(CartableScreen(self.services, actions=self.actions, agency_id=row.id, pushed=True))

    def action_reports(self) -> None:
        """The report builder over the province's cached cases."""
        from samad_desk.screens.report_screen import ReportScreen

        self.app.push_screen(ReportScreen(self.services, actions=self.actions))

    def action_scorecard(self) -> None:
        """Each agency's manager, month by month, ranked in the province."""
        from samad_desk.screens.scorecard_screen import ScorecardScreen

        self.app.push_screen(ScorecardScreen(self.services, actions=self.actions))

    @property
    def agencies_table(self) -> CaseTable:
        return self.query_one("#agencies", CaseTable)

    @property
    def cases_table(self) -> CaseTable:
        return self.query_one("#sup-cases", CaseTable)
