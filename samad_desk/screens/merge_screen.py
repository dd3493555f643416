"""Merge two or more citizen profiles, choosing each field's value side by side (issue 6.3).

Right to left: the field names are the rightmost column, then one column per profile, the
first (right) being the surviving profile until F7 makes another one survive. Keyboard
only: ↑/↓ move between fields, ←/→ (or F4/F3) take the value of the profile to the left or
right, F7 changes the surviving profile, F2 saves the merge (after a confirmation), Esc
leaves without merging. Only a supervisor or an admin gets here (:func:`open_merge` refuses
anyone else with a Persian toast; the save checks again).

Entry points: :func:`open_merge` (from the lookup screen's candidates, the duplicates queue
or anything holding citizen ids) and :class:`MergePickScreen` when more than two
candidates are offered.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from samad_desk.messages import OpenCitizen
from samad_desk.screens.chrome import BottomBars, DeskHeader
from samad_desk.screens.rtl_compat import RText, label_text, set_text, vis
from samad_desk.services import error_text
from samad_desk.services.citizen_details import display_value
from samad_desk.services.merges import MERGE_FIELDS, MergeService, citizen_title
from samad_desk.text.digits import fa

LABEL_WIDTH = 13
MARK = "●"


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

    app.push_screen(MergePickScreen(services, ids), chosen)
    return True


class MergeGrid(Widget, can_focus=True):
    """The side-by-side table: one row per field, one column per profile (RTL)."""

    DEFAULT_CSS = """
    MergeGrid { height: auto; width: 1fr; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.citizens: list[dict[str, Any]] = []
        self.case_counts: list[int] = []
        self.choices: dict[str, int] = {}
        self.survivor = 0
        self.row = 0
        self.touched: set[str] = set()  # fields whose value the supervisor chose by hand

    def load(self, citizens: list[dict[str, Any]], case_counts: list[int], choices: dict[str, int]) -> None:
        self.citizens, self.case_counts, self.choices = citizens, case_counts, dict(choices)
        self.survivor, self.row, self.touched = 0, 0, set()
        self.refresh(layout=True)

    @property
    def field(self) -> str:
        return MERGE_FIELDS[self.row][0]

    def move(self, delta: int) -> None:
        self.row = max(0, min(len(MERGE_FIELDS) - 1, self.row + delta))
        self.refresh()

    def choose(self, delta: int) -> None:
        """Take the value of the profile ``delta`` columns to the left (+) or right (-)."""
        if not self.citizens:
            return
        current = self.choices.get(self.field, 0)
        self.choices[self.field] = max(0, min(len(self.citizens) - 1, current + delta))
        self.touched.add(self.field)
        self.refresh()

    def next_survivor(self) -> None:
        """Another profile survives; the values not chosen by hand follow it."""
        if self.citizens:
            self.survivor = (self.survivor + 1) % len(self.citizens)
            defaults = MergeService.default_choices(self.citizens, self.survivor)
            for name, pick in defaults.items():
                if name not in self.touched:
                    self.choices[name] = pick
            self.refresh()

    # -- text
    def header_cells(self) -> list[str]:
        out = []
        for i in range(len(self.citizens)):
            role = "اصلی" if i == self.survivor else "ادغام‌شونده"
            out.append(f"{fa(i + 1)}. {role}")
        return out

    def value_cells(self, name: str) -> list[str]:
        pick = self.choices.get(name, 0)
        return [
            (f"{MARK} " if i == pick else "  ") + display_value(name, c.get(name))
            for i, c in enumerate(self.citizens)
        ]

    @property
    def logical_lines(self) -> list[str]:
        """The grid in logical order, one line per row: ``label | value 1 | value 2 …``."""
        lines = [" | ".join(["", *self.header_cells()])]
        lines.append(" | ".join(["نام", *[citizen_title(c) for c in self.citizens]]))
        for name, label in MERGE_FIELDS:
            lines.append(" | ".join([label, *self.value_cells(name)]))
        lines.append(" | ".join(["پرونده‌ها", *[fa(n) for n in self.case_counts]]))
        return lines

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return len(MERGE_FIELDS) + 3

    def render(self) -> Text:
        width = max(40, self.size.width or 78)
        n = max(1, len(self.citizens))
        col = max(8, (width - LABEL_WIDTH - n) // n)
        out = Text(no_wrap=True, overflow="crop")

        def row(label: str, cells: list[str], *, current: bool = False, styles: list[str] | None = None) -> None:
            # visual order: the last profile on the left, the label on the right
            for i in reversed(range(len(cells))):
                style = (styles or [""] * len(cells))[i]
                out.append(vis(cells[i], col), style=style)
                out.append(" ")
            out.append(vis(label, LABEL_WIDTH), style="reverse" if current else "bold")
            out.append("\n")

        head_styles = ["bold underline" if i == self.survivor else "dim" for i in range(len(self.citizens))]
        row("", self.header_cells(), styles=head_styles)
        row("نام", [citizen_title(c) for c in self.citizens])
        for r, (name, label) in enumerate(MERGE_FIELDS):
            pick = self.choices.get(name, 0)
            current = r == self.row
            styles = []
            for i in range(len(self.citizens)):
                if i == pick:
                    styles.append("bold reverse" if current and self.has_focus else "bold")
                else:
                    styles.append("dim")
            row(label, self.value_cells(name), current=current, styles=styles)
        row("پرونده‌ها", [fa(n) for n in self.case_counts])
        out.rstrip()
        return out


class MergeScreen(Screen[dict[str, Any] | None]):
    """Dismisses with the saved ``citizen.merge`` op, or ``None`` when left without merging."""

    TITLE_FA = "ادغام پروفایل شهروندان"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "فیلد بالاتر", show=False, id="merge-up"),
        Binding("down", "move(1)", "فیلد پایین‌تر", show=False, id="merge-down"),
        Binding("right", "choose(-1)", "مقدار سمت راست", show=False, id="merge-right"),
        Binding("left", "choose(1)", "مقدار سمت چپ", show=False, id="merge-left"),
        Binding("f3", "choose(-1)", "مقدار راست", id="merge-take-right"),
        Binding("f4", "choose(1)", "مقدار چپ", id="merge-take-left"),
        Binding("f7", "survivor", "پروفایل اصلی", id="merge-survivor"),
        Binding("f2", "confirm", "ثبت ادغام", id="merge-confirm"),
        Binding("escape", "cancel", "انصراف", id="merge-cancel"),
    ]

    DEFAULT_CSS = """
    MergeScreen #merge-body { height: 1fr; }
    MergeScreen RText { height: auto; }
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
            yield RText("در حال خواندن پروفایل‌ها…", id="merge-help")
            yield MergeGrid(id="merge-grid")
            yield RText("", id="merge-message")

    def on_mount(self) -> None:
        self.query_one(MergeGrid).focus()
        self._load()

    @property
    def grid(self) -> MergeGrid:
        return self.query_one(MergeGrid)

    @property
    def text(self) -> str:
        """Everything the screen says, logical order (tests, screen readers)."""
        parts = [label_text(self.query_one("#merge-help")), *self.grid.logical_lines,
                 label_text(self.query_one("#merge-message"))]
        return "\n".join(p for p in parts if p)

    @work(thread=True, exclusive=True, group="merge-load", exit_on_error=False)
    def _load(self) -> tuple[list[dict[str, Any]], list[int]]:
        citizens = self.merges.load(self.citizen_ids)
        counts = []
        for c in citizens:
            ids = [c["id"], *self.merges.aliases(c["id"])]
            counts.append(sum(len(self.merges.store.cases_of_citizen(i)) for i in ids))
        return citizens, counts

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
            set_text(self.query_one("#merge-message"), message)
            _notify(self.app, message, severity="error")
            return
        if event.state != WorkerState.SUCCESS:
            return
        if group == "merge-load":
            citizens, counts = event.worker.result
            self.grid.load(citizens, counts, self.merges.default_choices(citizens))
            set_text(
                self.query_one("#merge-help"),
                "↑↓ فیلد   ←→ یا F3/F4 انتخاب مقدار   F7 پروفایل اصلی   F2 ثبت ادغام   Esc انصراف",
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

    # -- actions
    def action_move(self, delta: int) -> None:
        self.grid.move(delta)

    def action_choose(self, delta: int) -> None:
        self.grid.choose(delta)

    def action_survivor(self) -> None:
        self.grid.next_survivor()

    def action_confirm(self) -> None:
        grid = self.grid
        if self.saving or not grid.citizens:
            return
        reason = self.merges.refusal()
        if reason:
            set_text(self.query_one("#merge-message"), reason)
            _notify(self.app, reason, severity="error")
            return
        survivor = grid.citizens[grid.survivor]
        others = [c for i, c in enumerate(grid.citizens) if i != grid.survivor]
        question = (f"پروفایل {'، '.join(citizen_title(c) for c in others)} در پروفایل "
                    f"{citizen_title(survivor)} ادغام شود؟ پرونده‌ها به پروفایل اصلی منتقل می‌شوند.")

        from samad_desk.screens.modals import ConfirmModal

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            fields = self.merges.chosen_fields(grid.citizens, grid.choices)
            self.saving = True
            set_text(self.query_one("#merge-message"), "در حال ثبت ادغام…")
            self._save(str(survivor["id"]), [str(c["id"]) for c in others], fields)

        self.app.push_screen(ConfirmModal(question), answered)

    def action_cancel(self) -> None:
        if not self.saving:
            self.dismiss(None)


class MergePickScreen(ModalScreen[list[str] | None]):
    """Which of several candidates to merge: Enter marks or unmarks, F2 goes on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "go", "ادامه ادغام", id="merge-pick-go"),
        Binding("escape", "cancel", "انصراف", id="merge-pick-cancel"),
    ]

    DEFAULT_CSS = """
    MergePickScreen { align: center middle; }
    MergePickScreen > Vertical { width: 76; height: auto; max-height: 20; border: round $primary; padding: 0 1; }
    MergePickScreen RText { height: auto; }
    MergePickScreen OptionList { height: auto; max-height: 14; }
    """

    def __init__(self, services: Any, citizen_ids: list[str]) -> None:
        super().__init__()
        self.services = services
        self.citizen_ids = list(citizen_ids)
        self.citizens: list[dict[str, Any]] = []
        self.marked: set[int] = set()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield RText("کدام پروفایل‌ها ادغام شوند؟ Enter: انتخاب   F2: ادامه   Esc: انصراف", id="pick-help")
            yield OptionList(id="pick-list")

    def on_mount(self) -> None:
        for cid in self.citizen_ids:
            doc = self.services.store.get("citizen", cid)
            if doc is not None and not doc.get("merged_into"):
                self.citizens.append(doc)
        if self.citizens:
            self.marked = {0}
        self._render_options()
        self.query_one(OptionList).focus()

    def _line(self, i: int) -> str:
        c = self.citizens[i]
        box = "☑" if i in self.marked else "☐"
        return f"{box} {citizen_title(c)}، فرزند {c.get('father_name') or '—'}، {display_value('mobile', c.get('mobile'))}"

    @property
    def lines(self) -> list[str]:
        return [self._line(i) for i in range(len(self.citizens))]

    def _render_options(self) -> None:
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        width = max(20, (options.size.width or 72) - 2)
        for i in range(len(self.citizens)):
            options.add_option(Option(vis(self._line(i), width), id=f"pick-{i}"))
        if self.citizens:
            options.highlighted = highlighted if highlighted is not None else 0

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
