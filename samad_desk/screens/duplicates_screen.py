"""The "possible duplicates" queue (issue 6.3).

The matching engine's batch de-duplication over the citizens this desk holds: groups the
engine calls the same person first, then review-band pairs, each with the reasons they
matched. Enter opens the merge of the highlighted group (supervisor/admin only), F7 records
that a pair is two different people (it leaves the queue on every desk), F3 the merge
history (where merges are undone), F4 recomputes the queue, Esc goes back.
"""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable
from textual.worker import Worker, WorkerState

from samad_desk.screens.base import DeskScreen
from samad_desk.screens.modals import ConfirmModal
from samad_desk.services import error_text
from samad_desk.services.merges import DuplicateGroup
from samad_desk.text.digits import fa
from samad_desk.widgets import RTLColumn, RTLStatic, RTLTable


def _names(group: DuplicateGroup) -> str:
    return " / ".join(
        f"{c.get('first_name') or ''} {c.get('last_name') or ''}".strip() for c in group.citizens
    )


def _ids(group: DuplicateGroup) -> str:
    return " / ".join(fa(c.get("national_id")) if c.get("national_id") else "—" for c in group.citizens)


def open_duplicates(app: Any) -> None:
    """Push the duplicates queue (for the app's bindings and palette)."""
    app.push_screen(DuplicatesScreen(app.services))


class DuplicatesScreen(DeskScreen, area="duplicates"):
    DEFAULT_CSS = """
    DuplicatesScreen #duplicates-body { align-horizontal: right; height: 1fr; }
    DuplicatesScreen RTLStatic { height: auto; }
    DuplicatesScreen RTLTable { height: 1fr; }
    DuplicatesScreen #duplicates-detail { dock: bottom; }
    """

    COLUMNS = [
        RTLColumn("band", "وضعیت", max_width=14),
        RTLColumn("names", "شهروندان", max_width=28),
        RTLColumn("ids", "کد ملی", max_width=23),
        RTLColumn("reasons", "دلیل", max_width=60),
    ]

    def __init__(self, services: Any) -> None:
        super().__init__(services)
        self.merges = services.merges()
        self.groups: list[DuplicateGroup] = []
        self.loads = 0

    def compose_body(self) -> ComposeResult:
        with Vertical(id="duplicates-body"):
            yield RTLStatic("در حال جستجوی شهروندان تکراری…", id="duplicates-title")
            yield RTLTable(self.COLUMNS, id="duplicates-table")
            yield RTLStatic("", id="duplicates-detail")

    def on_mount(self) -> None:
        self.query_one(RTLTable).focus()
        self._load()

    def on_screen_resume(self) -> None:
        if self.loads:  # back from a merge: the queue changed
            self._load()

    def refresh_data(self) -> None:
        self._load()

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.query_one(RTLTable).records.values()]

    @property
    def text(self) -> str:
        rows = [" | ".join(str(r.get(c.key, "")) for c in self.COLUMNS) for r in self.rows]
        return "\n".join([self.query_one("#duplicates-title").text, *rows,
                          self.query_one("#duplicates-detail").text])

    @work(thread=True, exclusive=True, group="duplicates", exit_on_error=False)
    def _load(self) -> list[DuplicateGroup]:
        return self.merges.duplicates()

    @on(Worker.StateChanged)
    def _loaded(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "duplicates":
            return
        if event.state == WorkerState.ERROR:
            self.query_one("#duplicates-title").update(f"محاسبه تکراری‌ها ناموفق بود: {event.worker.error}")
            return
        if event.state != WorkerState.SUCCESS:
            return
        self.loads += 1
        self.groups = list(event.worker.result or [])
        table = self.query_one(RTLTable)
        table.clear_records()
        for i, g in enumerate(self.groups):
            table.add_record({
                "id": str(i),
                "band": g.band_label,
                "names": _names(g),
                "ids": _ids(g),
                "reasons": "، ".join(g.reasons) or "نام مشابه",
            }, key=str(i))
        if self.groups:
            table.move_cursor(row=0)
            self.query_one("#duplicates-detail").update(self.detail(self.groups[0]))
            title = f"{fa(len(self.groups))} گروه احتمالاً تکراری   Enter: ادغام   F7: تکراری نیست"
        else:
            title = "شهروند تکراری پیدا نشد"
        self.query_one("#duplicates-title").update(title)

    def _highlighted(self) -> DuplicateGroup | None:
        record = self.query_one(RTLTable).cursor_record
        if record is None:
            return None
        return self.groups[int(record["id"])]

    @on(DataTable.RowHighlighted, "#duplicates-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        group = self._highlighted()
        self.query_one("#duplicates-detail").update(self.detail(group) if group else "")

    @staticmethod
    def detail(group: DuplicateGroup) -> str:
        """The highlighted group in full (the table cuts long cells)."""
        lines = [f"{group.band_label}: {'، '.join(group.reasons) or 'نام مشابه'}"]
        for c in group.citizens:
            lines.append(
                f"• {c.get('first_name') or ''} {c.get('last_name') or ''}، فرزند {c.get('father_name') or '—'}، "
                f"{fa(c.get('national_id')) if c.get('national_id') else 'بدون کد ملی'}، "
                f"{fa(c.get('mobile') or '—')}، {c.get('city') or '—'}"
            )
        return "\n".join(lines)

    @on(DataTable.RowSelected, "#duplicates-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # Enter on the table: the table consumes the key, so act here
        self.action_merge()

    def action_merge(self) -> None:
        group = self._highlighted()
        if group is None:
            return
        from samad_desk.screens.merge_screen import open_merge

        open_merge(self.app, group.ids)

    def action_history(self) -> None:
        from samad_desk.screens.merge_history_screen import MergeHistoryScreen

        self.app.push_screen(MergeHistoryScreen(self.services))

    def action_distinct(self) -> None:
        """The highlighted pair is two different people: recorded (supervisor or admin),
        synced, and left out of the queue from then on."""
        group = self._highlighted()
        if group is None:
            return
        refusal = self.merges.distinct_refusal(group.ids)
        if refusal:
            self.notify(refusal, title="تکراری نیست", severity="warning", markup=False)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._distinct(group.ids)

        names = " و ".join(f"{c.get('first_name') or ''} {c.get('last_name') or ''}".strip() for c in group.citizens)
        self.app.push_screen(ConfirmModal(f"{names} دو شهروند جدا هستند و تکراری نیستند؟"), answered)

    @work(thread=True, exclusive=True, group="distinct", exit_on_error=False)
    def _distinct(self, ids: list[str]) -> dict[str, Any]:
        return self.merges.distinct(ids)  # the journal's fsync: off the UI thread

    @on(Worker.StateChanged)
    def _distinct_done(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "distinct":
            return
        if event.state == WorkerState.ERROR:
            self.notify(error_text(event.worker.error), title="تکراری نیست", severity="error", markup=False)
        elif event.state == WorkerState.SUCCESS:
            self.notify("ثبت شد: این دو نفر شهروندان جدا هستند.", title="تکراری نیست", markup=False)
            self.action_reload()

    def action_reload(self) -> None:
        self.query_one("#duplicates-title").update("در حال جستجوی شهروندان تکراری…")
        self._load()

    def action_close(self) -> None:
        self.dismiss(None)
