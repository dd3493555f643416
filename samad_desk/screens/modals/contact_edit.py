"""F2 on the profile: edit the citizen's contact details. The rules live in
:mod:`samad_desk.services.citizen_details`; this dialog only shows and collects."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from samad_desk.domain.models import CONTACT_FIELDS
from samad_desk.keys import keys
from samad_desk.screens.modals.dialog import Dialog
from samad_desk.services import FormInvalid, ServiceError
from samad_desk.services.citizen_details import (
    FIELD_LABELS,
    ContactDetails,
)
from samad_desk.widgets import LandlineInput, PhoneInput, PostalCodeInput, RTLInput, RTLStatic
from samad_desk.widgets.form import FieldRow


def _input(name: str, value: str) -> Any:
    if name == "mobile":
        return PhoneInput(value, id=f"in-{name}", label="")
    # no max_length: a pasted value too long is reported at the field, never cut silently
    if name == "phone":
        return LandlineInput(value, id=f"in-{name}", label="")
    if name == "postal_code":
        return PostalCodeInput(value, id=f"in-{name}", label="")
    return RTLInput(value, id=f"in-{name}", label="")


class ContactEditModal(Dialog[dict[str, Any] | None]):
    """Edit mobile, landline, city, address and postal code; F2 saves, Esc leaves.

    A bad field gets its Persian message under it and the focus; nothing typed is lost.
    Dismisses with the saved op, or ``None`` (left, or nothing changed)."""

    BINDINGS = keys("contact-edit")

    DEFAULT_CSS = """
    ContactEditModal > .dialog-box { width: 78; }
    ContactEditModal VerticalScroll { height: auto; max-height: 16; }
    """

    def __init__(self, details: ContactDetails, citizen: dict[str, Any]) -> None:
        super().__init__()
        self.details = details
        self.citizen = citizen

    def compose(self) -> ComposeResult:
        name = f"{self.citizen.get('first_name') or ''} {self.citizen.get('last_name') or ''}".strip()
        with self.box():
            yield RTLStatic(f"مشخصات تماس — {name}", id="contact-title", classes="dialog-title", truncate=True)
            with VerticalScroll():
                for key in CONTACT_FIELDS:
                    yield FieldRow(key, FIELD_LABELS[key], _input(key, str(self.citizen.get(key) or "")))
            yield RTLStatic("", id="contact-error", classes="dialog-error")
            yield RTLStatic("F2: ثبت   Esc: انصراف   Tab: فیلد بعدی", id="contact-keys", classes="dialog-keys", truncate=True)

    def on_mount(self) -> None:
        self.query_one("#in-mobile").focus()

    def values(self) -> dict[str, str]:
        return {key: str(getattr(self.query_one(f"#in-{key}"), "value", "")) for key in CONTACT_FIELDS}

    def field_error(self, key: str) -> str:
        return self.query_one(f"#row-{key}", FieldRow).error

    @property
    def error(self) -> str:
        return str(self.query_one("#contact-error", RTLStatic).text)

    def action_save(self) -> None:
        for key in CONTACT_FIELDS:
            self.query_one(f"#row-{key}", FieldRow).set_error(None)
        self.query_one("#contact-error", RTLStatic).update("")
        try:
            saved = self.details.save(str(self.citizen["id"]), self.values())
        except FormInvalid as exc:
            for key, message in exc.errors.items():
                self.query_one(f"#row-{key}", FieldRow).set_error(message)
            self.query_one(f"#in-{exc.first_field}").focus()
            return
        except ServiceError as exc:
            self.query_one("#contact-error", RTLStatic).update(str(exc))
            return
        self.dismiss(saved)

    def action_cancel(self) -> None:
        self.dismiss(None)
