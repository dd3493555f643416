"""App-wide messages, and the sync reporter that turns engine callbacks into them.

The sync engine runs in its own thread and knows nothing of Textual; it calls the plain
methods of :class:`AppSyncReporter`, which only post messages (``post_message`` is
thread-safe). Progress replaces an older progress message still in the queue, so a burst
of pages becomes one repaint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from textual.app import App


@dataclass
class SyncProgressed(Message):
    pushed: int
    pulled: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SyncProgressed)


@dataclass
class SyncFinished(Message):
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass
class SyncFailed(Message):
    reason: str


@dataclass
class AttentionChanged(Message):
    ops: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ConnectionChanged(Message):
    state: str  # "online" | "offline" | "auth_required" | "embedded"

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ConnectionChanged)


@dataclass
class StoreChanged(Message):
    """The local store changed (a save here, or a pull applied by the sync engine)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StoreChanged)


@dataclass
class LoggedIn(Message):
    operator: dict[str, Any]
    online: bool


@dataclass
class CaseSaved(Message):
    """A call was saved to the journal; the tracking code is being shown."""

    case_id: str
    tracking_code: str
    citizen_id: str
    #: how many ops the save queued (the status bar counts them at once, before its poll)
    ops: int = 1


@dataclass
class FollowupRecorded(Message):
    case_id: str
    reopened: bool
    #: how many ops the follow-up queued (counted into the status bar at once)
    ops: int = 1


@dataclass
class OpenCitizen(Message):
    """Ask the app to show a citizen's profile."""

    citizen_id: str


@dataclass
class OpenCase(Message):
    """Ask the app to show a case for a follow-up call."""

    case_id: str


class AppSyncReporter:
    """The UI side of ``samad_desk.sync.SyncReporter``: every call posts one message."""

    def __init__(self, app: App[Any]) -> None:
        self._app = app

    def progress(self, pushed: int, pulled: int) -> None:
        self._app.post_message(SyncProgressed(pushed, pulled))

    def finished(self, stats: dict[str, Any]) -> None:
        self._app.post_message(SyncFinished(dict(stats or {})))

    def failed(self, reason: str) -> None:
        self._app.post_message(SyncFailed(str(reason)))

    def needs_attention(self, ops: list[dict[str, Any]]) -> None:
        self._app.post_message(AttentionChanged(list(ops or [])))

    def connection(self, state: str) -> None:
        self._app.post_message(ConnectionChanged(str(state)))
