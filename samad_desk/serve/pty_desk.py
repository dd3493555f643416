"""One desk process in its own pseudo-terminal, bridged to an asyncio caller.

The desk is a session leader with the pty as its controlling terminal, so a window size
set on the pty reaches it as SIGWINCH (Textual redraws), and it is its own process
group, so :meth:`PtyDesk.kill` ends it and anything it started, whatever the client did.
Bytes pass through untouched both ways: bracketed paste (``ESC [200~``), function keys
and mouse reports are the client terminal's own sequences.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import pty
import signal
import struct
import termios
from collections.abc import Callable, Sequence


def set_size(fd: int, cols: int, rows: int) -> None:
    cols, rows = max(1, min(int(cols), 1000)), max(1, min(int(rows), 1000))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def _controlling_tty() -> None:  # runs in the child after setsid (start_new_session)
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyDesk:
    """``argv`` started in a new pty of ``cols``×``rows``; its output goes to ``on_output``
    and its exit status to ``on_exit`` (once)."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], cwd: str, cols: int, rows: int,
                 on_output: Callable[[bytes], None], on_exit: Callable[[int], None]) -> None:
        self.argv = list(argv)
        self.env = env
        self.cwd = cwd
        self.size = (cols, rows)
        self.on_output = on_output
        self.on_exit = on_exit
        self.master: int | None = None
        self.proc: asyncio.subprocess.Process | None = None
        self._waiter: asyncio.Task | None = None
        self._out = bytearray()
        self._writing = False

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    async def start(self) -> None:
        master, slave = pty.openpty()
        set_size(slave, *self.size)
        try:
            self.proc = await asyncio.create_subprocess_exec(
                *self.argv, stdin=slave, stdout=slave, stderr=slave, env=self.env, cwd=self.cwd,
                start_new_session=True, preexec_fn=_controlling_tty, close_fds=True)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        self.master = master
        asyncio.get_running_loop().add_reader(master, self._readable)
        self._waiter = asyncio.create_task(self._wait())

    def _readable(self) -> None:
        try:
            data = os.read(self.master, 65536)
        except BlockingIOError:
            return
        except OSError:  # EIO: every copy of the pty's other side is closed
            data = b""
        if data:
            self.on_output(data)
        else:
            self._stop_reading()

    def _stop_reading(self) -> None:
        if self.master is not None:
            with contextlib.suppress(Exception):
                loop = asyncio.get_running_loop()
                loop.remove_reader(self.master)
                loop.remove_writer(self.master)

    async def _wait(self) -> None:
        code = await self.proc.wait()
        # what the desk wrote last (its exit sequences) is still in the pty
        await asyncio.sleep(0.05)
        with contextlib.suppress(Exception):
            self._readable()
        self._stop_reading()
        self._close_master()
        self.on_exit(code)

    def _close_master(self) -> None:
        if self.master is not None:
            with contextlib.suppress(OSError):
                os.close(self.master)
            self.master = None

    def write(self, data: bytes) -> None:
        """Hand ``data`` to the desk in order; what the pty cannot take yet waits here."""
        if self.master is None:
            return
        self._out += data
        self._flush()

    def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        while self._out and self.master is not None:
            try:
                n = os.write(self.master, self._out)
            except BlockingIOError:
                if not self._writing:
                    loop.add_writer(self.master, self._flush)
                    self._writing = True
                return
            except OSError:
                self._out.clear()
                break
            del self._out[:n]
        if self._writing and self.master is not None:
            loop.remove_writer(self.master)
        self._writing = False

    def resize(self, cols: int, rows: int) -> None:
        self.size = (cols, rows)
        if self.master is not None:
            with contextlib.suppress(OSError):
                set_size(self.master, cols, rows)  # the kernel sends SIGWINCH to the desk

    async def kill(self, grace: float = 2.0) -> None:
        """End the desk: SIGHUP to its process group (a terminal hang-up), SIGKILL after
        ``grace`` seconds."""
        if self.proc is None or self.proc.returncode is not None:
            return
        pgid = self.proc.pid
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGHUP)
        try:
            await asyncio.wait_for(asyncio.shield(self._waiter), grace)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._waiter), grace)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)  # anything the desk started and left behind
