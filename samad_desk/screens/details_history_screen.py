"""Every change of a citizen's details (F4 on the profile). The history lives in
:mod:`samad_desk.services.citizen_details`; this screen only shows it."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen

from samad_desk.domain.models import CONTACT_FIELDS
from samad_desk.services.citizen_details import ContactDetails, DetailChange
from samad_desk.widgets import RTLStatic
from samad_desk.widgets.chrome import BottomBars, DeskHeader
from samad_desk.widgets.rtl_options import RtlOptionList


class DetailsHistoryScreen(Screen[None]):
    """Every change of a citizen's details, newest first: date, field, old → new, how, who."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "بازگشت", id="details-history-close"),
        Binding("f3", "toggle_contact", "فقط مشخصات تماس / همه", id="details-history-filter"),
    ]

    DEFAULT_CSS = """
    #details-history { height: 1fr; }
    """

    def __init__(self, details: ContactDetails, citizen_id: str) -> None:
        super().__init__()
        self.details = details
        self.citizen_id = citizen_id
        self.contact_only = True
        self.changes: list[DetailChange] = []

    def compose(self) -> ComposeResult:
        yield DeskHeader("تاریخچهٔ مشخصات شهروند")
        yield BottomBars()
        yield RTLStatic("", id="details-history-title", classes="help-area")
        yield RtlOptionList(id="details-history")

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one("#details-history").focus()

    def refresh_data(self) -> None:
        self.changes = self.details.history(self.citizen_id, CONTACT_FIELDS if self.contact_only else None)
        which = "مشخصات تماس" if self.contact_only else "همهٔ مشخصات"
        self.query_one("#details-history-title", RTLStatic).update(
            f"تاریخچهٔ {which}، تازه‌ترین بالا — F3: {'همه' if self.contact_only else 'فقط تماس'}"
        )
        rows = [(c.text(), None) for c in self.changes] or [("تغییری ثبت نشده است.", None)]
        self.query_one("#details-history", RtlOptionList).set_rows(rows)

    @property
    def rows(self) -> list[str]:
        return self.query_one("#details-history", RtlOptionList).rows

    def action_toggle_contact(self) -> None:
        self.contact_only = not self.contact_only
        self.refresh_data()

    def action_close(self) -> None:
        self.dismiss()
