"""The sync engine: pushes the outbox, pulls changes, and keeps trying.

One background thread per desk process runs rounds: push every pending op in batches
(at most one push in flight), then pull until ``has_more`` is false. Between rounds it
waits ``interval`` seconds or until :meth:`SyncEngine.wake` (called after a save).

When a round fails it waits with full-jitter backoff (base 2 s, cap 5 min), or as long
as the server's ``Retry-After`` asks. If the link itself was down it probes the server's
health endpoint meanwhile and retries at once when the link comes back. An op is never
given up: transient errors only delay it; an expired session makes it wait for a login;
a refusal by the server moves it to "needs attention" (the store keeps it).

The engine never imports Textual; it talks to the UI through :class:`SyncReporter`.

The round lives here; its halves and bookkeeping each have a module: ``sync/push.py``,
``sync/pull.py``, ``sync/status.py`` (reporters, connection states, statistics) and
``sync/backoff.py``. Every name importable from this module before the split still is.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from samad_desk.sync.backoff import Aimd, Backoff
from samad_desk.sync.chains import ChainWatch
from samad_desk.sync.client import SyncClient
from samad_desk.sync.clones import adopt_client_no
from samad_desk.sync.download import DownloadProgress
from samad_desk.sync.errors import Cancelled, SyncError
from samad_desk.sync.journals import push_other_journals
from samad_desk.sync.problems import SyncProblem, history_problem
from samad_desk.sync.pull import MAX_RESYNCS_PER_ROUND, PULL_MAX, PullMixin
from samad_desk.sync.push import MAX_RESETS_PER_ROUND, PUSH_MAX_BYTES, PUSH_MAX_OPS, PushMixin
from samad_desk.sync.status import (
    ALERT_ANY_S,
    ALERT_ONLINE_S,
    AUTH_REQUIRED,
    CLOCK_WARN_MS,
    OFFLINE,
    ONLINE,
    REFUSED,
    NullReporter,
    RecordingReporter,
    StatusMixin,
    SyncReporter,
)

__all__ = [
    "ALERT_ANY_S", "ALERT_ONLINE_S", "AUTH_REQUIRED", "CLOCK_WARN_MS", "MAX_RESETS_PER_ROUND",
    "MAX_RESYNCS_PER_ROUND", "NullReporter", "OFFLINE", "ONLINE", "PULL_MAX", "PUSH_MAX_BYTES",
    "PUSH_MAX_OPS", "REFUSED", "RecordingReporter", "SyncEngine", "SyncReporter",
]

log = logging.getLogger("samad_desk.sync")


class SyncEngine(PushMixin, PullMixin, StatusMixin):
    def __init__(
        self,
        store: Any,
        client: SyncClient,
        reporter: SyncReporter | None = None,
        *,
        interval: float = 15.0,
        backoff: Backoff | None = None,
        probe_interval: float = 5.0,
        probe_timeout: float = 3.0,
        push_batch: int = PUSH_MAX_OPS,
        pull_limit: int = PULL_MAX,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
        apply_batch: int = 20000,
        initial_snapshot: bool = True,
        compact_interval: float | None = 24 * 3600.0,
    ) -> None:
        self.store = store
        self.client = client
        self.reporter: SyncReporter = reporter or NullReporter()
        self.interval = interval
        self.backoff = backoff or Backoff(rng=rng or random.Random())
        self.probe_interval = probe_interval
        self.probe_timeout = probe_timeout
        self.push_size = Aimd(high=min(push_batch, PUSH_MAX_OPS))
        self.pull_size = Aimd(high=min(pull_limit, PULL_MAX), step=25)
        self.clock = clock
        self.apply_batch = apply_batch
        self.initial_snapshot = initial_snapshot
        #: fold acknowledged ops past the store's horizon this often (None: never; docs/store.md)
        self.compact_interval = compact_interval
        self._last_compaction: float | None = None
        self.state: str | None = None
        self.clock_offset_ms: int | None = None
        self.last_error: str | None = None
        self.last_alert: str | None = None  # reported once per alert, not once per round
        self.last_round: dict | None = None
        #: why the server refuses this desk (None while rounds work or the link is only down)
        self.problem: SyncProblem | None = None
        #: ISO UTC time of the last round that worked (push and pull), this session
        self.last_success: str | None = None
        self.counters = {
            "rounds": 0, "failures": 0, "resets": 0, "resyncs": 0, "snapshots": 0, "probes": 0,
            "pushed": 0, "pulled": 0, "applied": 0, "duplicate": 0, "rejected": 0,
            "snapshot_pages": 0, "requeued": 0, "compactions": 0,
        }
        #: the first download (snapshot) in progress or broken off; None when there is none
        self.download: DownloadProgress | None = None
        #: the hash chains of the cases pulled, checked at the end of each download
        self.chains = ChainWatch(getattr(store, "data_dir", None))
        self.problem = history_problem(self.chains.breaks)  # found before a restart
        #: delays chosen after failures (seconds), newest last — for tests and `sync status`
        self.delays: list[float] = []
        self._inflight = threading.Lock()  # one push (one round) in flight per client
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._runner: threading.Thread | None = None  # the thread rounds are cancelled in
        self._link_down = False
        self._not_before = 0.0
        self._round_counts: dict[str, int] = {"pushed": 0, "pulled": 0, "applied": 0, "duplicate": 0, "rejected": 0}
        #: why the last wait ended: "timer" | "wake" | "login" | "link"
        self.last_resume: str | None = None

    # --- public API ------------------------------------------------------------------
    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            if not self._stop.is_set():
                return
            self._thread.join()  # stopped but still in a request: it ends at its boundary
        try:
            # before the first save of this session: tracking codes use the server's number
            self._adopt_client_no()
        except Exception:  # a read-only store or no login yet: the first round retries
            log.debug("client number not adopted yet", exc_info=True)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="samad-sync", daemon=True)
        self._runner = self._thread
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """End the background thread: it stops at the next request boundary of its round
        (:class:`~samad_desk.sync.errors.Cancelled`) and this waits for it at most
        ``timeout`` seconds. True when the thread ended in time.

        A quitting desk passes a short timeout and does not wait for a request in flight
        (up to 60 s on a dead link): the thread is a daemon and ends with the process, like
        a kill. Nothing is lost: the journal is durable, an op sent but not yet answered is
        sent again at the next start and the server answers ``duplicate`` if it has it."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is None:
            return True
        thread.join(timeout)
        if thread.is_alive():
            log.info("sync thread still in a request after %.1fs; leaving it to end with the process", timeout)
            self._thread = thread  # still ours: start() must not run a second one beside it
            return False
        return True

    def wake(self) -> None:
        """Something was saved, or the operator logged in: sync soon."""
        self._wake.set()

    @property
    def running(self) -> bool:
        return bool(self._thread and self._thread.is_alive())

    def sync_once(self) -> dict:
        """One full round (push all, pull all) now; never raises. ``stats["ok"]`` says how it went."""
        try:
            stats = self._round()
        except Cancelled:
            return self._stats(ok=False, error=None)  # the desk quits: nothing to report
        except SyncError as exc:
            self._after_failure(exc)
            return self._stats(ok=False, error=str(exc))
        except Exception as exc:  # a bug must not kill the desk; the ops stay in the journal
            log.exception("sync round crashed")
            self._after_failure(exc)
            return self._stats(ok=False, error=f"خطای پیش‌بینی‌نشده در همگام‌سازی: {type(exc).__name__}")
        self._after_success()
        return stats

    def push_pending(self) -> int:
        """Push every pending op now (no pull); the number answered. Raises SyncError."""
        with self._inflight:
            self._round_counts = {"pushed": 0, "pulled": 0, "applied": 0, "duplicate": 0, "rejected": 0}
            self._push_all()
            return self._round_counts["pushed"]

    def pull_all(self) -> int:
        """Pull until ``has_more`` is false (no push); the number of changes. Raises SyncError."""
        with self._inflight:
            self._round_counts = {"pushed": 0, "pulled": 0, "applied": 0, "duplicate": 0, "rejected": 0}
            self._pull_all()
            return self._round_counts["pulled"]

    def status(self) -> dict:
        """What ``sync status`` and the status bar show; reads only local state."""
        return self._stats(ok=self.last_error is None, error=self.last_error)

    # --- the loop --------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            stats = self.sync_once()
            if stats["ok"]:
                delay = self.interval
            elif self.state == AUTH_REQUIRED:
                delay = self.interval  # nothing to retry until a login wakes us
            else:
                delay = self.delays[-1] if self.delays else self.interval
            self._wait(delay)

    def _wait(self, delay: float) -> None:
        """Sleep ``delay`` seconds, or less: a save (when idle), a login, or the link
        coming back ends the wait early. ``last_resume`` records why it ended."""
        deadline = self.clock() + delay
        probe_failed = False
        while not self._stop.is_set():
            remaining = deadline - self.clock()
            if remaining <= 0:
                self.last_resume = "timer"
                return
            step = min(remaining, self.probe_interval) if self._link_down else remaining
            woke = self._wake.wait(step)
            if self._stop.is_set():
                return
            if woke:
                self._wake.clear()
                if self.state == AUTH_REQUIRED and self.client.logged_in:
                    self.last_resume = "login"
                    return
                if not self._link_down and self.state != OFFLINE and self.clock() >= self._not_before:
                    self.last_resume = "wake"
                    return
            if self._link_down:
                if self._probe():
                    if probe_failed:
                        self.last_resume = "link"
                        return
                else:
                    probe_failed = True

    def _probe(self) -> bool:
        self.counters["probes"] += 1
        try:
            response = self.client._http.get("/v1/health", timeout=self.probe_timeout)
        except Exception:
            return False
        return response.status_code < 500

    # --- one round -------------------------------------------------------------------
    def _round(self) -> dict:
        with self._inflight:
            self._round_counts = {"pushed": 0, "pulled": 0, "applied": 0, "duplicate": 0, "rejected": 0}
            self._adopt_client_no()
            self._push_all()
            self._check_cancel()
            self._count(push_other_journals(self.store, self.client))
            self._check_cancel()
            self._pull_all()
            # ops saved while we pulled, or ops whose results only the pull's acks told us
            if self._has_pending():
                self._push_all()
            self.counters["rounds"] += 1
            self._maybe_compact()
            return self._stats(ok=True, error=None)

    def _maybe_compact(self) -> None:
        """Housekeeping after a round that worked, at most once per ``compact_interval``
        (the first round of a session included): acknowledged ops older than the store's
        horizon fold into a checkpoint and the status log shrinks (docs/store.md
        "Compaction"). A failure is logged, never a failed round."""
        compact = getattr(self.store, "compact", None)
        if compact is None or self.compact_interval is None or getattr(self.store, "read_only", True):
            return
        now = self.clock()
        if self._last_compaction is not None and now - self._last_compaction < self.compact_interval:
            return
        self._last_compaction = now
        try:
            result = compact()
        except Exception:  # housekeeping: the ops are safe either way
            log.warning("compaction failed", exc_info=True)
            return
        self.counters["compactions"] += 1
        if result.get("folded"):
            log.info("compaction: %s ops folded, outbox %s -> %s bytes", result["folded"],
                     result["bytes_before"], result["bytes_after"])

    def _adopt_client_no(self) -> None:
        """Tracking codes carry the client number the server assigned at login (domain.md)."""
        adopt_client_no(self.store, self.client.tokens)
