"""Pure reports over cases: cartable rows and filters, deadline cues, overdue lists,
escalation candidates and each agency's responsiveness. No Textual, no I/O: the screens
feed them lists of case dicts and a :class:`~samad_desk.domain.sla.WorkingCalendar`."""

from samad_desk.reports.cartable import (
    ALL,
    OPEN_FILTER,
    CartableFilter,
    CartableRow,
    apply_filter,
    build_row,
    build_rows,
    state_counts,
)
from samad_desk.reports.deadlines import (
    REMIND_DAYS,
    DeadlineCue,
    deadline_cue,
    escalation_candidates,
    near_deadline,
    overdue_cases,
)
from samad_desk.reports.responsiveness import (
    AgencyStats,
    bar,
    bar_chart,
    province_cases,
    queue_counts,
    responsiveness,
)

__all__ = [
    "ALL", "OPEN_FILTER", "REMIND_DAYS", "AgencyStats", "CartableFilter", "CartableRow",
    "DeadlineCue", "apply_filter", "bar", "bar_chart", "build_row", "build_rows",
    "deadline_cue", "escalation_candidates", "near_deadline", "overdue_cases",
    "province_cases", "queue_counts", "responsiveness", "state_counts",
]
