"""Charts of a measure over time for the report screen, drawn in characters (readable
in 16 colours and under NO_COLOR: the height of a column is its glyphs, not a colour).

Time runs left to right (oldest on the left), as in the scorecard's trend sparkline and
as Persian spreadsheets draw a time axis. Every function returns *visual* lines, each
exactly ``width`` cells; Persian labels are shaped and ordered by the RTL engine.
"""

from __future__ import annotations

from samad_desk.reports.scorecard import SPARK
from samad_desk.text import rtl

#: the dimensions whose values are points in time, in the order they sort
TIME_DIMENSIONS = ("day", "week", "month", "season", "year")


def time_key(value: object) -> tuple:
    """Sort key of a time dimension's value (``1404/02``, ``1404/1``, ISO days…): numeric parts."""
    parts = str(value or "").replace("-", "/").split("/")
    return tuple(int(p) if p.isdigit() else 0 for p in parts)


def spark(values: list[float | None], top: float | None = None) -> str:
    """One character per value, ▁ to █ against ``top`` (the largest value when None); · for none."""
    nums = [v for v in values if v is not None]
    top = top if top is not None else max(nums, default=0) or 1
    out = []
    for v in values:
        if v is None:
            out.append("·")
        else:
            out.append(SPARK[max(0, min(7, int(v / top * 8 - 1e-9)))] if v > 0 else "▁")
    return "".join(out)


def line_chart(points: list[tuple[str, float | None, str]], width: int, *, height: int = 8,
               title: str = "") -> list[str]:
    """A column sparkline ``height`` rows high: one column per point (oldest left), the top
    value on the left of the first row, 0 at the bottom, the first and last labels under the
    axis. ``points``: (label, value or None, value text)."""
    width = max(20, width)
    lines: list[str] = []
    if title:
        lines.append(rtl.truncate(title, width))
    if not points:
        return lines
    values = [v for _, v, _ in points]
    top = max((v for v in values if v is not None), default=0) or 1
    top_text = next((t for _, v, t in points if v == top), "")
    axis_w = max(4, min(10, max(len(top_text), 1) + 1))
    plot_w = width - axis_w - 1
    per = max(1, plot_w // len(points))
    shown = points[-(plot_w // per):]  # the newest when they do not fit
    levels = [None if v is None else round(v / top * height * 8) for _, v, _ in shown]
    for row in range(height, 0, -1):  # the top row first
        cells = []
        for lvl in levels:
            if lvl is None:
                ch = "·" if row == 1 else " "
            else:
                full = lvl - (row - 1) * 8
                ch = "█" if full >= 8 else SPARK[full - 1] if full > 0 else ("▁" if row == 1 and lvl == 0 else " ")
            cells.append(ch * per)
        axis = top_text.rjust(axis_w - 1) if row == height else ("۰".rjust(axis_w - 1) if row == 1 else "")
        lines.append(f"{axis.ljust(axis_w - 1)} │{''.join(cells)}"[:width].ljust(width))
    lines.append(f"{' ' * (axis_w - 1)} └{'─' * (per * len(shown))}"[:width].ljust(width))
    half = max(4, (per * len(shown)) // 2)
    first = rtl.truncate(shown[0][0], half).strip()
    last = rtl.truncate(shown[-1][0], half).strip() if len(shown) > 1 else ""
    gap = max(1, per * len(shown) - len(first) - len(last))
    lines.append(f"{' ' * (axis_w + 1)}{first}{' ' * gap}{last}"[:width].ljust(width))
    return lines
