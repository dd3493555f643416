"""``Flock``: an flock(2) on a lock file of the data directory (``sync.lock``,
``leader.lock``, ``status.lock``, ``alloc.lock``, ``<profile>.lock``)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from samad_desk.store.errors import StoreError


class Flock:
    """An flock(2) on a lock file; released by the kernel when the process dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self, *, blocking: bool, timeout: float = 30.0) -> bool:
        if self.fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o660)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self.fd = fd
                return True
            except BlockingIOError:
                if not blocking or time.monotonic() > deadline:
                    os.close(fd)
                    return False
                time.sleep(0.005)

    def release(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self.fd, fcntl.LOCK_UN)
                os.close(self.fd)
            self.fd = None

    @contextlib.contextmanager
    def held(self, timeout: float = 30.0,
             message: str = "قفل پوشهٔ داده گرفته نشد؛ دوباره تلاش کنید.") -> Iterator[None]:
        was = self.fd is not None
        if not self.acquire(blocking=True, timeout=timeout):
            raise StoreError(message, code="locked")
        try:
            yield
        finally:
            if not was:
                self.release()
