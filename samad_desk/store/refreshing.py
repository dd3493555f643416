"""Following other processes: their saves, push results and cache writes, picked up
by ``refresh`` (polled by queries, or by the watcher thread of a subscriber).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from samad_desk.store import journal as journal_mod
from samad_desk.store.errors import StoreError
from samad_desk.store.journal import check_schema, read_stream, read_stream_of
from samad_desk.store.state import StoreChange, StoreState

log = logging.getLogger(__name__)

class RefreshMixin(StoreState):
    """``refresh``, ``subscribe`` and the change notifications of a :class:`Store`."""

    def refresh(self, *, force: bool = False) -> bool:
        """Pick up other processes' saves, push results and cache writes.

        Subscribers get a ``StoreChange("external")`` when something changed.
        """
        changed = self._refresh(force)
        if changed:
            self._notify(StoreChange("external"))
        return changed

    def _refresh(self, force: bool) -> bool:
        with self._lock:
            now = time.monotonic()
            if not force and now - self._last_refresh < self.refresh_interval:
                return False
            self._last_refresh = now
            changed = False
            recs, off, ino = read_stream_of(self.outbox / "status.jsonl", self._status_offset)
            if ino is not None and self._status_ino is not None and ino != self._status_ino:
                self._restatus(self._reload_status())
                changed = True
            elif recs:
                self._status_offset = off
                self._status_ino = ino
                ids = self._apply_status(r for r in recs if r.get("k") != "header")
                self._restatus(ids)
                changed = True
            for path in sorted(self.outbox.glob("*.jsonl")):
                if path.name == "status.jsonl" or not path.is_file():
                    continue
                if self._journal is not None and path == self._journal.path or self._superseded(path):
                    continue
                off = self._streams.get(path, 0)
                try:
                    size = path.stat().st_size
                except FileNotFoundError:
                    continue
                if size <= off:
                    continue
                recs, new_off = read_stream(path, off)
                if off == 0 and recs and recs[0].get("k") == "header":
                    try:
                        check_schema(recs[0], path, journal_mod.JOURNAL_SCHEMA)
                    except StoreError:
                        self._streams[path] = 1 << 62
                        continue
                self._streams[path] = new_off
                if recs:
                    client_id = path.name.split(".")[0]
                    self._ingest_records(recs, client_id)
                    changed = True
            if self.cache.changed_on_disk():
                self.cache.refresh()
                self.overlay.invalidate()
                self._restatus(list(self._ops))
                changed = True
            if self.cache.problems and not self.read_only:
                # a damaged document found while reading: rebuild (pending work is untouched)
                self.rebuild_cache(reason=list(self.cache.problems))
                changed = True
            return changed

    def _maybe_refresh(self) -> None:
        if time.monotonic() - self._last_refresh >= self.refresh_interval:
            self.refresh()

    def subscribe(self, callback: Callable[[StoreChange], None]) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(callback)
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._watch, name="store-watch", daemon=True)
                self._watcher.start()

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            try:
                self.refresh(force=True)
            except Exception:  # noqa: BLE001
                log.exception("store watcher")

    def _notify(self, change: StoreChange) -> None:
        for cb in list(self._subscribers):
            try:
                cb(change)
            except Exception:  # noqa: BLE001
                log.exception("store subscriber failed")

