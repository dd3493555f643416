"""Finding 16 of issue 12: the tmux hint (and ``doctor``'s) was shown although
``allow-passthrough`` was already on. tmux itself is asked, here a real tmux server of the
test's own."""

from __future__ import annotations

import os
import subprocess

import pytest

from samad_desk import terminal
from tests.support.resources import require_tmux


@pytest.fixture(autouse=True)
def _tmux_installed():
    require_tmux()  # a failure naming tmux under CI, a skip elsewhere


@pytest.fixture
def tmux_env(tmp_path):
    """``$TMUX`` of a desk running inside a fresh tmux server (its own socket)."""
    socket = str(tmp_path / "tmux.sock")
    base = ["tmux", "-S", socket, "-f", os.devnull]
    subprocess.run([*base, "new-session", "-d", "-s", "t", "sleep 60"], check=True, timeout=10)
    pid = subprocess.run([*base, "display", "-p", "#{pid}"], capture_output=True, text=True,
                         check=True, timeout=10).stdout.strip()
    env = dict(os.environ, TMUX=f"{socket},{pid},0")

    def passthrough(value: str) -> None:
        subprocess.run([*base, "set", "-g", "allow-passthrough", value], check=True, timeout=10)

    yield env, passthrough
    subprocess.run([*base, "kill-server"], timeout=10, check=False)


def test_tmux_hint_only_when_passthrough_is_off(tmux_env) -> None:
    env, passthrough = tmux_env
    passthrough("off")
    assert [h.id for h in terminal.detect_hints(env)] == ["tmux"]
    passthrough("on")
    assert terminal.detect_hints(env) == []
