"""``samad-desk serve ssh`` as a real process, and the real OpenSSH client against it.

``SshServe`` starts the server on a free port beside a central started by the test and
reads its JSON log lines back; ``ssh_argv`` builds an ``ssh``/``sftp`` command line that
trusts the test's host key without touching ~/.ssh; ``askpass`` answers a password
prompt without a terminal (``SSH_ASKPASS_REQUIRE=force``, OpenSSH ≥ 8.4)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from samad_desk.central.process import free_port

ROOT = Path(__file__).resolve().parents[2]


def require(tool: str, package: str) -> str:
    """The path of ``tool``; missing: a failure naming it under CI, else a skip."""
    path = shutil.which(tool)
    if path:
        return path
    message = f"{tool} is missing (Debian package {package}); .ci/run installs it"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


class SshServe:
    def __init__(self, tmp: Path, db_url: str, server_url: str, *, idle_timeout: float = 300,
                 per_operator: int = 2, per_host: int = 20, extra: tuple[str, ...] = ()) -> None:
        self.tmp = tmp
        self.db_url = db_url
        self.root = tmp / "serve"
        self.data_dir = tmp / "host-data"
        self.log_path = tmp / "serve.log"
        self.port = free_port()
        self.argv = [sys.executable, "-m", "samad_desk", "serve", "ssh", "--db", db_url,
                     "--server", server_url, "--dir", str(self.root), "--data-dir", str(self.data_dir),
                     "--host", "127.0.0.1", "--port", str(self.port),
                     "--idle-timeout", str(idle_timeout), "--per-operator", str(per_operator),
                     "--per-host", str(per_host), "--log-file", str(self.log_path), *extra]
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> SshServe:
        env = dict(os.environ)
        env.pop("SAMAD_DESK_SERVER_URL", None)
        self.proc = subprocess.Popen(self.argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                     stderr=open(self.tmp / "serve.err", "wb"), start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("serve ssh exited: " + (self.tmp / "serve.err").read_text())
            if self.events("ssh listening"):
                return self
            time.sleep(0.1)
        raise AssertionError("serve ssh did not start: " + (self.tmp / "serve.err").read_text())

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)

    def events(self, msg: str | None = None, **match: object) -> list[dict]:
        try:
            lines = self.log_path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        out = []
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if (msg is None or event.get("msg") == msg) and all(event.get(k) == v for k, v in match.items()):
                out.append(event)
        return out

    def wait_event(self, msg: str, timeout: float = 20.0, **match: object) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.events(msg, **match)
            if found:
                return found[-1]
            time.sleep(0.1)
        raise AssertionError(f"no {msg!r} {match} in the serve log:\n" + self.log_path.read_text())

    def ssh_argv(self, user: str, *args: str, key: Path | None = None, tool: str = "ssh") -> list[str]:
        opts = ["-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10"]
        if key is not None:
            opts += ["-i", str(key), "-o", "IdentitiesOnly=yes", "-o", "PreferredAuthentications=publickey",
                     "-o", "PasswordAuthentication=no"]
        else:
            opts += ["-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password",
                     "-o", "NumberOfPasswordPrompts=1"]
        if tool == "sftp":
            return ["sftp", *opts, "-P", str(self.port), *args, f"{user}@127.0.0.1"]
        return ["ssh", *opts, "-p", str(self.port), f"{user}@127.0.0.1", *args]


def askpass(tmp: Path, password: str) -> dict[str, str]:
    """Environment for a non-interactive ``ssh`` whose password prompt answers ``password``."""
    script = tmp / f"askpass-{abs(hash(password))}.sh"
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' '{password}'\n")
    script.chmod(0o700)
    env = dict(os.environ, SSH_ASKPASS=str(script), SSH_ASKPASS_REQUIRE="force", DISPLAY=":0")
    env.pop("SSH_AUTH_SOCK", None)
    return env


def make_key(tmp: Path, name: str) -> Path:
    key = tmp / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{name}@test", "-f", str(key)],
                   check=True, timeout=30)
    return key


def samad(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "samad_desk", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=check)


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as gone: it is only waiting to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
