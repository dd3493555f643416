"""The report builder screen (گزارش‌ساز), keyboard only, from the supervisor view (Shift+F2).

F2 / Shift+F2 the row dimension, F3 the measures, F4 the period, F11 comparison with the
previous period, Shift+F3 table or chart. The result is an RTL table whose last row is
the total, or a bar chart of the first measure (Persian labels shaped by the RTL
engine; bars of █ and ░, readable without colour). Enter on a row opens the cases behind
its number; Enter on a case opens it; Esc goes back.

The facts of the cached cases are built and scoped to the operator once per load (a
worker thread); changing the spec only re-groups them (``reports/memory.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import ContentSwitcher
from textual.worker import Worker, WorkerState

from samad_desk.reports.deadlines import DeadlineCue
from samad_desk.reports.engine import BANDS, label_of
from samad_desk.reports.memory import DeskReports
from samad_desk.reports.render import TOTAL, number_text
from samad_desk.reports.responsiveness import bar_chart
from samad_desk.reports.spec import DIMENSIONS, MEASURES, ReportSpec
from samad_desk.screens.case_live import LiveStoreScreen
from samad_desk.screens.supervisor_screen import case_columns
from samad_desk.services import error_text
from samad_desk.services.case_actions import CaseActions
from samad_desk.services.reports import ReportService
from samad_desk.text.digits import fa
from samad_desk.widgets import RTLStatic
from samad_desk.widgets.cases import CaseTable, Col, LinesChart

ROW_DIMENSIONS = ("agency", "type", "state", "deadline_band", "month", "subject_group", "city", "channel",
                  "manager", "operator", "urgency", "season", "year", "week", "province", "agency_kind",
                  "subject", "day")
MEASURE_SETS = (
    ("پاسخگویی", ("cases", "open", "overdue", "in_time_pct", "mean_days")),
    ("کیفیت", ("answered", "median_days", "satisfaction_pct", "objection_pct", "returns")),
    ("پیگیری", ("cases", "extensions", "rereferrals", "followups")),
)
PERIODS = (None, "this_month", "last_month", "last_30_days", "this_year")
PERIOD_LABELS = {None: "همه", "this_month": "این ماه", "last_month": "ماه گذشته",
                 "last_30_days": "۳۰ روز گذشته", "this_year": "امسال"}


@dataclass
class ReportRow:
    """One result row as a table row (``id`` and ``cue`` are what CaseTable needs)."""

    key: tuple
    labels: list[str]
    values: dict[str, Any]
    previous: dict[str, Any] | None = None
    total: bool = False

    @property
    def id(self) -> str:
        return "|".join(map(str, self.key)) if not self.total else "__total__"

    @property
    def cue(self) -> DeadlineCue:
        return DeadlineCue("", "ok", None)


def report_columns(spec: ReportSpec, compare: bool) -> list[Col]:
    cols = [Col("label", DIMENSIONS[spec.rows[0]] if spec.rows else "", 0,
                lambda r: " / ".join(r.labels), min_width=10)]
    for m in spec.measures:
        cols.append(Col(m, MEASURES[m], max(6, min(12, len(MEASURES[m]) + 1)),
                        lambda r, m=m: number_text(r.values.get(m), m)))
    if compare:
        m = spec.measures[0]
        cols.append(Col("prev", "دوره قبل", 9,
                        lambda r, m=m: number_text((r.previous or {}).get(m), m)))
    return cols


class ReportScreen(LiveStoreScreen):
    TITLE_FA = "گزارش‌ساز"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "dimension(1)", "بُعد سطر", id="report-dimension"),
        Binding("shift+f2", "dimension(-1)", "بُعد قبلی", show=False, id="report-dimension-back"),
        Binding("f3", "measures", "سنجه‌ها", id="report-measures"),
        Binding("f4", "period", "دوره", id="report-period"),
        Binding("f11", "compare", "مقایسه با دوره قبل", id="report-compare"),
        Binding("shift+f3", "view", "جدول/نمودار", id="report-view"),
        Binding("escape", "back", "بازگشت", id="report-back"),
    ]

    DEFAULT_CSS = """
    ReportScreen #rep-spec { height: 1; }
    ReportScreen #rep-period { height: 1; }
    ReportScreen #rep-switch { height: 1fr; }
    ReportScreen #rep-cases-title { height: 1; text-style: bold; }
    """

    def __init__(self, services: Any, *, actions: CaseActions | None = None, **kwargs: Any) -> None:
        super().__init__(services, **kwargs)
        self.actions = actions or services.case_actions()
        self.reports = ReportService(self.actions)
        self.dim_index = 0
        self.measure_index = 0
        self.period_index = 0
        self.comparing = False
        self.desk: DeskReports | None = None
        self.names: dict[str, dict[str, str]] = {}
        self.result: dict | None = None
        self.error: str | None = None

    # -- the spec -------------------------------------------------------------------------
    @property
    def spec(self) -> ReportSpec:
        period = PERIODS[self.period_index]
        return ReportSpec("گزارش", rows=(ROW_DIMENSIONS[self.dim_index],),
                          measures=MEASURE_SETS[self.measure_index][1], period=period,
                          compare=self.comparing and period is not None)

    def spec_text(self) -> str:
        s = self.spec
        compare = " | مقایسه با دوره قبل" if s.compare else ""
        return (f"سطرها: {DIMENSIONS[s.rows[0]]} | سنجه‌ها: {MEASURE_SETS[self.measure_index][0]}"
                f" | دوره: {PERIOD_LABELS[s.period]}{compare}")

    # -- layout ---------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        yield RTLStatic("", id="rep-spec", truncate=True)
        yield RTLStatic("", id="rep-period", truncate=True)
        with ContentSwitcher(initial="rep-table", id="rep-switch"):
            yield CaseTable(report_columns(self.spec, False), id="rep-table", empty_text="داده‌ای نیست.")
            with VerticalScroll(id="rep-chart-pane"):
                yield LinesChart(id="rep-chart")
            with Vertical(id="rep-cases"):
                yield RTLStatic("", id="rep-cases-title", truncate=True)
                yield CaseTable(case_columns(self.agency_name), id="rep-case-table",
                                empty_text="پرونده‌ای نیست.")

    def agency_name(self, agency_id: str | None) -> str:
        return label_of("agency", agency_id or "", self.names) if agency_id else "واحد ۱۱۱"

    def on_mount(self) -> None:
        self.query_one("#rep-table", CaseTable).focus()
        self.reload()
        self.watch_store(self.reports)

    # -- loading --------------------------------------------------------------------------
    def start_load(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="report-load", exit_on_error=False)
    def _load(self) -> tuple[DeskReports, dict]:
        return self.reports.load()

    @work(thread=True, exclusive=True, group="report-drill", exit_on_error=False)
    def _drill(self, key: tuple) -> tuple[tuple, list[Any]]:
        assert self.desk is not None
        return key, self.reports.drill(self.desk, self.spec, key)

    @on(Worker.StateChanged)
    def _worker(self, event: Worker.StateChanged) -> None:
        w = event.worker
        if w.group not in ("report-load", "report-drill"):
            return
        if w.group == "report-load" and event.state in (WorkerState.SUCCESS, WorkerState.ERROR,
                                                        WorkerState.CANCELLED):
            self.load_ended()
        if event.state == WorkerState.ERROR:
            self.error = error_text(w.error)
            self.notify(self.error, title="گزارش‌ساز", severity="error", markup=False)
            return
        if event.state != WorkerState.SUCCESS or w.result is None:
            return
        if w.group == "report-load":
            self.desk, self.names = w.result
            self.show()
        else:
            key, rows = w.result
            self._show_cases(key, rows)

    # -- showing --------------------------------------------------------------------------
    def show(self) -> None:
        self.query_one("#rep-spec", RTLStatic).update(self.spec_text())
        if self.desk is None:
            return
        spec = self.spec
        result = self.desk.run(spec, today=self.actions.today(), calendar=self.actions.calendar,
                               names=self.names).to_json()
        self.result = result
        period = result.get("period")
        line = f"دوره: {period['label']}" if period else "همه پرونده‌ها"
        if result.get("previous_period"):
            line += f" — دوره قبل: {result['previous_period']['label']}"
        line += f" | {fa(result['total'].get('cases', result['total_rows']) or 0)} پرونده" \
            if "cases" in spec.measures else f" | {fa(result['total_rows'])} سطر"
        self.query_one("#rep-period", RTLStatic).update(line)
        rows = [ReportRow(tuple(r["key"]), r["labels"], r["values"], r.get("previous")) for r in result["rows"]]
        rows.append(ReportRow((), [TOTAL], result["total"], result.get("previous_total"), total=True))
        table = self.query_one("#rep-table", CaseTable)
        keep = table.current.id if table.current is not None else None
        table.set_columns(report_columns(spec, spec.compare))
        table.set_rows(rows, keep=keep)
        self.query_one("#rep-chart", LinesChart).show(self.chart_lines)

    def chart_lines(self, width: int) -> list[str]:
        """The first measure of each row as a bar (the total row left out)."""
        if not self.result:
            return []
        m = self.spec.measures[0]
        items = [(" / ".join(r["labels"]), float(r["values"].get(m) or 0), number_text(r["values"].get(m), m))
                 for r in self.result["rows"]]
        title = f"{MEASURES[m]} به تفکیک {DIMENSIONS[self.spec.rows[0]]}"
        from samad_desk.text import rtl

        return [rtl.truncate(title, width), *bar_chart(items, width)]

    def _show_cases(self, key: tuple, rows: list[Any]) -> None:
        label = " / ".join(label_of(d, v, self.names) for d, v in zip(self.spec.rows, key, strict=False)) \
            if key else TOTAL
        self.query_one("#rep-cases-title", RTLStatic).update(f"پرونده‌های «{label}» ({fa(len(rows))})")
        table = self.query_one("#rep-case-table", CaseTable)
        table.invalidate()
        table.set_rows(rows)
        self._switch("rep-cases")

    def _switch(self, pane: str) -> None:
        self.query_one(ContentSwitcher).current = pane
        target = {"rep-table": "#rep-table", "rep-chart-pane": "#rep-chart-pane",
                  "rep-cases": "#rep-case-table"}[pane]
        self.query_one(target).focus()

    # -- keys -----------------------------------------------------------------------------
    def action_dimension(self, step: int) -> None:
        self.dim_index = (self.dim_index + step) % len(ROW_DIMENSIONS)
        self._respec()

    def action_measures(self) -> None:
        self.measure_index = (self.measure_index + 1) % len(MEASURE_SETS)
        self._respec()

    def action_period(self) -> None:
        self.period_index = (self.period_index + 1) % len(PERIODS)
        self._respec()

    def action_compare(self) -> None:
        if PERIODS[self.period_index] is None:
            self.notify("برای مقایسه، نخست با F4 دوره‌ای برگزینید.", title="گزارش‌ساز", markup=False)
            return
        self.comparing = not self.comparing
        self._respec()

    def action_view(self) -> None:
        current = self.query_one(ContentSwitcher).current
        self._switch("rep-chart-pane" if current == "rep-table" else "rep-table")

    def action_back(self) -> None:
        if self.query_one(ContentSwitcher).current != "rep-table":
            self._switch("rep-table")
        else:
            self.dismiss(None)

    def _respec(self) -> None:
        self.show()
        if self.query_one(ContentSwitcher).current == "rep-cases":
            self._switch("rep-table")

    @on(CaseTable.Chosen, "#rep-table")
    def _row_chosen(self, event: CaseTable.Chosen) -> None:
        event.stop()
        if self.desk is not None:
            self._drill(event.row.key)

    @on(CaseTable.Chosen, "#rep-case-table")
    def _case_chosen(self, event: CaseTable.Chosen) -> None:
        event.stop()
        from samad_desk.screens.case_screen import CaseScreen

        self.app.push_screen(CaseScreen(self.services, event.row.id, actions=self.actions))

    @property
    def table(self) -> CaseTable:
        return self.query_one("#rep-table", CaseTable)

    @property
    def cases_table(self) -> CaseTable:
        return self.query_one("#rep-case-table", CaseTable)


__all__ = ["BANDS", "ReportRow", "ReportScreen"]
