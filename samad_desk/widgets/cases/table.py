"""CaseTable: a virtual right-to-left table of cartable rows.

A DataTable (and so RTLTable) builds and measures every cell of every row up front and
rebuilds them on each filter change; a cartable holds thousands of cases, so this widget
lays out only the rows on screen (cached per row and width) and a filter change only
swaps the row list. Columns run right to left: the first logical column is at the right
edge. Colour marks the deadline cell, but the cell's text («۲ روز تأخیر», «امروز») carries
the meaning on its own; the cursor row is reversed under ``:nocolor``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from samad_desk.text import rtl


@dataclass(frozen=True)
class Col:
    """One logical column: ``value(row) -> str``; ``width`` 0 = takes the space left."""

    key: str
    title: str
    width: int
    value: Callable[[Any], str]
    direction: str = "rtl"
    min_width: int = 6
    styled: bool = False  # the cell gets the row's deadline style
    keep: bool = False  # never narrowed on a small screen (the tracking code is read out whole)


SEP = " "


@dataclass
class RowMessage(Message):
    """A row of a :class:`CaseTable` (its ``Chosen`` and ``Highlighted`` messages)."""

    table: CaseTable
    row: Any

    @property
    def control(self) -> CaseTable:
        return self.table


class CaseTable(ScrollView, can_focus=True):
    """Rows are any objects with ``id`` (and ``cue.level`` for styled columns)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "case-table--header",
        "case-table--cursor",
        "case-table--overdue",
        "case-table--today",
        "case-table--soon",
        "case-table--empty",
    }

    DEFAULT_CSS = """
    CaseTable { height: 1fr; width: 1fr; scrollbar-size-vertical: 1; overflow-x: hidden; }
    CaseTable > .case-table--header { text-style: bold; background: $panel; }
    CaseTable > .case-table--cursor { background: $accent 50%; text-style: bold; }
    CaseTable:nocolor > .case-table--cursor { text-style: reverse bold; }
    CaseTable > .case-table--overdue { color: $error; text-style: bold; }
    CaseTable > .case-table--today { color: $warning; text-style: bold; }
    CaseTable > .case-table--soon { color: $warning; }
    CaseTable > .case-table--empty { color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "بالا", show=False),
        Binding("down", "cursor(1)", "پایین", show=False),
        Binding("pageup", "page(-1)", "صفحه قبل", show=False),
        Binding("pagedown", "page(1)", "صفحه بعد", show=False),
        Binding("home", "edge(0)", "نخستین", show=False),
        Binding("end", "edge(1)", "آخرین", show=False),
        Binding("enter", "choose", "باز کردن پرونده", id="case-table-open"),
    ]

    class Chosen(RowMessage):
        """Enter (or a click) on a row."""

    class Highlighted(RowMessage):
        """The cursor moved to a row."""

    def __init__(self, columns: Sequence[Col], *, empty_text: str = "پرونده‌ای نیست.", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.columns = list(columns)
        self.rows: list[Any] = []
        self.cursor = 0
        self.empty_text = empty_text
        self._widths: list[int] = []
        self._layout_width = -1
        self._cache: dict[str, list[tuple[str, str | None]]] = {}
        self._header: list[tuple[str, str | None]] = []

    # -- data
    def set_rows(self, rows: list[Any], *, keep: str | None = None) -> None:
        """Show ``rows`` (already filtered and ordered); keep the cursor on ``keep`` if present."""
        self.rows = rows
        index = 0
        if keep is not None:
            for i, r in enumerate(rows):
                if r.id == keep:
                    index = i
                    break
        self.cursor = index
        self.virtual_size = Size(self.size.width, len(rows) + 1)
        self._scroll_to_cursor()
        self.refresh()
        self._announce()

    def set_columns(self, columns: Sequence[Col]) -> None:
        """Show other columns (the report screen's measures change with its spec)."""
        self.columns = list(columns)
        self._layout_width = -1
        self._cache.clear()
        self.refresh()

    def invalidate(self) -> None:
        """Forget the laid-out rows (data inside rows changed)."""
        self._cache.clear()
        self.refresh()

    @property
    def current(self) -> Any | None:
        if 0 <= self.cursor < len(self.rows):
            return self.rows[self.cursor]
        return None

    # -- layout
    def _content_width(self) -> int:
        return max(10, self.scrollable_content_region.width or self.size.width or 80)

    def _relayout(self) -> None:
        width = self._content_width()
        if width == self._layout_width:
            return
        self._layout_width = width
        self._cache.clear()
        fixed = sum(c.width for c in self.columns if c.width) + len(SEP) * (len(self.columns) - 1)
        flex = [c for c in self.columns if not c.width]
        spare = width - fixed
        widths = []
        for c in self.columns:
            if c.width:
                widths.append(c.width)
            else:
                widths.append(max(c.min_width, spare // max(1, len(flex))))
        # too narrow: shrink the widest columns until it fits, the kept ones (the tracking
        # code) only when nothing else can give (at 60 columns the code itself was cut)
        def shrinkable() -> list[int]:
            free = [i for i, c in enumerate(self.columns) if not c.keep and widths[i] > 4]
            return free or [i for i in range(len(widths)) if widths[i] > 4]

        while sum(widths) + len(SEP) * (len(widths) - 1) > width and shrinkable():
            i = max(shrinkable(), key=lambda k: widths[k])
            widths[i] -= 1
        self._widths = widths
        self._header = self._compose_cells([(c.title, "rtl", None) for c in self.columns])

    def _cell(self, text: str, width: int, direction: str) -> str:
        if direction == "ltr":
            if len(text) > width:
                text = text[: max(0, width - 1)] + "…"
            return text.ljust(width)
        return rtl.truncate(text, width)

    def _compose_cells(self, cells: list[tuple[str, str, str | None]]) -> list[tuple[str, str | None]]:
        """Visual segments, left to right: the last logical column first."""
        out: list[tuple[str, str | None]] = []
        for i in range(len(cells) - 1, -1, -1):
            text, direction, style = cells[i]
            out.append((self._cell(text, self._widths[i], direction), style))
            if i:
                out.append((SEP, None))
        return out

    def _row_segments(self, row: Any) -> list[tuple[str, str | None]]:
        hit = self._cache.get(row.id)
        if hit is None:
            level = getattr(getattr(row, "cue", None), "level", None)
            style = f"case-table--{level}" if level in ("overdue", "today", "soon") else None
            hit = self._compose_cells([(c.value(row), c.direction, style if c.styled else None) for c in self.columns])
            if len(self._cache) > 4000:
                self._cache.clear()
            self._cache[row.id] = hit
        return hit

    def on_resize(self, event: events.Resize) -> None:
        self._layout_width = -1
        self.virtual_size = Size(self.size.width, len(self.rows) + 1)
        self._scroll_to_cursor()

    def render_line(self, y: int) -> Strip:
        self._relayout()
        width = self.scrollable_content_region.width or self.size.width
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("case-table--header")
            return Strip([Segment(t, style) for t, _ in self._header]).adjust_cell_length(width, style)
        index = int(self.scroll_offset.y) + y - 1
        if not self.rows:
            if y == 1:
                style = base + self.get_component_rich_style("case-table--empty")
                return Strip([Segment(rtl.truncate(self.empty_text, width), style)])
            return Strip.blank(width, base)
        if index >= len(self.rows):
            return Strip.blank(width, base)
        row = self.rows[index]
        line_style = base
        if index == self.cursor:
            line_style = base + self.get_component_rich_style("case-table--cursor")
        segs = []
        for text, cls in self._row_segments(row):
            style: Style = line_style
            if cls is not None:
                style = line_style + self.get_component_rich_style(cls)
                if index == self.cursor:
                    style = style + self.get_component_rich_style("case-table--cursor")
            segs.append(Segment(text, style))
        return Strip(segs).adjust_cell_length(width, line_style)

    # -- movement
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 2)

    def _scroll_to_cursor(self) -> None:
        height = max(1, (self.scrollable_content_region.height or self.size.height or 2) - 1)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            top = self.cursor
        elif self.cursor >= top + height:
            top = self.cursor - height + 1
        self.scroll_to(y=top, animate=False, immediate=True)

    def _move(self, index: int) -> None:
        if not self.rows:
            return
        index = max(0, min(len(self.rows) - 1, index))
        if index == self.cursor:
            return
        self.cursor = index
        self._scroll_to_cursor()
        self.refresh()
        self._announce()

    def _announce(self) -> None:
        self.post_message(self.Highlighted(self, self.current))

    def action_cursor(self, delta: int) -> None:
        self._move(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move(self.cursor + direction * self._page())

    def action_edge(self, end: int) -> None:
        self._move(len(self.rows) - 1 if end else 0)

    def action_choose(self) -> None:
        if self.current is not None:
            self.post_message(self.Chosen(self, self.current))

    def on_click(self, event: events.Click) -> None:
        y = event.y
        if y <= 0:
            return
        index = int(self.scroll_offset.y) + y - 1
        if 0 <= index < len(self.rows):
            if index == self.cursor:
                self.action_choose()
            else:
                self._move(index)

    def row_texts(self, index: int) -> list[str]:
        """The logical cell texts of one row (tests, copy)."""
        row = self.rows[index]
        return [c.value(row) for c in self.columns]
