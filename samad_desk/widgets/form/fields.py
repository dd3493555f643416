"""Form rows of the desk: a label, an input and the field's own error line.

``ChoiceField`` is a field with search as you type over a list of choices (case type,
subject, agency, city, urgency): the agent types part of a name, the matches appear under
the field, Up/Down move, Enter takes one. Focus stays in the input the whole time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import OptionList

from samad_desk.services import Choice
from samad_desk.widgets.rtl_input import RTLInput
from samad_desk.widgets.rtl_label import RTLStatic
from samad_desk.widgets.rtl_options import RtlOptionList


class FieldRow(Vertical):
    """label | input, with an error line under it that appears only when needed."""

    DEFAULT_CSS = """
    FieldRow { height: auto; }
    FieldRow > Horizontal { height: auto; }
    FieldRow .field-label { width: 14; height: 1; }
    FieldRow .field-input { width: 1fr; height: auto; min-height: 1; border: none; padding: 0 1; }
    FieldRow .field-error { height: auto; display: none; }
    FieldRow.-own-error .field-error { display: block; }
    """

    def __init__(self, name: str, label: str, input_widget: Widget, **kwargs: Any) -> None:
        super().__init__(id=f"row-{name}", **kwargs)
        self.field_name = name
        self.label = label
        self.input = input_widget
        self.input.add_class("field-input")

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield self.input
            yield RTLStatic(self.label, classes="field-label")
        yield from self.compose_extra()
        yield RTLStatic("", classes="field-error", id=f"error-{self.field_name}")

    def compose_extra(self) -> ComposeResult:
        return iter(())

    def set_error(self, message: str | None) -> None:
        """Show the message at the field: inside an RTL input (its own error line) or below."""
        self.set_class(bool(message), "-error")
        if hasattr(self.input, "error") and not isinstance(getattr(type(self.input), "error", None), property):
            self.input.error = message or None
        else:
            self.query_one(".field-error", RTLStatic).update(message or "")
            self.set_class(bool(message), "-own-error")

    @property
    def error(self) -> str:
        if hasattr(self.input, "error") and not isinstance(getattr(type(self.input), "error", None), property):
            return str(self.input.error or "")
        return self.query_one(".field-error", RTLStatic).text if self.has_class("-error") else ""


class ChoiceField(FieldRow):
    """A field whose value is one of a list of choices, searched as the agent types."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", "گزینه بعدی", show=False, id="choice-next"),
        Binding("up", "move(-1)", "گزینه قبلی", show=False, id="choice-prev"),
        Binding("escape", "close", "بستن فهرست", show=False, id="choice-close"),
    ]

    DEFAULT_CSS = """
    ChoiceField OptionList { height: auto; max-height: 6; display: none; margin: 0 14 0 0; }
    ChoiceField.-open OptionList { display: block; }
    """

    @dataclass
    class Chosen(Message):
        field: ChoiceField
        choice: Choice | None

        @property
        def control(self) -> ChoiceField:
            return self.field

    def __init__(
        self,
        name: str,
        label: str,
        choices: Callable[[], list[Choice]],
        *,
        search: Callable[[list[Choice], str], list[Choice]] | None = None,
        placeholder: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(name, label, RTLInput(placeholder=placeholder, id=f"in-{name}"), **kwargs)
        self._choices = choices
        self._search = search
        self.selected: Choice | None = None
        self._matches: list[Choice] = []
        self._setting = False
        #: the text this field put in its input itself; its Changed message arrives later
        #: (after ``_setting`` is back to False) and must not open the suggestions
        self._own_text: str | None = None

    def compose_extra(self) -> ComposeResult:
        # laid out again for its real width when it gets one (or a scrollbar appears
        # beside it): rows laid out for a guessed width wrapped mid-word («قزوین» split)
        options = RtlOptionList(id=f"opts-{self.field_name}")
        options.can_focus = False
        yield options

    @property
    def value(self) -> str:
        return self.selected.key if self.selected else ""

    @property
    def typed(self) -> str:
        return str(getattr(self.input, "value", ""))

    def choices(self) -> list[Choice]:
        return self._choices()

    def select_key(self, key: str | None, *, announce: bool = False) -> None:
        choice = next((c for c in self.choices() if c.key == key), None) if key else None
        self._select(choice, announce=announce)

    def _select(self, choice: Choice | None, *, announce: bool = True) -> None:
        self.selected = choice
        self._setting = True
        self.input.value = choice.label if choice else ""
        self._own_text = str(getattr(self.input, "value", ""))
        self._setting = False
        self._close()
        if announce:
            self.post_message(self.Chosen(self, choice))

    def _filter(self, text: str) -> list[Choice]:
        from samad_desk.services import DeskServices

        search = self._search or (lambda cs, q: DeskServices.filter_choices(cs, q))
        return search(self.choices(), text)

    @on(RTLInput.Changed)
    def _typed(self, event: Any) -> None:
        if event.control is not self.input or self._setting:
            return
        own, self._own_text = self._own_text, None
        if own is not None and event.value == own:
            return  # the echo of a value set here (a choice, or cleared for the next call)
        if self.selected is not None and event.value == self.selected.label:
            return  # the echo of our own selection
        if self.selected and event.value != self.selected.label:
            self.selected = None
            self.post_message(self.Chosen(self, None))
        self._open(event.value)

    def _open(self, text: str) -> None:
        self._matches = self._filter(text)
        options = self.query_one(RtlOptionList)
        options.set_rows([(f"{c.label} — {c.hint}" if c.hint else c.label, c.key) for c in self._matches])
        self.set_class(bool(self._matches), "-open")
        if self._matches:
            # at the bottom of a scrolled form the open list showed one row: bring it all in
            self.call_after_refresh(self.scroll_visible, animate=False)

    def _close(self) -> None:
        self.remove_class("-open")

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def action_move(self, step: int) -> None:
        if not self.is_open:
            self._open(self.typed if not self.selected else "")
            return
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -1
            options.highlighted = (current + step) % options.option_count

    def action_close(self) -> None:
        if self.is_open:
            self._close()
        else:
            self.screen.action_escape() if hasattr(self.screen, "action_escape") else None

    def take_highlighted(self) -> bool:
        """Enter: take the highlighted match (or the only / exact one). True if chosen."""
        if self.is_open and self._matches:
            options = self.query_one(OptionList)
            index = options.highlighted if options.highlighted is not None else 0
            self._select(self._matches[index])
            return True
        return self.resolve_typed()

    def resolve_typed(self) -> bool:
        """Leaving the field: an exact label, or a single match, counts as chosen."""
        if self.selected is not None:
            return True
        text = self.typed.strip()
        if not text:
            return False
        from samad_desk.text.normalize import name_key

        key = name_key(text)
        exact = [c for c in self.choices() if name_key(c.label) == key or c.key == text]
        matches = exact or self._filter(text)
        if len(matches) == 1 or exact:
            self._select(matches[0])
            return True
        return False

    @on(RTLInput.Submitted)
    def _submitted(self, event: Any) -> None:
        if event.control is self.input:
            self.take_highlighted()

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self._matches):
            self._select(self._matches[event.option_index])

    def on_descendant_blur(self) -> None:
        self.resolve_typed()
        self._close()

    def on_descendant_focus(self) -> None:
        if not self.selected:
            self._open(self.typed)
        else:
            # typing replaces the chosen value instead of appending to its label
            select_all = getattr(self.input, "action_select_all", None)
            if select_all is not None:
                select_all()
