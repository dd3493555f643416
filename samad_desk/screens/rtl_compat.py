"""The names the desk screens use for the RTL widgets of ``samad_desk.widgets``.

This began as a stand-in while the RTL part was being written in parallel; the widgets
have landed, so it is now only aliases and the small helpers the screens share (field
labels come from the desk's own rows, so the national-ID and phone inputs get no label
of their own).
"""

from __future__ import annotations

from typing import Any

from samad_desk.text import rtl
from samad_desk.widgets import (
    LTRInput,
    NationalIdInput,
    PhoneInput,
    RTLInput,
    RTLStatic,
    RTLTextArea,
)

RText = RTLStatic
RInput = RTLInput
RTextArea = RTLTextArea
InputChanged = RTLInput.Changed
InputSubmitted = RTLInput.Submitted


def vis(text: str, width: int | None = None) -> str:
    """One line of logical Persian as visual cells, right-aligned (and cut) to ``width``."""
    if width:
        return str(rtl.truncate(text, width))
    return str(rtl.layout_line(text).visual)


def ltr(value: object) -> str:
    """Isolate a number, ID or code inside Persian text so it keeps its order."""
    return rtl.ltr(value)


class NidInput(NationalIdInput):
    def __init__(self, value: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("label", "")
        super().__init__(value, **kwargs)


class MobileInput(PhoneInput):
    def __init__(self, value: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("label", "")
        super().__init__(value, **kwargs)


class LtrInput(LTRInput):
    """Digits and codes (tracking code, dates typed as digits): left to right."""

    persian_digits = True


def label_text(widget: Any) -> str:
    """The logical text of a label-like widget."""
    for attr in ("text", "value", "logical"):
        value = getattr(widget, attr, None)
        if isinstance(value, str):
            return value
    return str(getattr(widget, "content", ""))


def set_text(widget: Any, text: str) -> None:
    widget.update(text)


def area_text(widget: Any) -> str:
    return str(getattr(widget, "value", ""))


def set_area_text(widget: Any, text: str) -> None:
    widget.value = text
