"""``samad-desk sync …`` (owned by sync/): one round for cron, status, login, attention list.

``samad-desk sync --once`` and ``samad-desk sync once`` do the same: one push-and-pull
round, a Persian summary, exit status 0 when it worked, 1 when the server could not be
reached (ops stay queued), 2 when a login is needed, 3 when ops need attention.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
import orjson

EXIT_OK, EXIT_OFFLINE, EXIT_AUTH, EXIT_ATTENTION = 0, 1, 2, 3


def when_text(iso: str | None) -> str:
    """An ISO UTC time as the operator reads it: Jalali, Tehran time, Persian digits
    («۱۴۰۵/۰۹/۱۵ ۰۹:۴۱»); «هرگز» for none (``--json`` keeps the ISO value)."""
    if not iso:
        return "هرگز"
    import datetime as dt

    from samad_desk.text.jalali import format_jalali_datetime

    try:
        return format_jalali_datetime(dt.datetime.fromisoformat(str(iso).replace("Z", "+00:00")))
    except ValueError:
        return _fa(iso)


def _fa(n: Any) -> str:
    try:
        from samad_desk.text.digits import to_persian_digits

        return to_persian_digits(str(n))
    except Exception:
        return str(n)


class PrintingReporter:
    """The CLI's :class:`SyncReporter`: one Persian line per event, on stderr."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet

    def _say(self, text: str) -> None:
        if not self.quiet:
            click.echo(text, err=True)

    def progress(self, pushed: int, pulled: int) -> None:
        pass

    def finished(self, stats: dict) -> None:
        pass

    def failed(self, reason: str) -> None:
        self._say(f"خطا: {reason}")

    def needs_attention(self, ops: list[dict]) -> None:
        self._say(f"{_fa(len(ops))} عملیات رد شده و نیاز به بررسی دارد.")

    def connection(self, state: str) -> None:
        labels = {"online": "متصل", "offline": "بدون اتصال", "auth_required": "نیاز به ورود دوباره"}
        self._say(f"وضعیت اتصال: {labels.get(state, state)}")


def _settings(server: str | None):
    from dataclasses import replace

    from samad_desk.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    if server:
        settings = replace(settings, server_url=server.rstrip("/"))
    return settings


def _client(settings):
    from samad_desk.sync.client import SyncClient
    from samad_desk.sync.tokens import TokenStore

    if not settings.server_url:
        raise click.ClickException(
            "نشانی سرور مرکزی تنظیم نشده است (server_url در تنظیمات یا گزینه --server)."
        )
    return SyncClient(settings.server_url, TokenStore(settings.operator_dir, settings.server_url))


def _open_store(data_dir: Path, read_only: bool = False):
    from samad_desk.store import Store

    try:
        return Store.open(data_dir, read_only=read_only)
    except Exception as exc:  # StoreError has a Persian str
        raise click.ClickException(f"انبار محلی باز نشد: {exc}") from None


def run_once(settings, *, quiet: bool = False) -> tuple[int, dict]:
    from samad_desk.sync.engine import SyncEngine

    client = _client(settings)
    store = _open_store(settings.data_dir)
    try:
        engine = SyncEngine(store, client, PrintingReporter(quiet), interval=settings.sync_interval)
        stats = engine.sync_once()
    finally:
        store.close()
        client.close()
    if not stats["ok"]:
        code = EXIT_AUTH if stats.get("state") == "auth_required" else EXIT_OFFLINE
    elif stats.get("attention"):
        code = EXIT_ATTENTION
    else:
        code = EXIT_OK
    return code, stats


def _print_once(stats: dict) -> None:
    if stats["ok"]:
        click.echo(
            f"همگام‌سازی انجام شد: {_fa(stats.get('round_pushed', 0))} عملیات ارسال، "
            f"{_fa(stats.get('round_pulled', 0))} تغییر دریافت شد."
        )
    else:
        click.echo(f"همگام‌سازی انجام نشد: {stats.get('error')}")
    click.echo(
        f"در صف: {_fa(stats.get('pending', 0))}؛ نیازمند بررسی: {_fa(stats.get('attention', 0))}"
    )


@click.group("sync", invoke_without_command=True)
@click.option("--once", "once_flag", is_flag=True, help="One push-and-pull round, then exit (same as `sync once`).")
@click.option("--server", default=None, help="Central server URL (default: server_url setting).")
@click.option("--json", "as_json", is_flag=True, help="Print the round's statistics as JSON.")
@click.pass_context
def sync_group(ctx: click.Context, once_flag: bool, server: str | None, as_json: bool) -> None:
    """Synchronise with the central server."""
    ctx.ensure_object(dict)
    ctx.obj["server"] = server
    ctx.obj["json"] = as_json
    if ctx.invoked_subcommand is None:
        if once_flag:
            ctx.invoke(once_command, server=server, as_json=as_json)
        else:
            click.echo(ctx.get_help())


@sync_group.command("once")
@click.option("--server", default=None, help="Central server URL (default: server_url setting).")
@click.option("--json", "as_json", is_flag=True, help="Print the round's statistics as JSON.")
@click.option("--quiet", is_flag=True, help="Only the summary, no progress lines.")
@click.pass_context
def once_command(ctx: click.Context, server: str | None, as_json: bool, quiet: bool = False) -> None:
    """One push-and-pull round (for cron and scripts). Exit 0 ok, 1 offline, 2 login needed, 3 attention."""
    obj = ctx.obj or {}
    settings = _settings(server or obj.get("server"))
    code, stats = run_once(settings, quiet=quiet or as_json)
    if as_json or obj.get("json"):
        click.echo(orjson.dumps(stats, default=str).decode())
    else:
        _print_once(stats)
    sys.exit(code)


@sync_group.command("status")
@click.option("--server", default=None, help="Central server URL (default: server_url setting).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def status_command(ctx: click.Context, server: str | None, as_json: bool) -> None:
    """Local sync state: queued ops, oldest age, needs attention, last sync, login."""
    from samad_desk.sync.tokens import TokenStore

    obj = ctx.obj or {}
    settings = _settings(server or obj.get("server"))
    store = _open_store(settings.data_dir, read_only=True)
    try:
        stats = dict(store.stats())
        attention = list(store.needs_attention())
        stats["client_id"] = store.client_id
        stats["cursor"] = store.cursor()
    finally:
        store.close()
    entry = TokenStore(settings.operator_dir, settings.server_url).load() if settings.server_url else None
    stats["server_url"] = settings.server_url
    stats["logged_in"] = bool(entry and (entry.get("access_token") or entry.get("refresh_token")))
    stats["operator"] = (entry or {}).get("operator")
    # the central this operator directory belongs to (any of its URLs), and the device
    stats["server_id"] = (entry or {}).get("server_id")
    stats["device_id"] = (entry or {}).get("device_id")
    if as_json or obj.get("json"):
        stats["attention_ops"] = attention
        click.echo(orjson.dumps(stats, default=str).decode())
        return
    from samad_desk.sync.attention import describe

    click.echo(f"سرور: {settings.server_url or 'تنظیم نشده'}")
    operator = stats.get("operator") or {}
    login = operator.get("name") or operator.get("username") or "—"
    click.echo(f"کاربر: {login} ({'وارد شده' if stats['logged_in'] else 'نیاز به ورود'})")
    click.echo(f"عملیات در صف: {_fa(stats.get('pending', 0))}")
    age = stats.get("oldest_pending_age_s")
    if age:
        click.echo(f"قدیمی‌ترین عملیات در صف: {_fa(int(age // 60))} دقیقه پیش")
    click.echo(f"آخرین همگام‌سازی: {when_text(stats.get('last_sync'))}")
    click.echo(f"نیازمند بررسی: {_fa(len(attention))}")
    for op in attention:
        click.echo(f"  - {describe(op)}")


@sync_group.command("login")
@click.option("--server", default=None, help="Central server URL (default: server_url setting).")
@click.option("--username", prompt="نام کاربری")
@click.password_option("--password", prompt="گذرواژه", confirmation_prompt=False)
@click.pass_context
def login_command(ctx: click.Context, server: str | None, username: str, password: str) -> None:
    """Log in to the central server; tokens go to the operator directory (mode 0600)."""
    from samad_desk.sync.errors import AuthError, SyncError

    obj = ctx.obj or {}
    settings = _settings(server or obj.get("server"))
    client = _client(settings)
    try:
        operator = client.login(username, password)
    except AuthError as exc:
        raise click.ClickException(str(exc)) from None
    except SyncError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        client.close()
    click.echo(f"ورود انجام شد: {operator.get('name') or username}")


@sync_group.command("logout")
@click.option("--server", default=None, help="Central server URL (default: server_url setting).")
@click.pass_context
def logout_command(ctx: click.Context, server: str | None) -> None:
    """Log out: the server revokes this device's tokens and op-signing key, and the key's
    secret is deleted from the operator directory (ops saved from now on are unsigned
    and only this operator's own login pushes them)."""
    obj = ctx.obj or {}
    client = _client(_settings(server or obj.get("server")))
    try:
        client.logout()
    finally:
        client.close()
    click.echo("از سامانه خارج شدید.")


@sync_group.command("dismiss")
@click.argument("op_id")
def dismiss_command(op_id: str) -> None:
    """Dismiss one op from the needs-attention list (the journal keeps it)."""
    settings = _settings(None)
    store = _open_store(settings.data_dir)
    try:
        if not any(op.get("op_id") == op_id for op in store.needs_attention()):
            raise click.ClickException("این عملیات در فهرست نیازمند بررسی نیست.")
        store.dismiss(op_id)
    finally:
        store.close()
    click.echo("کنار گذاشته شد.")
