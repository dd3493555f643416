"""An option list of one-line Persian rows, laid out right to left for its own width.

Rows are given in logical order and laid out (right-aligned, cut with … on the left) for
the list's current width, and laid out again when the list is resized: a list filled
before it had a size (on mount, or while hidden) would otherwise keep rows laid out for a
guessed width and stop short of the right edge on a wider terminal.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from samad_desk.text.visual import visual_line

#: the width used until the list has a size (80 columns minus borders)
FALLBACK_WIDTH = 76


def option_text_width(options: OptionList, fallback: int) -> int:
    """Cells an option's text may take: inside the list's padding and scrollbar and the
    option's own padding. A row laid out any wider is wrapped again by the list, and a
    right-to-left row wrapped after layout puts its first word alone on the next row."""
    option_padding = options.get_component_styles("option-list--option").padding.width
    return max(10, (options.scrollable_content_region.width or fallback) - option_padding)


class RtlOptionList(OptionList):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rows: list[tuple[str, str | None]] = []
        self._laid_out_for = 0

    def row_width(self) -> int:
        """Cells available to a row's text (inside the list's padding and scrollbar)."""
        return option_text_width(self, FALLBACK_WIDTH)

    def set_rows(self, rows: list[tuple[str, str | None]]) -> None:
        """``[(logical text, option id)]``; the first row is highlighted."""
        self._rows = list(rows)
        self._lay_out(highlight=0)

    @property
    def rows(self) -> list[str]:
        """The logical text of each row (tests and screen readers)."""
        return [text for text, _id in self._rows]

    def _lay_out(self, highlight: int | None) -> None:
        width = self.row_width()
        self._laid_out_for = width
        self.clear_options()
        self.add_options([Option(visual_line(text, width), id=option_id) for text, option_id in self._rows])
        if self._rows and highlight is not None:
            self.highlighted = min(highlight, len(self._rows) - 1)

    def on_resize(self, event: events.Resize) -> None:
        if self._rows and self.row_width() != self._laid_out_for:
            self._lay_out(highlight=self.highlighted)
