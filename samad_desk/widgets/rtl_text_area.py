"""RTLTextArea: multi-line Persian text for case descriptions (design/rtl.md §5).

The value is logical (paragraphs separated by ``\\n``) and wrapped to the width by the
engine; the caret is a logical index drawn with the same affinity policy as RTLInput.
Up/down move to the visually nearest position on the neighbouring row; enter inserts a
new paragraph. The label, if any, is the first row (right-aligned), the error the last.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.binding import Binding
from textual.geometry import Offset, Size
from textual.strip import Strip

from samad_desk.domain.reducer import MAX_TEXT
from samad_desk.text import rtl
from samad_desk.text.normalize import normalize
from samad_desk.text.rtl_caret import caret_cell, is_stop
from samad_desk.widgets.rtl_cells import merge_cells
from samad_desk.widgets.rtl_input import RTLInput


class RTLTextArea(RTLInput):
    """A wrapped, multi-line RTL editor (simpler than TextArea: no undo, no syntax)."""

    DEFAULT_CSS = """
    RTLTextArea { height: 6; width: 1fr; }
    """

    BINDINGS = [
        Binding("up", "cursor_up", "بالا", show=False),
        Binding("down", "cursor_down", "پایین", show=False),
        Binding("shift+up", "cursor_up(True)", "انتخاب بالا", show=False),
        Binding("shift+down", "cursor_down(True)", "انتخاب پایین", show=False),
        Binding("enter", "newline", "سطر نو", show=False),
    ]

    def __init__(self, value: str = "", **kwargs) -> None:
        kwargs.setdefault("limit", MAX_TEXT)
        super().__init__(value, **kwargs)
        self._top = 0

    def _clean(self, text: str) -> str:
        return normalize(text)

    def _pasted(self, text: str) -> str:  # keep the paragraphs of pasted text
        return text

    def action_newline(self) -> None:
        self.insert_text("\n")

    # ------------------------------------------------------------------ geometry

    def _area_width(self) -> int:
        return max(2, self.size.width - 1)  # one spare cell on the left for the caret

    def _rows(self) -> tuple[rtl.LineLayout, ...]:
        return rtl.layout_lines(self.display_text(), self._area_width(), base=self.direction)

    def _label_rows(self) -> int:
        return 1 if self.label else 0

    def _area_height(self) -> int:
        errors = len(self._error_lines(self.size.width)) if self.error else 0
        return max(1, self.size.height - self._label_rows() - errors)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._label_rows() + max(1, len(rtl.layout_lines(self._value, max(2, width - 1))))

    def _row_of(self, pos: int, rows: tuple[rtl.LineLayout, ...]) -> int:
        for r, line in enumerate(rows):
            if line.start <= pos < line.end:
                return r
            if pos == line.end and (r + 1 == len(rows) or rows[r + 1].start > pos):
                return r
        return len(rows) - 1

    def _caret_cell(self, rows, r: int) -> int:
        return caret_cell(rows[r], self._cursor, field_rtl=self.field_rtl)

    def caret_offset(self) -> Offset:
        rows = self._rows()
        r = self._row_of(self._cursor, rows)
        self._scroll_to_row(r)
        col = self._caret_cell(rows, r) + 1
        col = max(0, min(self.size.width - 1, col))
        return Offset(col, self._label_rows() + r - self._top)

    def _scroll_to_row(self, r: int) -> None:
        h = self._area_height()
        if r < self._top:
            self._top = r
        elif r >= self._top + h:
            self._top = r - h + 1

    # ------------------------------------------------------------------ movement

    def _stop(self, pos: int) -> bool:
        rows = self._rows()
        return is_stop(rows[self._row_of(pos, rows)], pos)

    def _step(self, delta: int) -> int:
        p = self._cursor
        n = len(self._value)
        while True:
            p += delta
            if p <= 0 or p >= n:
                return max(0, min(n, p))
            if self._value[p - 1] == "\n" or self._value[p] == "\n" or self._stop(p):
                return p

    def _forward(self, select: bool) -> None:
        a, b = self.selection
        self._move(b if (not select and a != b) else self._step(+1), select)

    def _back(self, select: bool) -> None:
        a, b = self.selection
        self._move(a if (not select and a != b) else self._step(-1), select)

    def _vertical(self, delta: int, select: bool) -> None:
        rows = self._rows()
        r = self._row_of(self._cursor, rows)
        target = r + delta
        if not 0 <= target < len(rows):
            self._move(0 if delta < 0 else len(self._value), select)
            return
        col = self._caret_cell(rows, r)
        line = rows[target]
        best, best_d = line.start, None
        for p in range(line.start, line.end + 1):
            if p == line.end and target + 1 < len(rows) and rows[target + 1].start == p:
                continue
            d = abs(caret_cell(line, p, field_rtl=self.field_rtl) - col)
            if best_d is None or d < best_d:
                best, best_d = p, d
        self._move(best, select)

    def action_cursor_up(self, select: bool = False) -> None:
        self._vertical(-1, select)

    def action_cursor_down(self, select: bool = False) -> None:
        self._vertical(+1, select)

    def action_home(self, select: bool = False) -> None:
        rows = self._rows()
        self._move(rows[self._row_of(self._cursor, rows)].start, select)

    def action_end(self, select: bool = False) -> None:
        rows = self._rows()
        line = rows[self._row_of(self._cursor, rows)]
        end = line.end
        if end > line.start and self._value[end - 1 : end] == " " and end < len(self._value):
            end -= 1  # before the wrap space, so the caret stays on this row
        self._move(end, select)

    # ------------------------------------------------------------------ drawing

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        label_rows = self._label_rows()
        if y < label_rows:
            style = self.get_component_rich_style("rtl-input--label")
            text = rtl.truncate(self.label, width)
            return (
                Strip([Segment(text, style)]).adjust_cell_length(width).apply_style(self.rich_style)
            )
        area_h = self._area_height()
        if y >= label_rows + area_h:
            lines = self._error_lines(width) if self.error else []
            i = y - label_rows - area_h
            text = lines[i] if 0 <= i < len(lines) else ""
            style = self.get_component_rich_style("rtl-input--error")
            return (
                Strip([Segment(text, style)]).adjust_cell_length(width).apply_style(self.rich_style)
            )
        rows = self._rows()
        caret = self.caret_offset() if self.has_focus and self._cursor_visible else None
        r = self._top + y - label_rows
        field_style = self.get_component_rich_style("rtl-input--field")
        cells: list[list] = [[" ", field_style] for _ in range(width)]
        if r < len(rows):
            if not self._value and self.placeholder:
                ph = rtl.truncate_line(self.placeholder, self._area_width())
                style = field_style + self.get_component_rich_style("rtl-input--placeholder")
                self._paint(cells, ph, 1, style, None, None)
            else:
                sel_style = field_style + self.get_component_rich_style("rtl-input--selection")
                self._paint(cells, rows[r], 1, field_style, self.selection, sel_style)
        if caret is not None and caret.y == y and 0 <= caret.x < width:
            cells[caret.x][1] = self._caret_style(cells[caret.x][1])
        return Strip(merge_cells(cells)).adjust_cell_length(width).apply_style(self.rich_style)
