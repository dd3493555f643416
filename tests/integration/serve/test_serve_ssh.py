"""``samad-desk serve ssh`` with the real OpenSSH client (issue 18).

A real central server process (SQLite, demo operators), the real SSH server process, and
Debian's ``ssh``/``sftp`` driven in tmux (interactive sessions) or with ``SSH_ASKPASS``
(refusals). What each test checks is the screen the client shows, the client's exit, the
server's JSON log lines and the processes left on the machine."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import pytest

from samad_desk.central.process import free_port, sqlite_url, start_server
from samad_desk.text import rtl
from tests.support.serve import SshServe, alive, askpass, make_key, require, samad
from tests.support.tmux import Tmux, shaped, shows


@pytest.fixture(scope="module")
def central(tmp_path_factory):
    require("ssh", "openssh-client")
    require("tmux", "tmux")
    tmp = tmp_path_factory.mktemp("central")
    db = sqlite_url(tmp)
    with start_server(db, seed_demo=True) as server:
        yield server


@pytest.fixture(scope="module")
def serve(central, tmp_path_factory):
    s = SshServe(tmp_path_factory.mktemp("serve"), central.db_url, central.url).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def super_key(serve, tmp_path_factory):
    """An ed25519 key registered for super1 with ``central add-key``."""
    key = make_key(tmp_path_factory.mktemp("keys"), "super1")
    out = samad("central", "add-key", "--db", serve.db_url, "super1", f"{key}.pub").stdout
    assert "registered for super1" in out
    return key


@pytest.fixture
def tmux(tmp_path):
    t = Tmux(tmp_path, "ssh", prefix="samad-ssh")
    yield t
    t.kill()


def open_in_tmux(tmux: Tmux, argv: list[str], cols: int = 80, rows: int = 24) -> None:
    # the client's TERM (tmux gives its panes tmux-256color) is what the desk must get
    tmux("new-session", "-d", "-s", "ssh", "-x", str(cols), "-y", str(rows),
         " ".join(["env", "TERM=xterm-direct", *argv]))
    tmux("set-option", "-t", "ssh", "remain-on-exit", "on")


def supervisor_view(rows: list[str]) -> bool:
    return shows("نظارت")(rows) and any("F2" in r for r in rows)


def password_login(tmux: Tmux, serve: SshServe, user: str) -> None:
    """``ssh user@`` in tmux, the password (the demo's: the username) typed at its prompt,
    until the desk's key bar shows."""
    open_in_tmux(tmux, serve.ssh_argv(user))
    tmux.wait_for(lambda r: any("password:" in row for row in r), "the password prompt")
    tmux.type(user)
    tmux.key("Enter")
    tmux.wait_for(lambda r: any("F2" in row for row in r), f"{user}'s desk")


def pane_dead(tmux: Tmux) -> bool:
    return tmux("display-message", "-p", "-t", "ssh", "#{pane_dead}").strip() == "1"


def wait_dead(tmux: Tmux, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pane_dead(tmux):  # (the pane dies at the pty's EOF; its status comes with SIGCHLD)
            time.sleep(0.5)
            return tmux("display-message", "-p", "-t", "ssh", "#{pane_dead_status}").strip()
        time.sleep(0.2)
    raise AssertionError("the ssh client did not exit:\n" + "\n".join(tmux.rows()))


def test_password_login_supervisor_view_resize_paste_quit(serve, tmux):
    open_in_tmux(tmux, serve.ssh_argv("super1"))
    tmux.wait_for(lambda r: any("password:" in row for row in r), "the password prompt")
    tmux.type("super1")
    tmux.key("Enter")
    rows = tmux.wait_for(supervisor_view, "the supervisor view over ssh")
    assert all(rtl.text_cells(r) <= 80 for r in rows)
    login = serve.wait_event("ssh login", username="super1", method="password")
    assert login["role"] == "supervisor" and login["ip"] == "127.0.0.1"
    started = serve.wait_event("ssh desk started", username="super1")
    assert started["size"] == "80x24" and started["term"] == "xterm-direct"
    # the desk was logged in with that one password: its operator directory holds the session
    op_dir = serve.root / "operators" / "super1"
    assert (op_dir / "tokens.json").stat().st_mode & 0o777 == 0o600
    assert (op_dir / "op-key.json").exists()

    # a resize reaches the desk (SIGWINCH through the pty): the view is laid out at 110 columns
    tmux("resize-window", "-t", "ssh", "-x", "110", "-y", "30")
    tmux.wait_for(lambda r: shows("نظارت")(r) and max(rtl.text_cells(x.rstrip()) for x in r) > 100,
                  "the supervisor view redrawn at 110 columns")
    assert serve.events("ssh desk started", username="super1")[-1]["pid"] == started["pid"]

    # a bracketed paste arrives whole in the command palette's input
    tmux.key("F12")
    time.sleep(1.0)
    tmux.paste("0012345679")
    tmux.wait_for(lambda r: any("0012345679" in row or "۰۰۱۲۳۴۵۶۷۹" in row for row in r), "the pasted text")
    tmux.key("Escape")
    time.sleep(0.5)  # (Esc and the next key at once would be Alt+key)

    tmux.key("C-q")
    # the client exits (tmux 3.3a now and then reports no status for it: the log says how it ended)
    assert wait_dead(tmux, timeout=60) in ("0", "")
    out = serve.wait_event("ssh logout", username="super1")
    assert out["reason"] == "closed"
    assert out["session_ended"] is True
    assert not (op_dir / "op-key.json").exists()  # the session's signing key went with it
    assert b"refresh_token" not in (op_dir / "tokens.json").read_bytes()
    assert not alive(started["pid"])


def test_key_login_then_revoked_key_refused(serve, tmux, tmp_path):
    key = make_key(tmp_path, "super2")
    assert "registered for super2" in samad("central", "add-key", "--db", serve.db_url, "super2",
                                            f"{key}.pub").stdout
    open_in_tmux(tmux, serve.ssh_argv("super2", key=key))
    tmux.wait_for(supervisor_view, "the supervisor view after a key login")
    login = serve.wait_event("ssh login", username="super2", method="publickey")
    assert login["fingerprint"].startswith("SHA256:")
    started = serve.wait_event("ssh desk started", username="super2")
    assert started["operator"] == "op-super2" and started["role"] == "supervisor"
    tmux.key("C-q")
    # the client exits (tmux 3.3a now and then reports no status for it: the log says how it ended)
    assert wait_dead(tmux, timeout=60) in ("0", "")
    assert serve.wait_event("ssh logout", username="super2")["reason"] == "closed"

    listed = samad("central", "list-keys", "--db", serve.db_url, "--username", "super2").stdout
    number = listed.split("\t")[0]
    assert login["fingerprint"] in listed and "active" in listed
    assert "revoked" in samad("central", "revoke-key", "--db", serve.db_url, number).stdout
    done = subprocess.run(serve.ssh_argv("super2", "-T", key=key) + ["-o", "BatchMode=yes"],
                          capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert done.returncode == 255 and "Permission denied" in done.stderr
    serve.wait_event("ssh refused", username="super2", reason="unknown_key", fingerprint=login["fingerprint"])


@pytest.mark.parametrize("user, password", [("super1", "wrong-password"), ("nosuchuser", "whatever")])
def test_wrong_password_and_unknown_user_refused_and_logged(serve, tmp_path, user, password):
    done = subprocess.run(serve.ssh_argv(user), env=askpass(tmp_path, password), capture_output=True,
                          text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert done.returncode == 255 and "Permission denied" in done.stderr
    event = serve.wait_event("ssh refused", username=user, method="password")
    assert event["reason"] == "invalid_credentials"
    if user == "nosuchuser":
        assert not serve.events("ssh login", username=user)


def test_exec_sftp_and_forwarding_refused_and_logged(serve, super_key, tmp_path):
    # ssh host ls: an exec request
    done = subprocess.run(serve.ssh_argv("super1", "ls", "/", key=super_key), capture_output=True, text=True,
                          timeout=30, stdin=subprocess.DEVNULL)
    assert done.returncode != 0 and "bin" not in done.stdout
    serve.wait_event("ssh refused", username="super1", reason="exec", command="ls /")

    # ssh -T: a shell without a terminal gets one Persian line, and no desk
    done = subprocess.run(["ssh", "-T", *serve.ssh_argv("super1", key=super_key)[1:]], capture_output=True, text=True,
                          timeout=30, stdin=subprocess.DEVNULL)
    assert done.returncode == 1 and shaped("ssh -t وصل شوید") in done.stdout
    serve.wait_event("ssh refused", username="super1", reason="no_pty")

    # sftp: the subsystem request
    done = subprocess.run(serve.ssh_argv("super1", "-b", "-", key=super_key, tool="sftp"), input="ls\n",
                          capture_output=True, text=True, timeout=30)
    assert done.returncode != 0
    serve.wait_event("ssh refused", username="super1", reason="subsystem", subsystem="sftp")

    # ssh -N -L: a local port forward; a connection through it is refused at the server
    target = free_port()
    local = free_port()
    fwd = subprocess.Popen(serve.ssh_argv("super1", "-N", "-L", f"127.0.0.1:{local}:127.0.0.1:{target}",
                                          key=super_key),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        serve.wait_event("ssh login", username="super1", method="publickey")
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", local), timeout=5) as s:
                    s.settimeout(5)
                    assert s.recv(100) == b""  # closed at once: nothing reached the target
                break
            except ConnectionRefusedError:  # the client is not listening yet
                assert time.monotonic() < deadline, "ssh -L never listened"
                time.sleep(0.2)
        serve.wait_event("ssh refused", username="super1", reason="port_forward", dest=f"127.0.0.1:{target}")
    finally:
        fwd.kill()
        fwd.wait(10)

    # ssh -R: a remote forward is refused too (the client gives up: ExitOnForwardFailure)
    done = subprocess.run(serve.ssh_argv("super1", "-N", "-o", "ExitOnForwardFailure=yes", "-R",
                                         f"127.0.0.1:{free_port()}:127.0.0.1:{target}", key=super_key),
                          capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert done.returncode == 255 and "forwarding failed" in done.stderr
    serve.wait_event("ssh refused", username="super1", reason="remote_forward")


def test_killed_client_leaves_no_desk_process(serve, super_key, tmux):
    before = len(serve.events("ssh desk started", username="super1"))
    open_in_tmux(tmux, serve.ssh_argv("super1", key=super_key))
    tmux.wait_for(supervisor_view, "the supervisor view")
    deadline = time.monotonic() + 10
    while len(serve.events("ssh desk started", username="super1")) <= before:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    desk = serve.events("ssh desk started", username="super1")[-1]["pid"]
    assert alive(desk)
    client = int(tmux("display-message", "-p", "-t", "ssh", "#{pane_pid}").strip())
    os.kill(client, signal.SIGKILL)
    deadline = time.monotonic() + 15
    while alive(desk):
        assert time.monotonic() < deadline, f"desk process {desk} outlived its ssh client"
        time.sleep(0.1)
    serve.wait_event("ssh logout", username="super1", reason="disconnected")


def test_idle_session_is_closed(central, tmp_path, tmux):
    short = SshServe(tmp_path, central.db_url, central.url, idle_timeout=6).start()
    try:
        password_login(tmux, short, "agent1")
        desk = short.wait_event("ssh desk started", username="agent1")["pid"]
        wait_dead(tmux, timeout=20)  # nothing typed: closed by the server
        assert short.wait_event("ssh logout", username="agent1")["reason"] == "idle"
        assert shaped("بی‌کاری") in "\n".join(tmux.rows())
        assert not alive(desk)
    finally:
        short.stop()


def test_session_limit_per_operator(central, tmp_path, tmux):
    capped = SshServe(tmp_path, central.db_url, central.url, per_operator=1).start()
    try:
        password_login(tmux, capped, "agent2")
        done = subprocess.run(capped.ssh_argv("agent2"), env=askpass(tmp_path, "agent2"), capture_output=True,
                              text=True, timeout=30, stdin=subprocess.DEVNULL)
        assert done.returncode == 255
        capped.wait_event("ssh refused", username="agent2", reason="limit")
    finally:
        capped.stop()


def test_server_stop_ends_desks_and_logins(central, tmp_path, tmux):
    own = SshServe(tmp_path, central.db_url, central.url).start()
    try:
        password_login(tmux, own, "agent3")
        desk = own.wait_event("ssh desk started", username="agent3")["pid"]
        os.kill(own.proc.pid, signal.SIGTERM)  # the server alone (systemd's KillMode=mixed)
        own.proc.wait(30)
        assert own.wait_event("ssh logout", username="agent3")["reason"] == "server_stopped"
        assert not alive(desk)
        assert b"refresh_token" not in (own.root / "operators" / "agent3" / "tokens.json").read_bytes()
    finally:
        own.stop()
