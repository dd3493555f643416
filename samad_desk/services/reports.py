"""Reports for the desk's screens (``screens/report_screen.py``, ``scorecard_screen.py``):
the facts of the cached cases scoped to the operator once per load, display names, the
cases behind a result row, and store-change notices — so the screens never touch the
store themselves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from samad_desk.domain.permissions import may_open_reports
from samad_desk.reports.memory import BuildStopped, DeskReports, drill_ids, facts_cache
from samad_desk.reports.spec import ReportSpec

#: the report the report screen shows first; the pre-build runs it too, so the first
#: Shift+F2 after start finds its answer kept (``DeskReports.result``)
FIRST_ROWS = ("agency",)
FIRST_MEASURES = ("cases", "open", "overdue", "in_time_pct", "mean_days")


def first_spec() -> ReportSpec:
    return ReportSpec("گزارش", rows=FIRST_ROWS, measures=FIRST_MEASURES)


class ReportService:
    """Report reads over one :class:`~samad_desk.services.case_actions.CaseActions`."""

    def __init__(self, actions: Any) -> None:
        self.actions = actions

    def load(self) -> tuple[DeskReports, dict[str, dict[str, str]]]:
        """(the operator's :class:`DeskReports`, names for labels); runs in a worker. The
        facts are the store's :class:`~samad_desk.reports.memory.FactsCache`: built on the
        first load, then only the changed cases are rebuilt."""
        a = self.actions
        cache = facts_cache(a.store, a.calendar)
        return cache.desk(a.operator), cache.names()

    def ready(self) -> tuple[DeskReports, dict[str, dict[str, str]]] | None:
        """What :meth:`load` returns when it is ready now (built, scoped and current:
        the pre-build or an earlier screen made it), else None; never builds nor waits,
        so the UI thread may ask."""
        a = self.actions
        cache = facts_cache(a.store, a.calendar)
        desk = cache.ready(a.operator)
        return None if desk is None else (desk, cache.names())

    def prebuild(self, stop: Callable[[], bool] | None = None) -> bool:
        """Build the operator's report facts ahead of the first report (the desk calls it
        in a worker once idle after start); False, doing nothing, for a role that opens no
        reports, or when ``stop()`` ended the build (the desk quitting: nothing kept, a
        later reader builds). A report opened meanwhile waits for this build instead of
        starting its own."""
        a = self.actions
        if not may_open_reports((a.operator or {}).get("role")):
            return False
        cache = facts_cache(a.store, a.calendar)
        try:
            desk = cache.desk(a.operator, stop)
        except BuildStopped:
            return False
        if stop is None or not stop():
            desk.result(first_spec(), today=a.today(), calendar=a.calendar, names=cache.names())
        return True

    def drill(self, desk: DeskReports, spec: ReportSpec, key: tuple) -> list[Any]:
        """Cartable rows of the cases behind one result row (``()``: the total)."""
        a = self.actions
        ids = drill_ids(desk.facts, spec, key, today=a.today(), calendar=a.calendar)
        cases = [c for c in (a.store.get("case", i) for i in ids) if c is not None]
        return a.rows(cases)

    def subscribe(self, callback: Callable[[Any], None]) -> Callable[[], None]:
        """Store-change notices (``LiveStoreScreen.watch_store`` takes this service)."""
        return self.actions.store.subscribe(callback)
