"""The merge history list, where a merge is undone (issue 6.3).

Opened from a citizen's profile (only the merges that profile took part in) or from the
duplicates queue (every merge this desk knows). F8 undoes the highlighted merge after a
confirmation; only a supervisor or an admin may, everyone else gets a Persian refusal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable
from textual.worker import Worker, WorkerState

from samad_desk.screens.base import DeskScreen
from samad_desk.services import error_text
from samad_desk.services.merges import MergeRecord, citizen_title
from samad_desk.text.digits import fa
from samad_desk.text.jalali import format_jalali
from samad_desk.widgets import RTLColumn, RTLStatic, RTLTable


def _when(iso: str) -> str:
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return fa(iso)
    return f"{format_jalali(moment.date())} {fa(moment.strftime('%H:%M'))}"


def state_label(rec: MergeRecord) -> str:
    if rec.undone:
        return "لغو در صف ارسال" if rec.undo_pending else "لغو شده"
    return "در صف ارسال" if rec.pending else "ثبت‌شده"


class MergeHistoryScreen(DeskScreen, area="merge-history"):
    DEFAULT_CSS = """
    MergeHistoryScreen #merge-history-body { align-horizontal: right; height: 1fr; }
    MergeHistoryScreen RTLStatic { height: auto; }
    MergeHistoryScreen RTLTable { height: 1fr; }
    MergeHistoryScreen #merge-history-detail { dock: bottom; }
    """

    COLUMNS = [
        RTLColumn("when", "زمان", max_width=16),
        RTLColumn("survivor", "پروفایل اصلی", max_width=20),
        RTLColumn("merged", "ادغام‌شده‌ها", max_width=20),
        RTLColumn("state", "وضعیت", max_width=14),
    ]

    def __init__(self, services: Any, citizen_id: str | None = None) -> None:
        super().__init__(services)
        self.citizen_id = citizen_id
        self.merges = services.merges()
        self.records: list[MergeRecord] = []
        self.details: dict[str, str] = {}  # op id -> the merge in full

    def compose_body(self) -> ComposeResult:
        with Vertical(id="merge-history-body"):
            yield RTLStatic("در حال خواندن سابقه ادغام…", id="merge-history-title")
            yield RTLTable(self.COLUMNS, id="merge-history-table")
            # the highlighted merge in full: the table cuts a long name before its national
            # ID, and the profiles of one person then read the same in both columns
            yield RTLStatic("", id="merge-history-detail")

    def on_mount(self) -> None:
        self.query_one(RTLTable).focus()
        self.refresh_data()

    def refresh_data(self) -> None:
        self._load()

    @property
    def text(self) -> str:
        rows = [" | ".join(str(r.get(c.key, "")) for c in self.COLUMNS)
                for r in self.query_one(RTLTable).records.values()]
        return "\n".join([self.query_one("#merge-history-title").text, *rows,
                          self.query_one("#merge-history-detail").text])

    @work(thread=True, exclusive=True, group="merge-history", exit_on_error=False)
    def _load(self) -> list[tuple[MergeRecord, dict[str, Any]]]:
        out = []
        citizen = self.services.citizen  # a service call, in this worker thread
        for rec in self.merges.history(self.citizen_id):
            survivor = citizen(rec.survivor_id) or {}
            merged = [citizen(m) or {} for m in rec.merged_ids]
            out.append((rec, {
                "id": rec.op_id,
                "when": _when(rec.at),
                "survivor": citizen_title(survivor),
                "merged": "، ".join(citizen_title(m) for m in merged),
                "state": state_label(rec),
            }))
        return out

    @work(thread=True, exclusive=True, group="merge-unmerge", exit_on_error=False)
    def _unmerge(self, merge_op_id: str) -> dict[str, Any]:
        return self.merges.unmerge(merge_op_id)

    @on(Worker.StateChanged)
    def _worker_done(self, event: Worker.StateChanged) -> None:
        group = event.worker.group
        if group not in ("merge-history", "merge-unmerge"):
            return
        if event.state == WorkerState.ERROR:
            self.app.notify(error_text(event.worker.error), title="لغو ادغام", severity="error", markup=False)
            return
        if event.state != WorkerState.SUCCESS:
            return
        if group == "merge-unmerge":
            self.app.notify("ادغام لغو شد؛ پروفایل‌ها و پرونده‌هایشان دوباره جدا هستند.",
                            title="لغو ادغام", markup=False)
            self._load()
            return
        rows = event.worker.result or []
        self.records = [rec for rec, _row in rows]
        self.details = {row["id"]: self.detail(row) for _rec, row in rows}
        table = self.query_one(RTLTable)
        table.clear_records()
        for _rec, row in rows:
            table.add_record(row, key=row["id"])
        title = f"سابقه ادغام ({fa(len(rows))})   F8: لغو ادغام   Esc: بازگشت" if rows else "ادغامی ثبت نشده است"
        self.query_one("#merge-history-title").update(title)
        self._show_detail()

    @staticmethod
    def detail(row: dict[str, Any]) -> str:
        return (f"پروفایل اصلی: {row['survivor']}\nادغام‌شده: {row['merged']}\n"
                f"{row['when']} — {row['state']}")

    def _show_detail(self) -> None:
        record = self.query_one(RTLTable).cursor_record
        self.query_one("#merge-history-detail", RTLStatic).update(
            self.details.get(str(record.get("id")), "") if record else "")

    @on(DataTable.RowHighlighted, "#merge-history-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _highlighted(self) -> MergeRecord | None:
        table = self.query_one(RTLTable)
        record = table.cursor_record
        if record is None:
            return None
        return next((r for r in self.records if r.op_id == record.get("id")), None)

    def action_unmerge(self) -> None:
        reason = self.merges.refusal()
        if reason:
            self.app.notify(reason, title="لغو ادغام", severity="error", markup=False)
            return
        rec = self._highlighted()
        if rec is None:
            return
        if rec.undone:
            self.app.notify("این ادغام پیش‌تر لغو شده است.", title="لغو ادغام", severity="warning", markup=False)
            return
        from samad_desk.screens.modals import ConfirmModal

        def answered(yes: bool | None) -> None:
            if yes:
                self._unmerge(rec.op_id)

        self.app.push_screen(ConfirmModal("این ادغام لغو شود؟ پروفایل‌ها و پرونده‌هایشان دوباره جدا می‌شوند."), answered)

    def action_close(self) -> None:
        self.dismiss(None)
