"""Thin adapter between the desk screens and the RTL widgets of ``samad_desk.widgets``.

The screens use only the names below. When the RTL engine and widgets are importable they
are used; until then (the parts are built in parallel) stock Textual widgets stand in, so
the screens can be built and tested. Delete the fallbacks once the widgets have landed.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual.widgets import Input, Label, TextArea

try:  # the real RTL layout engine
    from samad_desk.text import rtl as _rtl  # type: ignore[attr-defined]
except Exception:  # pragma: no cover - only while the RTL part is being written
    _rtl = None

try:
    from samad_desk.widgets import RTLInput as _RTLInput  # type: ignore[attr-defined]
    from samad_desk.widgets import RTLLabel as _RTLLabel  # type: ignore[attr-defined]
    from samad_desk.widgets import RTLTextArea as _RTLTextArea  # type: ignore[attr-defined]
except Exception:  # pragma: no cover
    _RTLInput = _RTLLabel = _RTLTextArea = None

try:
    from samad_desk.widgets import LTRInput as _LTRInput  # type: ignore[attr-defined]
    from samad_desk.widgets import NationalIdInput as _NationalIdInput  # type: ignore[attr-defined]
    from samad_desk.widgets import PhoneInput as _PhoneInput  # type: ignore[attr-defined]
    from samad_desk.widgets import RTLStatic as _RTLStatic  # type: ignore[attr-defined]
except Exception:  # pragma: no cover
    _NationalIdInput = _PhoneInput = _LTRInput = _RTLStatic = None

HAVE_RTL = _rtl is not None and _RTLLabel is not None


def vis(text: str, width: int | None = None) -> str:
    """One line of logical Persian as visual cells, right-aligned (and cut) to ``width``."""
    if _rtl is not None:
        if width:
            return str(_rtl.truncate(text, width))
        return str(_rtl.layout_line(text).visual)
    out = text.replace("\n", " ")
    if width is not None:
        pad = width - cell_len(out)
        if pad > 0:
            out = " " * pad + out
    return out


def ltr(value: object) -> str:
    """Isolate a number, ID or code inside Persian text so it keeps its order."""
    return f"\u2066{value}\u2069"


if _RTLStatic is not None:
    RText: Any = _RTLStatic
else:

    class RText(Label):  # type: ignore[no-redef]
        """Stand-in for RTLLabel: right-aligned, logical order."""

        DEFAULT_CSS = "RText { width: 1fr; text-align: right; }"

        def __init__(self, text: str = "", **kwargs: Any) -> None:
            kwargs.setdefault("markup", False)
            super().__init__(text, **kwargs)

        @property
        def text(self) -> str:
            return str(self.content)


if _RTLInput is not None:
    RInput: Any = _RTLInput
    InputChanged: Any = _RTLInput.Changed
    InputSubmitted: Any = _RTLInput.Submitted
else:
    InputChanged = Input.Changed
    InputSubmitted = Input.Submitted


    class RInput(Input):  # type: ignore[no-redef]
        """Stand-in for RTLInput."""


if _NationalIdInput is not None:

    class NidInput(_NationalIdInput):  # type: ignore[no-redef,valid-type,misc]
        def __init__(self, value: str = "", **kwargs: Any) -> None:
            kwargs.setdefault("label", "")
            super().__init__(value, **kwargs)

else:

    class NidInput(Input):  # type: ignore[no-redef]
        """Stand-in for NationalIdInput (LTR digits)."""


if _PhoneInput is not None:

    class MobileInput(_PhoneInput):  # type: ignore[no-redef,valid-type,misc]
        def __init__(self, value: str = "", **kwargs: Any) -> None:
            kwargs.setdefault("label", "")
            super().__init__(value, **kwargs)

else:

    class MobileInput(Input):  # type: ignore[no-redef]
        """Stand-in for PhoneInput (LTR digits)."""


if _LTRInput is not None:

    class LtrInput(_LTRInput):  # type: ignore[no-redef,valid-type,misc]
        """Digits and codes (tracking code, dates typed as digits): left to right."""

        persian_digits = True

else:

    class LtrInput(Input):  # type: ignore[no-redef]
        """Digits and codes (tracking code, dates typed as digits): left to right by nature."""


if _RTLTextArea is not None:
    RTextArea: Any = _RTLTextArea
else:

    class RTextArea(TextArea):  # type: ignore[no-redef]
        """Stand-in for RTLTextArea."""


def label_text(widget: Any) -> str:
    """The logical text of an RText, whichever implementation it is."""
    for attr in ("text", "value", "logical"):
        value = getattr(widget, attr, None)
        if isinstance(value, str):
            return value
    return str(getattr(widget, "content", ""))


def set_text(widget: Any, text: str) -> None:
    widget.update(text)


def area_text(widget: Any) -> str:
    value = getattr(widget, "text", None)
    if isinstance(value, str):
        return value
    return str(getattr(widget, "value", ""))


def set_area_text(widget: Any, text: str) -> None:
    if hasattr(widget, "load_text"):
        widget.load_text(text)
    else:
        widget.value = text
