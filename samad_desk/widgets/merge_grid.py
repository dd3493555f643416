"""The merge screen's side-by-side table: one row per field, one column per profile.

Right to left: the field names are the rightmost column, then one column per profile, the
first (right) being the surviving profile. The screen moves the cursor and the choices;
this widget only keeps them and paints them.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widget import Widget

from samad_desk.services.citizen_details import display_value
from samad_desk.services.merges import MERGE_FIELDS, MergeService, citizen_title
from samad_desk.text.digits import fa
from samad_desk.text.visual import visual_line

LABEL_WIDTH = 13
MARK = "●"


class MergeGrid(Widget, can_focus=True):
    """The side-by-side table: one row per field, one column per profile (RTL)."""

    DEFAULT_CSS = """
    MergeGrid { height: auto; width: 1fr; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.citizens: list[dict[str, Any]] = []
        self.case_counts: list[int] = []
        self.choices: dict[str, int] = {}
        self.survivor = 0
        self.row = 0
        self.touched: set[str] = set()  # fields whose value the supervisor chose by hand

    def load(self, citizens: list[dict[str, Any]], case_counts: list[int], choices: dict[str, int]) -> None:
        self.citizens, self.case_counts, self.choices = citizens, case_counts, dict(choices)
        self.survivor, self.row, self.touched = 0, 0, set()
        self.refresh(layout=True)

    @property
    def field(self) -> str:
        return MERGE_FIELDS[self.row][0]

    def move(self, delta: int) -> None:
        self.row = max(0, min(len(MERGE_FIELDS) - 1, self.row + delta))
        self.refresh()

    def choose(self, delta: int) -> None:
        """Take the value of the profile ``delta`` columns to the left (+) or right (-)."""
        if not self.citizens:
            return
        current = self.choices.get(self.field, 0)
        self.choices[self.field] = max(0, min(len(self.citizens) - 1, current + delta))
        self.touched.add(self.field)
        self.refresh()

    def next_survivor(self) -> None:
        """Another profile survives; the values not chosen by hand follow it."""
        if self.citizens:
            self.survivor = (self.survivor + 1) % len(self.citizens)
            defaults = MergeService.default_choices(self.citizens, self.survivor)
            for name, pick in defaults.items():
                if name not in self.touched:
                    self.choices[name] = pick
            self.refresh()

    # -- text
    def header_cells(self) -> list[str]:
        out = []
        for i in range(len(self.citizens)):
            role = "اصلی" if i == self.survivor else "ادغام‌شونده"
            out.append(f"{fa(i + 1)}. {role}")
        return out

    def value_cells(self, name: str) -> list[str]:
        pick = self.choices.get(name, 0)
        return [
            (f"{MARK} " if i == pick else "  ") + display_value(name, c.get(name))
            for i, c in enumerate(self.citizens)
        ]

    def field_lines(self) -> list[str]:
        """The highlighted field's value in each profile, whole (a column cuts a long
        one): ``● ۲. ادغام‌شونده: value``, the chosen one marked."""
        if not self.citizens:
            return []
        name, label = MERGE_FIELDS[self.row]
        pick = self.choices.get(name, 0)
        heads = self.header_cells()
        return [f"{MARK if i == pick else '○'} {heads[i]}، {label}: {display_value(name, c.get(name))}"
                for i, c in enumerate(self.citizens)]

    @property
    def logical_lines(self) -> list[str]:
        """The grid in logical order, one line per row: ``label | value 1 | value 2 …``."""
        lines = [" | ".join(["", *self.header_cells()])]
        lines.append(" | ".join(["نام", *[citizen_title(c) for c in self.citizens]]))
        for name, label in MERGE_FIELDS:
            lines.append(" | ".join([label, *self.value_cells(name)]))
        lines.append(" | ".join(["پرونده‌ها", *[fa(n) for n in self.case_counts]]))
        return lines

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return len(MERGE_FIELDS) + 3

    def render(self) -> Text:
        width = max(40, self.size.width or 78)
        n = max(1, len(self.citizens))
        col = max(8, (width - LABEL_WIDTH - n) // n)
        out = Text(no_wrap=True, overflow="crop")

        def row(label: str, cells: list[str], *, current: bool = False, styles: list[str] | None = None) -> None:
            # visual order: the last profile on the left, the label on the right
            for i in reversed(range(len(cells))):
                style = (styles or [""] * len(cells))[i]
                out.append(visual_line(cells[i], col), style=style)
                out.append(" ")
            out.append(visual_line(label, LABEL_WIDTH), style="reverse" if current else "bold")
            out.append("\n")

        head_styles = ["bold underline" if i == self.survivor else "dim" for i in range(len(self.citizens))]
        row("", self.header_cells(), styles=head_styles)
        row("نام", [citizen_title(c) for c in self.citizens])
        for r, (name, label) in enumerate(MERGE_FIELDS):
            pick = self.choices.get(name, 0)
            current = r == self.row
            styles = []
            for i in range(len(self.citizens)):
                if i == pick:
                    styles.append("bold reverse" if current and self.has_focus else "bold")
                else:
                    styles.append("dim")
            row(label, self.value_cells(name), current=current, styles=styles)
        row("پرونده‌ها", [fa(n) for n in self.case_counts])
        out.rstrip()
        return out
