"""The citizen's contact details: the edit dialog (F2 on the profile) and the history of
every detail (F4 on the profile). The rules and the history live in
:mod:`samad_desk.services.citizen_details`; these screens only show and collect.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen

from samad_desk.domain.models import CONTACT_FIELDS
from samad_desk.screens.chrome import BottomBars, DeskHeader
from samad_desk.screens.fields import FieldRow
from samad_desk.screens.rtl_compat import LtrInput, MobileInput, RInput, RText
from samad_desk.screens.rtl_options import RtlOptionList
from samad_desk.services import FormInvalid, ServiceError
from samad_desk.services.citizen_details import (
    FIELD_LABELS,
    ContactDetails,
    DetailChange,
)


class LandlineInput(LtrInput):
    allowed = re.compile(r"[0-9+]")


class PostalCodeInput(LtrInput):
    allowed = re.compile(r"[0-9]")


def _input(name: str, value: str) -> Any:
    if name == "mobile":
        return MobileInput(value, id=f"in-{name}")
    # no max_length: a pasted value too long is reported at the field, never cut silently
    if name == "phone":
        return LandlineInput(value, id=f"in-{name}", label="")
    if name == "postal_code":
        return PostalCodeInput(value, id=f"in-{name}", label="")
    return RInput(value, id=f"in-{name}", label="")


class ContactEditScreen(ModalScreen[dict[str, Any] | None]):
    """Edit mobile, landline, city, address and postal code; F2 saves, Esc leaves.

    A bad field gets its Persian message under it and the focus; nothing typed is lost.
    Dismisses with the saved op, or ``None`` (left, or nothing changed)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "save", "ثبت مشخصات تماس", priority=True, id="contact-save"),
        Binding("escape", "cancel", "انصراف", id="contact-cancel"),
    ]

    DEFAULT_CSS = """
    ContactEditScreen { align: center middle; }
    ContactEditScreen > Vertical { width: 78; height: auto; max-height: 22; border: round $primary; padding: 0 1; }
    ContactEditScreen #contact-title { text-style: bold; height: 1; }
    ContactEditScreen VerticalScroll { height: auto; max-height: 16; }
    ContactEditScreen #contact-error { color: $error; text-style: bold; height: auto; }
    ContactEditScreen #contact-keys { color: $text-muted; height: 1; }
    """

    def __init__(self, details: ContactDetails, citizen: dict[str, Any]) -> None:
        super().__init__()
        self.details = details
        self.citizen = citizen

    def compose(self) -> ComposeResult:
        name = f"{self.citizen.get('first_name') or ''} {self.citizen.get('last_name') or ''}".strip()
        with Vertical():
            yield RText(f"مشخصات تماس — {name}", id="contact-title", truncate=True)
            with VerticalScroll():
                for key in CONTACT_FIELDS:
                    yield FieldRow(key, FIELD_LABELS[key], _input(key, str(self.citizen.get(key) or "")))
            yield RText("", id="contact-error")
            yield RText("F2: ثبت   Esc: انصراف   Tab: فیلد بعدی", id="contact-keys", truncate=True)

    def on_mount(self) -> None:
        self.query_one("#in-mobile").focus()

    def values(self) -> dict[str, str]:
        return {key: str(getattr(self.query_one(f"#in-{key}"), "value", "")) for key in CONTACT_FIELDS}

    def field_error(self, key: str) -> str:
        return self.query_one(f"#row-{key}", FieldRow).error

    @property
    def error(self) -> str:
        return str(self.query_one("#contact-error", RText).text)

    def action_save(self) -> None:
        for key in CONTACT_FIELDS:
            self.query_one(f"#row-{key}", FieldRow).set_error(None)
        self.query_one("#contact-error", RText).update("")
        try:
            saved = self.details.save(str(self.citizen["id"]), self.values())
        except FormInvalid as exc:
            for key, message in exc.errors.items():
                self.query_one(f"#row-{key}", FieldRow).set_error(message)
            self.query_one(f"#in-{exc.first_field}").focus()
            return
        except ServiceError as exc:
            self.query_one("#contact-error", RText).update(str(exc))
            return
        self.dismiss(saved)

    def action_cancel(self) -> None:
        self.dismiss(None)


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
        yield RText("", id="details-history-title", classes="help-area")
        yield RtlOptionList(id="details-history")

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one("#details-history").focus()

    def refresh_data(self) -> None:
        self.changes = self.details.history(self.citizen_id, CONTACT_FIELDS if self.contact_only else None)
        which = "مشخصات تماس" if self.contact_only else "همهٔ مشخصات"
        self.query_one("#details-history-title", RText).update(
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
