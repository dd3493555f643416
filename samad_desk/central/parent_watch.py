"""A server started by another program ends with it.

``samad-desk demo`` and the tests start the central server as a child in its own session
(so a terminal's signals reach it only through its parent). When the parent is killed
outright (SIGKILL, an OOM kill), nothing stops the child: it kept serving, and a
restarted ``demo --dir`` started a second server on the same SQLite file. With
``central serve --exit-with-parent PID`` a daemon thread checks twice a second that the
process is still ``PID``'s child and otherwise sends itself SIGTERM (uvicorn's graceful
shutdown; before uvicorn runs, the default action ends the process).
"""

from __future__ import annotations

import os
import signal
import threading
import time

INTERVAL = 0.5


def exit_with_parent(pid: int, interval: float = INTERVAL) -> threading.Thread:
    """Start the watch; the thread ends after it signalled."""

    def watch() -> None:
        while os.getppid() == pid:
            time.sleep(interval)
        os.kill(os.getpid(), signal.SIGTERM)

    thread = threading.Thread(target=watch, name="exit-with-parent", daemon=True)
    thread.start()
    return thread
