"""The report builder screen (گزارش‌ساز), keyboard only, from the supervisor view (Shift+F2).

F2 / Shift+F2 the row dimension, Shift+F6 the pivot's column dimension, F3 the measures,
F4 the period (presets), Shift+F4 a period typed in Jalali («۱۴۰۴»، «این ماه»، «۳۰ روز
گذشته»، «۱۴۰۴/۰۱/۰۱ تا ۱۴۰۴/۰۳/۳۱»; a bad one is refused at the field, in Persian),
Shift+F7 a filter to the current row's value, Shift+F8 no filters, F11 comparison with
the previous period, Shift+F3 table or chart, Shift+F11 save the spec by name (in the
saved list: share it in the province), Shift+F12 the saved specs. The result is an RTL
table whose last row is the total, or a chart of the first measure: bars for categories,
a column sparkline over time when the rows are days/weeks/months/seasons/years, one
sparkline per row when the pivot's columns are a time dimension (characters, readable
without colour). Enter on a row opens the cases behind its number (with the filters and
period; a pivot row: all its columns); Enter on a case opens it; Esc goes back.

Ctrl+F a filter by a typed value (the field's ↑/↓ choose the dimension; an unknown value
is refused at the field, in Persian), Ctrl+E the shown report to a CSV/XLSX/PDF file (a
path in the home folder offered; a bad path or a full disk said at the field, the earlier
file kept: ``services/report_export.py``). The typed field is also reached by function keys
alone: Shift+F4, then ↑/↓ (period → a filter per dimension → export). The key bar comes in
pages (Shift+F1 turns them), so every Shift and Ctrl key is on it at 80×24.

The facts of the cached cases are built and scoped to the operator once per load (a
worker thread); changing the spec only re-groups them (``reports/memory.py``), in a worker
thread too (:meth:`ReportScreen.show` asks, :meth:`ReportScreen.show_result` mounts the
answer; a newer request wins), so no report runs on the UI thread.

Why over 600 lines: one screen whose keys all act on the same spec and result (the typed field,
the saved specs and the key pages read and change them); its rows, columns and chart lines
are pure functions in ``widgets/cases/report_view.py``; split it by pane if it grows.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import ContentSwitcher
from textual.worker import Worker, WorkerState

from samad_desk.reports.engine import BANDS, label_of
from samad_desk.reports.memory import DeskReports
from samad_desk.reports.period import PeriodError, resolve_period
from samad_desk.reports.render import TOTAL
from samad_desk.reports.spec import DIMENSIONS, MEASURES, ReportSpec
from samad_desk.screens.case_live import LiveStoreScreen
from samad_desk.screens.supervisor_screen import case_columns
from samad_desk.services import error_text
from samad_desk.services.case_actions import CaseActions
from samad_desk.services.report_export import (
    FILTER_DIMENSIONS,
    ExportError,
    default_path,
    export,
    filter_values,
    match_value,
)
from samad_desk.services.report_specs import SavedSpec, SavedSpecs
from samad_desk.services.reports import ReportService
from samad_desk.text.digits import fa
from samad_desk.text.limits import too_long_message
from samad_desk.widgets import RTLInput, RTLStatic
from samad_desk.widgets.cases import CaseTable, LinesChart
from samad_desk.widgets.cases.report_view import (
    ReportRow,
    pivot_keys,
    report_chart_lines,
    report_columns,
    saved_columns,
)
from samad_desk.widgets.chrome import KeyBar, key_label

ROW_DIMENSIONS = ("agency", "type", "state", "deadline_band", "month", "subject_group", "city", "channel",
                  "manager", "operator", "urgency", "season", "year", "week", "province", "agency_kind",
                  "subject", "day")
#: the pivot's column dimension (Shift+F6 cycles; None: no columns)
COLUMN_DIMENSIONS = (None, "month", "type", "state", "deadline_band", "urgency", "channel", "season", "year",
                     "agency")
MEASURE_SETS = (
    ("پاسخگویی", ("cases", "open", "overdue", "in_time_pct", "mean_days")),
    ("کیفیت", ("answered", "median_days", "satisfaction_pct", "objection_pct", "returns")),
    ("پیگیری", ("cases", "extensions", "rereferrals", "followups")),
)
PERIODS = (None, "this_month", "last_month", "last_30_days", "this_year")
PERIOD_LABELS = {None: "همه", "this_month": "این ماه", "last_month": "ماه گذشته",
                 "last_30_days": "۳۰ روز گذشته", "this_year": "امسال"}
ASK_LABELS = {"period": "دوره", "save": "نام گزارش", "export": "خروجی به"}
#: the longest text each typed field takes: a longer paste goes in (nothing is lost) and the
#: field says it is too long, at the paste and again at Enter
ASK_LIMITS = {"period": 60, "save": 80, "export": 1024, "filter": 100}
ASK_HINTS = {"period": "۱۴۰۴، ۱۴۰۴/۰۲، این ماه، ۳۰ روز گذشته، ۱۴۰۴/۰۱/۰۱ تا ۱۴۰۴/۰۳/۳۱",
             "save": "نامی برای این گزارش", "export": "مسیر پرونده: ‎.csv یا ‎.xlsx یا ‎.pdf"}
#: shorter texts on the key bar's pages (the F1 help keeps the binding's whole description)
BAR_LABELS = {"report-period-typed": "دوره", "report-columns": "ستون", "report-filter": "پالایه سطر",
              "report-filter-clear": "بی‌پالایه", "report-view": "نمودار", "report-save": "ذخیره",
              "report-saved": "ذخیره‌ها", "report-filter-typed": "پالایه", "report-export": "خروجی"}
#: what the typed field asks, in the order ↑/↓ move through it (Shift+F4 opens it at the
#: period; Ctrl+F at a filter, Ctrl+E at the export)
#: the typed filter's label fits its longest dimension («پالایه: نوع دستگاه»)
FILTER_LABEL_WIDTH = 1 + max(cell_len(f"پالایه: {DIMENSIONS[d]}") for d in FILTER_DIMENSIONS)
ASK_CYCLE = ("period", *(f"filter:{d}" for d in FILTER_DIMENSIONS), "export")


#: the period line while a report runs in its worker thread
RUNNING = "در حال اجرا…"


class ReportRan(Message):
    """A report's answer, posted from its worker thread (``seq``: the request it answers;
    an older request's answer is ignored). ``error``: a Persian message instead."""

    def __init__(self, seq: int, spec: ReportSpec, result: dict | None, error: str | None = None) -> None:
        super().__init__()
        self.seq = seq
        self.spec = spec
        self.result = result
        self.error = error


class ReportScreen(LiveStoreScreen, area="report"):
    DEFAULT_CSS = """
    ReportScreen #rep-spec { height: 1; }
    ReportScreen #rep-period { height: 1; }
    ReportScreen #rep-ask { height: auto; display: none; }
    ReportScreen #rep-ask.-shown { display: block; }
    ReportScreen #rep-switch { height: 1fr; }
    ReportScreen #rep-cases-title { height: 1; text-style: bold; }
    """

    def __init__(self, services: Any, *, actions: CaseActions | None = None,
                 saved: SavedSpecs | None = None, **kwargs: Any) -> None:
        super().__init__(services, **kwargs)
        self.actions = actions or services.case_actions()
        self.reports = ReportService(self.actions)
        self.saved = saved or SavedSpecs.for_session(getattr(self.actions, "session", None), self.actions.operator)
        self.rows_dims: tuple[str, ...] = (ROW_DIMENSIONS[0],)
        self.col_dim: str | None = None
        self.measures: tuple[str, ...] = MEASURE_SETS[0][1]
        self.measure_name = MEASURE_SETS[0][0]
        self.period: str | None = None
        self.comparing = False
        self.filters: dict[str, tuple[str, ...]] = {}
        self.asking: str | None = None
        self.desk: DeskReports | None = None
        self.names: dict[str, dict[str, str]] = {}
        self.result: dict | None = None
        self.result_spec: ReportSpec | None = None  # the spec :attr:`result` answers
        self.error: str | None = None
        #: the newest report request; a ReportRan for another is an older answer
        self.run_seq = 0
        #: the distinct values of each filter dimension, read once per load (a worker)
        self.values: dict[str, list[str]] | None = None
        self.key_page = 0

    # -- the spec -------------------------------------------------------------------------
    @property
    def spec(self) -> ReportSpec:
        cols = (self.col_dim,) if self.col_dim and self.col_dim not in self.rows_dims else ()
        return ReportSpec("گزارش", rows=self.rows_dims, columns=cols, measures=self.measures,
                          filters=dict(self.filters), period=self.period,
                          compare=self.comparing and self.period is not None)

    def period_label(self) -> str:
        if self.period in PERIOD_LABELS:
            return PERIOD_LABELS[self.period]
        return fa(self.period or "")

    def spec_text(self) -> str:
        s = self.spec
        parts = [f"سطرها: {' / '.join(DIMENSIONS[d] for d in s.rows)}"]
        if s.columns:
            parts.append(f"ستون‌ها: {DIMENSIONS[s.columns[0]]}")
        parts.append(f"سنجه‌ها: {self.measure_name}")
        parts.append(f"دوره: {self.period_label()}")
        if s.compare:
            parts.append("مقایسه")
        if s.filters:
            parts.append("پالایه: " + "، ".join(
                f"{DIMENSIONS[d]}={'/'.join(label_of(d, v, self.names) for v in vs)}" for d, vs in s.filters.items()))
        return " | ".join(parts)

    # -- layout ---------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        yield RTLStatic("", id="rep-spec", truncate=True)
        yield RTLStatic("", id="rep-period", truncate=True)
        yield RTLInput(id="rep-ask", label="دوره", label_width=10)
        with ContentSwitcher(initial="rep-table", id="rep-switch"):
            yield CaseTable(report_columns(self.spec, False), id="rep-table", empty_text="داده‌ای نیست.")
            with VerticalScroll(id="rep-chart-pane"):
                yield LinesChart(id="rep-chart")
            with Vertical(id="rep-cases"):
                yield RTLStatic("", id="rep-cases-title", truncate=True)
                yield CaseTable(case_columns(self.agency_name), id="rep-case-table",
                                empty_text="پرونده‌ای نیست.")
            yield CaseTable(saved_columns(), id="rep-saved-table", empty_text="گزارش ذخیره‌شده‌ای نیست.")

    def agency_name(self, agency_id: str | None) -> str:
        return label_of("agency", agency_id or "", self.names) if agency_id else "واحد ۱۱۱"

    def on_mount(self) -> None:
        self.query_one("#rep-table", CaseTable).focus()
        ready = self.reports.ready()
        if ready is not None:  # facts built and scoped (the pre-build, an earlier screen): show now
            self.desk, self.names = ready
            self.show()
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
        return key, self.reports.drill(self.desk, self.result_spec or self.spec, key)

    @work(thread=True, exclusive=True, group="report-specs", exit_on_error=False)
    def _specs(self, job: str, arg: Any = None) -> tuple[str, Any]:
        """``save`` (a spec), ``share`` (a SavedSpec) or ``list``: the server when reachable."""
        if job == "save":
            return job, self.saved.save(arg)
        if job == "share":
            return job, self.saved.share(arg.name, not arg.shared)
        return job, self.saved.refresh()

    @work(thread=True, exclusive=True, group="report-typed", exit_on_error=False)
    def _typed(self, what: str, value: str, result: dict | None, spec: ReportSpec | None) -> tuple[str, Any, str | None]:
        """(what, answer, error): a filter's stored value, or the path an export wrote."""
        try:
            if what == "export":
                if result is None:
                    raise ExportError("هنوز گزارشی نیامده است.")
                return what, export(result, value), None
            dim = what[len("filter:"):]
            if self.values is None and self.desk is not None:
                self.values = filter_values(self.desk.facts.column)
            return what, match_value(dim, value, (self.values or {}).get(dim, ()), self.names), None
        except ExportError as exc:
            return what, value, str(exc)

    def _typed_done(self, what: str, answer: Any, error: str | None) -> None:
        ask = self.query_one("#rep-ask", RTLInput)
        if self.asking != what:  # the field moved on meanwhile
            return
        if error:
            ask.error = error
            return
        self._close_ask()
        if what == "export":
            self.notify(f"گزارش در «{answer}» نوشته شد.", title="گزارش‌ساز", markup=False)
            return
        dim = what[len("filter:"):]
        self.filters[dim] = (answer,)
        if dim in self.rows_dims:  # one value left by rows: show the next dimension
            self.rows_dims = (next(d for d in ROW_DIMENSIONS if d not in self.filters),)
        self._respec()

    @on(Worker.StateChanged)
    def _worker(self, event: Worker.StateChanged) -> None:
        w = event.worker
        if w.group not in ("report-load", "report-drill", "report-specs", "report-typed"):
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
            if w.result[0] is self.desk and w.result[1] is self.names and self.result is not None:
                return  # what on_mount already showed (ReportService.ready)
            self.desk, self.names = w.result
            self.values = None  # new facts: their values read again when a filter is typed
            self.show()
        elif w.group == "report-typed":
            self._typed_done(*w.result)
        elif w.group == "report-drill":
            key, rows = w.result
            self._show_cases(key, rows)
        else:
            self._specs_done(*w.result)

    # -- showing --------------------------------------------------------------------------
    def show(self) -> None:
        """Run the current spec in a worker thread; :meth:`show_result` mounts its answer.
        Until then the last result stays and the period line says «در حال اجرا…»."""
        self.query_one("#rep-spec", RTLStatic).update(self.spec_text())
        if self.desk is None:
            return
        self.run_seq += 1
        spec, today, calendar = self.spec, self.actions.today(), self.actions.calendar
        kept = self.desk.cached(spec, today=today, calendar=calendar, names=self.names)
        if kept is not None:  # run before over these facts: no worker
            self.show_result(spec, kept)
            return
        self.query_one("#rep-period", RTLStatic).update(RUNNING)
        self._run(self.run_seq, self.desk, spec, today, calendar, self.names)

    @work(thread=True, exclusive=True, group="report-run", exit_on_error=False)
    def _run(self, seq: int, desk: DeskReports, spec: ReportSpec, today: Any, calendar: Any,
             names: dict) -> None:
        try:
            ran = ReportRan(seq, spec, desk.result(spec, today=today, calendar=calendar, names=names))
        except PeriodError as exc:  # a saved spec's period the calendar cannot hold
            ran = ReportRan(seq, spec, None, str(exc))
        except Exception as exc:  # said on the screen, never a crash of the desk
            ran = ReportRan(seq, spec, None, error_text(exc))
        self.post_message(ran)

    @on(ReportRan)
    def _ran(self, message: ReportRan) -> None:
        message.stop()
        if message.seq != self.run_seq:  # a newer request is under way: this answer is old
            return
        if message.result is None:
            self.query_one("#rep-period", RTLStatic).update(message.error or "")
            self.notify(message.error or "", title="گزارش‌ساز", severity="error", markup=False)
            return
        self.show_result(message.spec, message.result)

    def show_result(self, spec: ReportSpec, result: dict) -> None:
        """Mount a report's answer: the period line, the table and the chart (UI thread)."""
        self.result = result
        self.result_spec = spec
        period = result.get("period")
        line = f"دوره: {period['label']}" if period else "همه پرونده‌ها"
        if result.get("previous_period"):
            line += f" — دوره قبل: {result['previous_period']['label']}"
        line += f" | {fa(result['total'].get('cases', result['total_rows']) or 0)} پرونده" \
            if "cases" in spec.measures else f" | {fa(result['total_rows'])} سطر"
        pivot = pivot_keys(result, spec)
        if spec.columns:
            line += f" | ستون‌ها: {MEASURES[spec.measures[0]]}"
            hidden = len(result.get("columns") or []) - len(pivot)
            if hidden > 0:
                line += f" (+{fa(hidden)} ستون در خروجی)"
        self.query_one("#rep-period", RTLStatic).update(line)
        rows = [ReportRow(tuple(r["key"]), r["labels"], r["values"], r.get("previous"), cells=r.get("cells") or {})
                for r in result["rows"]]
        rows.append(ReportRow((), [TOTAL], result["total"], result.get("previous_total"), total=True,
                              cells={c["id"]: c["values"] for c in result.get("columns") or []}))
        table = self.query_one("#rep-table", CaseTable)
        keep = table.current.id if table.current is not None else None
        table.set_columns(report_columns(spec, spec.compare, pivot))
        table.set_rows(rows, keep=keep)
        self.query_one("#rep-chart", LinesChart).show(self.chart_lines)

    def chart_lines(self, width: int) -> list[str]:
        """The chart pane's lines for the shown result (``widgets/cases/report_view.py``)."""
        if not self.result or self.result_spec is None:
            return []
        return report_chart_lines(self.result_spec, self.result, width)

    def _show_cases(self, key: tuple, rows: list[Any]) -> None:
        rows_dims = (self.result_spec or self.spec).rows
        label = " / ".join(label_of(d, v, self.names) for d, v in zip(rows_dims, key, strict=False)) \
            if key else TOTAL
        self.query_one("#rep-cases-title", RTLStatic).update(f"پرونده‌های «{label}» ({fa(len(rows))})")
        table = self.query_one("#rep-case-table", CaseTable)
        table.invalidate()
        table.set_rows(rows)
        self._switch("rep-cases")

    def _switch(self, pane: str) -> None:
        self.query_one(ContentSwitcher).current = pane
        target = {"rep-table": "#rep-table", "rep-chart-pane": "#rep-chart-pane",
                  "rep-cases": "#rep-case-table", "rep-saved-table": "#rep-saved-table"}[pane]
        self.query_one(target).focus()

    @property
    def pane(self) -> str:
        return self.query_one(ContentSwitcher).current or "rep-table"

    # -- keys -----------------------------------------------------------------------------
    def action_dimension(self, step: int) -> None:
        i = ROW_DIMENSIONS.index(self.rows_dims[0]) if self.rows_dims[0] in ROW_DIMENSIONS else -step
        self.rows_dims = (ROW_DIMENSIONS[(i + step) % len(ROW_DIMENSIONS)],)
        self._respec()

    def action_columns(self) -> None:
        i = COLUMN_DIMENSIONS.index(self.col_dim) if self.col_dim in COLUMN_DIMENSIONS else 0
        nxt = COLUMN_DIMENSIONS[(i + 1) % len(COLUMN_DIMENSIONS)]
        if nxt is not None and nxt in self.rows_dims:
            nxt = COLUMN_DIMENSIONS[(i + 2) % len(COLUMN_DIMENSIONS)]
        self.col_dim = nxt
        self._respec()

    def action_measures(self) -> None:
        names = [n for n, _ in MEASURE_SETS]
        i = names.index(self.measure_name) if self.measure_name in names else -1
        self.measure_name, self.measures = MEASURE_SETS[(i + 1) % len(MEASURE_SETS)]
        self._respec()

    def action_period(self) -> None:
        i = PERIODS.index(self.period) if self.period in PERIODS else 0
        self.period = PERIODS[(i + 1) % len(PERIODS)]
        if self.period is None:
            self.comparing = False
        self._respec()

    def action_compare(self) -> None:
        if self.period is None:
            self.notify("برای مقایسه، نخست با F4 دوره‌ای برگزینید.", title="گزارش‌ساز", markup=False)
            return
        self.comparing = not self.comparing
        self._respec()

    def action_filter(self) -> None:
        """Keep only the current row's value of each row dimension (the total row: nothing)."""
        row = self.table.current
        if self.pane != "rep-table" or row is None or row.total:
            self.notify("برای پالایه، سطری از جدول را برگزینید.", title="گزارش‌ساز", markup=False)
            return
        for d, v in zip((self.result_spec or self.spec).rows, row.key, strict=False):
            self.filters[d] = (str(v if v is not None else ""),)
        # the filtered dimension now has one value: show the next one by rows
        self.rows_dims = (next(d for d in ROW_DIMENSIONS if d not in self.filters),)
        self._respec()

    def action_clear_filters(self) -> None:
        self.filters = {}
        self._respec()

    def action_view(self) -> None:
        self._switch("rep-chart-pane" if self.pane == "rep-table" else "rep-table")

    def action_back(self) -> None:
        if self.asking:
            self._close_ask()
        elif self.pane != "rep-table":
            self._switch("rep-table")
        else:
            self.dismiss(None)

    def _respec(self) -> None:
        self.show()
        if self.pane in ("rep-cases", "rep-saved-table"):
            self._switch("rep-table")

    # -- the typed field: a Jalali period or a name to save under ----------------------------
    def action_ask(self, what: str) -> None:
        """Open the typed field: ``period``, ``save``, ``export``, ``filter`` (the current
        row's dimension, or the first) or ``filter:DIM``."""
        if what == "filter":
            dims = (self.result_spec or self.spec).rows
            what = f"filter:{dims[0] if dims and dims[0] in FILTER_DIMENSIONS else FILTER_DIMENSIONS[0]}"
        ask = self.query_one("#rep-ask", RTLInput)
        self.asking = what
        ask.limit = ASK_LIMITS[what.partition(":")[0]]
        if what.startswith("filter:"):
            dim = what[len("filter:"):]
            ask.label_width = FILTER_LABEL_WIDTH  # «پالایه: نوع پرون…» and «نوع دست…» were cut alike
            ask.label = f"پالایه: {DIMENSIONS[dim]}"
            ask.placeholder = "مقدار (نام یا بخشی از آن)؛ ↑/↓ بُعد دیگر"
            ask.validator = None
            ask.value = ""
        else:
            ask.label_width = 16 if what == "export" else 10
            ask.label = ASK_LABELS[what]
            ask.placeholder = ASK_HINTS[what]
            ask.validator = {"period": self._check_period, "save": self._check_name}.get(what)
            if what == "export":
                ask.value = str(default_path(self.actions.today()))
            else:
                ask.value = (self.period or "") if what == "period" and self.period not in PERIOD_LABELS else ""
        ask.error = None
        ask.add_class("-shown")
        ask.focus()

    def action_ask_next(self, step: int) -> None:
        """↑/↓ in the typed field: the period, a filter on each dimension, the export."""
        if self.asking not in ASK_CYCLE:
            return
        self.action_ask(ASK_CYCLE[(ASK_CYCLE.index(self.asking) + step) % len(ASK_CYCLE)])

    def action_key_page(self) -> None:
        """Shift+F1: the key bar's next page (the Shift and Ctrl keys)."""
        self.key_page += 1
        self.query_one(KeyBar).update_keys()

    def key_bar_pieces(self, width: int) -> list[str]:
        """The key bar, in pages that fit ``width``: this screen's F-keys and Esc first,
        then its Shift and Ctrl keys; each page ends with «Shift+F1 بیشتر ۱/۳», which
        turns to the next (otherwise the Shift keys were only in the F1 help)."""
        own = [(key, BAR_LABELS.get(a.binding.id or "", a.binding.description)) for key, a in self.active_bindings.items()
               if a.node is self and a.binding.show and a.binding.description and a.binding.action != "key_page"]
        own.sort(key=lambda kd: (kd[0].startswith(("shift+", "ctrl+")), kd[0].startswith("ctrl+")))
        more = next((k for k, a in self.active_bindings.items() if a.binding.action == "key_page"), "shift+f1")
        tail = len(f"{key_label(more)} بیشتر ۰/۰") + 2
        pages: list[list[str]] = [[]]
        used = 0
        for key, text in own:
            piece = f"{key_label(key)} {text}"
            if pages[-1] and used + cell_len(piece) + 2 + tail > width:
                pages.append([])
                used = 0
            pages[-1].append(piece)
            used += cell_len(piece) + 2
        n = len(pages)
        page = self.key_page % n
        return [*pages[page], f"{key_label(more)} بیشتر {fa(page + 1)}/{fa(n)}"]

    def _check_period(self, text: str) -> str | None:
        if not text.strip():
            return "دوره را بنویسید؛ مانند «۱۴۰۴» یا «۳۰ روز گذشته»."
        try:
            resolve_period(text, self.actions.today())
        except PeriodError as exc:
            return str(exc)
        return None

    @staticmethod
    def _check_name(text: str) -> str | None:
        if not text.strip():
            return "نام گزارش را بنویسید."
        if len(text.strip()) > 80:
            return "نام گزارش بیش از ۸۰ نویسه است."
        return None

    @on(RTLInput.Submitted, "#rep-ask")
    def _asked(self, event: RTLInput.Submitted) -> None:
        event.stop()
        ask = event.rtl_input
        if ask.limit and len(event.value) > ask.limit:
            error: str | None = too_long_message(ask.label, len(event.value), ask.limit)
        else:
            error = ask.validator(event.value) if ask.validator else None
        if error:
            ask.error = error
            return
        what, value = self.asking, event.value.strip()
        if what and (what.startswith("filter:") or what == "export"):
            # answered by a worker: the facts' values, or the file written; the field stays
            # open until then, and with the error at it if it failed
            self._typed(what, value, self.result, self.result_spec)
            return
        self._close_ask()
        if what == "period":
            self.period = value
            self._respec()
        elif what == "save":
            self._specs("save", replace(self.spec, name=value))

    def _close_ask(self) -> None:
        ask = self.query_one("#rep-ask", RTLInput)
        ask.remove_class("-shown")
        ask.error = None
        self.asking = None
        self._switch(self.pane)

    # -- saved specs ----------------------------------------------------------------------
    def action_save(self) -> None:
        if self.pane == "rep-saved-table":
            row = self.saved_table.current
            if row is None:
                return
            if not row.mine:
                self.notify("فقط گزارش خودتان را می‌توانید به اشتراک بگذارید.", title="گزارش‌ساز", markup=False)
                return
            self._specs("share", row)
            return
        self.action_ask("save")

    def action_saved(self) -> None:
        self.saved_table.set_rows(self.saved.cached())
        self._switch("rep-saved-table")
        self._specs("list")

    def _specs_done(self, job: str, answer: Any) -> None:
        if job == "save":
            spec, note = answer
            self.notify(note, title="گزارش‌ساز", markup=False)
        elif job == "share":
            self.notify(answer, title="گزارش‌ساز", markup=False)
            self._specs("list")
            return
        elif answer:
            self.notify(answer, title="گزارش‌ساز", severity="warning", markup=False)
        table = self.saved_table
        keep = table.current.id if table.current is not None else None
        table.set_rows(self.saved.cached(), keep=keep)

    def load_spec(self, spec: ReportSpec) -> None:
        """Show a saved spec (its dimensions, measures, filters and period)."""
        self.rows_dims = spec.rows or (ROW_DIMENSIONS[0],)
        self.col_dim = spec.columns[0] if spec.columns else None
        self.measures = spec.measures
        self.measure_name = next((n for n, ms in MEASURE_SETS if ms == spec.measures), spec.name)
        self.period = spec.period
        self.comparing = spec.compare
        self.filters = dict(spec.filters)
        self._respec()

    @on(CaseTable.Chosen, "#rep-saved-table")
    def _saved_chosen(self, event: CaseTable.Chosen) -> None:
        event.stop()
        self.load_spec(event.row.spec)

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

    @property
    def saved_table(self) -> CaseTable:
        return self.query_one("#rep-saved-table", CaseTable)


__all__ = ["BANDS", "ReportRow", "ReportScreen", "SavedSpec"]
