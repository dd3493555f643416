"""A small demo of the RTL widgets: ``python -m samad_desk.widgets.demo [form|table|text]``.

Used by the tmux end-to-end test, the snapshot tests and the benchmark. F2 submits the
form (the result appears in the status line), F10 or ctrl+q quits.
"""

from __future__ import annotations

import sys

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical

from samad_desk.text.digits import fa
from samad_desk.text.rtl import ltr
from samad_desk.widgets import (
    NationalIdInput,
    PhoneInput,
    RTLColumn,
    RTLInput,
    RTLStatic,
    RTLTable,
    RTLTextArea,
    notify_rtl,
)

PARAGRAPH = (
    "شهروند گرامی، درخواست شما با کد رهگیری "
    + ltr("۰۰۰۱۲-۳۴۵۶۷۸-۹")
    + " در سامانه ثبت شد و به دستگاه اجرایی مربوط ارجاع گردید. "
    "پاسخ حداکثر ظرف ده روز کاری از طریق پیامک به شماره "
    + ltr("0912-345-6789")
    + " اعلام می‌شود. برای پیگیری (در ساعات اداری) با سامانه ۱۱۱ تماس بگیرید."
)

CASES = [
    {
        "id": "c1",
        "tracking": "000123456789",
        "subject": "قطعی آب",
        "agency": "شرکت آب و فاضلاب",
        "city": "قزوین",
    },
    {
        "id": "c2",
        "tracking": "000123456790",
        "subject": "آسفالت معابر",
        "agency": "شهرداری",
        "city": "تاکستان",
    },
    {
        "id": "c3",
        "tracking": "000123456791",
        "subject": "برق محله (فوری)",
        "agency": "شرکت توزیع برق",
        "city": "آبیک",
    },
    {
        "id": "c4",
        "tracking": "000123456792",
        "subject": "یارانه",
        "agency": "بهزیستی",
        "city": "البرز",
    },
]

COLUMNS = [
    RTLColumn("tracking", "کد رهگیری", direction="ltr", persian_digits=True, max_width=12),
    RTLColumn("subject", "موضوع", max_width=18),
    RTLColumn("agency", "دستگاه", max_width=18),
    RTLColumn("city", "شهر", max_width=10),
]


class RTLDemoApp(App[None]):
    """The widgets on one 80×24 screen."""

    CSS = """
    Screen { layout: vertical; }
    #form { height: auto; padding: 0 1; }
    #form > * { margin-bottom: 1; }
    RTLTable { dock: right; }
    #table-box { height: 8; }
    #status { dock: bottom; height: 1; background: $panel; }
    """

    BINDINGS = [
        Binding("f2", "submit_form", "ثبت", id="demo-submit"),
        Binding("f10,ctrl+q", "quit", "خروج", id="demo-quit"),
    ]

    def __init__(
        self, view: str = "form", theme: str | None = None, hints: list | None = None
    ) -> None:
        super().__init__()
        self.view = view
        self._theme_name = theme
        self.hints = hints or []

    def on_mount(self) -> None:
        from samad_desk.themes import register_themes

        register_themes(self)
        self.theme = self._theme_name or "samad-dark"
        for hint in self.hints:  # one-time terminal hints (terminal.pending_hints)
            notify_rtl(self, hint.text, title=hint.terminal, severity="warning", timeout=15)

    def compose(self) -> ComposeResult:
        if self.view in ("form", "all"):
            with Vertical(id="form"):
                yield RTLStatic("ثبت تماس تازه — نمونهٔ فرم", id="title")
                yield RTLInput(
                    placeholder="نام و نام خانوادگی", label="نام", label_width=12, id="name"
                )
                yield NationalIdInput(label_width=12, id="nid")
                yield PhoneInput(label_width=12, id="mobile")
                yield RTLTextArea(label="شرح درخواست", id="description")
        if self.view in ("table", "all"):
            with Vertical(id="table-box"):
                table = RTLTable(COLUMNS, id="cases")
                yield table
        if self.view in ("text", "all"):
            yield RTLStatic(PARAGRAPH, id="paragraph")
        yield RTLStatic("F2 ثبت   F10 خروج", id="status")

    def on_ready(self) -> None:
        if self.view in ("table", "all"):
            self.query_one(RTLTable).add_records(CASES)

    def action_submit_form(self) -> None:
        inputs = list(self.screen.query(RTLInput))
        errors = [w.validate() for w in inputs]
        bad = [e for e in errors if e]
        status = self.query_one("#status", RTLStatic)
        if bad:
            status.update(f"خطا: {fa(len(bad))} فیلد نادرست است")
        else:
            name = self.query_one("#name", RTLInput).value if self.view in ("form", "all") else ""
            status.update(f"ثبت شد: {name}")

    @on(RTLInput.Changed)
    def _changed(self, event: RTLInput.Changed) -> None:
        self.query_one("#status", RTLStatic).update(f"طول: {fa(len(event.value))}")


def main(argv: list[str] | None = None) -> None:
    from samad_desk import terminal
    from samad_desk.settings import load_settings

    args = sys.argv[1:] if argv is None else argv
    view = args[0] if args else "form"
    with terminal.bidi_session(load_settings()) as session:
        app = RTLDemoApp(view, hints=session.hints)
        session.attach(app)
        app.run()
    if session.hints:
        terminal.mark_hints_shown([h.id for h in session.hints])


if __name__ == "__main__":
    main()
