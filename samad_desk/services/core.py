"""What every part of :class:`~samad_desk.services.DeskServices` shares: who is working,
on which store, at what time, and how a save reaches the journal and wakes sync."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from samad_desk.domain.models import Role
from samad_desk.domain.sla import WorkingCalendar
from samad_desk.services.errors import ServiceError
from samad_desk.services.saving import save_ops

OPEN_STATES = frozenset({"registered", "referred", "in_progress", "answered", "returned"})


def utcnow() -> datetime:
    return datetime.now(UTC)


class ServiceBase:
    """The state the service mixins work on (set by :class:`DeskServices`)."""

    store: Any
    operator: dict[str, Any]
    settings: Any
    sync: Any
    client: Any
    online: Callable[[], bool]
    now: Callable[[], datetime]
    calendar: WorkingCalendar

    # -- who is working
    @property
    def actor(self) -> dict[str, Any]:
        op = self.operator
        return {
            "operator_id": op.get("id"),
            "name": op.get("name"),
            "role": op.get("role"),
            "agency_id": op.get("agency_id"),
            "office_id": op.get("office_id"),
        }

    @property
    def role_label(self) -> str:
        return Role.label_of(self.operator.get("role"))


    def _save(self, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return save_ops(self.store, ops, wake=self.wake_sync, error=ServiceError)

    def wake_sync(self) -> None:
        if self.sync is not None:
            try:
                self.sync.wake()
            except Exception:  # the save is already durable; sync retries on its own
                pass
