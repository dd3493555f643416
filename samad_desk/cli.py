"""The ``samad-desk`` command.

``samad-desk`` alone starts the desk. Every subcommand lives beside the code it drives
(``store/commands.py``, ``central/commands.py`` …) and is only wired in here. Textual is
imported only when the desk itself starts, so the non-interactive commands stay light.
"""

from __future__ import annotations

import sys

import click

from samad_desk import __version__, paths
from samad_desk.settings import SettingsError, load_settings

SERVER_HELP = "Central server URL (default: the server_url setting, else the embedded demo)."


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="samad-desk")
@click.option("--server", "server_url", default=None, help=SERVER_HELP)
@click.pass_context
def main(ctx: click.Context, server_url: str | None) -> None:
    """samad-desk: the 111 / SAMAD operator desk. Without a subcommand, starts the desk
    (``samad-desk --server URL`` is ``samad-desk run --server URL``)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(run, server_url=server_url)
    elif server_url and ctx.invoked_subcommand != "run":
        command = main.commands.get(ctx.invoked_subcommand)
        takes = command is not None and any(p.name == "server" for p in command.params)
        hint = f"؛ آن را پس از فرمان بگذارید: samad-desk {ctx.invoked_subcommand} --server URL" if takes else "."
        raise click.UsageError("--server پیش از نام فرمان فقط برای اجرای میز است" + hint)
    ctx.ensure_object(dict)["server"] = server_url


@main.command()
@click.option("--server", "server_url", default=None, help=SERVER_HELP)
@click.pass_context
def run(ctx: click.Context, server_url: str | None) -> None:
    """Start the desk (the default command)."""
    from samad_desk.launch import run_desk

    server_url = server_url or (ctx.obj or {}).get("server")
    settings = _settings()
    if server_url:
        from dataclasses import replace

        settings = replace(settings, server_url=server_url.rstrip("/"))
    sys.exit(run_desk(settings))


@main.command()
@click.argument("what", type=click.Choice(["config", "data", "cache", "themes", "operator"]))
def locate(what: str) -> None:
    """Print where samad-desk keeps its config, data, cache or themes."""
    where = {
        "config": paths.config_dir,
        "data": paths.data_dir,
        "cache": paths.cache_dir,
        "themes": paths.themes_dir,
        "operator": paths.operator_dir,
    }[what]()
    click.echo(str(where))


def _settings():
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _register() -> None:
    from samad_desk.central.commands import central_group
    from samad_desk.demo_mode import demo_command
    from samad_desk.doctor import doctor_command
    from samad_desk.matching.commands import citizens_group
    from samad_desk.reports.commands import report_group
    from samad_desk.serve.commands import serve_group
    from samad_desk.store.commands import import_group, store_group
    from samad_desk.sync.commands import sync_group

    for command in (
        central_group,
        sync_group,
        import_group,
        store_group,
        citizens_group,
        doctor_command,
        demo_command,
        serve_group,
        report_group,
    ):
        main.add_command(command)


_register()
