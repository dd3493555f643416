"""``samad-desk demo``: a local central server with demo data plus a desk logged in to it.

One command shows a newcomer the whole flow: the server runs as a real process on
127.0.0.1 (SQLite in a temporary directory unless ``--dir`` is given), seeded with the
Qazvin demo agencies, operators and cases; the desk logs in as ``agent1`` and syncs with
it. Quitting the desk stops the server, and so do a closed terminal (SIGHUP), SIGTERM
and the end of the interpreter (:class:`ServerGuard`).
"""

from __future__ import annotations

import atexit
import os
import signal
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

#: generated cases (and twice as many citizens) the demo server starts with, as many as
#: the embedded desk seeds: the supervisor's and officers' screens have something to show
DEMO_CASES = 600

#: the signals that end the demo from outside: a closed terminal, ``kill``
GUARDED_SIGNALS = (signal.SIGHUP, signal.SIGTERM)


class ServerGuard:
    """Runs the demo's clean-ups (stop the central server, remove its temporary
    directory) however the demo ends: a normal quit or an exception (``with``), the end
    of the interpreter (``atexit``), or SIGHUP (the terminal window was closed) and
    SIGTERM, which would otherwise end the demo at once and leave the server, started in
    its own session so the terminal's SIGHUP never reaches it, running as an orphan.

    After the clean-ups a signal is passed on to the handler that was there before, or
    the process dies of it as it would have without the guard. Under ``nohup`` (SIGHUP
    ignored) a closed terminal still ends the demo, after its clean-ups: the desk's own
    terminal handler ends it anyway (a full-screen program has nothing left to draw on),
    and before, it did so without stopping the server. A signal that arrives while the
    clean-ups run waits for them. The desk's BiDi restore (``terminal.bidi_session``)
    installs its handlers later and chains to these.
    """

    def __init__(self, *cleanups: Callable[[], Any]) -> None:
        self._cleanups = list(cleanups)
        self._previous: dict[int, Any] = {}
        self._done = False
        self._running = False
        self._deferred: int | None = None  # a signal that came while the clean-ups ran

    def cleanup(self) -> None:
        if self._done:
            return
        self._done = True
        self._running = True
        try:
            for step in self._cleanups:
                try:
                    step()
                except Exception:  # noqa: BLE001 - the other clean-ups must still run
                    pass
        finally:
            self._running = False
        if self._deferred is not None:
            # the terminal closed while the server was being stopped: now pass it on
            signum, self._deferred = self._deferred, None
            self._pass_on(signum, None)

    def __enter__(self) -> ServerGuard:
        for sig in GUARDED_SIGNALS:
            try:
                self._previous[sig] = signal.signal(sig, self._on_signal)
            except (ValueError, OSError):  # not the main thread
                pass
        atexit.register(self.cleanup)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.cleanup()
        finally:
            self._restore_handlers()
            atexit.unregister(self.cleanup)

    def _restore_handlers(self) -> None:
        for sig, previous in self._previous.items():
            try:
                signal.signal(sig, previous if previous is not None else signal.SIG_DFL)
            except (ValueError, OSError):
                pass
        self._previous.clear()

    def _on_signal(self, signum: int, frame: Any) -> None:
        if self._running:
            # inside a clean-up (a normal quit stopping the server, interrupted by the
            # signal): dying now would leave the server half-stopped; finish first
            self._deferred = signum
            return
        self.cleanup()
        self._pass_on(signum, frame)

    def _pass_on(self, signum: int, frame: Any) -> None:
        previous = self._previous.get(signum)
        self._restore_handlers()
        if callable(previous):
            previous(signum, frame)
        else:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)


@click.command("demo")
@click.option("--user", default="agent1", show_default=True, help="Demo operator to log in as.")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep the demo server and desk data here (default: a temporary directory).",
)
def demo_command(user: str, directory: Path | None) -> None:
    """Start a local central server with demo data and a desk logged in against it."""
    from samad_desk.launch import run_desk
    from samad_desk.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    tmp = None
    if directory is None:
        tmp = tempfile.TemporaryDirectory(prefix="samad-demo-")
        directory = Path(tmp.name)
    directory.mkdir(parents=True, exist_ok=True)
    from samad_desk.terminal import say

    say("سرور مرکزی نمایشی راه می‌افتد…", settings.rtl_mode)
    server = demo_server(directory)
    cleanups: list[Callable[[], Any]] = [server.stop]
    if tmp is not None:
        cleanups.append(tmp.cleanup)
    # guarded from before the start: a SIGHUP while the server comes up stops it too
    with ServerGuard(*cleanups):
        server.start()
        settings = replace(
            settings,
            server_url=server.url,
            data_dir=directory / "desk-data",
            operator_dir=directory / "desk-operator",
            sync_interval=min(settings.sync_interval, 5.0),
        )
        operator = demo_login(settings, user, user)
        from samad_desk.text.rtl import ltr

        say(f"سرور: {ltr(server.url)} — کاربر: {ltr(user)}", settings.rtl_mode)
        code = run_desk(settings, operator=operator)
    raise SystemExit(code)


def demo_server(directory: Path, *, cases: int = DEMO_CASES) -> Any:
    """The demo's central server (not started): SQLite in ``directory``, the demo agencies
    and users, and on an empty database ``cases`` generated cases with their citizens and
    history (a restarted ``demo --dir`` keeps what it has)."""
    from samad_desk.central.process import ServerProcess, sqlite_url

    return ServerProcess(sqlite_url(directory), seed_demo=True, demo_cases=cases,
                         log_path=directory / "central.log")


def demo_login(settings, username: str, password: str) -> dict:
    """Log the desk in against the demo server (demo users' passwords equal their names)."""
    from samad_desk.sync.client import SyncClient
    from samad_desk.sync.errors import SyncError
    from samad_desk.sync.tokens import TokenStore

    client = SyncClient(settings.server_url, TokenStore(settings.operator_dir, settings.server_url))
    try:
        return client.login(username, password)
    except SyncError as exc:
        raise click.ClickException(str(exc)) from None
