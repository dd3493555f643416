"""A tmux server of the test's own (its own socket and config) to run the real app at
80×24, type with ``send-keys`` and read the screen back with ``capture-pane``.

``burst`` sends many keys and texts in ONE tmux command: the server writes them to the
desk's terminal back to back, with no pause at all (faster than any typist, and faster than
the desk answers). ``paste`` is a real bracketed paste (``paste-buffer -p``), bytes and all."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TMUX = shutil.which("tmux") or "/usr/bin/tmux"


class Tmux:
    def __init__(self, tmp_path: Path, target: str, prefix: str = "samad") -> None:
        from tests.support.resources import require_tmux

        require_tmux()  # under CI a missing tmux fails by name, never an obscure error or a skip
        self.target = target
        self.socket = f"{prefix}-{os.getpid()}-{time.monotonic_ns()}"
        self.conf = tmp_path / "tmux.conf"
        self.conf.write_text("set -g allow-passthrough on\nset -g status off\n")
        self.env = dict(os.environ, SAMAD_RTL_MODE="visual", TERM="xterm-256color")
        self.env.pop("TMUX", None)

    def __call__(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(
            [TMUX, "-L", self.socket, "-f", str(self.conf), *args],
            capture_output=True, text=True, env=self.env, cwd=ROOT, timeout=30, check=check,
        )
        return result.stdout

    def rows(self) -> list[str]:
        return self("capture-pane", "-p", "-t", self.target).split("\n")[:24]

    def wait_for(self, predicate, what: str, timeout: float = 40.0) -> list[str]:
        deadline = time.monotonic() + timeout
        rows: list[str] = []
        while time.monotonic() < deadline:
            rows = self.rows()
            if predicate(rows):
                return rows
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; screen:\n" + "\n".join(rows))

    def type(self, text: str) -> None:
        self("send-keys", "-t", self.target, "-l", text)

    def key(self, *keys: str) -> None:
        # no pause between keys: the desk handles keys in order at any speed (key_order.py)
        for k in keys:
            self("send-keys", "-t", self.target, k)

    def burst(self, *steps: str) -> None:
        """Keys and texts with no pause between them: each step is a tmux key name
        (``Enter``, ``F4``, ``Tab``) or ``"=" + text`` for literal text."""
        args: list[str] = []
        for step in steps:
            if args:
                args.append(";")
            if step.startswith("="):
                args += ["send-keys", "-t", self.target, "-l", step[1:]]
            else:
                args += ["send-keys", "-t", self.target, step]
        self(*args)

    def paste(self, text: str) -> None:
        """A bracketed paste of ``text`` (ESC and all) into the pane, as a terminal does."""
        self("set-buffer", "-b", "t", "--", text)
        self("paste-buffer", "-p", "-d", "-b", "t", "-t", self.target)

    def start_desk(self, *args: str, ready=None) -> list[str]:
        """``python -m samad_desk ARGS`` at 80×24; waits for the call screen (or ``ready``)."""
        import sys

        self("new-session", "-d", "-s", self.target, "-x", "80", "-y", "24",
             " ".join([sys.executable, "-m", "samad_desk", *args]))
        return self.wait_for(ready or call_screen_ready, "the call screen with its key hints")

    def quit_desk(self, timeout: float = 60.0) -> None:
        """Shift+F10 and wait until the desk has exited (its journal closed). A desk joins
        its sync thread for up to 10 s on the way out; on a loaded 2-core machine exits of
        over 20 s were seen, hence the minute."""
        self.key("S-F10")
        deadline = time.monotonic() + timeout
        while self("list-sessions", check=False).strip():
            if time.monotonic() > deadline:
                raise AssertionError(f"the desk did not exit within {timeout:.0f} s of Shift+F10; screen:\n"
                                     + "\n".join(self.rows()))
            time.sleep(0.05)

    def kill(self) -> None:
        self("kill-server", check=False)


def shaped(text: str) -> str:
    """How a Persian phrase appears on the terminal (shaped, visual order)."""
    from samad_desk.text import rtl

    return rtl.layout_line(text).visual.strip()


def shows(text: str):
    """A predicate for ``wait_for``: some row shows ``text`` (Persian: shaped)."""
    want = shaped(text)
    return lambda rows: any(want in row for row in rows)


def call_screen_ready(rows: list[str]) -> bool:
    return (shows("ثبت تماس")(rows) and shows("کد ملی")(rows)
            and any("F2" in row for row in rows))  # the key hints come after the first paint
