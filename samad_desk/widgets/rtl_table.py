"""RTLTable: a DataTable laid out right to left (design/rtl.md §5).

Columns are added in reverse logical order, so the first logical column is on the right,
and the cursor starts there; the stock arrows then move in reading order. Persian cells are
laid-out visual ``Text`` (right-justified); LTR cells (IDs, phones, e-mail) are left-justified
and untouched. The logical record of every row is kept: sorting, search and copy use it,
never the presentation forms on screen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Self

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from samad_desk.text import rtl
from samad_desk.text.digits import to_persian_digits
from samad_desk.text.normalize import name_key, normalize


@dataclass(frozen=True)
class RTLColumn:
    """One logical column: ``key`` in the record, Persian ``title``, ``direction`` rtl|ltr,
    an optional ``format`` (value → display text) and a ``max_width`` in cells."""

    key: str
    title: str
    direction: str = "rtl"
    max_width: int = 30
    persian_digits: bool = False
    format: Callable[[Any], str] | None = None


class RTLTable(DataTable):
    """DataTable with right-to-left columns and a row key → logical record map."""

    DEFAULT_CSS = """
    RTLTable { width: auto; max-width: 100%; height: auto; max-height: 100%; }
    """

    BINDINGS = [Binding("ctrl+c", "copy_row", "رونوشت سطر", show=False)]

    def __init__(self, columns: Iterable[RTLColumn] = (), **kwargs: Any) -> None:
        self._pinned = True  # kept at the right end (the first columns) until scrolled away
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)
        self.rtl_columns: list[RTLColumn] = list(columns)
        self.records: dict[RowKey, Mapping[str, Any]] = {}
        self._columns_added = False

    def on_mount(self) -> None:
        self._ensure_columns()
        self.move_cursor(column=len(self.rtl_columns) - 1)
        self.call_after_refresh(self._keep_start)

    # -- shown from the right end. Right to left, the first columns are on the right, and a
    # table wider than the screen is shown from there, as DataTable shows its left end: on
    # mount, after every clear() (DataTable.clear scrolls to x=0, the last columns here)
    # and whenever its size or its rows' width change, until the operator scrolls it
    # sideways. Rows read in a worker widened the table after a one-off scroll made over
    # the headers alone: the duplicates queue at 80 columns showed its reasons and IDs,
    # not its status and names.
    def _keep_start(self) -> None:
        if self._pinned:
            self.scroll_to(x=self.max_scroll_x, animate=False, immediate=True)

    def _pin_now_and_after_refresh(self) -> None:
        self._keep_start()
        self.call_after_refresh(self._keep_start)

    def watch_virtual_size(self, old: Size, new: Size) -> None:
        if new.width != old.width:
            self._pin_now_and_after_refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._pin_now_and_after_refresh()

    def clear(self, columns: bool = False) -> Self:
        super().clear(columns)
        self._pinned = True
        self._pin_now_and_after_refresh()
        return self

    def _scroll_cursor_into_view(self, animate: bool = False) -> None:
        super()._scroll_cursor_into_view(animate=animate)
        if self.cursor_type == "row":  # a row's region starts at x=0: back to the right end
            self._keep_start()

    def action_cursor_left(self) -> None:
        if self.cursor_type == "row":
            self._pinned = False  # the operator scrolls towards the last columns
        super().action_cursor_left()

    def action_scroll_home(self) -> None:
        self._pinned = False
        super().action_scroll_home()

    def action_scroll_end(self) -> None:
        self._pinned = True
        super().action_scroll_end()

    def _on_mouse_scroll_left(self, event: events.MouseScrollLeft) -> None:
        self._pinned = False
        super()._on_mouse_scroll_left(event)

    def _ensure_columns(self) -> None:
        if self._columns_added:
            return
        self._columns_added = True
        for col in reversed(self.rtl_columns):
            label = rtl.truncate_line(col.title, col.max_width, base="rtl").content
            justify = "right" if col.direction == "rtl" else "left"
            self.add_column(Text(label, justify=justify), key=col.key)

    def cell_text(self, column: RTLColumn, value: Any) -> Text:
        raw = column.format(value) if column.format else ("" if value is None else str(value))
        if column.direction == "ltr":
            shown = to_persian_digits(raw) if column.persian_digits else raw
            shown = normalize(shown)
            if rtl.text_cells(shown) > column.max_width:
                shown = rtl.truncate_line(shown, column.max_width, base="ltr").content
            return Text(shown, justify="left", no_wrap=True, overflow="ignore")
        if column.persian_digits:
            raw = to_persian_digits(raw)
        line = rtl.truncate_line(raw, column.max_width, base="rtl")
        return Text(line.content, justify="right", no_wrap=True, overflow="ignore")

    def add_record(self, record: Mapping[str, Any], key: str | None = None) -> RowKey:
        """Add one logical record as a row (cells in reverse column order)."""
        self._ensure_columns()
        cells = [self.cell_text(col, record.get(col.key)) for col in reversed(self.rtl_columns)]
        row_key = self.add_row(*cells, key=key)
        self.records[row_key] = record
        return row_key

    def add_records(
        self, records: Iterable[Mapping[str, Any]], key_field: str | None = "id"
    ) -> None:
        for record in records:
            self.add_record(record, key=str(record[key_field]) if key_field else None)

    def clear_records(self) -> None:
        self.clear()
        self.records.clear()

    def record(self, row_key: RowKey | str) -> Mapping[str, Any]:
        if isinstance(row_key, str):
            row_key = RowKey(row_key)
        return self.records[row_key]

    @property
    def cursor_record(self) -> Mapping[str, Any] | None:
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return self.records.get(row_key)

    def sort_by(self, column_key: str, *, reverse: bool = False) -> None:
        """Sort on the logical values (a Persian folding key for text), never on glyphs."""

        def key(row_key: RowKey) -> Any:
            value = self.records[row_key].get(column_key)
            if isinstance(value, str):
                return name_key(value)
            return (value is None, value)

        ordered = sorted(self.records, key=key, reverse=reverse)
        records = [(row_key.value, self.records[row_key]) for row_key in ordered]
        self.clear_records()
        for value, record in records:
            self.add_record(record, key=value)

    def search(self, query: str) -> list[RowKey]:
        """Rows whose logical text contains ``query`` (Persian-folded, any digit script)."""
        needle = name_key(query)
        if not needle:
            return list(self.rows)
        hits = []
        for row_key, record in self.records.items():
            hay = " ".join(name_key(str(v)) for v in record.values() if v is not None)
            if needle in hay:
                hits.append(row_key)
        return hits

    def copy_text(self, row_key: RowKey | str) -> str:
        """The logical text of a row (tab separated, logical column order) for copying."""
        record = self.record(row_key)
        return "\t".join(
            "" if record.get(c.key) is None else str(record.get(c.key)) for c in self.rtl_columns
        )

    def action_copy_row(self) -> None:
        """Copy the highlighted row's logical text (OSC 52 through the app clipboard)."""
        if self.row_count:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
            self.app.copy_to_clipboard(self.copy_text(row_key))
