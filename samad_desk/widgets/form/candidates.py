"""The candidate list: citizens that match what the agent has typed, best first.

Used beside the call-entry form and on the lookup screen. Each candidate shows the name,
the national ID, why it matched and how many open cases it has. Enter chooses one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from samad_desk.services import Candidate
from samad_desk.text import rtl
from samad_desk.text.digits import fa
from samad_desk.widgets.rtl_options import option_text_width


def candidate_lines(c: Candidate) -> list[str]:
    citizen = c.citizen
    name = f"{citizen.get('first_name', '')} {citizen.get('last_name', '')}".strip() or "بی‌نام"
    father = citizen.get("father_name")
    line1 = f"{name} (فرزند {father})" if father else name
    nid = citizen.get("national_id")
    ident = f"کد ملی {fa(nid)}" if nid else "بدون کد ملی"
    line2 = f"{ident}، {citizen.get('city') or ''}".rstrip("، ")
    reasons = "، ".join(c.reasons) if c.reasons else "نام مشابه"
    if c.source == "registry":
        return [line1, line2, reasons]
    line3 = f"{reasons} — {fa(c.open_cases)} پرونده باز"
    return [line1, line2, line3]


class CandidateList(OptionList):
    """Focusable list of candidates; Enter (or click) posts :class:`CandidateList.Chosen`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "انتخاب این شهروند", id="candidate-choose"),
    ]

    DEFAULT_CSS = """
    CandidateList { height: 1fr; border: none; scrollbar-gutter: stable; scrollbar-size-vertical: 1; }
    """

    @dataclass
    class Chosen(Message):
        candidate: Candidate

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.candidates: list[Candidate] = []

    def show(self, candidates: list[Candidate]) -> None:
        self.candidates = list(candidates)
        self._lay_out(0 if self.candidates else None)

    def _lay_out(self, highlight: int | None) -> None:
        """Each candidate's lines wrapped (not cut: the reasons were) for the list's width."""
        self.clear_options()
        width = self._row_width()
        self._laid_out_for = width
        for i, c in enumerate(self.candidates):
            lines = [row.rstrip() for line in candidate_lines(c) for row in rtl.layout(line, width)]
            self.add_option(Option(Text("\n".join(lines)), id=f"cand-{i}"))
            if i < len(self.candidates) - 1:
                self.add_option(None)
        if highlight is not None and self.candidates:
            self.highlighted = min(highlight, self.option_count - 1)

    def _row_width(self) -> int:
        """The scrollbar's gutter is kept whether or not the scrollbar shows, so a long list
        does not narrow rows already laid out."""
        return option_text_width(self, 26)

    def on_resize(self, event: events.Resize) -> None:
        if self.candidates and self._row_width() != getattr(self, "_laid_out_for", 0):
            self._lay_out(self.highlighted)

    @property
    def texts(self) -> list[str]:
        """The logical text of each candidate (tests and screen readers)."""
        return ["\n".join(candidate_lines(c)) for c in self.candidates]

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id or ""
        if option_id.startswith("cand-"):
            index = int(option_id[5:])
            if 0 <= index < len(self.candidates):
                self.post_message(self.Chosen(self.candidates[index]))
