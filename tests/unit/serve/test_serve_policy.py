"""What a served desk gets (``serve/policy.py``) and the host key (``serve/hostkey.py``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from samad_desk.serve.hostkey import HostKeyError, load_or_create
from samad_desk.serve.policy import SessionLimits, desk_env, rtl_mode_for

OPENSSH = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"
PUTTY = "SSH-2.0-PuTTY_Release_0.81"


@pytest.mark.parametrize("version, env, mode", [
    (OPENSSH, {"LANG": "fa_IR.UTF-8"}, "auto"),  # xterm / VTE / Windows Terminal: visual
    (PUTTY, {}, "terminal"),  # PuTTY lays out BiDi and shapes itself
    ("SSH-2.0-PuTTY_KiTTY", {}, "terminal"),
    (PUTTY, {"SAMAD_RTL_MODE": "visual"}, "visual"),  # PuTTY with its BiDi turned off
    (OPENSSH, {"SAMAD_RTL_MODE": "Terminal"}, "terminal"),
    (OPENSSH, {"SAMAD_RTL_MODE": "$(reboot)"}, "auto"),
])
def test_rtl_mode_for_clients(version, env, mode):
    assert rtl_mode_for(version, env) == mode


def test_desk_env_takes_nothing_else_from_the_server_or_client(monkeypatch, tmp_path):
    monkeypatch.setenv("SAMAD_CENTRAL_DB", "postgresql://secret@db/central")
    env = desk_env(term="xterm-256color", client_env={
        "LANG": "fa_IR.UTF-8", "LC_ALL": "fa_IR.ISO-8859-6", "LD_PRELOAD": "/tmp/evil.so",
        "PATH": "/tmp", "COLORTERM": "truecolor", "SAMAD_DESK_SERVER_URL": "http://evil"},
        rtl_mode="auto", server_url="http://central:8111", operator_dir=tmp_path / "op",
        data_dir=tmp_path / "data", config_dir=tmp_path / "cfg", home=tmp_path / "op")
    assert env["LANG"] == "fa_IR.UTF-8" and env["COLORTERM"] == "truecolor"
    assert "LC_ALL" not in env  # not UTF-8: the desk writes UTF-8
    assert "LD_PRELOAD" not in env and env["PATH"] != "/tmp"
    assert env["SAMAD_DESK_SERVER_URL"] == "http://central:8111"
    assert not any("secret" in v for v in env.values())
    assert env["TERM"] == "xterm-256color"
    assert desk_env(term="xterm;rm -rf", client_env={}, rtl_mode="auto", server_url="u",
                    operator_dir=tmp_path, data_dir=tmp_path, config_dir=tmp_path,
                    home=tmp_path)["TERM"] == "xterm-256color"


def test_session_limits():
    limits = SessionLimits(per_operator=2, per_host=3)
    assert limits.acquire("Super1") is None and limits.acquire("super1") is None
    assert "۲" in limits.acquire("super1") or "2" in limits.acquire("super1")
    assert limits.acquire("agent1") is None
    assert limits.acquire("agent2") is not None  # the host is full
    assert limits.release("super1") == 1
    assert limits.acquire("agent2") is None
    assert limits.active() == 3 and limits.active("SUPER1") == 1


def test_host_key_made_once_0600_and_kept(tmp_path):
    path = tmp_path / "serve" / "ssh_host_ed25519_key"
    key = load_or_create(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    again = load_or_create(path)
    assert again.get_fingerprint() == key.get_fingerprint()
    os.chmod(path, 0o644)
    with pytest.raises(HostKeyError):
        load_or_create(Path(path))
