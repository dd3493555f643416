"""A tmux server of the test's own (its own socket and config) to run the real app at
80×24, type with ``send-keys`` and read the screen back with ``capture-pane``."""

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
        for k in keys:
            self("send-keys", "-t", self.target, k)
            time.sleep(0.05)

    def kill(self) -> None:
        self("kill-server", check=False)
