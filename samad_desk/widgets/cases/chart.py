"""The supervisor's bar charts (share answered in time and overdue now, per agency) and
the report screen's chart (any lines laid out for a width)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from samad_desk.reports import AgencyStats, bar_chart
from samad_desk.text import rtl
from samad_desk.text.digits import fa
from samad_desk.widgets.rtl_label import RTLStatic


def chart_lines(stats: list[AgencyStats], width: int) -> list[str]:
    """Two small charts: share answered in time, and overdue now (visual lines)."""
    width = max(40, width)
    lines = [_title("پاسخ در موعد (درصد پاسخ‌ها)", width)]
    lines += bar_chart([(s.name, s.in_time_pct or 0, s.in_time_text) for s in stats], width, maximum=100)
    lines.append(" " * width)
    lines.append(_title("پرونده‌های معوق اکنون", width))
    top = max((s.overdue for s in stats), default=0) or 1
    lines += bar_chart([(s.name, s.overdue, fa(s.overdue)) for s in stats], width, maximum=top)
    return lines


def _title(text: str, width: int) -> str:
    return rtl.truncate(text, width)


class ChartView(RTLStatic):
    """Pre-laid-out visual lines (the bars must not be re-ordered again)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.stats: list[AgencyStats] = []

    def show(self, stats: list[AgencyStats]) -> None:
        self.stats = stats
        self.text = "\n".join(chart_lines(stats, 78))  # logical copy for tests and height
        self.refresh(layout=True)

    def visual_lines(self, width: int | None = None) -> list[str]:
        return chart_lines(self.stats, (self.size.width if width is None else width) or 78)

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return len(chart_lines(self.stats, width or 78))


class LinesChart(RTLStatic):
    """Pre-laid-out visual lines from ``lines(width)`` (bars must not be reordered again)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.lines: Callable[[int], list[str]] = lambda width: []

    def show(self, lines: Callable[[int], list[str]]) -> None:
        self.lines = lines
        self.text = "\n".join(lines(78))  # a logical copy for tests and the height
        self.refresh(layout=True)

    def visual_lines(self, width: int | None = None, height: int | None = None) -> list[str]:
        return self.lines((self.size.width if width is None else width) or 78)

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return len(self.lines(width or 78))
