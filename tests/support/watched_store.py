"""A real store that notes every method called on the UI thread (the thread of the app's
event loop): screens must read it only through services in worker threads (issue 15).
It also counts every read, on any thread, by method and first argument (``reads``): how
often a screen re-reads."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

#: no read: a change subscription, and closing at the end
NOT_READS = {"subscribe", "close"}


class WatchedStore:
    """The real store; a method called on the UI thread while ``watching`` is noted."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self._ui = threading.get_ident()  # the test's thread runs the app's event loop
        self.watching = False
        self.on_ui_thread: list[str] = []
        #: (method, its first argument or None) -> calls, any thread
        self.reads: Counter[tuple[str, Any]] = Counter()
        self._count = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if not callable(attr) or name in NOT_READS:
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._count:
                self.reads[(name, args[0] if args and isinstance(args[0], str) else None)] += 1
            if self.watching and threading.get_ident() == self._ui:
                self.on_ui_thread.append(name)
            return attr(*args, **kwargs)

        return call
