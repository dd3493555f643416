"""A whole call in a real terminal multiplexer at 80×24: ``samad-desk`` on a fresh machine
(embedded default), typed with ``tmux send-keys`` (Persian with ``-l``), the screen read
back with ``capture-pane``, and the journal checked afterwards."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from samad_desk.text import rtl

ROOT = Path(__file__).resolve().parents[2]
TMUX = shutil.which("tmux")

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (CI installs it)")


def shaped(text: str) -> str:
    """How a Persian phrase appears on the terminal (shaped, visual order)."""
    return rtl.layout_line(text).visual.strip()


class Tmux:
    def __init__(self, tmp_path: Path) -> None:
        self.socket = f"samad-desk-{os.getpid()}-{time.monotonic_ns()}"
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
        return self("capture-pane", "-p", "-t", "desk").split("\n")[:24]

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
        self("send-keys", "-t", "desk", "-l", text)

    def key(self, *keys: str) -> None:
        for k in keys:
            self("send-keys", "-t", "desk", k)
            time.sleep(0.05)

    def kill(self) -> None:
        self("kill-server", check=False)


@pytest.fixture
def tmux(tmp_path):
    t = Tmux(tmp_path)
    yield t
    t.kill()


def _field(tmux: Tmux, text: str, shown: str | None = None) -> None:
    tmux.type(text)
    if shown:
        tmux.wait_for(lambda r: any(shown in row for row in r), f"typed {text!r}")
    tmux.key("Enter")
    time.sleep(0.15)


def test_whole_call_at_80x24(tmux, settings) -> None:
    tmux("new-session", "-d", "-s", "desk", "-x", "80", "-y", "24",
         f"{sys.executable} -m samad_desk")
    def ready(r: list[str]) -> bool:
        return (any(shaped("ثبت تماس") in row for row in r)
                and any(shaped("کد ملی") in row for row in r)
                and any("F2" in row for row in r))  # the key hints are filled after the first paint

    rows = tmux.wait_for(ready, "the call screen with its key hints")
    assert len(rows) == 24 and all(len(r) <= 80 for r in rows)
    _field(tmux, "0012345679", "۰۰۱۲۳۴۵۶۷۹")
    _field(tmux, "علی", shaped("علی"))
    _field(tmux, "رضایی", shaped("رضایی"))
    _field(tmux, "")
    _field(tmux, "")
    _field(tmux, "09121234567", "۰۹۱۲۱۲۳۴۵۶۷")
    _field(tmux, "قزو", shaped("قزوین"))
    _field(tmux, "شکا", shaped("شکایت"))
    _field(tmux, "قطعی آب", shaped("قطعی آب"))
    tmux.key("Enter")  # agency suggested from the subject
    tmux.key("Enter")  # urgency: normal
    tmux.type("سه روز است آب محله قطع است")
    tmux.wait_for(lambda r: any(shaped("محله") in row for row in r), "the description")
    tmux.key("F2")
    rows = tmux.wait_for(lambda r: any("╭───╮" in row for row in r), "the tracking code")
    boxed = [row for row in rows if "││" in row]
    assert len(boxed) == 1, "\n".join(rows)
    digits = [ch for ch in boxed[0] if "۰" <= ch <= "۹"]
    tmux.key("Enter")
    tmux.wait_for(lambda r: any(shaped("در صف: ۳") in row for row in r), "three pending ops")
    tmux.key("S-F10")
    deadline = time.monotonic() + 20
    while tmux("list-sessions", check=False).strip() and time.monotonic() < deadline:
        time.sleep(0.2)

    from samad_desk.domain.tracking import format_tracking_code
    from samad_desk.store import Store
    from samad_desk.text.digits import to_ascii_digits

    code = to_ascii_digits("".join(digits))
    store = Store.open(settings.data_dir)
    try:
        case = store.case_by_tracking_code(code)
        assert case is not None, format_tracking_code(code)
        assert case["subject"] == "water.outage" and case["agency_id"] == "water-qazvin"
        assert [o["type"] for o in store.pending_ops(limit=10)] == [
            "citizen.upsert", "case.register", "case.refer"]
    finally:
        store.close()
