"""Cells of a right-to-left field row: a laid-out line painted into a list of
``[text, style]`` cells (with a selection), and the cells merged into Rich segments.
Shared by :class:`RTLInput` and :class:`RTLTextArea`."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style

from samad_desk.text import rtl


def paint_line(
    cells: list[list],
    line: rtl.LineLayout,
    x0: int,
    style: Style,
    selection: tuple[int, int] | None,
    selection_style: Style | None,
) -> None:
    """Put ``line``'s visual cells into ``cells`` (``[text, style]`` per cell) from column
    ``x0``; a mark joins the cell before it, a wide character fills its extra cells with
    "", cells outside ``cells`` are dropped; logical indices in ``selection`` take
    ``selection_style``."""
    k = 0
    last = -1
    for ch in line.visual:
        w = rtl.char_cells(ch)
        col = x0 + k
        if w == 0:
            if 0 <= last < len(cells):
                cells[last][0] += ch
            continue
        if 0 <= col and col + w <= len(cells):
            logical = line.cell_to_logical[k]
            cell_style = style
            if selection and selection_style and selection[0] <= logical < selection[1]:
                cell_style = selection_style
            cells[col] = [ch, cell_style]
            for extra in range(1, w):
                cells[col + extra] = ["", cell_style]
            last = col
        else:
            last = -1
        k += w


def merge_cells(cells: list[list]) -> list[Segment]:
    """Neighbouring cells of one style as one segment."""
    out: list[Segment] = []
    buf = ""
    style = None
    for text, st in cells:
        if st is style or st == style:
            buf += text
        else:
            if buf:
                out.append(Segment(buf, style))
            buf, style = text, st
    if buf:
        out.append(Segment(buf, style))
    return out
