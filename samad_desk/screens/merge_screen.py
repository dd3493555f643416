"""Merge two or more citizen profiles, choosing each field's value side by side (issue 6.3).

Right to left: the field names are the rightmost column, then one column per profile, the
first (right) being the surviving profile until F7 makes another one survive. Keyboard
only: ↑/↓ move between fields, ←/→ (or F4/F3) take the value of the profile to the left or
right, F7 changes the surviving profile, F2 saves the merge (after a confirmation), Esc
leaves without merging. Only a supervisor or an admin gets here (:func:`open_merge` refuses
anyone else with a Persian toast; the save checks again).

Entry points: :func:`open_merge` (from the lookup screen's candidates, the duplicates queue
or anything holding citizen ids) and :class:`~samad_desk.screens.modals.MergePickModal` when more than two
candidates are offered.
"""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from samad_desk.keys import keys
from samad_desk.messages import OpenCitizen
from samad_desk.screens.modals import ConfirmModal, MergePickModal
from samad_desk.services import error_text
from samad_desk.services.merges import citizen_title
from samad_desk.text.digits import fa
from samad_desk.widgets import RTLStatic
from samad_desk.widgets.chrome import BottomBars, DeskHeader
from samad_desk.widgets.merge_grid import MergeGrid


def _notify(app: Any, message: str, *, title: str = "ادغام", severity: str = "information") -> None:
    app.notify(message, title=title, severity=severity, markup=False)


def open_merge(app: Any, citizen_ids: list[str]) -> bool:
    """Open the merge of ``citizen_ids`` (the first one survives by default).

    Refuses, with a Persian toast, an operator who may not merge or fewer than two
    profiles; offers a choice first when more than two are given. Returns whether a screen
    was opened."""
    services = app.services
    merges = services.merges()
    reason = merges.refusal()
    if reason:
        _notify(app, reason, severity="error")
        return False
    ids = list(dict.fromkeys(i for i in citizen_ids if i))
    if len(ids) < 2:
        _notify(app, "برای ادغام دست‌کم دو شهروند لازم است.", severity="warning")
        return False
    if len(ids) == 2:
        app.push_screen(MergeScreen(services, ids))
        return True

    def chosen(picked: list[str] | None) -> None:
        if picked:
            app.push_screen(MergeScreen(services, picked))

    app.push_screen(MergePickModal(services, ids), chosen)
    return True


class MergeScreen(Screen[dict[str, Any] | None]):
    """Dismisses with the saved ``citizen.merge`` op, or ``None`` when left without merging."""

    TITLE_FA = "ادغام پروفایل شهروندان"

    BINDINGS = keys("merge")

    DEFAULT_CSS = """
    MergeScreen #merge-body { height: 1fr; }
    """

    def __init__(self, services: Any, citizen_ids: list[str]) -> None:
        super().__init__()
        self.services = services
        self.citizen_ids = list(citizen_ids)
        self.merges = services.merges()
        self.saving = False
        self.saved: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield DeskHeader(self.TITLE_FA)
        yield BottomBars()
        with Vertical(id="merge-body"):
            yield RTLStatic("در حال خواندن پروفایل‌ها…", id="merge-help")
            yield MergeGrid(id="merge-grid")
            # the highlighted field's values whole: the grid's columns cut a long address
            yield RTLStatic("", id="merge-field")
            yield RTLStatic("", id="merge-message")

    def on_mount(self) -> None:
        self.query_one(MergeGrid).focus()
        self._load()

    @property
    def grid(self) -> MergeGrid:
        return self.query_one(MergeGrid)

    @property
    def text(self) -> str:
        """Everything the screen says, logical order (tests, screen readers)."""
        parts = [self.query_one("#merge-help", RTLStatic).text, *self.grid.logical_lines,
                 self.query_one("#merge-field", RTLStatic).text,
                 self.query_one("#merge-message", RTLStatic).text]
        return "\n".join(p for p in parts if p)

    @work(thread=True, exclusive=True, group="merge-load", exit_on_error=False)
    def _load(self) -> tuple[list[dict[str, Any]], list[int]]:
        citizens = self.merges.load(self.citizen_ids)
        return citizens, [len(self.merges.cases_of(c["id"])) for c in citizens]

    @work(thread=True, exclusive=True, group="merge-save", exit_on_error=False)
    def _save(self, survivor_id: str, merged_ids: list[str], fields: dict[str, Any]) -> dict[str, Any]:
        return self.merges.merge(survivor_id, merged_ids, fields)

    @on(Worker.StateChanged)
    def _worker_done(self, event: Worker.StateChanged) -> None:
        group = event.worker.group
        if group not in ("merge-load", "merge-save"):
            return
        if event.state == WorkerState.ERROR:
            self.saving = False
            message = error_text(event.worker.error)
            self.query_one("#merge-message", RTLStatic).update(message)
            _notify(self.app, message, severity="error")
            return
        if event.state != WorkerState.SUCCESS:
            return
        if group == "merge-load":
            citizens, counts = event.worker.result
            self.grid.load(citizens, counts, self.merges.default_choices(citizens))
            self._show_field()
            self.query_one("#merge-help", RTLStatic).update(
                "↑↓ فیلد   ←→ یا F3/F4 انتخاب مقدار   F7 پروفایل اصلی   F2 ثبت ادغام   Esc انصراف"
            )
            return
        self.saving = False
        self.saved = event.worker.result
        survivor = self.saved["payload"]["survivor_id"]
        merged = self.saved["payload"]["merged_ids"]
        message = (f"ادغام ثبت شد: {fa(len(merged))} پروفایل در پروفایل اصلی ادغام شد؛"
                   " پرونده‌ها در پروفایل اصلی دیده می‌شوند و ادغام قابل لغو است.")
        _notify(self.app, message)
        self.dismiss(self.saved)
        self.app.post_message(OpenCitizen(survivor))

    def _show_field(self) -> None:
        self.query_one("#merge-field", RTLStatic).update("\n".join(self.grid.field_lines()))

    # -- actions
    def action_move(self, delta: int) -> None:
        self.grid.move(delta)
        self._show_field()

    def action_choose(self, delta: int) -> None:
        self.grid.choose(delta)
        self._show_field()

    def action_survivor(self) -> None:
        self.grid.next_survivor()
        self._show_field()

    def action_confirm(self) -> None:
        grid = self.grid
        if self.saving or not grid.citizens:
            return
        reason = self.merges.refusal()
        if reason:
            self.query_one("#merge-message", RTLStatic).update(reason)
            _notify(self.app, reason, severity="error")
            return
        survivor = grid.citizens[grid.survivor]
        others = [c for i, c in enumerate(grid.citizens) if i != grid.survivor]
        question = (f"پروفایل {'، '.join(citizen_title(c) for c in others)} در پروفایل "
                    f"{citizen_title(survivor)} ادغام شود؟ پرونده‌ها به پروفایل اصلی منتقل می‌شوند.")

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            fields = self.merges.chosen_fields(grid.citizens, grid.choices)
            self.saving = True
            self.query_one("#merge-message", RTLStatic).update("در حال ثبت ادغام…")
            self._save(str(survivor["id"]), [str(c["id"]) for c in others], fields)

        self.app.push_screen(ConfirmModal(question), answered)

    def action_cancel(self) -> None:
        if not self.saving:
            self.dismiss(None)
