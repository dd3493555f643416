"""Regressions for what the manual QA in real terminals found (docs/rtl.md "Manual QA").

Each test reproduces one thing seen on a screenshot in xterm / lxterminal (VTE); visual
strings are written with \\u escapes.
"""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.containers import Horizontal

from samad_desk.text import rtl
from samad_desk.widgets import RTLInput, RTLStatic, RTLTextArea
from tests.support import rtl_screen as _screen

screen_rows = _screen.screen_rows
screen_cells = _screen.screen_cells

# «کد رهگیری / ملی»: 15 cells, a 14-cell label column (follow-up screen)
TRACKING_OR_NID = "\u06a9\u062f \u0631\u0647\u06af\u06cc\u0631\u06cc / \u0645\u0644\u06cc"


# ------------------------------------------------------------ a label cut by its height


def test_clip_lines_ends_the_last_visible_row_with_an_ellipsis():
    rtl.set_mode("visual")
    (row,) = rtl.clip_lines(TRACKING_OR_NID, 14, 1)
    # the start of the label, then … at its logical end (left); not «کد رهگیری /» alone
    assert row.visual == ("\u2026\ufee1 / \ufbfc\ufeae\ufbff\ufb95\ufeeb\ufead \ufeaa\ufb90")
    assert row.cells == 14
    # enough rows: exactly layout_lines
    assert rtl.clip_lines(TRACKING_OR_NID, 14, 2) == rtl.layout_lines(TRACKING_OR_NID, 14)
    assert rtl.clip_lines(TRACKING_OR_NID, 14, 0) == rtl.layout_lines(TRACKING_OR_NID, 14)


def test_clip_lines_marks_hidden_paragraphs_and_keeps_an_open_isolate():
    rtl.set_mode("visual")
    # «سلام» + a second paragraph «دنیا»: one row shows both, cut, never just «سلام»
    (row,) = rtl.clip_lines("\u0633\u0644\u0627\u0645\n\u062f\u0646\u06cc\u0627", 8, 1)
    assert row.visual.startswith("\u2026")
    assert row.visual.endswith("\ufee1\ufefc\ufeb3")  # «سلام» on the right
    # «شماره ⁦0912-345-6789 abc def⁩ ثبت شد»: the isolate opened on row 1 still holds on
    # the clipped row 2, so the number keeps its order
    text = (
        "\u0634\u0645\u0627\u0631\u0647 " + rtl.ltr("0912-345-6789 abc def") + " \u062b\u0628\u062a"
    )
    rows = rtl.clip_lines(text, 14, 2)
    assert [r.visual for r in rows] == [
        "         \ufee9\ufead\ufe8e\ufee4\ufeb7",
        "\u20260912-345-6789",
    ]


class LabelColumn(App[None]):
    CSS = """
    Horizontal { height: 1; }
    #field { width: 1fr; }
    #label { width: 14; height: 1; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield RTLStatic("", id="field")
            yield RTLStatic(TRACKING_OR_NID, id="label")


async def test_a_label_with_a_fixed_height_shows_an_ellipsis_on_a_real_screen():
    rtl.set_mode("visual")
    app = LabelColumn()
    async with app.run_test(size=(40, 5)):
        row = screen_rows(app)[0]
        assert row[-14:] == "\u2026\ufee1 / \ufbfc\ufeae\ufbff\ufb95\ufeeb\ufead \ufeaa\ufb90"
        label = app.query_one("#label", RTLStatic)
        # the full text is still the widget's content (copy, tests, screen readers)
        assert label.content == TRACKING_OR_NID


# --------------------------------------------------- caret inside a reversed field (NO_COLOR)


class ReversedFocus(App[None]):
    """The desk's ``.field-input:nocolor:focus { text-style: reverse; }``, made
    unconditional so the test does not depend on NO_COLOR."""

    CSS = """
    RTLInput { width: 30; }
    RTLInput:focus { text-style: reverse; }
    RTLTextArea { width: 30; height: 3; }
    RTLTextArea:focus { text-style: reverse; }
    """

    def compose(self) -> ComposeResult:
        yield RTLInput(id="one")
        yield RTLTextArea(id="area")


def _caret_x(app, widget) -> int:
    return widget.content_region.x + widget.caret_offset().x


def _reversed(style) -> bool:
    return bool(style is not None and style.reverse)


async def _focus_and_type(pilot, widget, text: str) -> None:
    """Focus ``widget`` (reversed once focused), type ``text`` key by key, let it paint."""
    widget.focus()
    await pilot.pause()
    for key in text:
        await pilot.press(key)
    await pilot.pause()


async def test_caret_stays_visible_when_the_focused_field_is_reversed():
    rtl.set_mode("visual")
    app = ReversedFocus()
    async with app.run_test(size=(40, 10)) as pilot:
        one = app.query_one("#one", RTLInput)
        await _focus_and_type(pilot, one, "\u0633\u0644\u0627\u0645")  # سلام
        y = one.content_region.y
        cells = screen_cells(app, y)
        x = _caret_x(app, one)
        # the caret is left of «س…» (after the last letter, reading right to left)
        assert "".join(c for c, _ in cells[x + 1 : x + 4]) == "\ufee1\ufefc\ufeb3"
        assert _reversed(cells[x + 1][1])  # the field is reversed…
        assert not _reversed(cells[x][1])  # …and the caret cell is not: it stays visible


async def test_text_area_caret_stays_visible_when_reversed():
    rtl.set_mode("visual")
    app = ReversedFocus()
    async with app.run_test(size=(40, 10)) as pilot:
        area = app.query_one("#area", RTLTextArea)
        await _focus_and_type(pilot, area, "\u0622\u0628")  # آب
        off = area.caret_offset()
        y = area.content_region.y + off.y
        x = area.content_region.x + off.x
        cells = screen_cells(app, y)
        assert _reversed(cells[x + 1][1])
        assert not _reversed(cells[x][1])


class DeskLikeNoColor(App[None]):
    """The desk's field rules (``app.tcss``: focus = $boost + bold, and reverse on
    NO_COLOR terminals) with the default samad-dark theme."""

    CSS = """
    RTLInput { width: 30; }
    .field-input:focus { background: $boost; text-style: bold; }
    .field-input:nocolor:focus { text-style: reverse; }
    """

    def compose(self) -> ComposeResult:
        yield RTLInput(id="one", classes="field-input")

    def on_mount(self) -> None:
        from samad_desk.themes import register_themes

        register_themes(self)
        self.theme = "samad-dark"


async def test_no_color_focused_field_is_black_on_white_in_16_colours(monkeypatch):
    # xterm (TERM=xterm: 16 colours), NO_COLOR=1: the reversed focused field showed grey
    # letters on white, because the field's grey background became ANSI bright black
    from rich.color import ColorSystem

    monkeypatch.setenv("NO_COLOR", "1")
    rtl.set_mode("visual")
    app = DeskLikeNoColor()
    async with app.run_test(size=(40, 6)) as pilot:
        assert app.no_color
        one = app.query_one("#one", RTLInput)
        one.focus()
        await pilot.pause()
        for key in "\u0622\u0628":  # آب
            await pilot.press(key)
        await pilot.pause()
        cells = screen_cells(app, one.content_region.y, filtered=True)  # as written out
        x = _caret_x(app, one)
        text, letter = cells[x + 1]
        assert text == "\ufe8f"  # ب, final form; the caret is on its left
        assert _reversed(letter) and not _reversed(cells[x][1])
        # reversed: the letter is drawn in the field's background colour, on its foreground
        ink = letter.bgcolor.downgrade(ColorSystem.STANDARD).number
        paper = letter.color.downgrade(ColorSystem.STANDARD).number
        assert ink == 0  # black, not 8 (grey)
        assert paper in (7, 15)


# ------------------------------------------------ an unfocused field must be visible


class TwoFields(App[None]):
    CSS = "RTLInput { width: 30; }"

    def __init__(self, theme: str) -> None:
        super().__init__()
        self._theme_name = theme

    def compose(self) -> ComposeResult:
        yield RTLInput(id="a")
        yield RTLInput(id="b")

    def on_mount(self) -> None:
        from samad_desk.themes import register_themes

        register_themes(self)
        self.theme = self._theme_name


@pytest.mark.parametrize("theme", ["samad-dark", "samad-light", "samad-high-contrast"])
async def test_unfocused_empty_field_stands_out_from_the_screen(theme):
    # lxterminal: empty, unfocused fields ($boost) were invisible, so a form showed labels
    # next to nothing; the field band must differ from the screen background
    from textual.color import Color

    rtl.set_mode("visual")
    app = TwoFields(theme)
    async with app.run_test(size=(40, 6)) as pilot:
        await pilot.pause()
        b = app.query_one("#b", RTLInput)
        assert not b.has_focus
        cells = screen_cells(app, b.content_region.y, filtered=True)
        field = Color.from_rich_color(cells[b.content_region.x + 5][1].bgcolor)
        screen = Color.from_rich_color(cells[-1][1].bgcolor)  # right of the 30-cell field
        assert abs(field.brightness - screen.brightness) >= 0.04


# ------------------------------------------- implicit mode around leaving the alt screen

_CHILD_APP = r"""
import sys
from textual.app import App
from samad_desk import terminal

class Quick(App):
    def on_mount(self):
        session.attach(self)
        self.set_timer(0.3, self.exit)

env = {"TMUX": "/tmp/fake,1,0"}
with terminal.bidi_session(mode="visual", environ=env) as session:
    Quick().run()
"""


def _run_in_pty(code: str) -> str:
    import os
    import pty
    import select
    import sys
    import time

    pid, fd = pty.fork()
    if pid == 0:  # child
        os.environ["TERM"] = "xterm-256color"
        os.execv(sys.executable, [sys.executable, "-c", code])
    out = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    os.waitpid(pid, 0)
    os.close(fd)
    return out.decode("utf-8", "replace")


def test_implicit_mode_is_sent_before_and_after_leaving_the_alternate_screen():
    # lxterminal: under tmux the shell rows redrawn when the app left the alternate screen
    # stayed explicit (read backwards); on plain VTE the mode saved with the alternate
    # screen came back explicit. CSI 8 h must go out on both sides of CSI ?1049l.
    from samad_desk.terminal import CSI_EXPLICIT, CSI_IMPLICIT, tmux_wrap

    stream = _run_in_pty(_CHILD_APP)
    leave = stream.rindex("\x1b[?1049l")
    assert stream.index(CSI_EXPLICIT) < stream.index("\x1b[?1049h")
    before, after = stream[:leave], stream[leave:]
    last_frame = before.rindex(CSI_EXPLICIT) if CSI_EXPLICIT in before else 0
    assert CSI_IMPLICIT in before[last_frame:]
    assert tmux_wrap(CSI_IMPLICIT) in before[last_frame:]  # through tmux passthrough too
    assert CSI_IMPLICIT in after and CSI_EXPLICIT not in after


async def test_no_color_placeholder_does_not_look_like_a_value(monkeypatch):
    # xterm, NO_COLOR=1: the birth-date placeholder «۱۳۶۵/۰۴/۱۲» looked exactly like a
    # typed value; without colour it must differ by style
    monkeypatch.setenv("NO_COLOR", "1")
    rtl.set_mode("visual")

    class Placeholder(App[None]):
        CSS = "RTLInput { width: 30; }"

        def compose(self) -> ComposeResult:
            yield RTLInput(id="typed")
            yield RTLInput(placeholder="\u06f1\u06f3\u06f6\u06f5", direction="ltr", id="empty")

    app = Placeholder()
    async with app.run_test(size=(40, 6)) as pilot:
        typed = app.query_one("#typed", RTLInput)
        typed.focus()
        for key in "\u06f1\u06f2":
            await pilot.press(key)
        app.screen.set_focus(None)
        await pilot.pause()
        empty = app.query_one("#empty", RTLInput)
        value_cells = screen_cells(app, typed.content_region.y, filtered=True)
        hint_cells = screen_cells(app, empty.content_region.y, filtered=True)
        value = next(st for ch, st in value_cells if ch == "\u06f1")
        hint = next(st for ch, st in hint_cells if ch == "\u06f1")
        assert not value.dim and not value.italic
        assert hint.dim or hint.italic
