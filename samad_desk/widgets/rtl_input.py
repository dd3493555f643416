"""RTLInput: a one-line text field for Persian (design/rtl.md §5).

The value is logical and normalized; ``cursor_position`` is a logical index. The field is
drawn through the layout engine (visual, shaped), right-aligned, with one spare cell at each
end for the caret; the label sits on the right of the field, as in a Persian form, and a
validation message (Persian) on the row under it.

Keys (no plain letters: with the Persian layout they arrive as Persian characters):
left/right move in reading order (in an RTL field left moves *forward*), ctrl+left/right by
word, home/end to the logical start/end, shift+arrows/home/end select, backspace/delete,
ctrl+backspace/ctrl+w delete a word, enter submits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Offset, Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from samad_desk.text import rtl
from samad_desk.text.limits import too_long_message
from samad_desk.text.normalize import normalize
from samad_desk.text.rtl_caret import caret_cell, step, word_backward, word_forward
from samad_desk.widgets.rtl_cells import merge_cells, paint_line

ZWNJ = "\u200c"

Validator = Callable[[str], "str | None"]


class RTLInput(Widget, can_focus=True):
    """A single-line Persian input: logical value, visual drawing, a stated caret policy."""

    DEFAULT_CSS = """
    RTLInput {
        height: auto;
        width: 1fr;
        min-height: 1;
    }
    RTLInput > .rtl-input--field { background: $foreground 8%; color: $foreground; }
    RTLInput:focus > .rtl-input--field { background: $primary 20%; }
    RTLInput > .rtl-input--cursor { text-style: reverse; }
    RTLInput > .rtl-input--selection { background: $primary 50%; }
    RTLInput > .rtl-input--placeholder { color: $text-muted; }
    RTLInput > .rtl-input--label { color: $foreground; }
    RTLInput:focus > .rtl-input--label { text-style: bold; }
    RTLInput > .rtl-input--error { color: $text-error; }
    RTLInput:ansi > .rtl-input--field { background: ansi_default; text-style: underline; }
    RTLInput:nocolor > .rtl-input--field {
        background: $background; color: $foreground; text-style: underline;
    }
    RTLInput:nocolor:focus > .rtl-input--field { background: $background; }
    RTLInput:nocolor > .rtl-input--selection { text-style: reverse underline; }
    RTLInput:nocolor > .rtl-input--error { text-style: bold; }
    RTLInput:nocolor > .rtl-input--placeholder { text-style: dim italic; }
    """

    COMPONENT_CLASSES = {
        "rtl-input--field",
        "rtl-input--cursor",
        "rtl-input--selection",
        "rtl-input--placeholder",
        "rtl-input--label",
        "rtl-input--error",
    }

    BINDINGS = [
        Binding("left", "cursor_left", "چپ", show=False),
        Binding("right", "cursor_right", "راست", show=False),
        Binding("ctrl+left", "word_left", "کلمه چپ", show=False),
        Binding("ctrl+right", "word_right", "کلمه راست", show=False),
        Binding("home", "home", "ابتدا", show=False),
        Binding("end", "end", "انتها", show=False),
        Binding("shift+left", "cursor_left(True)", "انتخاب چپ", show=False),
        Binding("shift+right", "cursor_right(True)", "انتخاب راست", show=False),
        Binding("ctrl+shift+left", "word_left(True)", "انتخاب کلمه چپ", show=False),
        Binding("ctrl+shift+right", "word_right(True)", "انتخاب کلمه راست", show=False),
        Binding("shift+home", "home(True)", "انتخاب تا ابتدا", show=False),
        Binding("shift+end", "end(True)", "انتخاب تا انتها", show=False),
        Binding("backspace", "delete_left", "پاک‌کردن", show=False),
        Binding("delete", "delete_right", "حذف", show=False),
        Binding("ctrl+backspace,ctrl+w", "delete_word_left", "پاک‌کردن کلمه", show=False),
        Binding("ctrl+delete", "delete_word_right", "حذف کلمه", show=False),
        Binding("enter", "submit", "ثبت", show=False),
        Binding("ctrl+c", "copy", "رونوشت", show=False),
        Binding("ctrl+x", "cut", "برش", show=False),
        Binding("ctrl+v", "paste", "چسباندن", show=False),
    ]

    @dataclass
    class Changed(Message, namespace="rtl_input"):
        """The value changed (logical, normalized)."""

        rtl_input: RTLInput
        value: str

        @property
        def control(self) -> RTLInput:
            return self.rtl_input

    @dataclass
    class Submitted(Message, namespace="rtl_input"):
        """Enter was pressed; ``error`` is the validation message, or None when valid."""

        rtl_input: RTLInput
        value: str
        error: str | None = None

        @property
        def control(self) -> RTLInput:
            return self.rtl_input

    #: ``rtl`` (Persian text), ``ltr`` (IDs, phones, e-mail) or ``auto`` (first strong)
    direction = "rtl"

    error: reactive[str | None] = reactive(None, layout=True)
    placeholder: reactive[str] = reactive("")
    label: reactive[str] = reactive("", layout=True)

    def __init__(
        self,
        value: str = "",
        *,
        placeholder: str = "",
        label: str = "",
        label_width: int | None = None,
        validator: Validator | None = None,
        max_length: int = 0,
        limit: int = 0,
        limit_label: str = "",
        direction: str | None = None,
        cursor_blink: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        if direction is not None:
            self.direction = direction
        self._value = self._clean(value)
        self._cursor = len(self._value)
        self._anchor: int | None = None  # selection anchor (logical)
        self._view = 0  # first content cell shown in the field
        self._follow_end = True
        self.validator = validator
        self.max_length = max_length
        #: a paste that makes the value longer than this is kept, with the field's message
        self.limit = limit
        #: the field's name in that message (when the label is drawn outside the widget)
        self.limit_label = limit_label
        self.label_width = label_width
        self.cursor_blink = cursor_blink
        self._cursor_visible = True
        self.set_reactive(RTLInput.placeholder, placeholder)
        self.set_reactive(RTLInput.label, label)

    # ------------------------------------------------------------------ value and cursor

    @property
    def value(self) -> str:
        return self._value

    @value.setter
    def value(self, new: str) -> None:
        self._set_value(self._clean(new), len(self._clean(new)))

    @property
    def cursor_position(self) -> int:
        return self._cursor

    @cursor_position.setter
    def cursor_position(self, pos: int) -> None:
        self._cursor = max(0, min(len(self._value), pos))
        self._anchor = None
        self._after_move()

    @property
    def selection(self) -> tuple[int, int]:
        """The selected logical range ``(start, end)``; empty when start == end."""
        if self._anchor is None:
            return (self._cursor, self._cursor)
        return (min(self._anchor, self._cursor), max(self._anchor, self._cursor))

    @property
    def selected_text(self) -> str:
        a, b = self.selection
        return self._value[a:b]

    @property
    def field_rtl(self) -> bool:
        if self.direction == "auto":
            return rtl.base_level_of(self._value, "auto") == 1
        return self.direction != "ltr"

    def _clean(self, text: str) -> str:
        """Normalize typed or pasted text to what the value may hold (one line)."""
        text = normalize(text).replace("\n", " ")
        return text

    def _filter_insert(self, text: str) -> str:
        """Hook for subclasses (LTR fields convert digits and drop other characters)."""
        return text

    def display_text(self) -> str:
        """What is drawn for the value (LTR fields show Persian digits, 1:1 with the value)."""
        return self._value

    def _set_value(self, value: str, cursor: int) -> None:
        if self.max_length and len(value) > self.max_length:
            value = value[: self.max_length]
        changed = value != self._value
        self._value = value
        self._cursor = max(0, min(len(value), cursor))
        self._anchor = None
        if changed:
            if self.error is not None:
                self.error = None
            self.post_message(self.Changed(self, value))
        self._after_move()

    def _after_move(self) -> None:
        self._cursor_visible = True
        self.refresh()
        if self.is_mounted and self.has_focus:
            self.call_after_refresh(self._update_hardware_cursor)

    # ------------------------------------------------------------------ editing

    def insert_text(self, text: str) -> None:
        """Insert (typed or pasted) text at the caret, replacing the selection."""
        text = self._filter_insert(self._clean(text))
        if not text:
            return
        a, b = self.selection
        left = normalize(self._value[:a] + text)
        new = normalize(left + self._value[b:])
        cursor = len(left) if new.startswith(left) else len(new) - len(self._value[b:])
        self._set_value(new, cursor)

    def _delete_range(self, a: int, b: int) -> None:
        if a == b:
            return
        self._set_value(self._value[:a] + self._value[b:], a)

    def action_delete_left(self) -> None:
        a, b = self.selection
        if a != b:
            self._delete_range(a, b)
        elif a > 0:
            self._delete_range(a - 1, a)  # one code point: lam-alef loses one letter

    def action_delete_right(self) -> None:
        a, b = self.selection
        if a != b:
            self._delete_range(a, b)
        elif a < len(self._value):
            self._delete_range(a, a + 1)

    def action_delete_word_left(self) -> None:
        self._delete_range(word_backward(self._value, self._cursor), self._cursor)

    def action_delete_word_right(self) -> None:
        self._delete_range(self._cursor, word_forward(self._value, self._cursor))

    def clear(self) -> None:
        self.value = ""

    # ------------------------------------------------------------------ movement

    def _line(self) -> rtl.LineLayout:
        return rtl.layout_line(self.display_text(), base=self.direction)

    def _move(self, pos: int, select: bool) -> None:
        if select:
            if self._anchor is None:
                self._anchor = self._cursor
        else:
            self._anchor = None
        self._cursor = max(0, min(len(self._value), pos))
        if self._anchor == self._cursor:
            self._anchor = None
        self._after_move()

    def _forward(self, select: bool) -> None:
        a, b = self.selection
        if not select and a != b:
            self._move(b, False)
        else:
            self._move(step(self._line(), self._cursor, +1), select)

    def _back(self, select: bool) -> None:
        a, b = self.selection
        if not select and a != b:
            self._move(a, False)
        else:
            self._move(step(self._line(), self._cursor, -1), select)

    def action_cursor_left(self, select: bool = False) -> None:
        # in an RTL field, left is forward in reading order
        (self._forward if self.field_rtl else self._back)(select)

    def action_cursor_right(self, select: bool = False) -> None:
        (self._back if self.field_rtl else self._forward)(select)

    def action_word_left(self, select: bool = False) -> None:
        if self.field_rtl:
            self._move(word_forward(self._value, self._cursor), select)
        else:
            self._move(word_backward(self._value, self._cursor), select)

    def action_word_right(self, select: bool = False) -> None:
        if self.field_rtl:
            self._move(word_backward(self._value, self._cursor), select)
        else:
            self._move(word_forward(self._value, self._cursor), select)

    def action_home(self, select: bool = False) -> None:
        self._move(0, select)

    def action_end(self, select: bool = False) -> None:
        self._move(len(self._value), select)

    def action_select_all(self) -> None:
        self._anchor = 0
        self._cursor = len(self._value)
        self._after_move()

    def action_copy(self) -> None:
        """Copy the *logical* selection (or the whole value) through the app's clipboard,
        which also sends OSC 52: a terminal selection would copy visual presentation forms."""
        self.app.copy_to_clipboard(self.selected_text or self._value)

    def action_cut(self) -> None:
        a, b = self.selection
        if a != b:
            self.app.copy_to_clipboard(self._value[a:b])
            self._delete_range(a, b)

    def action_paste(self) -> None:
        if self.app.clipboard:
            self.paste(self.app.clipboard)

    def validate(self) -> str | None:
        """Run the validator; show and return its Persian message (None when valid)."""
        message = self.validator(self._value) if self.validator else None
        self.error = message
        return message

    def action_submit(self) -> None:
        error = self.validate()
        self.post_message(self.Submitted(self, self._value, error))

    # ------------------------------------------------------------------ events

    def check_consume_key(self, key: str, character: str | None) -> bool:
        if key == "zero_width_non_joiner":
            return True
        return character is not None and (character.isprintable() or character == ZWNJ)

    async def _on_key(self, event: events.Key) -> None:
        ch = event.character
        if ch is None and event.key == "zero_width_non_joiner":  # Shift+Space, Persian layout
            ch = ZWNJ
        if ch is not None and (event.is_printable or ch == ZWNJ) and len(ch) == 1:
            event.stop()
            event.prevent_default()
            self.insert_text(ch)

    def _on_paste(self, event: events.Paste) -> None:
        # Textual runs the ``_on_paste`` of every class in the MRO until prevent_default():
        # this is the only one (subclasses shape the text with ``_pasted``), and it ends there
        event.prevent_default()
        event.stop()
        if event.text:
            self.paste(event.text)

    def _pasted(self, text: str) -> str:
        """What of a paste goes into the value (a one-line field: the lines joined)."""
        return " ".join(text.splitlines())

    def paste(self, text: str) -> None:
        """Insert pasted text once, normalised like typed text. Too long for a field with a
        ``max_length``: nothing is inserted and the field says so; longer than ``limit``:
        inserted, and the field says it is too long (the text is kept, to be shortened)."""
        text = self._filter_insert(self._clean(self._pasted(text)))
        if not text:
            return
        a, b = self.selection
        length = len(self._value) - (b - a) + len(text)
        if self.max_length and length > self.max_length:
            self.error = too_long_message(self.limit_label or self.label, length, self.max_length, kept=False)
            return
        self.insert_text(text)
        if self.limit and len(self._value) > self.limit:
            self.error = too_long_message(self.limit_label or self.label, len(self._value), self.limit)

    def _on_focus(self, event: events.Focus) -> None:
        self._cursor_visible = True
        self.refresh()
        self.call_after_refresh(self._update_hardware_cursor)

    def _on_blur(self, event: events.Blur) -> None:
        self.refresh()

    def _on_resize(self, event: events.Resize) -> None:
        self.refresh()

    def _on_mount(self, event: events.Mount) -> None:
        if self.cursor_blink:
            self.set_interval(0.5, self._toggle_cursor)

    def _toggle_cursor(self) -> None:
        if self.has_focus:
            self._cursor_visible = not self._cursor_visible
            self.refresh()

    def _on_click(self, event: events.Click) -> None:
        field_x, width = self._field_geometry()
        col = event.x - field_x
        if not 0 <= col < width:
            return
        line, x0 = self._placed_line(width)
        k = col - x0
        if 0 <= k < line.cells:
            i = line.cell_to_logical[k]
            # click on the left half of an RTL letter puts the caret after it
            self._move(i + 1 if line.level_of(i) % 2 else i, False)
        else:
            rtl_side = (k < 0) == self.field_rtl
            self._move(len(self._value) if rtl_side else 0, False)

    # ------------------------------------------------------------------ geometry and drawing

    def _label_cells(self) -> int:
        if self.label_width is not None:
            return self.label_width
        return rtl.text_cells(self.label) if self.label else 0

    def _field_geometry(self) -> tuple[int, int]:
        """(x of the field, width of the field) inside the content region."""
        total = self.size.width
        lw = self._label_cells()
        gap = 1 if lw else 0
        return 0, max(3, total - lw - gap)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1 + (len(self._error_lines(width)) if self.error else 0)

    def _error_lines(self, width: int) -> list[str]:
        return rtl.layout(self.error or "", max(1, width))

    def _placed_line(self, width: int) -> tuple[rtl.LineLayout, int]:
        """The value's line and the field cell where its content cell 0 goes."""
        line = self._line()
        inner = max(1, width - 2)
        n = line.cells
        k = caret_cell(line, self._cursor, field_rtl=self.field_rtl)
        if n <= inner:
            self._view = 0
            x0 = 1 + (inner - n if self.field_rtl else 0)
            return line, x0
        max_view = n - inner
        view = min(max(self._view, 0), max_view)
        # keep the caret on screen: cells -1 and inner are the spare cells
        if k - view < -1:
            view = k + 1
        elif k - view > inner:
            view = k - inner
        view = min(max(view, 0), max_view)
        self._view = view
        return line, 1 - view

    def caret_offset(self) -> Offset:
        """The caret's cell relative to the widget's content region."""
        field_x, width = self._field_geometry()
        if not self._value:
            col = width - 2 if self.field_rtl else 1
            return Offset(field_x + col, 0)
        line, x0 = self._placed_line(width)
        k = caret_cell(line, self._cursor, field_rtl=self.field_rtl)
        col = max(0, min(width - 1, x0 + k))
        return Offset(field_x + col, 0)

    def _update_hardware_cursor(self) -> None:
        if not self.is_mounted or not self.has_focus:
            return
        region = self.content_region
        off = self.caret_offset()
        self.app.cursor_position = Offset(region.x + off.x, region.y + off.y)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            strip = self._render_field_row(width)
        else:
            lines = self._error_lines(width) if self.error else []
            text = lines[y - 1] if 0 <= y - 1 < len(lines) else " " * width
            strip = Strip([Segment(text, self.get_component_rich_style("rtl-input--error"))])
        return strip.adjust_cell_length(width).apply_style(self.rich_style)

    def _render_field_row(self, width: int) -> Strip:
        field_x, fw = self._field_geometry()
        field_style = self.get_component_rich_style("rtl-input--field")
        cursor_style = self.get_component_rich_style("rtl-input--cursor")
        selection_style = self.get_component_rich_style("rtl-input--selection")
        show_cursor = self.has_focus and self._cursor_visible
        cells: list[list] = [[" ", field_style] for _ in range(fw)]  # [text, style]
        if not self._value:
            if self.placeholder:
                ph_style = field_style + self.get_component_rich_style("rtl-input--placeholder")
                ph = rtl.truncate_line(
                    self.placeholder, max(1, fw - 2), base="rtl" if self.field_rtl else "ltr"
                )
                self._paint(cells, ph, 1, ph_style, None, None)
            if show_cursor:
                col = self.caret_offset().x - field_x
                cells[col][1] = self._caret_style(cells[col][1], cursor_style)
        else:
            line, x0 = self._placed_line(fw)
            a, b = self.selection
            self._paint(cells, line, x0, field_style, (a, b), field_style + selection_style)
            if show_cursor:
                col = self.caret_offset().x - field_x
                if 0 <= col < fw:
                    cells[col][1] = self._caret_style(cells[col][1], cursor_style)
        segments = [Segment(" " * field_x)] if field_x else []
        segments.extend(merge_cells(cells))
        lw = self._label_cells()
        if lw:
            label_style = self.get_component_rich_style("rtl-input--label")
            segments.append(Segment(" "))
            label = rtl.truncate_line(self.label, lw)
            segments.append(Segment(label.visual, label_style))
        return Strip(segments)

    def _caret_style(self, cell_style: Style, cursor_style: Style | None = None) -> Style:
        """The caret cell's style: the cursor component over the cell, always *visibly*
        different from it. A reverse caret inside a field that is already reversed (a
        screen's ``:nocolor`` focus rule, a reversed row) would vanish, so there the caret
        un-reverses its cell instead."""
        if cursor_style is None:
            cursor_style = self.get_component_rich_style("rtl-input--cursor")
        style = cell_style + cursor_style
        if cursor_style.reverse and (self.rich_style + cell_style).reverse:
            style += Style(reverse=False)
        return style

    #: draws a laid-out line into the field's cells (``rtl_cells.paint_line``)
    _paint = staticmethod(paint_line)
