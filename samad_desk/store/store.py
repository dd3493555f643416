"""``Store``: the desk's local store (journal-first saves + derived TinyDB cache).

See ``docs/store.md`` for the design, the file layout and the guarantees. ``Store`` is
assembled here from one mixin per job (their state and constants: ``state.py``):

=================  ===============================================================
``opening``        ``Store.open``: profile lock, journal repair/quarantine, outbox files
``client``         client id and number, state file, tracking codes, ``reset_client``
``op_status``      journal and status records in: which ops stay held and overlaid
``refreshing``     other processes' writes picked up; ``subscribe`` and notifications
``saving``         ``save`` / ``save_bulk`` (one journal record, one fsync)
``queries``        documents, lookups and histories (cache + overlay)
``cartable``       an agency's open cases, memoized
``push_queue``     pending ops, push results, needs-attention, ``requeue_lost``
``cache_writes``   pulled pages, snapshots and rebuilds into the cache
``compaction``     folding old ops into a checkpoint; compacting the status log
=================  ===============================================================
"""

from __future__ import annotations

import threading

from samad_desk.store.cache_writes import CacheWritesMixin
from samad_desk.store.cartable import CartableMixin
from samad_desk.store.client import ClientMixin
from samad_desk.store.compaction import CompactionMixin
from samad_desk.store.op_status import OpStatusMixin
from samad_desk.store.opening import OpeningMixin
from samad_desk.store.push_queue import PushQueueMixin
from samad_desk.store.queries import QueriesMixin
from samad_desk.store.refreshing import RefreshMixin
from samad_desk.store.saving import SavingMixin
from samad_desk.store.state import (
    CARTABLE_STATES,
    CASE_STATES,
    FINAL,
    STATE_SCHEMA,
    StoreChange,
)

__all__ = ["CARTABLE_STATES", "CASE_STATES", "FINAL", "STATE_SCHEMA", "Store", "StoreChange"]


class Store(OpeningMixin, ClientMixin, OpStatusMixin, RefreshMixin, SavingMixin, QueriesMixin,
            CartableMixin, PushQueueMixin, CacheWritesMixin, CompactionMixin):
    """The local store of one desk process. Thread-safe.

    Open with :meth:`Store.open`. One *profile* (default: the OS user, or
    ``$SAMAD_DESK_PROFILE``) owns one journal (one ``client_id``); a second process on
    the same profile opens read-only.
    """

    # ------------------------------------------------------------------ leadership

    def try_lead(self) -> bool:
        """Try to become this host's sync leader (non-blocking, kept until close)."""
        return self._leader_lock.acquire(blocking=False)

    @property
    def is_leader(self) -> bool:
        return self._leader_lock.fd is not None

    def release_leadership(self) -> None:
        self._leader_lock.release()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        if self._watcher is not None and self._watcher is not threading.current_thread():
            self._watcher.join(timeout=2)
        with self._lock:
            if self._journal is not None:
                self._journal.close()
                self._journal = None
            cache = getattr(self, "cache", None)
            if cache is not None:
                cache.close()
            if self._profile_lock is not None:
                self._profile_lock.release()
            for lk in (getattr(self, "_leader_lock", None), getattr(self, "_sync_lock", None)):
                if lk is not None:
                    lk.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
