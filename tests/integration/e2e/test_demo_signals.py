"""``samad-desk demo`` in a real pseudo-terminal: closing the terminal (SIGHUP) or SIGTERM
must stop the demo's central server, not leave it running as an orphan.

The server runs in its own session (``central.process``), so the terminal's SIGHUP never
reaches it; the demo has to stop it. The demo runs here as the session leader of a fresh
pty at 80×24, exactly as under a terminal emulator; closing the pty's master side is what
closing the window does (the kernel sends SIGHUP to the session).
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _server_pids(marker: str) -> list[int]:
    """Live (not zombie) ``central serve`` processes whose command line names ``marker``."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        words = [w.decode(errors="replace") for w in cmd]
        if "serve" in words and "central" in words and any(marker in w for w in words) and state != "Z":
            pids.append(int(entry))
    return pids


class DemoInPty:
    def __init__(self, directory: Path, *, nohup: bool = False) -> None:
        self.directory = directory
        self.output = b""
        env = dict(os.environ, TERM="xterm-256color", SAMAD_RTL_MODE="visual")
        env.pop("TMUX", None)
        env.pop("NO_COLOR", None)
        pid, fd = pty.fork()
        if pid == 0:  # the child: becomes the demo (session leader of the new pty)
            # a terminal emulator starts it with default dispositions, whatever this test
            # process has (a suite run under nohup ignores SIGHUP, and exec keeps that)
            signal.signal(signal.SIGHUP, signal.SIG_IGN if nohup else signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.chdir(ROOT)
            os.execve(
                sys.executable,
                [sys.executable, "-m", "samad_desk", "demo", "--dir", str(directory)],
                env,
            )
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.status: int | None = None

    def pump(self, seconds: float) -> None:
        """Read what the demo writes (a full pty would block it)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.fd >= 0:
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                self.output += chunk

    def wait_until(self, predicate, what: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            self.pump(0.3)
            if self.exited():
                break
        raise AssertionError(f"timed out waiting for {what}; output tail: {self.output[-600:]!r}")

    def exited(self) -> bool:
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.status = status
        return self.status is not None

    def close_terminal(self) -> None:
        os.close(self.fd)
        self.fd = -1

    def wait_exit(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.exited():
                assert self.status is not None
                return self.status
            self.pump(0.1) if self.fd >= 0 else time.sleep(0.1)
        raise AssertionError("the demo did not exit")

    def kill(self) -> None:
        if not self.exited():
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


@pytest.fixture
def demo(tmp_path):
    running = DemoInPty(tmp_path / "demo")
    yield running
    running.kill()
    for pid in _server_pids(str(running.directory)):  # never leave one behind
        os.kill(pid, signal.SIGKILL)


def _desk_is_up(demo: DemoInPty) -> bool:
    # the desk has drawn its status bar: the server is up and the desk logged in
    return b"\x1b[?1049h" in demo.output and len(demo.output) > 4000


@pytest.mark.parametrize("how", ["close-terminal", "sigterm"])
def test_demo_stops_its_server_when_ended_from_outside(demo, how) -> None:
    marker = str(demo.directory)
    demo.wait_until(lambda: bool(_server_pids(marker)), "the demo's central server")
    servers = _server_pids(marker)
    assert len(servers) == 1
    demo.wait_until(lambda: _desk_is_up(demo), "the desk on the terminal")
    if how == "close-terminal":
        demo.close_terminal()
    else:
        os.kill(demo.pid, signal.SIGTERM)
    status = demo.wait_exit()
    expected = signal.SIGHUP if how == "close-terminal" else signal.SIGTERM
    # the demo still ends the way the signal ends a process (the shell sees the signal) …
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == expected, status
    # … and its server is gone with it
    deadline = time.monotonic() + 15
    while _server_pids(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _server_pids(marker) == [], "the central server outlived the demo"


def test_under_nohup_a_closed_terminal_still_stops_the_server(tmp_path) -> None:
    """``nohup samad-desk demo`` (SIGHUP ignored): a closed terminal still ends the demo —
    the desk's terminal handler ends it, there is nothing left to draw on — and now its
    clean-ups run first; before, the server was left running (seen in a suite run started
    under nohup, whose children inherit the ignored SIGHUP)."""
    running = DemoInPty(tmp_path / "demo", nohup=True)
    marker = str(running.directory)
    try:
        running.wait_until(lambda: bool(_server_pids(marker)), "the demo's central server")
        running.wait_until(lambda: _desk_is_up(running), "the desk on the terminal")
        running.close_terminal()
        running.wait_exit()
        deadline = time.monotonic() + 15
        while _server_pids(marker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _server_pids(marker) == [], "the central server outlived the demo"
    finally:
        running.kill()
        for pid in _server_pids(marker):
            os.kill(pid, signal.SIGKILL)

