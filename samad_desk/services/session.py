"""``DeskSession``: who is working, on which store, by which clock and calendar, with which
sync engine and server client. Built once, when the operator is known, by
:func:`open_session` (the desk: :meth:`samad_desk.launch.DeskStartup.open`); every service
of the layer (:class:`~samad_desk.services.DeskServices`, ``CaseActions``,
``MergeService``, ``ContactDetails``) reads it and none re-wires its own copy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from samad_desk.domain import ops as domain_ops
from samad_desk.domain.models import Role
from samad_desk.domain.sla import WorkingCalendar


def utcnow() -> datetime:
    return datetime.now(UTC)


def _offline() -> bool:
    return False


@dataclass(frozen=True)
class DeskSession:
    """One operator's session on one store.

    ``clock`` is injectable so tests and the benchmark can freeze time; ``sync`` is the
    sync engine and ``client`` the server client, both ``None`` in the embedded default
    (and in most unit tests); ``online`` says whether the link to the server is up now.
    """

    store: Any
    operator: dict[str, Any]
    clock: Callable[[], datetime] = utcnow
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)
    sync: Any = None
    client: Any = None
    settings: Any = None
    online: Callable[[], bool] = _offline

    @property
    def actor(self) -> dict[str, Any]:
        """The operator as an op's ``actor`` (:func:`samad_desk.domain.ops.make_actor`)."""
        return domain_ops.make_actor(self.operator)

    @property
    def role(self) -> Role | None:
        return Role.parse(self.operator.get("role"))

    def now(self) -> datetime:
        return self.clock()

    def wake_sync(self) -> None:
        """Best effort: the ops are already durable and sync retries on its own."""
        if self.sync is not None:
            try:
                self.sync.wake()
            except Exception:  # noqa: BLE001
                pass


def calendar_of(settings: Any) -> WorkingCalendar:
    """The working calendar of the settings (holidays file); a bad file must not stop the desk."""
    if settings is None:
        return WorkingCalendar()
    try:
        return WorkingCalendar.from_settings(settings)
    except Exception:  # noqa: BLE001
        return WorkingCalendar()


def open_session(
    store: Any,
    operator: dict[str, Any],
    *,
    settings: Any = None,
    clock: Callable[[], datetime] | None = None,
    calendar: WorkingCalendar | None = None,
    sync: Any = None,
    client: Any = None,
    online: Callable[[], bool] | None = None,
) -> DeskSession:
    """The session, assembled in one place: the calendar from the settings unless given."""
    return DeskSession(
        store=store,
        operator=dict(operator),
        clock=clock or utcnow,
        calendar=calendar if calendar is not None else calendar_of(settings),
        sync=sync,
        client=client,
        settings=settings,
        online=online or _offline,
    )


@dataclass
class DeskStartup:
    """What the desk knows before its operator does: the settings, the store (opened on
    first use when not given), the server client and the sync engine or its factory (the
    engine needs the app's reporter), the clock. :meth:`open` builds the one
    :class:`DeskSession` of the run once the operator is known (a saved session, the
    login screen, or the embedded demo operator)."""

    settings: Any
    store: Any = None
    client: Any = None
    sync: Any = None
    sync_factory: Callable[[Any, Any], Any] | None = None
    clock: Callable[[], datetime] | None = None
    seed_demo: bool = True

    def open(
        self,
        operator: dict[str, Any],
        *,
        reporter: Any = None,
        online: Callable[[], bool] | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> DeskSession:
        """The session: the store opened (and, in the embedded default, seeded with the
        demo data when empty), the sync engine built, everything wired in one place.
        ``warn`` hears a seeding failure (the desk still works with an empty store)."""
        if self.store is None:
            from samad_desk.store import Store

            self.store = Store.open(self.settings.data_dir)
        if getattr(self.settings, "embedded", False) and self.seed_demo:
            from samad_desk.services.embedded import seed_embedded_demo

            try:
                seed_embedded_demo(self.store)
            except Exception as exc:  # noqa: BLE001
                if warn is not None:
                    warn(str(exc))
        if self.sync is None and self.sync_factory is not None:
            self.sync = self.sync_factory(self.store, reporter)
        return open_session(
            self.store, operator, settings=self.settings, clock=self.clock, sync=self.sync,
            client=self.client, online=online,
        )
