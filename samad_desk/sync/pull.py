"""The pull half of a sync round: changes until ``has_more`` is false, or a snapshot.

An empty cache (no cursor yet) and a server that asks for a resync (a new epoch) start
from a snapshot, downloaded page by page to disk (``sync/download.py``) so a broken
download resumes. Pure core.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from samad_desk.sync.backoff import Aimd
from samad_desk.sync.chains import ChainWatch
from samad_desk.sync.download import DownloadProgress, SnapshotDownload, download_dir
from samad_desk.sync.errors import ResyncRequired, SyncError, TransientError

log = logging.getLogger("samad_desk.sync")

PULL_MAX = 500
#: a round may resync by snapshot at most this often; more is a loop (F25) and is reported
MAX_RESYNCS_PER_ROUND = 2


class PullMixin:
    """Pulling and snapshots of :class:`~samad_desk.sync.engine.SyncEngine`."""

    store: Any
    client: Any
    reporter: Any
    clock: Any
    counters: dict[str, int]
    pull_size: Aimd
    initial_snapshot: bool
    apply_batch: int
    chains: ChainWatch
    download: DownloadProgress | None
    _round_counts: dict[str, int]

    if TYPE_CHECKING:  # provided by the engine's other parts
        def _note_server_time(self) -> None: ...  # StatusMixin
        def _resolve_acked(self, acks: dict) -> None: ...  # PushMixin
        def _requeue_lost(self, acks: dict) -> bool: ...  # PushMixin
        def _check_cancel(self) -> None: ...  # PushMixin

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
            if buffer:
                try:
                    self._check_cancel()
                except BaseException:
                    flush()  # keep what arrived; resume after it next time
                    raise
            else:
                self._check_cancel()
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
                self._check_cancel()  # the pages so far are kept: the download resumes
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

