"""End to end in a real terminal multiplexer: the widget demo in tmux at 80×24.

Persian is typed with ``send-keys -l`` and the screen read back with ``capture-pane -p``;
the rows and the caret must equal the headless (Pilot) rendering of the same keystrokes
(design/rtl.md §7). A second test attaches a client under ``script`` and checks that the
DCS-wrapped BDSM switch reaches the outer terminal with ``allow-passthrough on``.
CI installs tmux (``.ci/run``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest

from samad_desk.widgets.demo import RTLDemoApp
from tests.support import rtl_screen as _screen
from tests.support.tmux import ROOT, TMUX, Tmux

NAME = "\u0633\u0644\u0627\u0645 Ali"  # سلام Ali


@pytest.fixture
def tmux(tmp_path):
    t = Tmux(tmp_path, "demo", prefix="samad-rtl")
    yield t
    t.kill()


def _command() -> str:
    return f"{sys.executable} -m samad_desk.widgets.demo form"


async def _headless(keys: list[str]) -> tuple[list[str], tuple[int, int]]:
    app = RTLDemoApp("form")
    async with app.run_test(size=(80, 24)) as pilot:
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
        rows = _screen.screen_rows(app)
        return [r.rstrip() for r in rows], (app.cursor_position.x, app.cursor_position.y)


def _title_shown(rows: list[str]) -> bool:
    return any("\ufe96\ufe92\ufe9b" in r for r in rows)  # ثبت, shaped and reversed


async def test_typing_persian_in_tmux_matches_headless(tmux):
    tmux("new-session", "-d", "-s", "demo", "-x", "80", "-y", "24", _command())
    tmux.wait_for(_title_shown, "the demo form")
    keys = ["space" if ch == " " else ch for ch in NAME]
    head_rows, head_cursor = await _headless(keys)
    tmux("send-keys", "-t", "demo", "-l", NAME)

    def cursor() -> tuple[int, ...]:
        out = tmux("display", "-p", "-t", "demo", "#{cursor_x},#{cursor_y}")
        return tuple(int(v) for v in out.split(","))

    # the same grid and caret as headless (polled: tmux draws asynchronously)
    deadline = time.monotonic() + 30
    rows: list[str] = []
    while time.monotonic() < deadline:
        rows = [r.rstrip() for r in tmux.rows()]
        if rows == head_rows and cursor() == head_cursor:
            break
        time.sleep(0.2)
    assert rows == head_rows
    assert cursor() == head_cursor
    assert any("Ali \ufee1\ufefc\ufeb3" in row for row in rows)

    # Backspace in the middle and Home/End, over the real terminal
    tmux("send-keys", "-t", "demo", "Home")
    tmux("send-keys", "-t", "demo", "Left")  # forward one (reading order)
    tmux("send-keys", "-t", "demo", "BSpace")  # deletes the seen
    # the seen is gone; lam-alef is now word-initial (isolated form U+FEFB)
    tmux.wait_for(lambda r: any("Ali \ufee1\ufefb" in row for row in r), "the deletion")
    tmux("send-keys", "-t", "demo", "F10")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and "demo" in tmux("ls", check=False):
        time.sleep(0.2)


def test_bdsm_reaches_the_outer_terminal_through_passthrough(tmux, tmp_path):
    log = tmp_path / "outer.log"
    script = shutil.which("script") or "/usr/bin/script"
    inner = (
        f"stty cols 80 rows 24; {TMUX} -L {tmux.socket} -f {tmux.conf} "
        # the shell keeps the pane open a moment, so tmux forwards the final CSI 8 h
        f"new-session -s demo '{_command()}; sleep 1'"
    )
    proc = subprocess.Popen(
        [script, "-qfec", inner, str(log)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=tmux.env,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if log.exists() and b"\x1b[8l" in log.read_bytes():
                break
            time.sleep(0.2)
        tmux.wait_for(_title_shown, "the demo form under script")
        tmux("send-keys", "-t", "demo", "F10")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
    data = log.read_bytes()
    assert b"\x1b[8l" in data  # explicit mode switched on in the outer terminal
    assert data.rfind(b"\x1b[8h") > data.find(b"\x1b[8l")  # and restored at exit
