"""What every service of the layer shares: the :class:`DeskSession` it works in (who is
working, on which store, at what time) and how a save reaches the journal and wakes sync."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from samad_desk.domain.models import Role
from samad_desk.domain.sla import WorkingCalendar
from samad_desk.services.errors import ServiceError
from samad_desk.services.saving import save_ops
from samad_desk.services.session import DeskSession, utcnow

OPEN_STATES = frozenset({"registered", "referred", "in_progress", "answered", "returned"})

__all__ = ["OPEN_STATES", "ServiceBase", "utcnow"]


class ServiceBase:
    """A service over one :class:`DeskSession`; its parts read through to the session."""

    def __init__(self, session: DeskSession) -> None:
        self.session = session

    @property
    def store(self) -> Any:
        return self.session.store

    @property
    def operator(self) -> dict[str, Any]:
        return self.session.operator

    @property
    def settings(self) -> Any:
        return self.session.settings

    @property
    def sync(self) -> Any:
        return self.session.sync

    @property
    def client(self) -> Any:
        return self.session.client

    @property
    def online(self) -> Callable[[], bool]:
        return self.session.online

    @property
    def now(self) -> Callable[[], datetime]:
        return self.session.clock

    @property
    def calendar(self) -> WorkingCalendar:
        return self.session.calendar

    @property
    def actor(self) -> dict[str, Any]:
        return self.session.actor

    @property
    def role_label(self) -> str:
        return Role.label_of(self.operator.get("role"))

    def _save(self, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return save_ops(self.store, ops, wake=self.wake_sync, error=ServiceError)

    def wake_sync(self) -> None:
        self.session.wake_sync()
