"""``samad-desk serve web``: the desk in a browser for the office LAN (textual-serve).

textual-serve starts one desk process per browser page (``serve web-desk``), speaking
Textual's web driver protocol over the process's stdin/stdout. The gate is the desk's
own login screen: each page gets a fresh operator directory of its own, so no page ever
finds someone else's saved session, and when the page's desk ends (quit, page closed)
its login is ended at the central (``POST /v1/auth/logout``) and the directory removed.
Ops saved and not yet pushed stay in the shared data directory's journal and go with
that operator's next login (docs/threat-model.md).

The browser shows what xterm.js draws: no BiDi of its own, so ``rtl_mode`` ``auto``
resolves to ``visual`` (textual-serve sets ``TERM_PROGRAM=textual``).
"""

from __future__ import annotations

import contextlib
import shlex
import shutil
import sys
import uuid
from dataclasses import replace
from pathlib import Path


def web_desk_command(server_url: str, data_dir: Path, root: Path) -> str:
    """The shell command textual-serve runs for each page."""
    argv = [sys.executable, "-m", "samad_desk", "serve", "web-desk", "--server", server_url,
            "--data-dir", str(data_dir), "--dir", str(root)]
    return shlex.join(argv)


def serve_web(*, server_url: str, data_dir: Path, root: Path, host: str, port: int,
              public_url: str | None) -> None:
    from textual_serve.server import Server

    Path(root).mkdir(parents=True, exist_ok=True, mode=0o700)
    sessions = Path(root) / "sessions"
    for left in sorted(sessions.iterdir()) if sessions.is_dir() else []:
        end_web_session(server_url, left)  # pages of a server that was killed
    server = Server(web_desk_command(server_url, data_dir, root), host=host, port=port,
                    title="میز سامد", public_url=public_url)
    server.serve()


def run_web_desk(*, server_url: str, data_dir: Path, root: Path) -> int:
    """One page's desk: a fresh operator directory, the login screen, and at the end a
    logout and the directory removed."""
    from samad_desk.launch import run_desk
    from samad_desk.settings import load_settings

    directory = Path(root) / "sessions" / uuid.uuid4().hex
    directory.mkdir(parents=True, mode=0o700)
    settings = replace(load_settings(), server_url=server_url, data_dir=Path(data_dir),
                       operator_dir=directory)
    try:
        return run_desk(settings)
    finally:
        end_web_session(server_url, directory)


def end_web_session(server_url: str, directory: Path) -> None:
    from samad_desk.sync.client import SyncClient
    from samad_desk.sync.tokens import TokenStore

    with contextlib.suppress(Exception):
        client = SyncClient(server_url, TokenStore(directory, server_url))
        try:
            client.logout()  # revokes this page's tokens and signing key at the central
        finally:
            client.close()
    shutil.rmtree(directory, ignore_errors=True)
