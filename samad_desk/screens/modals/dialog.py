"""The one dialog base of the desk: a centred, bordered box over the screen it came from.

Every modal derives from :class:`Dialog`; its look is written here once. A dialog of text
only says its :meth:`text_lines`; one with fields composes its content inside :meth:`box`
(a ``Vertical``, or a ``VerticalScroll`` for long help), and
answers with ``dismiss(value)``, which reaches the caller's callback. Bindings that only
close with a value use the ``choose(value)`` action. A subclass changes a size with one
rule of its own (``MyDialog > .dialog-box { width: 78; }``).
"""

from __future__ import annotations

from typing import Any, TypeVar

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen

from samad_desk.widgets import RTLStatic

ResultT = TypeVar("ResultT")


class Dialog(ModalScreen[ResultT]):
    DEFAULT_CSS = """
    Dialog { align: center middle; }
    Dialog > .dialog-box { width: 76; height: auto; max-height: 22; border: round $primary; padding: 0 1; }
    Dialog .dialog-title { text-style: bold; height: 1; }
    Dialog .dialog-error { color: $error; text-style: bold; height: auto; }
    Dialog .dialog-keys { color: $text-muted; height: 1; }
    """

    @staticmethod
    def box(*, scroll: bool = False, **kwargs: Any) -> Vertical:
        """The bordered box every dialog's content goes in."""
        kind = VerticalScroll if scroll else Vertical
        return kind(classes="dialog-box", **kwargs)

    def text_lines(self) -> list[str]:
        """What a dialog of text says, a line each (a dialog of fields composes its own)."""
        return []

    def compose(self) -> ComposeResult:
        with self.box():
            for line in self.text_lines():
                yield RTLStatic(line)

    @property
    def text(self) -> str:
        """Every line of text in the dialog, in logical order (for tests and screen readers)."""
        return "\n".join(w.text for w in self.query(RTLStatic))

    def action_choose(self, value: Any) -> None:
        """Close with ``value``: the bindings of a dialog that only answers use this."""
        self.dismiss(value)
