"""The agency's cartable (کارتابل): its cases ordered by deadline, in the manager's name.

Keys (function keys, because letters arrive as Persian letters on a Persian layout):
F2 state, F3 type, F4 city, F11 only overdue, Shift+F2 assigned officer, Shift+F3 clear
filters, Shift+F4 another agency (supervisor), Enter open the case. Typing anywhere goes
to the search field; Esc clears it. Near-deadline and overdue cases raise a reminder
toast once per session and are counted in the header.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.worker import Worker, WorkerState, get_current_worker

from samad_desk.domain.models import CaseState, CaseType
from samad_desk.reports import ALL, OPEN_FILTER, CartableFilter, apply_filter
from samad_desk.reports.cartable import UNASSIGNED
from samad_desk.screens.case_live import LiveStoreScreen
from samad_desk.services import error_text
from samad_desk.services.case_actions import CartableData, CaseActions
from samad_desk.text.digits import fa
from samad_desk.widgets import RTLInput, RTLStatic
from samad_desk.widgets.cases import CaseTable, Col

STATE_CYCLE = (OPEN_FILTER, "referred", "in_progress", "answered", "closed", ALL)


def cartable_columns() -> list[Col]:
    return [
        Col("code", "کد رهگیری", 14, lambda r: r.code_display, direction="ltr", keep=True),
        Col("type", "نوع", 7, lambda r: r.type_label),
        Col("subject", "موضوع", 0, lambda r: r.subject, min_width=8),
        Col("citizen", "شهروند", 11, lambda r: r.citizen),
        Col("city", "شهر", 7, lambda r: r.city),
        Col("referred", "ارجاع", 10, lambda r: r.referred_on),
        Col("remaining", "مهلت", 13, lambda r: _cue_text(r), styled=True),
    ]


def _cue_text(row: Any) -> str:
    if row.state in ("answered", "closed"):
        return row.state_label
    text = row.cue.text
    if row.escalated and row.cue.level == "overdue":
        text += " ▲"
    return text


def counts_text(counts: dict[str, int], near: int) -> str:
    parts = [f"{CaseState(s).label} {fa(counts.get(s, 0))}" for s in ("referred", "in_progress", "answered", "closed")]
    parts.append(f"معوق {fa(counts.get('overdue', 0))}")
    parts.append(f"نزدیک مهلت {fa(near)}")
    return " | ".join(parts)


class CartableScreen(LiveStoreScreen, area="cartable"):
    DEFAULT_CSS = """
    CartableScreen #cart-owner { height: 1; }
    CartableScreen #cart-counts { height: 1; }
    CartableScreen #cart-filter { height: 1; }
    CartableScreen #cart-search { height: 1; }
    CartableScreen #cart-table { height: 1fr; }
    """

    def __init__(
        self,
        services: Any,
        *,
        actions: CaseActions | None = None,
        agency_id: str | None = None,
        pushed: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(services, **kwargs)
        self.actions = actions or services.case_actions()
        self.filter = CartableFilter()
        self.data: CartableData | None = None
        self.agency_id: str | None = agency_id
        #: opened over another screen (the supervisor's F11): Esc with an empty search goes back
        self.pushed = pushed
        self.shown: list[Any] = []
        self._reminded: set[str] = set()
        self.refusal: str | None = None

    def compose_body(self) -> ComposeResult:
        yield RTLStatic("", id="cart-owner", truncate=True)
        yield RTLStatic("", id="cart-counts", truncate=True)
        yield RTLStatic("", id="cart-filter", truncate=True)
        yield RTLInput(id="cart-search", label="جستجو", placeholder="کد رهگیری، نام، موضوع یا شهر")
        yield CaseTable(cartable_columns(), id="cart-table")

    def on_mount(self) -> None:
        self.query_one(CaseTable).focus()
        self._show_filter()
        self.reload()  # now, not at the first ScreenResume (one layout pass later)
        self.watch_store(self.actions.store)

    # -- loading
    def start_load(self) -> None:
        self._load(self.agency_id)

    @work(thread=True, exclusive=True, group="cartable-load", exit_on_error=False)
    def _load(self, agency_id: str | None) -> CartableData | None:
        worker = get_current_worker()

        def head(data: CartableData) -> None:
            if not worker.is_cancelled and (self.data is None or self.data.agency != data.agency):
                self.app.call_from_thread(self._loaded, data)
                # let the UI thread draw the head before the GIL-heavy rest is built
                time.sleep(0.03)

        data = self.actions.cartable(agency_id, head=head)
        return None if worker.is_cancelled else data

    @on(Worker.StateChanged)
    def _worker(self, event: Worker.StateChanged) -> None:
        w = event.worker
        if w.group != "cartable-load":
            return
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self.load_ended()
        if event.state == WorkerState.ERROR:
            text = error_text(w.error)
            self.refusal = text
            self.query_one("#cart-owner", RTLStatic).update(text)
            self.query_one(CaseTable).set_rows([])
            return
        if event.state == WorkerState.SUCCESS and w.result is not None:
            self._loaded(w.result)

    def _loaded(self, data: CartableData) -> None:
        self.data = data
        self.refusal = None
        agency = data.agency or {}
        self.agency_id = agency.get("id") or self.agency_id
        name = agency.get("name") or self.agency_id or ""
        owner = f"کارتابل {name}"
        if data.owner:
            owner += f" — به نام {data.owner}"
        self.query_one("#cart-owner", RTLStatic).update(owner)
        counts = "در حال شمارش…" if data.partial else counts_text(data.counts, len(data.near))
        self.query_one("#cart-counts", RTLStatic).update(counts)
        self.query_one(CaseTable).invalidate()
        self._apply(keep_cursor=True)
        if not data.partial:
            self._remind(data)

    def _remind(self, data: CartableData) -> None:
        """Toast once per case: due today/tomorrow, or newly overdue."""
        near = [r for r in data.near if r.id not in self._reminded]
        overdue = [r for r in data.rows if r.overdue and r.id not in self._reminded]
        if not near and not overdue:
            return
        self._reminded.update(r.id for r in near)
        self._reminded.update(r.id for r in overdue)
        parts = []
        if near:
            parts.append(f"مهلت پاسخ {fa(len(near))} پرونده امروز یا روز کاری بعد تمام می‌شود")
        if overdue:
            parts.append(f"{fa(len(overdue))} پرونده از مهلت گذشته و در نمای ناظر دیده می‌شود")
        self.notify("؛ ".join(parts) + ".", title="یادآوری مهلت", severity="warning", markup=False)

    # -- filtering
    def _apply(self, *, keep_cursor: bool = False) -> None:
        table = self.query_one(CaseTable)
        keep = table.current.id if keep_cursor and table.current is not None else None
        rows = self.data.rows if self.data else []
        self.shown = apply_filter(rows, self.filter)
        table.set_rows(self.shown, keep=keep)
        self._show_filter()

    def _show_filter(self) -> None:
        f = self.filter
        text = f"پالایه: {f.describe()} — {fa(len(self.shown))} پرونده"
        if f.assigned and f.assigned != UNASSIGNED:
            text = text.replace("کارشناس انتخابی", f"کارشناس: {self.actions.operator_name(f.assigned)}")
        self.query_one("#cart-filter", RTLStatic).update(text)

    def set_filter(self, **changes: Any) -> None:
        self.filter = replace(self.filter, **changes)
        self._apply()

    @staticmethod
    def _next(values: list[str], current: str) -> str:
        try:
            return values[(values.index(current) + 1) % len(values)]
        except ValueError:
            return values[0]

    def action_cycle_state(self) -> None:
        self.set_filter(state=self._next(list(STATE_CYCLE), self.filter.state))

    def action_cycle_type(self) -> None:
        self.set_filter(type=self._next([ALL, *[t.value for t in CaseType]], self.filter.type))

    def action_cycle_city(self) -> None:
        cities = self.data.cities if self.data else []
        self.set_filter(city=self._next([ALL, *cities], self.filter.city))

    def action_toggle_overdue(self) -> None:
        self.set_filter(overdue=not self.filter.overdue)

    def action_cycle_officer(self) -> None:
        officers = [str(o["id"]) for o in (self.data.officers if self.data else [])]
        self.set_filter(assigned=self._next([ALL, UNASSIGNED, *officers], self.filter.assigned))

    def action_clear_filters(self) -> None:
        self.query_one("#cart-search", RTLInput).value = ""
        self.filter = CartableFilter(state=ALL)
        self._apply()

    def action_cycle_agency(self) -> None:
        if not self.actions.is_supervisor:
            self.notify("فقط کارتابل دستگاه خودتان را می‌توانید ببینید.", title="کارتابل", markup=False)
            return
        ids = self.data.agency_ids if self.data else []
        if not ids:
            return
        self.agency_id = self._next(ids, self.agency_id or "")
        self.filter = CartableFilter()
        self.reload()

    def show_agency(self, agency_id: str) -> None:
        self.agency_id = agency_id
        self.reload()

    # -- search
    @on(RTLInput.Changed, "#cart-search")
    def _search(self, event: RTLInput.Changed) -> None:
        self.set_filter(query=event.value)

    @on(RTLInput.Submitted, "#cart-search")
    def _search_done(self, event: RTLInput.Submitted) -> None:
        event.stop()
        self.query_one(CaseTable).focus()

    def action_clear_search(self) -> None:
        search = self.query_one("#cart-search", RTLInput)
        if search.value:
            search.value = ""
            self.set_filter(query="")
        elif self.pushed:
            self.dismiss(None)
            return
        self.query_one(CaseTable).focus()

    def on_key(self, event: Any) -> None:
        """Typing a letter or digit while the table has focus starts a search."""
        table = self.query_one(CaseTable)
        if self.focused is not table:
            return
        ch = event.character
        if ch and ch.isprintable() and not ch.isspace() and len(ch) == 1 and event.key not in ("enter",):
            search = self.query_one("#cart-search", RTLInput)
            search.focus()
            search.insert_text(ch)
            event.stop()
            event.prevent_default()

    # -- opening a case
    @on(CaseTable.Chosen, "#cart-table")
    def _chosen(self, event: CaseTable.Chosen) -> None:
        event.stop()
        self.open_case(event.row.id)

    def open_case(self, case_id: str) -> None:
        from samad_desk.screens.case_screen import CaseScreen

        self.app.push_screen(CaseScreen(self.services, case_id, actions=self.actions))

    # -- for tests
    @property
    def table(self) -> CaseTable:
        return self.query_one(CaseTable)
