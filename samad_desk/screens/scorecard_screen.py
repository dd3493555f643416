"""The manager scorecard (کارنامه مدیران), Shift+F4 from the supervisor view: per agency
and manager for one Jalali month — cases, in-time %, mean working days, overdue now,
returns, satisfaction — ranked in the province, with the in-time trend of the months
before as a sparkline, then ▲ / ▼ / = for this month against the mean of those months
(characters, readable without colour). F4 the month before, Shift+F4 the month after, Esc back."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.worker import Worker, WorkerState

from samad_desk.reports.engine import label_of
from samad_desk.reports.memory import DeskReports
from samad_desk.reports.render import number_text
from samad_desk.reports.scorecard import ScoreRow, desk_runner, month_key, scorecard, sparkline
from samad_desk.screens.case_live import LiveStoreScreen
from samad_desk.services import error_text
from samad_desk.services.case_actions import CaseActions
from samad_desk.services.reports import ReportService
from samad_desk.text.digits import fa
from samad_desk.widgets import RTLStatic
from samad_desk.widgets.cases import CaseTable, Col

MONTHS_BACK = 3


def score_columns() -> list[Col]:
    return [
        Col("rank", "رتبه", 4, lambda r: fa(r.rank), keep=True),
        Col("name", "دستگاه", 0, lambda r: r.name, min_width=10),
        Col("manager", "مدیر", 14, lambda r: r.manager or "—"),
        Col("cases", "پرونده", 6, lambda r: number_text(r.values.get("cases"), "cases")),
        Col("in_time", "به‌موقع٪", 8, lambda r: number_text(r.values.get("in_time_pct"), "in_time_pct")),
        Col("mean", "میانگین", 7, lambda r: number_text(r.values.get("mean_days"), "mean_days")),
        Col("overdue", "معوق", 5, lambda r: fa(r.overdue_now), styled=True),
        Col("returns", "عودت", 5, lambda r: number_text(r.values.get("returns"), "returns")),
        Col("sat", "رضایت٪", 7, lambda r: number_text(r.values.get("satisfaction_pct"), "satisfaction_pct")),
        Col("trend", "روند", MONTHS_BACK + 3, lambda r: sparkline(r.trend) + r.trend_mark, direction="ltr",
            keep=True),
    ]


class ScorecardScreen(LiveStoreScreen, area="scorecard"):
    DEFAULT_CSS = """
    ScorecardScreen #score-title { height: 1; }
    ScorecardScreen #score-table { height: 1fr; }
    """

    def __init__(self, services: Any, *, actions: CaseActions | None = None, **kwargs: Any) -> None:
        super().__init__(services, **kwargs)
        self.actions = actions or services.case_actions()
        self.reports = ReportService(self.actions)
        self.back = 0  # months before this one
        self.desk: DeskReports | None = None
        self.names: dict[str, dict[str, str]] = {}
        self.rows: list[ScoreRow] = []

    def compose_body(self) -> ComposeResult:
        yield RTLStatic("", id="score-title", truncate=True)
        yield CaseTable(score_columns(), id="score-table", empty_text="دستگاهی نیست.")

    @property
    def month(self) -> str:
        return month_key(self.actions.today(), self.back)

    def on_mount(self) -> None:
        self.query_one(CaseTable).focus()
        self.reload()
        self.watch_store(self.reports)

    def start_load(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="score-load", exit_on_error=False)
    def _load(self) -> tuple[DeskReports, dict]:
        return self.reports.load()

    @on(Worker.StateChanged)
    def _worker(self, event: Worker.StateChanged) -> None:
        w = event.worker
        if w.group != "score-load":
            return
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self.load_ended()
        if event.state == WorkerState.ERROR:
            self.notify(error_text(w.error), title="کارنامه", severity="error", markup=False)
        elif event.state == WorkerState.SUCCESS and w.result is not None:
            self.desk, self.names = w.result
            self.show()

    def show(self) -> None:
        if self.desk is None:
            return
        runner = desk_runner(self.desk, today=self.actions.today(), calendar=self.actions.calendar,
                             names=self.names)
        self.rows = scorecard(runner, month=self.month, months_back=MONTHS_BACK, names=self.names)
        y, m = self.month.split("/")
        title = label_of("month", self.month)
        self.query_one("#score-title", RTLStatic).update(
            f"کارنامه {title} — رتبه در استان به پاسخ به‌موقع؛ روند: {fa(MONTHS_BACK)} ماه پیش تا {fa(int(m))}/{fa(y)}")
        table = self.query_one(CaseTable)
        table.invalidate()
        table.set_rows(self.rows)

    def action_month(self, step: int) -> None:
        self.back = max(0, self.back + step)
        self.show()

    def action_back(self) -> None:
        self.dismiss(None)

    @property
    def table(self) -> CaseTable:
        return self.query_one(CaseTable)
