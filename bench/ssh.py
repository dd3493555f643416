"""``python -m bench ssh``: N concurrent desks over ``samad-desk serve ssh`` (issue 18).

A real central (SQLite, demo data plus bench agents), the real SSH server and N real
OpenSSH clients (default 20, ``--quick`` 4, ``BENCH_SSH_SESSIONS=N`` to choose), each in a
pseudo-terminal this benchmark reads as the terminal would. All N log in (password, by
``SSH_ASKPASS``) and open the call screen; then, one session at a time while the others
stay connected, a digit is typed into the national-ID field and the time until its
Persian digit comes back is taken (then Backspace). Baseline, same run: the same desk
started locally in a pseudo-terminal of the same kind (no SSH), typed the same way.

Memory: resident set of each desk process (psutil, the desk and anything it started),
the median per session, and the SSH server's own resident set divided by N.
"""

from __future__ import annotations

import os
import pty
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.harness import Metric, percentile

ROOT = Path(__file__).resolve().parents[1]
DIGITS = "123456789"
FA = "۱۲۳۴۵۶۷۸۹"


class Term:
    """A process in a pty of 80×24; everything it writes is kept, with arrival times."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        import fcntl
        import struct
        import termios

        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True, cwd=ROOT)
        os.close(slave)
        self.buf = bytearray()
        self.lock = threading.Lock()

    def feed(self) -> None:
        try:
            data = os.read(self.master, 65536)
        except OSError:
            data = b""
        with self.lock:
            self.buf += data

    def text(self, since: int = 0) -> str:
        with self.lock:
            return self.buf[since:].decode("utf-8", "replace")

    def mark(self) -> int:
        with self.lock:
            return len(self.buf)

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def wait_for(self, predicate, timeout: float, since: int = 0) -> bool:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if predicate(self.text(since)):
                return True
            time.sleep(0.0005)
        return False

    def close(self) -> None:
        import signal

        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(10)
        os.close(self.master)


class Reader(threading.Thread):
    """Drains every pty (a terminal always reads what it is sent)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.terms: list[Term] = []
        self.stop = False

    def run(self) -> None:
        while not self.stop:
            by_fd = {t.master: t for t in list(self.terms)}
            if not by_fd:
                time.sleep(0.01)
                continue
            ready, _, _ = select.select(list(by_fd), [], [], 0.05)
            for fd in ready:
                by_fd[fd].feed()


def _rss_mb(pid: int) -> float:
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
        return sum(p.memory_info().rss for p in procs) / 1e6
    except psutil.Error:
        return float("nan")


def _echo_samples(term: Term, n: int) -> list[float]:
    samples = []
    for i in range(n):
        digit = i % len(DIGITS)
        mark = term.mark()
        t0 = time.perf_counter()
        term.write(DIGITS[digit].encode())
        if not term.wait_for(lambda s, d=digit: FA[d] in s, 10.0, mark):
            raise RuntimeError("no echo of a typed digit: " + term.text(mark)[-300:])
        samples.append((time.perf_counter() - t0) * 1000)
        mark = term.mark()
        term.write(b"\x7f")  # Backspace: the field is empty again
        term.wait_for(lambda s: len(s) > 0, 5.0, mark)
        time.sleep(0.02)
    return samples


def _call_screen(text: str) -> bool:
    from samad_desk.text import rtl

    return rtl.layout_line("کد ملی").visual.strip() in text and "F2" in text


def run(quick: bool = False) -> list[Metric]:
    from samad_desk.central.process import free_port, sqlite_url, start_server
    from samad_desk.central.seed import seed_demo
    from samad_desk.central.service import Central

    for tool in ("ssh", "ssh-keygen"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing (Debian package openssh-client)")
    n = int(os.environ.get("BENCH_SSH_SESSIONS") or (4 if quick else 20))
    typed = 10 if quick else 20
    tmp = Path(tempfile.mkdtemp(prefix="bench-ssh-"))
    db = sqlite_url(tmp)
    central = Central(db)
    seed_demo(central, full=False)
    users = [f"bench{i}" for i in range(n + 1)]
    for u in users:
        central.add_user(u, u, "agent", name=f"اپراتور {u}", province="qazvin")
    central.close()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMAD_", "TMUX"))}
    base_env.update(TERM="xterm-256color", LANG="C.UTF-8")
    reader = Reader()
    reader.start()
    terms: list[Term] = []
    serve = None
    with start_server(db) as server:
        try:
            port = free_port()
            serve = subprocess.Popen(
                [sys.executable, "-m", "samad_desk", "serve", "ssh", "--db", db, "--server", server.url,
                 "--dir", str(tmp / "serve"), "--data-dir", str(tmp / "host-data"), "--host", "127.0.0.1",
                 "--port", str(port), "--per-host", str(n + 1), "--per-operator", "1",
                 "--log-file", str(tmp / "serve.log")],
                cwd=ROOT, env=base_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True)
            deadline = time.monotonic() + 30
            while "ssh listening" not in (tmp / "serve.log").read_text() if (tmp / "serve.log").exists() else True:
                if time.monotonic() > deadline:
                    raise RuntimeError("serve ssh did not start")
                time.sleep(0.1)

            # the baseline: the same desk, started locally in the same kind of pty
            local_env = dict(base_env, SAMAD_DESK_SERVER_URL=server.url,
                             SAMAD_DESK_OPERATOR_DIR=str(tmp / "local-op"),
                             SAMAD_DESK_DATA_DIR=str(tmp / "local-data"),
                             XDG_CONFIG_HOME=str(tmp / "local-cfg"))
            subprocess.run([sys.executable, "-m", "samad_desk", "sync", "login", "--server", server.url,
                            "--username", users[-1], "--password", users[-1]],
                           env=local_env, cwd=ROOT, check=True, capture_output=True, timeout=60)
            local = Term([sys.executable, "-m", "samad_desk"], local_env)
            reader.terms.append(local)
            if not local.wait_for(_call_screen, 90):
                raise RuntimeError("the local desk did not open: " + local.text()[-500:])
            time.sleep(1.0)
            local_echo = _echo_samples(local, typed)
            local_rss = _rss_mb(local.proc.pid)

            started = time.perf_counter()
            for u in users[:n]:
                script = tmp / f"pass-{u}.sh"
                script.write_text(f"#!/bin/sh\necho {u}\n")
                script.chmod(0o700)
                env = dict(base_env, SSH_ASKPASS=str(script), SSH_ASKPASS_REQUIRE="force", DISPLAY=":0")
                t = Term(["ssh", "-tt", "-F", "/dev/null", "-o", "StrictHostKeyChecking=no",
                          "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                          "-o", "PubkeyAuthentication=no", "-p", str(port), f"{u}@127.0.0.1"], env)
                terms.append(t)
                reader.terms.append(t)
            for t in terms:
                if not t.wait_for(_call_screen, 180):
                    raise RuntimeError("an ssh desk did not open: " + t.text()[-500:])
            all_open_s = time.perf_counter() - started
            time.sleep(1.0)
            ssh_echo: list[float] = []
            for t in terms:
                ssh_echo += _echo_samples(t, max(3, typed // 2))
            import json

            pids = [json.loads(line)["pid"] for line in (tmp / "serve.log").read_text().splitlines()
                    if '"ssh desk started"' in line]
            desk_rss = [_rss_mb(p) for p in pids]
            serve_rss = _rss_mb(serve.pid) - sum(desk_rss)  # the server alone (its children are the desks)
        finally:
            reader.stop = True
            reader.join(2)
            for t in terms:
                t.close()
            if serve is not None:
                import signal

                os.killpg(serve.pid, signal.SIGTERM)
                serve.wait(30)
            if "local" in locals():
                local.close()
    shutil.rmtree(tmp, ignore_errors=True)
    note = f"{n} sessions open at once, typed one at a time; 2-core machine shared with other work"
    return [
        Metric("keystroke to echo over ssh, p95", percentile(ssh_echo, 95), "ms",
               baseline=percentile(local_echo, 95), baseline_label="same desk, local pty (no ssh)",
               note=note),
        Metric("keystroke to echo over ssh, median", statistics.median(ssh_echo), "ms",
               baseline=statistics.median(local_echo), baseline_label="same desk, local pty (no ssh)"),
        Metric("resident memory per ssh session (desk process)", statistics.median(desk_rss), "MB",
               baseline=local_rss, baseline_label="same desk, local"),
        Metric(f"ssh server's own resident memory, {n} sessions open", serve_rss, "MB",
               note="the serve ssh process alone (asyncssh, the central's login code), desks excluded"),
        Metric(f"{n} ssh logins to {n} call screens", all_open_s, "s"),
    ]
