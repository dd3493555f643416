"""The service layer's one error type: ``str()`` is always Persian and can go straight into
a toast. Two subclasses, because screens branch on them: :class:`FormInvalid` (a message per
field, shown at that field) and :class:`NeedsConfirmation` (the agent is asked first)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from samad_desk.services.forms import FIELD_ORDER

if TYPE_CHECKING:
    from samad_desk.services.calls import Confirmation


class ServiceError(Exception):
    """An expected refusal or failure; ``str()`` is Persian and can go straight into a toast."""


class FormInvalid(ServiceError):
    """Validation failed: ``errors`` maps field id -> Persian message, in form order
    (``order``: the form's field order; the call form's by default)."""

    def __init__(self, errors: dict[str, str], *, order: Iterable[str] = FIELD_ORDER) -> None:
        ordered = {k: errors[k] for k in order if k in errors}
        ordered.update({k: v for k, v in errors.items() if k not in ordered})
        super().__init__(next(iter(ordered.values()), "فرم نامعتبر است"))
        self.errors = ordered

    @property
    def first_field(self) -> str:
        return next(iter(self.errors))


class NeedsConfirmation(ServiceError):
    """A save refused until the agent confirms (see :class:`Confirmation`)."""

    def __init__(self, confirmation: Confirmation) -> None:
        self.confirmation = confirmation
        if confirmation.kind == "identity":
            message = f"تغییر مشخصات هویتی «{confirmation.citizen_name}» باید تأیید شود"
        else:
            message = f"شهروندی با همین نام، تاریخ تولد و شماره همراه ثبت است: «{confirmation.citizen_name}»"
        super().__init__(message)


def error_text(error: BaseException | None) -> str:
    """What a screen shows for a failed worker: the Persian reason of a :class:`ServiceError`,
    else «خطای پیش‌بینی‌نشده» with the exception's text (a bug, never the operator's doing)."""
    return str(error) if isinstance(error, ServiceError) else f"خطای پیش‌بینی‌نشده: {error}"
