"""``samad-desk demo``: a local central server with demo data plus a desk logged in to it.

One command shows a newcomer the whole flow: the server runs as a real process on
127.0.0.1 (SQLite in a temporary directory unless ``--dir`` is given), seeded with the
Qazvin demo agencies, operators and cases; the desk logs in as ``agent1`` and syncs with
it. Quitting the desk stops the server.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import click


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
    from samad_desk.central.process import sqlite_url, start_server
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
    click.echo("سرور مرکزی نمایشی راه می‌افتد…", err=True)
    server = start_server(sqlite_url(directory), seed_demo=True, log_path=directory / "central.log")
    try:
        settings = replace(
            settings,
            server_url=server.url,
            data_dir=directory / "desk-data",
            operator_dir=directory / "desk-operator",
            sync_interval=min(settings.sync_interval, 5.0),
        )
        operator = demo_login(settings, user, user)
        click.echo(f"سرور: {server.url} — کاربر: {user}", err=True)
        code = run_desk(settings, operator=operator)
    finally:
        server.stop()
        if tmp is not None:
            tmp.cleanup()
    raise SystemExit(code)


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
