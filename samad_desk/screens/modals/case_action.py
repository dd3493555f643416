"""The action dialogs of the case screen: one form per action, F2 to record, Esc to cancel.

A form never writes anything: it checks its fields with the caller's ``validate``
(the shared workflow rules) and dismisses with the payload; the case screen then saves the
op in a worker. Choices (officer, agency) are an OptionList moved with the arrows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import OptionList

from samad_desk.keys import keys
from samad_desk.screens.modals.dialog import Dialog
from samad_desk.text.digits import to_ascii_digits
from samad_desk.widgets import DigitsInput, RTLInput, RTLStatic, RTLTextArea
from samad_desk.widgets.rtl_options import RtlOptionList


@dataclass
class FormField:
    name: str
    label: str
    kind: str  # "text" (multi-line) | "line" | "days" | "choice"
    choices: list[tuple[str, str]] = field(default_factory=list)  # (value, Persian label)
    initial: str = ""
    hint: str = ""


class ActionForm(Dialog[dict[str, Any] | None]):
    """A dialog for one case action; dismisses with the payload or None."""

    BINDINGS = keys("action-form")

    DEFAULT_CSS = """
    ActionForm > .dialog-box { width: 78; }
    ActionForm VerticalScroll { height: auto; max-height: 17; }
    ActionForm RTLTextArea { height: 5; }
    ActionForm OptionList { height: auto; max-height: 7; }
    ActionForm .form-label { height: 1; }
    """

    def __init__(
        self,
        action: str,
        title: str,
        fields: list[FormField],
        *,
        validate: Callable[[dict[str, Any]], str | None] | None = None,
        note: str = "",
    ) -> None:
        super().__init__()
        self.action = action
        self.title_text = title
        self.fields = fields
        self.validate = validate
        self.note = note

    def compose(self) -> ComposeResult:
        with self.box():
            yield RTLStatic(self.title_text, id="form-title", classes="dialog-title", truncate=True)
            if self.note:
                yield RTLStatic(self.note, id="form-note")
            with VerticalScroll():
                for f in self.fields:
                    if f.kind == "choice":
                        yield RTLStatic(f.label, classes="form-label")
                        # laid out for the list's own width (rows laid out 70 wide were wrapped
                        # again by a narrower list: the first word alone on the next row)
                        yield RtlOptionList(id=f"field-{f.name}")
                    elif f.kind == "text":
                        yield RTLStatic(f.label, classes="form-label")
                        yield RTLTextArea(f.initial, id=f"field-{f.name}")
                    elif f.kind == "days":
                        yield DigitsInput(f.initial, id=f"field-{f.name}", label=f.label)
                    else:
                        yield RTLInput(f.initial, id=f"field-{f.name}", label=f.label)
                    if f.hint:
                        yield RTLStatic(f.hint, classes="form-hint")
            yield RTLStatic("", id="form-error", classes="dialog-error")
            yield RTLStatic("F2: ثبت   Esc: انصراف   Tab: فیلد بعدی", id="form-keys", classes="dialog-keys", truncate=True)

    def on_mount(self) -> None:
        for f in self.fields:
            widget = self.query_one(f"#field-{f.name}")
            if isinstance(widget, RtlOptionList):
                widget.set_rows([(label, value or "-") for value, label in f.choices])
            if isinstance(widget, OptionList) and widget.option_count:
                index = 0
                for i, (value, _label) in enumerate(f.choices):
                    if value == f.initial:
                        index = i
                widget.highlighted = index
        if self.fields:
            self.query_one(f"#field-{self.fields[0].name}").focus()

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.fields:
            widget = self.query_one(f"#field-{f.name}")
            if isinstance(widget, OptionList):
                index = widget.highlighted
                out[f.name] = f.choices[index][0] if index is not None and f.choices else ""
            elif f.kind == "days":
                text = "".join(ch for ch in to_ascii_digits(widget.value) if ch.isdigit())
                out[f.name] = int(text) if text else 0
            else:
                out[f.name] = widget.value
        return out

    @property
    def error(self) -> str:
        return self.query_one("#form-error", RTLStatic).text

    def action_submit(self) -> None:
        values = self.values()
        reason = self.validate(values) if self.validate else None
        if reason:
            self.query_one("#form-error", RTLStatic).update(reason)
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)
