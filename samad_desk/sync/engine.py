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
"""

from __future__ import annotations

import datetime as _dt
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from samad_desk.sync.backoff import Aimd, Backoff
from samad_desk.sync.chains import ChainWatch
from samad_desk.sync.client import SyncClient
from samad_desk.sync.download import DownloadProgress, SnapshotDownload, download_dir
from samad_desk.sync.errors import (
    AuthRequired,
    ClientResetRequired,
    ResyncRequired,
    SyncError,
    TransientError,
)
from samad_desk.sync.journals import push_other_journals
from samad_desk.sync.problems import SyncProblem, history_problem, problem_of

log = logging.getLogger("samad_desk.sync")

ONLINE, OFFLINE, AUTH_REQUIRED = "online", "offline", "auth_required"
#: the server answers but refuses this desk (403, 426, 400/409): ops wait until it is fixed
REFUSED = "refused"

#: store-and-sync.md §3.8 batch limits
PUSH_MAX_OPS = 100
PUSH_MAX_BYTES = 256 * 1024
PULL_MAX = 500
#: a round may resync by snapshot at most this often; more is a loop (F25) and is reported
MAX_RESYNCS_PER_ROUND = 2
MAX_RESETS_PER_ROUND = 3
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


class SyncEngine:
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
        self._link_down = False
        self._not_before = 0.0
        self._round_counts: dict[str, int] = {"pushed": 0, "pulled": 0, "applied": 0, "duplicate": 0, "rejected": 0}
        #: why the last wait ended: "timer" | "wake" | "login" | "link"
        self.last_resume: str | None = None

    # --- public API ------------------------------------------------------------------
    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        try:
            # before the first save of this session: tracking codes use the server's number
            self._adopt_client_no()
        except Exception:  # a read-only store or no login yet: the first round retries
            log.debug("client number not adopted yet", exc_info=True)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="samad-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
            self._thread = None

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
            self._count(push_other_journals(self.store, self.client))
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
        entry = self.client.tokens.load() or {}
        number = entry.get("client_no")
        if number is None or not hasattr(self.store, "set_client_state"):
            return
        state = self.store.client_state()
        if state.get("client_no") != number or state.get("client_no_source") != "server":
            self.store.set_client_state(client_no=int(number), client_no_source="server")

    def _resolve_acked(self, acks: dict) -> None:
        """Before a pull page's acks retire pending ops, learn their outcomes.

        ``acks`` say the server has an op but not whether it was applied or rejected; a
        rejected op must reach "needs attention", never vanish (§3.1.5). Normally the
        push answer told us already; this covers a lost answer followed by a pull.
        """
        through = acks.get(self.store.client_id)
        if not through:
            return
        unknown = [
            op["op_id"] for op in self.store.pending_ops(limit=10**9)
            if int(op.get("client_seq") or 0) <= int(through)
        ]
        for start in range(0, len(unknown), 1000):
            answer = self.client.status(unknown[start : start + 1000])
            known = [r for r in answer.get("results") or [] if r.get("status") in ("applied", "rejected", "duplicate")]
            if known:
                self.store.record_results(known)
                self._count(known)
                if any(self._rejected(r) for r in known):
                    self.reporter.needs_attention(self.store.needs_attention())

    def _requeue_lost(self, acks: dict) -> bool:
        """Re-push after a restore. ``acks`` (the server's "I have client X up to seq N")
        below what this desk holds as acknowledged mean the server lost those ops (restored
        from a backup): the store queues them again and the next push re-sends each once
        (the server's ``op_id`` dedup answers ``duplicate`` for any it still has). True when
        the server's next expected op is pending again."""
        requeue = getattr(self.store, "requeue_lost", None)
        client_id = getattr(self.store, "client_id", None)
        if requeue is None or not client_id or client_id not in acks:
            return False
        through = int(acks[client_id] or 0)
        n = requeue(client_id, through)
        if not n:
            return False
        self.counters["requeued"] += n
        log.warning("server holds client %s only through seq %s: %d ops queued again", client_id, through, n)
        first = self.store.pending_ops(limit=1)
        return bool(first) and int(first[0].get("client_seq") or 0) == through + 1

    def _has_pending(self) -> bool:
        return bool(self.store.pending_ops(limit=1))

    def _push_all(self) -> None:
        resets = 0
        answered: set[str] = set()  # op ids answered in this round (under this client id)
        while True:
            if self._stop.is_set() and self._thread is not None:
                return
            ops = self.store.pending_ops(limit=self.push_size.size)
            if not ops:
                return
            ops = self._fit(ops)
            if ops[0].get("op_id") in answered:
                # the store did not move on after the last answer; don't spin
                raise SyncError("پاسخ سرور برای عملیات در صف ثبت نشد؛ بعداً دوباره تلاش می‌شود.")
            try:
                response = self.client.push(self.store.client_id, ops)
            except ClientResetRequired:
                resets += 1
                self.counters["resets"] += 1
                if resets > MAX_RESETS_PER_ROUND:
                    raise
                new_id = self.store.reset_client()
                log.warning("client reset required; new client_id %s", new_id)
                answered.clear()
                continue
            except TransientError as exc:
                if exc.timeout:
                    self.push_size.timeout()
                raise
            self._note_server_time()
            results = response.get("results") or []
            outcomes = [r for r in results if r.get("status") in ("applied", "duplicate", "rejected")]
            if outcomes:
                self.store.record_results(outcomes)
            self.push_size.success()
            self._count(outcomes)
            self.reporter.progress(self._round_counts["pushed"], self._round_counts["pulled"])
            if any(self._rejected(r) for r in outcomes):
                self.reporter.needs_attention(self.store.needs_attention())
            gap = next((r for r in results if r.get("status") == "gap"), None)
            if gap is not None:
                expected = gap.get("expected_seq")
                first = ops[0].get("client_seq")
                if expected is not None and first is not None and expected < first:
                    # The server lost ops we hold as acknowledged (restored from a backup):
                    # send them again from the journal; only if the journal no longer
                    # holds them (compacted) continue under a fresh client id.
                    if self._requeue_lost({self.store.client_id: expected - 1}):
                        answered.clear()
                        continue
                    log.warning("gap: server expects %s, first pending is %s; resetting", expected, first)
                    self.store.reset_client()
                    self.counters["resets"] += 1
                    answered.clear()
                    continue
            if not outcomes:
                # nothing accepted (e.g. only a gap at our first op): stop; the next round retries
                raise SyncError("سرور هیچ‌یک از عملیات ارسالی را نپذیرفت؛ بعداً دوباره تلاش می‌شود.")
            answered.update(r.get("op_id") for r in outcomes if r.get("op_id"))

    def _fit(self, ops: list[dict]) -> list[dict]:
        """Shrink the batch until its compressed body fits the 256 KB limit."""
        while len(ops) > 1 and self.client.encoded_size(self.store.client_id, ops, PUSH_MAX_BYTES) > PUSH_MAX_BYTES:
            ops = ops[: len(ops) // 2]
        return ops

    @staticmethod
    def _rejected(result: dict) -> bool:
        return result.get("status") == "rejected" or (
            result.get("status") == "duplicate" and result.get("original") == "rejected"
        )

    def _count(self, outcomes: list[dict]) -> None:
        for r in outcomes:
            status = "rejected" if self._rejected(r) else str(r.get("status"))
            if status == "duplicate" and r.get("original") == "applied":
                status = "duplicate"
            for bucket in (self._round_counts, self.counters):
                bucket["pushed"] += 1
                bucket[status] = bucket.get(status, 0) + 1

    def _pull_all(self) -> None:
        """Pull until ``has_more`` is false.

        Pages (≤ 500 changes each, §3.8) are gathered and written to the store in chunks
        of up to ``apply_batch`` changes: every store write rewrites the shards it touches,
        so a few large writes cost far less than many small ones. The cursor handed to the
        store is the one after the last gathered page, so it never runs ahead of the data.
        An empty cache (no cursor yet) starts from a snapshot instead of the change log.
        """
        resyncs = 0
        cursor = self.store.cursor()
        if cursor is None and self.initial_snapshot:
            self._snapshot()
            cursor = self.store.cursor()
        buffer: list[dict] = []
        buffer_cursor = cursor
        acks: dict = {}

        def flush() -> None:
            nonlocal buffer
            if buffer_cursor != self.store.cursor() or buffer:
                self._resolve_acked(acks)
                self.store.apply_changes(buffer, buffer_cursor, acks)
                buffer = []
            self._requeue_lost(acks)

        while True:
            try:
                response = self.client.pull(cursor, limit=self.pull_size.size)
            except ResyncRequired as exc:
                buffer, buffer_cursor = [], None
                resyncs += 1
                self.counters["resyncs"] += 1
                if resyncs > MAX_RESYNCS_PER_ROUND:
                    raise SyncError("سرور پیاپی درخواست بازسازی داده‌ها را داد؛ به مدیر سامانه اطلاع دهید.") from exc
                log.warning("resync required (%s): downloading a snapshot", exc.reason)
                self._snapshot()
                cursor = buffer_cursor = self.store.cursor()
                continue
            except TransientError as exc:
                if exc.timeout:
                    self.pull_size.timeout()
                if buffer:
                    flush()  # keep what arrived; resume after it next time
                raise
            self._note_server_time()
            self.chains.note(response)
            changes = response.get("changes") or []
            next_cursor = response.get("next_cursor") or cursor
            acks = response.get("acks") or {}
            buffer.extend(changes)
            buffer_cursor = next_cursor
            self.pull_size.success()
            self._round_counts["pulled"] += len(changes)
            self.counters["pulled"] += len(changes)
            more = bool(response.get("has_more")) and not (next_cursor == cursor and not changes)
            if len(buffer) >= self.apply_batch or not more:
                flush()
            self.reporter.progress(self._round_counts["pushed"], self._round_counts["pulled"])
            if not more:
                self.chains.check(self.store)  # everything up to the cursor is in
                return
            cursor = next_cursor

    def _kept_download(self) -> SnapshotDownload | None:
        data_dir = getattr(self.store, "data_dir", None)
        if data_dir is None:
            return None
        return SnapshotDownload(download_dir(data_dir, getattr(self.store, "profile", "default")),
                                clock=self.clock)

    def _snapshot(self) -> None:
        """Download the scope and swap the cache for it. Pages are kept on disk as they
        arrive (``sync/download.py``): a broken download resumes where it stopped, and
        ``status()["download"]`` shows how far it got."""
        kept = self._kept_download()
        if kept is None:  # a store without a data directory: the whole download in memory
            records, cursor = self.client.snapshot()
            acks: dict = {}
        else:
            def on_page(progress: DownloadProgress) -> None:
                self.download = progress
                self.counters["snapshot_pages"] += 1
                self.reporter.progress(self._round_counts["pushed"], progress.rows_done)

            applied = kept.finished_cursor()
            if applied is not None and applied == self.store.cursor():
                kept.clear()  # applied already; the process died before deleting the pages
            self.download = kept.progress
            try:
                kept.fetch(self.client.snapshot_page, on_page)
            finally:
                self.download = kept.progress  # also when cut: the status shows how far it got
            records, cursor, acks = kept.result()
            for control in kept.controls():
                self.chains.note(control)
        count = 0

        def counted():
            nonlocal count
            for record in records:
                count += 1
                yield record

        self.store.replace_from_snapshot(counted(), cursor)
        if kept is not None:
            kept.clear()
        self.download = None
        self.counters["snapshots"] += 1
        self.counters["pulled"] += count
        self._round_counts["pulled"] += count
        self._requeue_lost(acks)

    def _note_server_time(self) -> None:
        server = _parse_time(self.client.last_server_time)
        if server is not None:
            self.clock_offset_ms = int((server - self.clock()) * 1000)

    # --- bookkeeping -----------------------------------------------------------------
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
