"""Login: operator and password against the central server; offline with the stored
verifier when the server cannot be reached (only for someone who logged in here before)."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from samad_desk.keys import keys
from samad_desk.services import FormInvalid, login
from samad_desk.widgets import DigitsInput, RTLInput, RTLStatic
from samad_desk.widgets.form import FieldRow


class LoginScreen(Screen[tuple[dict[str, Any], bool] | None]):
    BINDINGS = keys("login")

    DEFAULT_CSS = """
    LoginScreen { align: center middle; }
    #login-box { width: 60; height: auto; border: round $primary; padding: 1 2; }
    """

    def __init__(self, settings: Any, client: Any, *, relogin: bool = False) -> None:
        super().__init__()
        self.settings = settings
        self.client = client
        self.busy = False
        #: logging in again during a session (expired tokens): Esc goes back, not out
        self.relogin = relogin

    def compose(self) -> ComposeResult:
        with Vertical(id="login-box"):
            yield RTLStatic("ورود به میز سامد ۱۱۱")
            yield RTLStatic(f"سرور: {self.settings.server_url or 'محلی'}", classes="dim")
            yield FieldRow("username", "نام کاربری", DigitsInput(id="in-username"))
            yield FieldRow("password", "گذرواژه", Input(id="in-password", password=True))
            yield RTLStatic("", id="login-state", classes="dim")
            yield RTLStatic(
                "Enter یا F2: ورود   Esc: " + ("بازگشت" if self.relogin else "خروج"), classes="dim"
            )

    def on_mount(self) -> None:
        known = getattr(self.client, "tokens", None)
        entry = known.load() if known is not None else None
        if entry and entry.get("username"):
            self.query_one("#in-username").value = entry["username"]
            self.query_one("#in-password").focus()
        else:
            self.query_one("#in-username").focus()

    @on(Input.Submitted)
    @on(RTLInput.Submitted)
    def _submitted(self, event: Any) -> None:
        event.stop()
        if event.control.id == "in-username":
            self.query_one("#in-password").focus()
        else:
            self.action_login()

    def action_login(self) -> None:
        if self.busy:
            return
        for row in self.query(FieldRow):
            row.set_error(None)
        self.busy = True
        self.query_one("#login-state").update("در حال ورود…")
        self._login(
            self.query_one("#in-username").value, self.query_one("#in-password", Input).value
        )

    @work(thread=True, exclusive=True, group="login", exit_on_error=False)
    def _login(self, username: str, password: str) -> tuple[dict[str, Any], bool]:
        return login(self.client, username, password, self.settings.operator_dir)

    @on(Worker.StateChanged)
    def _done(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "login" or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        self.busy = False
        self.query_one("#login-state").update("")
        if event.state == WorkerState.SUCCESS:
            operator, online = event.worker.result
            if not online:
                self.app.notify(
                    "سرور در دسترس نیست؛ ورود برون‌خط انجام شد. کارها در صف می‌مانند.",
                    title="ورود برون‌خط",
                    severity="warning",
                    markup=False,
                )
            self.dismiss((operator, online))
            return
        error = event.worker.error
        if isinstance(error, FormInvalid):
            for name, message in error.errors.items():
                row = self.query_one(f"#row-{name}", FieldRow)
                row.set_error(message)
            self.query_one(f"#in-{error.first_field}").focus()
        else:
            self.query_one("#row-password", FieldRow).set_error(f"{type(error).__name__}: {error}")

    def action_cancel(self) -> None:
        self.dismiss(None)
