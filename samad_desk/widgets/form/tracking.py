"""The saved call's tracking code, large, ready to be read out (part of the call form)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Static

from samad_desk.domain.tracking import format_tracking_code
from samad_desk.services import tracking_label
from samad_desk.text.digits import fa
from samad_desk.widgets.chrome import RLine


def big_code(code: str) -> str:
    """The tracking code in boxed Persian digits, grouped, three rows high.

    Digits run left to right (numbers do, in Persian too), one box per digit, groups
    apart: easy to read out over the phone and hard to misread.
    """
    groups = fa(format_tracking_code(code)).split("-")
    rows = ["", "", ""]
    for gi, group in enumerate(groups):
        if gi:
            rows[0] += "   "
            rows[1] += " ─ "
            rows[2] += "   "
        for digit in group.strip():
            rows[0] += "╭───╮"
            rows[1] += f"│ {digit} │"
            rows[2] += "╰───╯"
    return "\n".join(rows)


#: the tracking panel's first line after a new case
SAVED_TITLE = "پرونده ثبت شد. کد رهگیری را برای شهروند بخوانید:"
#: … after the call was recorded as a follow-up of an open case (no new case)
FOLLOWUP_TITLE = "پیگیری ثبت شد؛ پرونده تازه‌ای ساخته نشد. کد رهگیری همان پرونده:"


class TrackingPanel(Vertical):
    """The saved call's tracking code, large, ready to be read out.

    Part of the call-entry screen (an overlay layer above the form) rather than a modal
    screen: pushing a screen re-renders everything under it, and this must appear within
    a few tens of milliseconds of F2. Enter / Esc (the screen's ``tracking-close``
    binding, active only while the code is shown) start the next call.
    """

    DEFAULT_CSS = """
    TrackingPanel {
        visibility: hidden; layer: overlay; position: absolute; offset: 0 1;
        width: 100%; height: 21; border: round $primary; padding: 0 1;
    }
    TrackingPanel #big-code { width: 66; height: 3; text-style: bold; }
    TrackingPanel #big-row { height: 3; align: center middle; margin: 1 0; }
    """

    @dataclass
    class Closed(Message):
        code: str

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.code = ""
        self.shown_at: float | None = None

    def compose(self) -> ComposeResult:
        yield RLine(SAVED_TITLE, id="tracking-title")
        with Horizontal(id="big-row"):
            yield Static(big_code("0" * 12), id="big-code", markup=False)
        yield RLine("", id="code-line")
        yield RLine("", id="tracking-note")
        yield RLine("Enter: تماس بعدی", classes="dim")

    def show_code(self, code: str, *, note: str = "", title: str = "") -> None:
        """Fill in and show; every part has a fixed size, so no layout pass is needed.
        ``title`` replaces «پرونده ثبت شد…» when no case was registered (a follow-up)."""
        self.code = code
        self.query_one("#tracking-title").update(title or SAVED_TITLE)
        self.query_one("#big-code", Static).update(big_code(code), layout=False)
        self.query_one("#code-line").update(f"کد رهگیری: {tracking_label(code)}")
        self.query_one("#tracking-note").update(note)
        self.visible = True  # the focus stays put: moving it would restyle the whole form
        self.shown_at = None
        self.call_after_refresh(self._painted)

    def _painted(self) -> None:
        self.shown_at = time.perf_counter()

    @property
    def shown(self) -> bool:
        return self.visible

    def action_close(self) -> None:
        self.visible = False
        self.post_message(self.Closed(self.code))

    @property
    def text(self) -> str:
        return "\n".join(w.text for w in self.query(RLine))
