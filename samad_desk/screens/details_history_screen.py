"""Every change of a citizen's details (F4 on the profile). The history lives in
:mod:`samad_desk.services.citizen_details`; this screen only shows it."""

from __future__ import annotations

from textual.app import ComposeResult

from samad_desk.domain.models import CONTACT_FIELDS
from samad_desk.screens.base import DeskScreen
from samad_desk.services.citizen_details import ContactDetails, DetailChange
from samad_desk.widgets import RTLStatic
from samad_desk.widgets.rtl_options import RtlOptionList


class DetailsHistoryScreen(DeskScreen, area="details-history"):
    """Every change of a citizen's details, newest first: date, field, old → new, how, who."""

    DEFAULT_CSS = """
    #details-history { height: 1fr; }
    """

    def __init__(self, details: ContactDetails, citizen_id: str) -> None:
        super().__init__(None)
        self.details = details
        self.citizen_id = citizen_id
        self.contact_only = True
        self.changes: list[DetailChange] = []

    def compose_body(self) -> ComposeResult:
        yield RTLStatic("", id="details-history-title", classes="help-area")
        yield RtlOptionList(id="details-history")

    async def on_mount(self) -> None:
        await self._reread()  # the keys typed right after F4 wait for it (key_order.py)
        self.query_one("#details-history").focus()

    def _read(self) -> tuple[bool, list[DetailChange]]:
        """Worker thread: the changes, of the contact details only or of all."""
        contact_only = self.contact_only
        return contact_only, self.details.history(self.citizen_id, CONTACT_FIELDS if contact_only else None)

    async def _reread(self) -> None:
        await self.read_then_show(self._read, self._show, group="details-history-read")

    def refresh_data(self) -> None:
        self.read_later(self._read, self._show, group="details-history-read")

    def _show(self, read: tuple[bool, list[DetailChange]]) -> None:
        contact_only, self.changes = read
        which = "مشخصات تماس" if contact_only else "همهٔ مشخصات"
        self.query_one("#details-history-title", RTLStatic).update(
            f"تاریخچهٔ {which}، تازه‌ترین بالا — F3: {'همه' if contact_only else 'فقط تماس'}"
        )
        rows = [(c.text(), None) for c in self.changes] or [("تغییری ثبت نشده است.", None)]
        self.query_one("#details-history", RtlOptionList).set_rows(rows)

    @property
    def rows(self) -> list[str]:
        return self.query_one("#details-history", RtlOptionList).rows

    async def action_toggle_contact(self) -> None:
        self.contact_only = not self.contact_only
        await self._reread()

    def action_close(self) -> None:
        self.dismiss()
