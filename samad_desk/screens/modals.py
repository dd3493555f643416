"""Dialogs of the call desk. Each is a ``ModalScreen[T]`` whose ``dismiss(value)`` reaches
the caller's callback; every choice has a function key or Enter/Esc."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from samad_desk.domain.tracking import format_tracking_code
from samad_desk.screens.rtl_compat import RText, label_text
from samad_desk.services import Confirmation, tracking_label
from samad_desk.text.digits import fa


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


class _Dialog(ModalScreen[Any]):
    DEFAULT_CSS = """
    _Dialog { align: center middle; }
    _Dialog > Vertical { width: 76; height: auto; max-height: 22; border: round $primary; padding: 0 1; }
    _Dialog RText { height: auto; }
    """

    @property
    def text(self) -> str:
        return "\n".join(label_text(w) for w in self.query(RText))

    def action_choose(self, value: Any) -> None:
        """Every dialog's bindings answer with ``choose(value)``: close with that value."""
        self.dismiss(value)


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
    TrackingPanel RText { height: auto; }
    """

    @dataclass
    class Closed(Message):
        code: str

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.code = ""
        self.shown_at: float | None = None

    def compose(self) -> ComposeResult:
        from samad_desk.screens.chrome import RLine

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
        import time

        self.shown_at = time.perf_counter()

    @property
    def shown(self) -> bool:
        return self.visible

    def action_close(self) -> None:
        self.visible = False
        self.post_message(self.Closed(self.code))

    @property
    def text(self) -> str:
        from samad_desk.screens.chrome import RLine

        return "\n".join(label_text(w) for w in self.query(RLine))


class FollowupOfferModal(_Dialog):
    """The caller already has an open case on this matter: follow-up, or a new case anyway."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2,enter", "choose('followup')", "ثبت به‌عنوان پیگیری", id="offer-followup"),
        Binding("f3", "choose('new')", "پرونده تازه", id="offer-new"),
        Binding("escape", "choose(None)", "بازگشت به فرم", id="offer-cancel"),
    ]

    def __init__(self, cases: list[dict[str, Any]], subject_label: str) -> None:
        super().__init__()
        self.cases = cases
        self.subject_label = subject_label

    def compose(self) -> ComposeResult:
        case = self.cases[0]
        code = tracking_label(str(case.get("tracking_code", "")))
        with Vertical():
            yield RText(
                f"این شهروند پرونده بازی درباره «{self.subject_label}» دارد (کد رهگیری {code})."
            )
            yield RText("تماس را پیگیری همان پرونده ثبت کنیم؟")
            yield RText("F2 یا Enter: ثبت پیگیری   F3: پرونده تازه   Esc: بازگشت به فرم")



class DraftModal(_Dialog):
    """A call that was being typed when the desk stopped: take it up again?"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,f2", "choose(True)", "ادامه پیش‌نویس", id="draft-restore"),
        Binding("escape,f3", "choose(False)", "کنار گذاشتن پیش‌نویس", id="draft-discard"),
    ]

    def __init__(self, summary: str) -> None:
        super().__init__()
        self.summary = summary

    def compose(self) -> ComposeResult:
        with Vertical():
            yield RText("تماسی نیمه‌تمام از پیش مانده است:")
            yield RText(self.summary)
            yield RText("Enter: ادامه همان تماس   Esc: کنار گذاشتن")



class ConfirmModal(_Dialog):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2,enter", "choose(True)", "بله", id="confirm-yes"),
        Binding("escape", "choose(False)", "نه", id="confirm-no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield RText(self.question)
            yield RText("Enter: بله   Esc: نه")



class CitizenDecisionModal(_Dialog):
    """Before a call changes who a registered citizen is, or registers a look-alike.

    ``identity``: every changed field as «old ← new»; F2 saves the call with the change as
    an edit of that citizen. ``distinct``: the registered look-alike (same name, birth date
    and mobile, another ID); F2 says the caller is another person and a new profile is
    made. Esc goes back to the form; Enter does nothing here, so a reflex Enter from the
    form never decides for the agent."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "choose(True)", "تأیید", id="decision-yes"),
        Binding("escape", "choose(False)", "بازگشت به فرم", id="decision-no"),
    ]

    def __init__(self, confirmation: Confirmation) -> None:
        super().__init__()
        self.confirmation = confirmation

    def compose(self) -> ComposeResult:
        c = self.confirmation
        nid = c.citizen.get("national_id")
        ident = f"کد ملی {fa(nid)}" if nid else "بدون کد ملی"
        with Vertical():
            if c.kind == "identity":
                yield RText(f"این تماس مشخصات هویتی شهروند ثبت‌شده «{c.citizen_name}» ({ident}) را تغییر می‌دهد:")
                for label, old, new in c.changes:
                    yield RText(f"  {label}: {old} ← {new}")
                yield RText("F2: ثبت تماس با این ویرایش   Esc: بازگشت به فرم (F4: شهروند دیگر)")
            else:
                yield RText(
                    f"«{c.citizen_name}» ({ident}) با همین نام، تاریخ تولد و شماره همراه ثبت است."
                )
                yield RText("آیا تماس‌گیرنده شخص دیگری است؟")
                yield RText("F2: شخص دیگری است، پروفایل تازه   Esc: بازگشت و انتخاب همان شهروند")

