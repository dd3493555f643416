"""Which of several candidates to merge (more than two offered): Enter marks or unmarks
a profile, F2 goes on to the merge screen with the marked ones, Esc leaves."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import OptionList
from textual.worker import Worker, WorkerState

from samad_desk.keys import keys
from samad_desk.screens.modals.dialog import Dialog
from samad_desk.services.citizen_details import display_value
from samad_desk.services.merges import citizen_title
from samad_desk.widgets import RTLStatic
from samad_desk.widgets.rtl_options import RtlOptionList


class MergePickModal(Dialog[list[str] | None]):
    """Which of several candidates to merge: Enter marks or unmarks, F2 goes on."""

    BINDINGS = keys("merge-pick")

    DEFAULT_CSS = """
    MergePickModal > .dialog-box { max-height: 20; }
    MergePickModal OptionList { height: auto; max-height: 14; }
    """

    def __init__(self, services: Any, citizen_ids: list[str]) -> None:
        super().__init__()
        self.services = services
        self.citizen_ids = list(citizen_ids)
        self.citizens: list[dict[str, Any]] = []
        self.marked: set[int] = set()

    def compose(self) -> ComposeResult:
        with self.box():
            yield RTLStatic("کدام پروفایل‌ها ادغام شوند؟ Enter: انتخاب   F2: ادامه   Esc: انصراف", id="pick-help")
            # laid out for the list's own width (rows laid out for the list's outer width
            # were cut short of the right edge, and wrapped again when it had no size yet)
            yield RtlOptionList(id="pick-list")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self._load()

    @work(thread=True, exclusive=True, group="merge-pick-load", exit_on_error=False)
    def _load(self) -> list[dict[str, Any]]:
        return self.services.merges().active_profiles(self.citizen_ids)

    @on(Worker.StateChanged)
    def _loaded(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "merge-pick-load":
            return
        if event.state == WorkerState.ERROR:
            self.app.notify(f"پروفایل‌ها خوانده نشد: {event.worker.error}", title="ادغام",
                            severity="error", markup=False)
        elif event.state == WorkerState.SUCCESS:
            self.citizens = list(event.worker.result)
            self.marked = {0} if self.citizens else set()
            self._render_options()

    def _line(self, i: int) -> str:
        c = self.citizens[i]
        box = "☑" if i in self.marked else "☐"
        return f"{box} {citizen_title(c)}، فرزند {c.get('father_name') or '—'}، {display_value('mobile', c.get('mobile'))}"

    @property
    def lines(self) -> list[str]:
        return [self._line(i) for i in range(len(self.citizens))]

    def _render_options(self) -> None:
        options = self.query_one(RtlOptionList)
        highlighted = options.highlighted
        options.set_rows([(self._line(i), f"pick-{i}") for i in range(len(self.citizens))])
        if self.citizens and highlighted is not None:
            options.highlighted = min(highlighted, len(self.citizens) - 1)

    @on(OptionList.OptionSelected, "#pick-list")
    def _toggle(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        i = int((event.option.id or "pick-0")[5:])
        self.marked ^= {i}
        self._render_options()

    def action_go(self) -> None:
        if len(self.marked) < 2:
            self.app.notify("دست‌کم دو پروفایل را با Enter انتخاب کنید.", title="ادغام",
                            severity="warning", markup=False)
            return
        self.dismiss([str(self.citizens[i]["id"]) for i in sorted(self.marked)])

    def action_cancel(self) -> None:
        self.dismiss(None)
