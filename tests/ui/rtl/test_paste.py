"""Pastes into the RTL fields (issue 12, finding 1): one Paste event is inserted exactly
once, normalised like typing; a paste too long for a field gets its Persian message. And
the terminal's bytes of a bracketed paste become one Paste, whatever they hold."""

from __future__ import annotations

import time

from textual import events
from textual.app import App, ComposeResult

from samad_desk.domain.reducer import MAX_TEXT
from samad_desk.terminal_input import PasteSafeParser
from samad_desk.widgets import NationalIdInput, RTLInput, RTLTextArea

PHRASE = "یک دو سه"


class OneField(App[None]):
    def __init__(self, widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


async def _paste(widget, text: str) -> None:
    """What the app does with the terminal's paste: post it to the focused field."""
    app = widget.app
    app.post_message(events.Paste(text))
    await app.workers.wait_for_complete()


async def test_a_paste_goes_in_once_in_every_field() -> None:
    for widget in (RTLTextArea(id="f"), RTLInput(id="f")):
        app = OneField(widget)
        async with app.run_test(size=(80, 24)) as pilot:
            widget.focus()
            await pilot.pause()
            await _paste(widget, "\u202e" + PHRASE + "\x1b[31m!\x1b[0m")
            await pilot.pause()
            assert widget.value == PHRASE + "!", type(widget).__name__


async def test_a_paste_keeps_paragraphs_in_a_text_area_and_joins_lines_in_a_field() -> None:
    for widget, want in ((RTLTextArea(id="f"), "یک\nدو"), (RTLInput(id="f"), "یک دو")):
        app = OneField(widget)
        async with app.run_test(size=(80, 24)) as pilot:
            widget.focus()
            await _paste(widget, "یک\r\nدو")
            await pilot.pause()
            assert widget.value == want


async def test_an_overlong_paste_gets_the_fields_message_never_doubled_text() -> None:
    area = RTLTextArea(id="f", limit_label="شرح پیام")
    app = OneField(area)
    async with app.run_test(size=(80, 24)) as pilot:
        area.focus()
        await _paste(area, "آ" * 5000)
        await pilot.pause()
        assert len(area.value) == 5000 and area.error is None  # under the limit: no message
        await _paste(area, "ب" * (MAX_TEXT - 4000))
        await pilot.pause()
        assert len(area.value) == MAX_TEXT + 1000  # kept, to be shortened
        assert area.error is not None and area.error.startswith("«شرح پیام» بلند است")
    nid = NationalIdInput(id="n", label="")
    app = OneField(nid)
    async with app.run_test(size=(80, 24)) as pilot:
        nid.focus()
        await _paste(nid, "۰۰۱۲۳۴۵۶۷۹۱۲")
        await pilot.pause()
        assert nid.value == "" and "بلند است" in (nid.error or "")  # not cut silently


def _tokens(parser: PasteSafeParser, *chunks: str) -> list:
    out: list = []
    for chunk in chunks:
        out += list(parser.feed(chunk))
    return out


def test_the_parser_keeps_an_escape_inside_a_bracketed_paste_in_the_paste() -> None:
    data = "ab\x1b[200~یک \x1b[31mدو\x1b[0m سه\x1b[201~c"
    whole = _tokens(PasteSafeParser(), data)
    bytewise = _tokens(PasteSafeParser(), *data)  # cut between any two reads
    for tokens in (whole, bytewise):
        assert [type(t).__name__ for t in tokens] == ["Key", "Key", "Paste", "Key"]
        assert tokens[2].text == "یک \x1b[31mدو\x1b[0m سه"


def test_the_parser_still_reads_escape_and_function_keys() -> None:
    parser = PasteSafeParser()
    assert [t.key for t in _tokens(parser, "\x1bOQ", "\x1b[15~")] == ["f2", "f5"]
    assert _tokens(parser, "\x1b") == []  # maybe the start of a paste: held …
    time.sleep(0.15)
    assert [t.key for t in parser.tick()] == ["escape"]  # … then Esc, once nothing follows


def test_shift_ctrl_alt_f3_are_keys_not_cursor_reports() -> None:
    """xterm/tmux send Shift+F3 as ESC[1;2R (Ctrl+F3 ESC[1;5R, Alt+F3 ESC[1;3R): the bytes
    of a cursor position report on row 1; Textual's parser read them as one and the key was
    lost (the report chart, the cartable's «همه پرونده‌ها» and the case's «عودت»)."""
    data = "\x1b[1;2R\x1b[1;5R\x1b[1;3R"
    for tokens in (_tokens(PasteSafeParser(), data), _tokens(PasteSafeParser(), *data)):
        assert [getattr(t, "key", type(t).__name__) for t in tokens] == ["shift+f3", "ctrl+f3", "alt+f3"]
    # a report on another row is still a report (the desk never asks for one; nothing breaks)
    tokens = _tokens(PasteSafeParser(), "\x1b[5;2R")
    assert [type(t).__name__ for t in tokens] == ["CursorPosition"]
