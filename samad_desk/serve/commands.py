"""``samad-desk serve ssh|web`` (docs/serve.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from samad_desk import paths


def _root_option(fn):
    return click.option(
        "--dir", "root", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="The server's own directory: host key, one operator directory per user"
             " (default: <data dir>/serve).")(fn)


def _data_option(fn):
    return click.option(
        "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="The desks' shared data directory on this host (default: the data_dir setting).")(fn)


def _server_option(fn):
    return click.option("--server", "server_url", required=True, envvar="SAMAD_DESK_SERVER_URL",
                        help="The central server URL the served desks sync with.")(fn)


def _setup_logging(log_file: Path | None) -> None:
    import logging

    from samad_desk.central.logs import JsonFormatter, setup_logging

    setup_logging("info")
    if log_file is not None:
        handler = logging.FileHandler(log_file, encoding="utf-8")
        handler.setFormatter(JsonFormatter())
        logging.getLogger().addHandler(handler)
    logging.getLogger("asyncssh").setLevel(logging.WARNING)


@click.group("serve")
def serve_group() -> None:
    """Serve the desk over SSH or in a browser, without shell accounts."""


@serve_group.command("ssh")
@click.option("--db", "db_url", envvar="SAMAD_CENTRAL_DB", default=None,
              help="The central's database (as for `central serve`): logins and SSH keys.")
@_server_option
@_root_option
@_data_option
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--port", default=2222, show_default=True, type=int)
@click.option("--idle-timeout", default=900, show_default=True, type=float,
              help="Seconds without a key pressed before a session is closed.")
@click.option("--per-operator", default=2, show_default=True, type=int,
              help="Sessions one operator may have open at once.")
@click.option("--per-host", default=20, show_default=True, type=int, help="Sessions in all.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=None, help="A config.toml for every served desk (province, weekend, …).")
@click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also append the JSON log lines here (they always go to stderr).")
def ssh_command(db_url, server_url, root, data_dir, host, port, idle_timeout, per_operator, per_host,
                config_file, log_file) -> None:
    """The desk over SSH: each login (a central operator's password, or a key registered
    with `central add-key`) gets its own desk as that operator, and nothing else."""
    import asyncio

    from samad_desk.central.commands import default_db_url
    from samad_desk.serve.hostkey import HostKeyError
    from samad_desk.serve.policy import SessionLimits
    from samad_desk.serve.ssh import SshConfig, run_ssh

    _setup_logging(log_file)
    config = SshConfig(
        server_url=server_url.rstrip("/"), root=root or paths.data_dir() / "serve",
        data_dir=data_dir or paths.data_dir(), host=host, port=port, idle_timeout=idle_timeout,
        limits=SessionLimits(per_operator=per_operator, per_host=per_host), config_file=config_file)

    def ready(bound: int) -> None:
        click.echo(f"samad-desk serve ssh: listening on {host}:{bound}", err=True)

    try:
        asyncio.run(run_ssh(config, db_url or default_db_url(), ready=ready))
    except HostKeyError as exc:
        raise click.ClickException(str(exc)) from None


@serve_group.command("web")
@_server_option
@_data_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (put a TLS proxy in front for anything but this host).")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--public-url", default=None,
              help="The URL browsers use (https://… behind a TLS proxy); default http://HOST:PORT.")
@_root_option
def web_command(server_url, data_dir, host, port, public_url, root) -> None:
    """The desk in a browser (textual-serve) for the office LAN: each page gets its own
    desk, which opens at its login screen."""
    from samad_desk.serve.web import serve_web

    serve_web(server_url=server_url.rstrip("/"), data_dir=data_dir or paths.data_dir(),
              root=root or paths.data_dir() / "serve-web", host=host, port=port, public_url=public_url)


@serve_group.command("web-desk", hidden=True)
@_server_option
@_data_option
@_root_option
def web_desk_command(server_url, data_dir, root) -> None:
    """One browser page's desk (started by `serve web`, not by hand)."""
    from samad_desk.serve.web import run_web_desk

    sys.exit(run_web_desk(server_url=server_url.rstrip("/"), data_dir=data_dir or paths.data_dir(),
                          root=root or paths.data_dir() / "serve-web"))
