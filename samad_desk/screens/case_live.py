"""A desk screen that shows what is in the case store and keeps it current.

The cartable and the supervisor's view both re-read the store on every change (a save, a
sync), when a screen pushed over them is closed, and on ``refresh_data``. A load runs in a
worker; a change that arrives while one runs queues exactly one more (changes coalesce).
"""

from __future__ import annotations

from typing import Any

from textual import on

from samad_desk.messages import StoreChanged
from samad_desk.screens.base import DeskScreen


class LiveStoreScreen(DeskScreen):
    """Subclasses implement :meth:`start_load` (start the load worker), call
    :meth:`watch_store` once mounted and :meth:`load_ended` when the load worker stops.
    ``resume_always``: False re-reads on resume only when a store change came since the
    last load started (the supervisor view: its re-read is all cases)."""

    resume_always = True

    def __init__(self, services: Any, **kwargs: Any) -> None:
        super().__init__(services, **kwargs)
        self._unsubscribe: Any = None
        self._loading = False
        self._stale = False
        self._changes = 0  # store notices seen (any thread)
        self._loaded_changes: int | None = None  # _changes when the last load started

    def start_load(self) -> None:
        raise NotImplementedError

    def watch_store(self, store: Any) -> None:
        """Reload whenever ``store`` reports a change (if it can report changes)."""
        subscribe = getattr(store, "subscribe", None)
        if subscribe is not None:
            try:
                self._unsubscribe = subscribe(self._notice)
            except Exception:
                self._unsubscribe = None

    def _notice(self, _change: Any) -> None:
        self._changes += 1
        self.post_message(StoreChanged())

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    def on_screen_resume(self) -> None:
        if self._loading:
            return
        if self.resume_always or self._changes != self._loaded_changes:
            self.reload()  # back from a case: re-read (its state may have changed)

    @on(StoreChanged)
    def _store_changed(self, message: StoreChanged) -> None:
        message.stop()  # the app polls the status on its own subscription's StoreChanged
        self.reload()

    def refresh_data(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Re-read the store; while a load runs, one more is queued (changes coalesce)."""
        if self._loading:
            self._stale = True
            return
        self._loading = True
        self._stale = False
        self._loaded_changes = self._changes
        self.start_load()

    def load_ended(self) -> None:
        """The load worker stopped (done, failed or cancelled): run the queued load, if any."""
        self._loading = False
        if self._stale:
            self.call_later(self.reload)
