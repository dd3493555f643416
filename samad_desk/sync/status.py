"""What the sync engine tells the world: connection states, reporters, round statistics.

:class:`SyncReporter` is how the engine talks to the UI (the app posts Textual messages,
the CLI prints); :class:`StatusMixin` is the engine's bookkeeping after each round
(connection state, backoff delay, alerts, the ``status()`` dictionary). Pure core.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Protocol

from samad_desk.sync.backoff import Backoff
from samad_desk.sync.chains import ChainWatch
from samad_desk.sync.download import DownloadProgress
from samad_desk.sync.errors import AuthRequired, SyncError, TransientError
from samad_desk.sync.problems import SyncProblem, history_problem, problem_of

ONLINE, OFFLINE, AUTH_REQUIRED = "online", "offline", "auth_required"
#: the server answers but refuses this desk (403, 426, 400/409): ops wait until it is fixed
REFUSED = "refused"

#: alert when the oldest pending op is older than this while online / at all (§3.8)
ALERT_ONLINE_S = 3600.0
ALERT_ANY_S = 24 * 3600.0
#: warn when the desk clock is off the server's by more than this
CLOCK_WARN_MS = 5 * 60 * 1000



class SyncReporter(Protocol):
    """How the engine tells the world what happens. The app posts messages; the CLI prints."""

    def progress(self, pushed: int, pulled: int) -> None: ...
    def finished(self, stats: dict) -> None: ...
    def failed(self, reason: str) -> None: ...  # Persian
    def needs_attention(self, ops: list[dict]) -> None: ...
    def connection(self, state: str) -> None: ...  # "online" | "offline" | "auth_required" | "refused"


class NullReporter:
    def progress(self, pushed: int, pulled: int) -> None:
        pass

    def finished(self, stats: dict) -> None:
        pass

    def failed(self, reason: str) -> None:
        pass

    def needs_attention(self, ops: list[dict]) -> None:
        pass

    def connection(self, state: str) -> None:
        pass


class RecordingReporter(NullReporter):
    """Keeps every report (tests, ``sync once``)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self.state: str | None = None

    def progress(self, pushed: int, pulled: int) -> None:
        self.events.append(("progress", (pushed, pulled)))

    def finished(self, stats: dict) -> None:
        self.events.append(("finished", stats))

    def failed(self, reason: str) -> None:
        self.events.append(("failed", reason))

    def needs_attention(self, ops: list[dict]) -> None:
        self.events.append(("needs_attention", ops))

    def connection(self, state: str) -> None:
        self.state = state
        self.events.append(("connection", state))

    def of(self, kind: str) -> list[Any]:
        return [value for k, value in self.events if k == kind]


def _parse_time(value: str | None) -> float | None:
    if not value:
        return None
    try:
        when = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.UTC)
    return when.timestamp()


def _iso(seconds: float) -> str:
    return _dt.datetime.fromtimestamp(seconds, _dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")



class StatusMixin:
    """Bookkeeping of :class:`~samad_desk.sync.engine.SyncEngine` after a round."""

    store: Any
    client: Any
    reporter: SyncReporter
    backoff: Backoff
    chains: ChainWatch
    clock: Any
    state: str | None
    clock_offset_ms: int | None
    last_error: str | None
    last_alert: str | None
    last_round: dict | None
    problem: SyncProblem | None
    last_success: str | None
    counters: dict[str, int]
    download: DownloadProgress | None
    delays: list[float]
    _link_down: bool
    _not_before: float

    def _note_server_time(self) -> None:
        server = _parse_time(self.client.last_server_time)
        if server is not None:
            self.clock_offset_ms = int((server - self.clock()) * 1000)

    def _after_success(self) -> None:
        was = self.state
        self.backoff.reset()
        self._link_down = False
        self._not_before = 0.0
        self.last_error = None
        self.problem = history_problem(self.chains.breaks)
        self.last_success = _iso(self.clock())
        self.state = ONLINE
        if was != ONLINE:
            self.reporter.connection(ONLINE)
        stats = self._stats(ok=True, error=None)
        self.last_round = stats
        self.reporter.finished(stats)
        alert = self._alert(stats)
        if alert and alert != self.last_alert:
            self.reporter.failed(alert)
        self.last_alert = alert

    def _after_failure(self, exc: BaseException) -> None:
        self.counters["failures"] += 1
        reason = str(exc) if isinstance(exc, SyncError) else f"خطای پیش‌بینی‌نشده در همگام‌سازی: {type(exc).__name__}"
        repeated = reason == self.last_error
        self.last_error = reason
        was = self.state
        self.problem = problem_of(exc) or history_problem(self.chains.breaks)
        if isinstance(exc, AuthRequired):
            self.state = AUTH_REQUIRED
            self._link_down = False
        elif isinstance(exc, TransientError):
            self._link_down = exc.link_down
            self.state = OFFLINE if exc.link_down else (self.state or OFFLINE)
            delay = self.backoff.next_delay(exc.retry_after)
            self.delays.append(delay)
            self._not_before = self.clock() + delay if exc.retry_after is not None else 0.0
        else:
            self._link_down = False
            self.state = REFUSED
            self.delays.append(self.backoff.next_delay())
        del self.delays[:-100]
        if self.state != was:
            self.reporter.connection(self.state or OFFLINE)
        if not repeated:  # one toast per problem, not one per retry
            self.reporter.failed(reason)

    def _alert(self, stats: dict) -> str | None:
        age = stats.get("oldest_pending_age_s") or 0
        if age > ALERT_ANY_S or (self.state == ONLINE and age > ALERT_ONLINE_S):
            return "قدیمی‌ترین عملیات ارسال‌نشده بیش از حد انتظار در صف مانده است."
        if self.clock_offset_ms is not None and abs(self.clock_offset_ms) > CLOCK_WARN_MS:
            return "ساعت این رایانه با ساعت سرور اختلاف زیادی دارد."
        return None

    def _stats(self, *, ok: bool, error: str | None) -> dict:
        try:
            store_stats = dict(self.store.stats())
        except Exception:  # stats are informative; never fail a report on them
            store_stats = {}
        round_counts = getattr(self, "_round_counts", {})
        return {
            "ok": ok,
            "error": error,
            "state": self.state,
            "client_id": getattr(self.store, "client_id", None),
            "clock_offset_ms": self.clock_offset_ms,
            "problem": self.problem.as_dict() if self.problem else None,
            "last_success": self.last_success,
            "download": self.download.as_dict() if self.download is not None else None,
            **{f"round_{k}": v for k, v in round_counts.items()},
            **self.counters,
            **store_stats,
        }
