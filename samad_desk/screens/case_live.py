"""A desk screen that shows what is in the case store and keeps it current.

The cartable and the supervisor's view both re-read the store on every change (a save, a
sync), when a screen pushed over them is closed, and on ``refresh_data``. A load runs in a
worker; a change that arrives while one runs queues exactly one more (changes coalesce).

A screen that is not shown (another screen over it, not a dialog; or another mode's) does
not re-read on a change: it marks itself stale and re-reads once when shown again (the
supervisor view under the report builder re-read every case on each sync).
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.screen import ModalScreen

from samad_desk.messages import StoreChanged
from samad_desk.screens.base import DeskScreen


class LiveStoreScreen(DeskScreen):
    """Subclasses implement :meth:`start_load` (start the load worker), call
    :meth:`watch_store` once mounted and :meth:`load_ended` when the load worker stops.
    ``resume_always``: False re-reads on resume, and when a sync ends, only when a store
    change came since the last load started (the supervisor view: its re-read is all cases)."""

    resume_always = True

    def __init__(self, services: Any, **kwargs: Any) -> None:
        super().__init__(services, **kwargs)
        self._unsubscribe: Any = None
        self._loading = False
        self._stale = False
        self._changes = 0  # store notices seen (any thread)
        self._loaded_changes: int | None = None  # _changes when the last load started
        self._missed = False  # a change came while not shown: re-read when shown again

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
        if self._missed:
            self.reload()  # (queued behind a load that runs: it may predate the change)
            return
        if self._loading:
            return
        if self.resume_always or self._changes != self._loaded_changes:
            self.reload()  # back from a case: re-read (its state may have changed)

    @property
    def on_terminal(self) -> bool:
        """On the terminal: the top screen, or under dialogs only. (Not Textual's
        ``is_current``: it counts the screen under the top one as "may be visible".)"""
        try:
            stack = self.app.screen_stack
        except Exception:  # no app (unmounted)
            return False
        if self not in stack:
            return False  # another mode's screen
        return all(isinstance(s, ModalScreen) for s in stack[stack.index(self) + 1:])

    @on(StoreChanged)
    def _store_changed(self, message: StoreChanged) -> None:
        message.stop()  # the app polls the status on its own subscription's StoreChanged
        if self._changes == self._loaded_changes:
            return  # a load began after this notice (a sync's end started it): it has the change
        self.data_changed()

    def refresh_data(self) -> None:
        """A sync round ended. A screen that re-reads only on change (``resume_always``
        False) and hears the store skips it when no notice came since its last load began:
        the round's writes sent one, which re-reads it (two reads of every case per sync)."""
        if not self.resume_always and self._unsubscribe is not None and self._changes == self._loaded_changes:
            return
        self.data_changed()

    def data_changed(self) -> None:
        """New data: re-read now if shown, else once when shown again."""
        if self.on_terminal:
            self.reload()
        else:
            self._missed = True

    def reload(self) -> None:
        """Re-read the store; while a load runs, one more is queued (changes coalesce)."""
        if self._loading:
            self._stale = True
            return
        self._loading = True
        self._stale = False
        self._missed = False
        self._loaded_changes = self._changes
        self.start_load()

    def load_ended(self) -> None:
        """The load worker stopped (done, failed or cancelled): run the queued load, if any."""
        self._loading = False
        if self._stale:
            self.call_later(self.reload)
