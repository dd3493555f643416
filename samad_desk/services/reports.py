"""Reports for the desk's screens: the facts of the cached cases, scoped to the operator
once per load, and the display names of agencies and operators
(``screens/report_screen.py``, ``screens/scorecard_screen.py``)."""

from __future__ import annotations

from typing import Any

from samad_desk.domain.sla import WorkingCalendar
from samad_desk.reports.memory import DeskReports, store_facts, store_names


def load_reports(store: Any, operator: dict, calendar: WorkingCalendar) -> tuple[DeskReports, dict]:
    """(the operator's :class:`DeskReports`, names for labels); runs in a worker."""
    return DeskReports(store_facts(store, calendar), operator), store_names(store)
