"""The service layer's errors: ``str()`` is always Persian and can go straight into a toast."""

from __future__ import annotations

from typing import TYPE_CHECKING

from samad_desk.services.forms import FIELD_ORDER

if TYPE_CHECKING:
    from samad_desk.services.calls import Confirmation


class ServiceError(Exception):
    """An expected failure; ``str()`` is Persian and can go straight into a toast."""


class FormInvalid(ServiceError):
    """Validation failed: ``errors`` maps field id -> Persian message, in form order."""

    def __init__(self, errors: dict[str, str]) -> None:
        ordered = {k: errors[k] for k in FIELD_ORDER if k in errors}
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
