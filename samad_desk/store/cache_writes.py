"""The pull side of sync: pulled pages, a server snapshot and a rebuild written into
the cache (sync leader only, under ``sync.lock``), the cursor last.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

from samad_desk.store.errors import StoreError, from_os_error
from samad_desk.store.state import StoreChange, StoreState, now_iso

log = logging.getLogger(__name__)

class CacheWritesMixin(StoreState):
    """``apply_changes``, ``put_entities``, ``replace_from_snapshot`` and ``rebuild_cache``."""

    def cursor(self) -> str | None:
        self._maybe_refresh()
        return self.cache.meta.get("cursor")

    def apply_changes(self, changes: list[dict], next_cursor: str | None, acks: dict | None = None) -> None:
        """Write a pull page into the cache (under ``sync.lock``), cursor last, then acks."""
        self._write_cache(changes, {"cursor": next_cursor, "last_sync": now_iso()}, acks)

    def put_entities(self, changes: list[dict]) -> None:
        """Write documents read outside the pull (a case another office holds, found for a
        follow-up call) into the cache, version-checked like a pull page, under
        ``sync.lock``. The cursor and the last-sync time are left alone: a lookup racing a
        pull never sets the cursor back, and it is not a sync."""
        self._write_cache(changes, {}, None)

    def _write_cache(self, changes: list[dict], meta: dict, acks: dict | None) -> None:
        self._refuse_if_read_only("این پنجره فقط‌خواندنی است؛ به‌روزرسانی حافظهٔ محلی انجام نشد.")
        with self._lock, self._sync_lock.held():
            self.cache.refresh()
            try:
                touched = self.cache.apply(changes)
                self.cache.commit_meta(**meta)
            except OSError as exc:
                self.cache.load()
                raise from_os_error(exc, "به‌روزرسانی حافظهٔ محلی") from exc
            if acks:
                recs = [{"k": "ack", "client_id": c, "through": int(n)} for c, n in acks.items()]
                self._append_status(recs)
                self._apply_status(recs)
            self.overlay.invalidate()
            self._restatus(list(self._ops))
        self._notify(StoreChange("synced", frozenset(touched)))

    def replace_from_snapshot(self, entities: Iterable[dict], cursor: str) -> None:
        """Swap the whole cache for a server snapshot (change-shaped records)."""
        self._refuse_if_read_only()

        def items():
            for rec in entities:
                if rec.get("op") == "delete":
                    continue
                data = rec.get("data") if "data" in rec else rec
                if not data or not rec.get("entity"):
                    continue
                d = dict(data)
                d.setdefault("id", rec.get("id"))
                if rec.get("version") is not None:
                    d["version"] = rec["version"]
                yield rec["entity"], d

        with self._lock, self._sync_lock.held():
            self.cache.build_new(items(), {"cursor": cursor, "last_sync": now_iso(),
                                           "epoch": uuid.uuid4().hex})
            self.overlay.invalidate()
            self._restatus(list(self._ops))
        self._notify(StoreChange("synced"))

    def rebuild_cache(self, reason: Iterable[str] = ()) -> dict:
        """Rebuild the cache from every readable document; reset the cursor if data was lost."""
        reason = list(reason)
        with self._lock, self._sync_lock.held():
            old_meta = dict(self.cache.meta)
            problems = list(reason) or self.cache.load(full_check=True)
            count = {"documents": 0}

            def items():
                for entity, raw in self.cache.salvage_items():
                    count["documents"] += 1
                    yield entity, raw

            lost = bool(problems)
            meta = {"cursor": None if lost else old_meta.get("cursor"), "epoch": old_meta.get("epoch"),
                    "last_sync": old_meta.get("last_sync"), "rebuilt_at": now_iso(),
                    "rebuild_reason": problems}
            try:
                self.cache.build_new(items(), meta)
            except StoreError:
                raise
            self.overlay.invalidate()
            self._restatus(list(self._ops))
            if lost:
                self.alarms.append(
                    "حافظهٔ محلی آسیب دیده بود و بازسازی شد؛ داده‌ها در همگام‌سازی بعدی دوباره از سرور دریافت"
                    " می‌شوند. هیچ ثبتی از دست نرفته است."
                )
                log.warning("cache rebuilt after problems: %s", problems)
            return {"problems": problems, "documents": count["documents"], "resync": lost}

