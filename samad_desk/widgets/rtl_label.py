"""RTLLabel / RTLStatic: Persian text laid out by the engine, re-laid out on every resize.

Textual has no bidi and no shaping, so Persian must never go into a stock ``Label``
(STYLE.md §7). These widgets draw the padded visual lines of ``samad_desk.text.rtl``
for the current content width; the height is the number of lines at that width.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.geometry import Size
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from samad_desk.text import rtl


class RTLStatic(Widget):
    """A block of (possibly multi-paragraph) Persian text, wrapped to the widget width.

    ``base`` is ``rtl`` (default), ``ltr`` or ``auto``; ``truncate=True`` keeps a single
    line and cuts it in logical order with ``…`` (the start of the text stays visible).
    """

    DEFAULT_CSS = """
    RTLStatic { height: auto; width: 1fr; }
    """

    # No ``layout=True``: a layout pass re-arranges the whole screen (15–25 ms at 80×24),
    # and most text changes (a status, a timer, a tracking code) keep the widget's size.
    # ``watch_text`` asks for a layout only when the size can change.
    text: reactive[str] = reactive("")

    def __init__(
        self,
        text: str = "",
        *,
        base: str = "rtl",
        truncate: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.base = base
        self.truncate = truncate
        self.set_reactive(RTLStatic.text, text)

    def update(self, text: str = "") -> None:
        """Replace the text (logical)."""
        self.text = text

    def watch_text(self, old: str, new: str) -> None:
        self.refresh(layout=self._size_may_change(old, new))

    def _size_may_change(self, old: str, new: str) -> bool:
        width = self.size.width
        if not self.is_mounted or width <= 0:
            return True
        styles = self.styles
        if styles.width is None or styles.width.is_auto:
            natural = [
                max((ln.cells for ln in rtl.layout_lines(t, None, base=self.base)), default=0)
                for t in (old, new)
            ]
            if natural[0] != natural[1]:
                return True
        if self.truncate or (styles.height is not None and not styles.height.is_auto):
            return False
        rows = [len(rtl.layout_lines(t, width, base=self.base)) for t in (old, new)]
        return rows[0] != rows[1]

    @property
    def content(self) -> str:
        return self.text

    def visual_lines(self, width: int | None = None, height: int | None = None) -> list[str]:
        """The visual rows at ``width``. When the widget is given fewer rows than the text
        needs (a fixed ``height``, ``max-height``), the last visible row ends with ``…``
        instead of silently dropping the rest (``height`` defaults to the widget's)."""
        width = self.size.width if width is None else width
        width = max(1, width)
        if self.truncate:
            return [rtl.truncate_line(self.text, width, base=self.base).visual]
        if height is None:  # a widget that scrolls shows every row
            height = 0 if self.allow_vertical_scroll else self.size.height
        rows = height
        return [line.visual for line in rtl.clip_lines(self.text, width, rows, base=self.base)]

    def get_content_width(self, container: Size, viewport: Size) -> int:
        lines = rtl.layout_lines(self.text, None, base=self.base)
        natural = max((line.cells for line in lines), default=0)
        return min(natural, container.width) if container.width else natural

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self.truncate:
            return 1
        return len(rtl.layout_lines(self.text, max(1, width), base=self.base))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        lines = self.visual_lines(width)
        text = lines[y] if 0 <= y < len(lines) else ""
        return Strip([Segment(text)]).adjust_cell_length(width).apply_style(self.rich_style)


class RTLLabel(RTLStatic):
    """A short Persian label: width auto (its natural width), one line by default."""

    DEFAULT_CSS = """
    RTLLabel { height: auto; width: auto; }
    """
