"""What every service of the layer shares: the :class:`DeskSession` it works in (who is
working, on which store, at what time) and how a save reaches the journal and wakes sync."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from samad_desk.domain.models import Role
from samad_desk.domain.sla import WorkingCalendar
from samad_desk.services.commit import commit
from samad_desk.services.session import DeskSession, utcnow

__all__ = ["ServiceBase", "utcnow"]


def _from_session(name: str) -> Any:
    """A read-only attribute of a service that is its session's ``name``."""
    return property(lambda self: getattr(self.session, name), doc=f"The session's ``{name}``.")


class ServiceBase:
    """A service over one :class:`DeskSession`; its parts read through to the session."""

    def __init__(self, session: DeskSession) -> None:
        self.session = session

    # read through to the session (the one place these are set)
    store: Any = _from_session("store")
    operator: dict[str, Any] = _from_session("operator")
    settings: Any = _from_session("settings")
    sync: Any = _from_session("sync")
    client: Any = _from_session("client")
    online: Callable[[], bool] = _from_session("online")
    now: Callable[[], datetime] = _from_session("clock")
    calendar: WorkingCalendar = _from_session("calendar")
    actor: dict[str, Any] = _from_session("actor")

    @property
    def role_label(self) -> str:
        return Role.label_of(self.operator.get("role"))

    def commit(self, ops: list[dict[str, Any]], *, refused: str, dry_run: bool = True) -> list[dict[str, Any]]:
        """Dry-run, journal, wake sync (:func:`samad_desk.services.commit.commit`)."""
        return commit(self.session, ops, refused=refused, dry_run=dry_run)

    def wake_sync(self) -> None:
        self.session.wake_sync()
