"""The terminal's input bytes, read so that a bracketed paste stays one paste.

Textual's ``XTermParser`` (8.2.8) collects a bracketed paste character by character, but an
ESC *inside* the paste (text copied from a coloured terminal holds ``ESC[31m``) sends it
into its escape-sequence loop: the characters after that ESC are taken out of the paste and
re-issued as key presses (the ESC itself as «^»), before the paste event that carries the
rest. A field then shows ``^[31m`` and the pasted words come in the wrong order; no
normalisation of the paste can repair that, since the text has left the paste.

:class:`PasteSafeParser` cuts every ``ESC[200~ … ESC[201~`` out of the byte stream before
Textual's parser sees it and turns it into exactly one :class:`~textual.events.Paste` with
the text as pasted (escape sequences and controls inside are removed later by the field's
normalisation, like anything typed). Everything else goes to Textual's parser unchanged. A
paste split over several reads is put back together; a chunk that ends in what may be the
start of the paste marker (a lone ESC, ``ESC[2``…) is held until the next read or, if
nothing follows within Textual's escape delay, handed on as it would have been.

:func:`use_paste_safe_parser` makes Textual's Linux driver build this parser (the driver
creates its parser by the module-level name, so that name is replaced; nothing else of the
driver changes). The desk app calls it when it picks its driver.

**Shift+F3 is a key, not a cursor report.** xterm, VTE, Konsole and tmux send Shift+F3 as
``ESC[1;2R`` (Ctrl+F3 ``ESC[1;5R``, Alt+F3 ``ESC[1;3R``…), the very bytes of a cursor
position report for row 1; Textual's parser checks for a report first, so these keys
reached the desk as ``CursorPosition`` events and did nothing (the report screen's chart,
the cartable's «همه پرونده‌ها», the case's «عودت»: all Shift+F3). The full-screen driver
never asks for the cursor position (only Textual's inline driver does, which the desk does
not use), so a "report" on row 1 is read as the function key it is.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual import constants, events
from textual._time import get_time
from textual._xterm_parser import BRACKETED_PASTE_END, BRACKETED_PASTE_START, XTermParser
from textual.message import Message


def _partial_marker(data: str, marker: str) -> int:
    """How many characters at the end of ``data`` may be the start of ``marker`` (cut
    between two reads); 0 when none."""
    for n in range(min(len(marker) - 1, len(data)), 0, -1):
        if data.endswith(marker[:n]):
            return n
    return 0


def _as_key(message: Message) -> Iterable[Message]:
    """A cursor report on row 1, column 2–8 is F3 with modifiers (see the module docstring)."""
    if isinstance(message, events.CursorPosition) and message.y == 0 and 1 <= message.x <= 7:
        yield from _KEYS._sequence_to_key_events(f"\x1b[1;{message.x + 1}R")
    else:
        yield message


class PasteSafeParser(XTermParser):
    """``XTermParser`` with bracketed pastes taken out whole (see the module docstring),
    and F3 with modifiers read as keys."""

    def feed(self, data: str) -> Iterable[Message]:
        for message in self._feed(data):
            yield from _as_key(message)

    def tick(self) -> Iterable[Message]:
        for message in self._tick():
            yield from _as_key(message)

    def __init__(self, debug: bool = False) -> None:
        super().__init__(debug)
        self._pasted: list[str] | None = None  # the text of a paste still being read
        self._held = ""  # the end of the last read: maybe the start of a marker
        self._held_at = 0.0

    def _feed(self, data: str) -> Iterable[Message]:
        if not data:  # the end of input: nothing may stay held
            held, self._held = self._held, ""
            if self._pasted is not None:
                text = "".join(self._pasted) + held
                self._pasted = None
                yield events.Paste(text.replace("\x00", ""))
            elif held:
                yield from super().feed(held)
            yield from super().feed("")
            return
        data, self._held = self._held + data, ""
        while data:
            if self._pasted is not None:
                end = data.find(BRACKETED_PASTE_END)
                if end < 0:
                    keep = _partial_marker(data, BRACKETED_PASTE_END)
                    self._pasted.append(data[: len(data) - keep])
                    self._held = data[len(data) - keep :]
                    return
                text = "".join(self._pasted) + data[:end]
                self._pasted = None
                # (NUL removed as Textual does: textual#1661)
                yield events.Paste(text.replace("\x00", ""))
                data = data[end + len(BRACKETED_PASTE_END) :]
                continue
            start = data.find(BRACKETED_PASTE_START)
            if start < 0:
                keep = _partial_marker(data, BRACKETED_PASTE_START)
                if len(data) > keep:
                    yield from super().feed(data[: len(data) - keep])
                if keep:
                    self._held, self._held_at = data[len(data) - keep :], get_time()
                return
            if start:
                yield from super().feed(data[:start])
            self._pasted = []
            data = data[start + len(BRACKETED_PASTE_START) :]

    def _tick(self) -> Iterable[Message]:
        if (
            self._held
            and self._pasted is None
            and get_time() - self._held_at >= constants.ESCAPE_DELAY
        ):
            # nothing followed: it was a key (Esc, Alt+[ …), not a paste; Textual's parser
            # gets it now, already past its own escape delay
            held, self._held = self._held, ""
            yield from super().feed(held)
            if self._timeout_time is not None:
                self._timeout_time = get_time()
        yield from super().tick()


#: only its ``_sequence_to_key_events`` is used (the key table and modifiers of Textual)
_KEYS = XTermParser()


def use_paste_safe_parser() -> None:
    """Make Textual's Linux driver read its input with :class:`PasteSafeParser`."""
    from textual.drivers import linux_driver

    linux_driver.XTermParser = PasteSafeParser  # type: ignore[misc]
