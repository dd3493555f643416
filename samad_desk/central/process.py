"""Start the real central server as a child process (tests, ``samad-desk demo``).

>>> with start_server("sqlite:////tmp/x.sqlite3", seed_demo=True) as srv:
...     httpx.get(srv.url + "/v1/health")

``start_server`` runs ``python -m samad_desk central serve`` on 127.0.0.1 with a free port
(``seed_demo=True`` adds the demo agencies and users, ``demo_cases=N`` also N generated
cases with citizens and history, on an empty database)
and waits for ``/v1/health`` (deadline ``timeout``). ``stop()`` sends SIGTERM (then
SIGKILL after a grace period), ``kill()`` sends SIGKILL at once (crash tests), and
``restart()`` starts it again on the same port and database. The server stops by itself
when the process that started it is gone (``exit_with_parent``, on by default: a SIGKILLed
``demo`` or test run left it serving). The server's JSON logs go to
``log_path`` (a temporary file by default; ``.log_text()`` reads it).

``extra_env`` reaches the child, e.g. ``{"SAMAD_CENTRAL_FAULTS": '{"crash": {...}}'}``
for the crash points described in ``service.Faults``.

PostgreSQL for tests: :func:`test_pg_url` returns ``SAMAD_TEST_PG_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``) with a fresh ``?schema=`` when the server
is reachable, else None. :func:`drop_pg_schema` removes it afterwards.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


class ServerStartError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    def __init__(
        self,
        db_url: str,
        *,
        registry_file: str | Path | None = None,
        seed_demo: bool = False,
        port: int | None = None,
        extra_env: dict[str, str] | None = None,
        log_path: str | Path | None = None,
        timeout: float = 30.0,
        workers: int = 1,
        demo_cases: int = 0,
        exit_with_parent: bool = True,
    ):
        self.db_url = db_url
        self.exit_with_parent = exit_with_parent
        self.workers = workers
        self.demo_cases = demo_cases
        self.registry_file = registry_file
        self.seed_demo = seed_demo
        self.port = port or free_port()
        self.extra_env = dict(extra_env or {})
        self.timeout = timeout
        if log_path is None:
            fd, name = tempfile.mkstemp(prefix="samad-central-", suffix=".log")
            os.close(fd)
            log_path = name
        self.log_path = Path(log_path)
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _cmd(self, seed: bool) -> list[str]:
        cmd = [sys.executable, "-m", "samad_desk", "central", "serve", "--db", self.db_url,
               "--host", "127.0.0.1", "--port", str(self.port)]
        if self.registry_file:
            cmd += ["--registry", str(self.registry_file)]
        if seed:
            cmd.append("--seed-demo")
            if self.demo_cases:
                cmd += ["--demo-cases", str(self.demo_cases)]
        if self.workers > 1:
            cmd += ["--workers", str(self.workers)]
        if self.exit_with_parent:  # a parent killed outright leaves no server behind
            cmd += ["--exit-with-parent", str(os.getpid())]
        return cmd

    def start(self, *, seed: bool | None = None) -> ServerProcess:
        if self.proc is not None and self.proc.poll() is None:
            return self
        env = dict(os.environ)
        env.update(self.extra_env)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self._cmd(self.seed_demo if seed is None else seed),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        log.close()
        self._wait_healthy()
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.timeout
        delay = 0.05
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise ServerStartError(
                    f"central server exited with {self.proc.returncode}:\n{self.log_text()[-4000:]}"
                )
            try:
                r = httpx.get(self.url + "/v1/health", timeout=2.0)
                if r.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(delay)
            delay = min(delay * 1.5, 0.5)
        self.kill()
        raise ServerStartError(f"central server not healthy within {self.timeout}s:\n{self.log_text()[-4000:]}")

    def _signal_group(self, sig: int) -> None:
        # the server runs in its own session: signal the whole group, so that
        # ``--workers`` children die with their supervisor
        p = self.proc
        if p is None:
            return
        try:
            os.killpg(p.pid, sig)
        except (ProcessLookupError, PermissionError):
            if p.poll() is None:
                p.send_signal(sig)

    def stop(self, grace: float = 10.0) -> None:
        p = self.proc
        if p is None or p.poll() is not None:
            return
        self._signal_group(signal.SIGTERM)
        try:
            p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            p.wait(timeout=10)

    def kill(self) -> None:
        """SIGKILL, as a crash would (the whole process group)."""
        p = self.proc
        if p is None or p.poll() is not None:
            return
        self._signal_group(signal.SIGKILL)
        p.wait(timeout=10)

    def cpu_seconds(self) -> float:
        """User + system CPU of the server's processes so far (Linux /proc)."""
        if self.proc is None:
            return 0.0
        total = 0.0
        tick = os.sysconf("SC_CLK_TCK")
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.proc.pid:  # process group id
                total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def restart(self, *, kill: bool = False) -> ServerProcess:
        (self.kill if kill else self.stop)()
        # the port may sit in TIME_WAIT briefly; uvicorn sets SO_REUSEADDR, so rebinding works
        return self.start(seed=False)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def __enter__(self) -> ServerProcess:
        if not self.alive:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_server(db_url: str, **options: Any) -> ServerProcess:
    """Start the server and wait until it is healthy; use as a context manager or call
    ``.stop()``. ``options``: those of :class:`ServerProcess` (registry_file, seed_demo,
    port, extra_env, log_path, timeout, workers, demo_cases, exit_with_parent)."""
    return ServerProcess(db_url, **options).start()


def sqlite_url(directory: str | Path) -> str:
    return f"sqlite:///{Path(directory) / 'central.sqlite3'}"


def pg_base_url() -> str:
    return os.environ.get("SAMAD_TEST_PG_URL", DEFAULT_PG_URL)


def pg_reachable(url: str | None = None, timeout: float = 2.0) -> bool:
    import psycopg

    url = url or pg_base_url()
    try:
        with psycopg.connect(url, connect_timeout=int(max(1, timeout))) as conn:
            conn.execute("SELECT 1")
        return True
    except Exception:
        return False


def test_pg_url(prefix: str = "t") -> str | None:
    """A PostgreSQL URL with a fresh schema, or None when the test server is unreachable
    (callers fail instead of skipping when ``SAMAD_REQUIRE_PG=1``)."""
    base = pg_base_url()
    if not pg_reachable(base):
        return None
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}schema={schema}"


def drop_pg_schema(url: str) -> None:
    """Drop the ``?schema=`` of a URL made by :func:`test_pg_url`."""
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    schema = u.query.get("schema")
    if not schema:
        return
    plain = u.difference_update_query(["schema"]).set(drivername="postgresql")
    with psycopg.connect(plain.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# not a test, whatever its name says (pytest would collect it if imported into a test module)
test_pg_url.__test__ = False  # type: ignore[attr-defined]
#: the same as :func:`test_pg_url`, under a name pytest never collects
fresh_pg_url = test_pg_url
