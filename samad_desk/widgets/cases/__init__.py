"""Case lists and charts: the cartable's and the supervisor's keyboard table of cases
(:class:`CaseTable` with its :class:`Col` columns) and the supervisor's bar charts."""

from samad_desk.widgets.cases.chart import ChartView, LinesChart, chart_lines
from samad_desk.widgets.cases.table import CaseTable, Col

__all__ = ["CaseTable", "ChartView", "Col", "LinesChart", "chart_lines"]
