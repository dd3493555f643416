"""Needs attention (نیازمند توجه): operations the server rejected, with its reason, and
first of all a refusal of the whole sync (an expired session, a device the server no longer
accepts, a desk too old), with what to do: while it lasts nothing reaches the server.

A refusal is not a deletion: each rejected op stays in the journal until the operator
re-issues it (a new op against the current state) or dismisses it.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.widgets import OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from samad_desk.domain.models import CaseState
from samad_desk.screens.base import DeskScreen
from samad_desk.services import error_text, op_summary
from samad_desk.text import rtl
from samad_desk.text.digits import fa
from samad_desk.widgets import RTLStatic

#: the option id of the sync refusal's entry (op ids are uuids, never this)
PROBLEM_ID = "sync-problem"


def attention_lines(op: dict[str, Any]) -> list[str]:
    reason = op.get("message") or op.get("code") or "رد شد"
    current = op.get("current") or {}
    state = current.get("state")
    lines = [op_summary(op), f"دلیل: {reason}"]
    if state:
        try:
            lines.append(f"وضعیت کنونی: {CaseState(state).label}")
        except ValueError:
            lines.append(f"وضعیت کنونی: {state}")
    return lines


class AttentionScreen(DeskScreen, area="attention"):
    DEFAULT_CSS = """
    #attention-list { height: 1fr; }
    """

    def __init__(self, services: Any, **kwargs: Any) -> None:
        super().__init__(services, **kwargs)
        self.ops: list[dict[str, Any]] = []

    def compose_body(self) -> ComposeResult:
        yield RTLStatic("", id="attention-title")
        yield OptionList(id="attention-list")

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one("#attention-list").focus()

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="attention", exit_on_error=False)
    def _load(self) -> list[dict[str, Any]]:
        return self.services.attention()

    @work(thread=True, group="attention-act", exit_on_error=False)
    def _act(self, kind: str, op: dict[str, Any]) -> str:
        if kind == "reissue":
            self.services.reissue(op)
            return "عملیات دوباره صادر شد."
        self.services.dismiss(op["op_id"])
        return "کنار گذاشته شد."

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        w = event.worker
        if w.group == "attention" and event.state == WorkerState.SUCCESS:
            self._show(w.result or [])
        elif w.group == "attention-act":
            if event.state == WorkerState.SUCCESS:
                self.notify(str(w.result), title="نیازمند توجه", markup=False)
                self.refresh_data()
            elif event.state == WorkerState.ERROR:
                error = w.error
                text = error_text(error)
                self.notify(text, title="نیازمند توجه", severity="error", markup=False)

    def _show(self, ops: list[dict[str, Any]]) -> None:
        self.ops = ops
        problem = self.problem
        if ops:
            title = f"{fa(len(ops))} عملیات رد شده — F2: صدور دوباره، F3: کنار گذاشتن"
        elif problem is not None and problem.kind == "history":
            title = "تاریخچهٔ پرونده‌ای با زنجیرهٔ سرور نمی‌خواند:"
        elif problem is not None:
            title = "همگام‌سازی با سرور متوقف است:"
        else:
            title = "چیزی نیازمند توجه نیست."
        self.query_one("#attention-title").update(title)
        options = self.query_one("#attention-list", OptionList)
        options.clear_options()
        width = max(20, (options.size.width or 78) - 2)
        for key, lines in self._entries():
            text = "\n".join(row for line in lines for row in rtl.layout(line, width))
            options.add_option(Option(text, id=key))
        if options.option_count:
            options.highlighted = 1 if (problem is not None and ops) else 0

    @property
    def problem(self) -> Any:
        """The sync refusal the app knows of (``sync.problems.SyncProblem``), if any."""
        status = getattr(self.app, "status", None)
        return getattr(status, "problem", None)

    def _entries(self) -> list[tuple[str, list[str]]]:
        """The refusal first (it keeps every op from the server), then each rejected op."""
        entries = [(str(op["op_id"]), attention_lines(op)) for op in self.ops]
        if self.problem is not None:
            entries.insert(0, (PROBLEM_ID, self.problem.lines()))
        return entries

    @property
    def texts(self) -> list[str]:
        return ["\n".join(lines) for _key, lines in self._entries()]

    def _current(self) -> dict[str, Any] | None:
        options = self.query_one("#attention-list", OptionList)
        if options.highlighted is None:
            return None
        key = options.get_option_at_index(options.highlighted).id
        if key == PROBLEM_ID:
            self.notify(self.problem.action if self.problem else "", title="همگام‌سازی", markup=False)
            return None
        return next((op for op in self.ops if str(op["op_id"]) == key), None)

    def action_reissue(self) -> None:
        op = self._current()
        if op is not None:
            self._act("reissue", op)

    def action_dismiss_op(self) -> None:
        op = self._current()
        if op is not None:
            self._act("dismiss", op)
