"""``samad-desk import …`` and ``samad-desk store …`` (owned by the store)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from samad_desk.text.digits import to_persian_digits


def _fa(n) -> str:
    return to_persian_digits(f"{n:,}" if isinstance(n, int) else str(n)).replace(",", "٬")


def _data_dir(value: str | None) -> Path:
    from samad_desk import paths

    return Path(value) if value else paths.data_dir()


def _open(data_dir: Path, read_only: bool = False):
    from samad_desk.store import Store, StoreError
    from samad_desk.store.errors import from_os_error

    try:
        return Store.open(data_dir, read_only=read_only)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:  # something odd in the data directory (a folder named like a file, …)
        raise click.ClickException(str(from_os_error(exc, "باز کردن پوشهٔ داده"))) from None


#: what each import makes, and the action the server checks for it (domain.workflow)
_IMPORT_ACTION = {"cases": "register", "citizens": "edit_citizens"}


def import_actor(kind: str) -> tuple[dict, Path | None]:
    """The actor of an import's ops: the operator logged in to the configured central
    server (from the operator directory), or the embedded default's local operator when
    no server is configured. Raises :class:`click.ClickException` (Persian, nothing
    saved yet) when the ops could only be refused by the server: nobody logged in, or a
    role that may not register cases (citizens: may not edit citizens).

    Also the operator directory whose op-signing key signs the ops (as the desk signs
    what it saves while logged in: the host may then push them after the operator left),
    None without a server."""
    from samad_desk.domain.ops import make_actor
    from samad_desk.domain.permissions import may, may_edit_citizens
    from samad_desk.settings import SettingsError, load_settings
    from samad_desk.sync.tokens import TokenStore

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    if not settings.server_url:
        from samad_desk.services import EMBEDDED_OPERATOR

        return make_actor(EMBEDDED_OPERATOR), None
    entry = TokenStore(settings.operator_dir, settings.server_url).load() or {}
    operator = entry.get("operator") or {}
    if not (entry.get("access_token") or entry.get("refresh_token")) or not operator.get("id"):
        raise click.ClickException(
            f"برای ورود گروهی ابتدا به سرور مرکزی ({settings.server_url}) وارد شوید"
            " (samad-desk sync login)؛ عملیات به نام اپراتور واردشده ثبت می‌شود و بی آن سرور همه را رد می‌کند."
            " چیزی ثبت نشد."
        )
    role = operator.get("role") or ""
    allowed = may(role, "register") if _IMPORT_ACTION[kind] == "register" else may_edit_citizens(role)
    if not allowed:
        from samad_desk.domain.models import Role

        label = Role.label_of(role)
        what = "ثبت پرونده" if kind == "cases" else "ثبت یا ویرایش شهروند"
        raise click.ClickException(
            f"اپراتور واردشده ({operator.get('name') or operator.get('username') or operator['id']}، {label})"
            f" اجازهٔ {what} ندارد و سرور این عملیات را رد می‌کند؛ با حساب اپراتور ۱۱۱ وارد شوید."
            " چیزی ثبت نشد."
        )
    return make_actor(operator), settings.operator_dir


@click.group("import")
def import_group() -> None:
    """Import cases or citizens from CSV or JSONL."""


def _run_import(kind: str, file: str, data_dir: str | None, batch: int, max_errors: int) -> None:
    from samad_desk.services.imports import import_file
    from samad_desk.store import StoreError

    actor, operator_dir = import_actor(kind)  # before anything is opened: a refusal saves nothing
    store = _open(_data_dir(data_dir))
    if operator_dir is not None:
        from samad_desk.settings import load_settings
        from samad_desk.sync.clones import adopt_client_no
        from samad_desk.sync.op_keys import OpKeyFile
        from samad_desk.sync.tokens import TokenStore

        store.signer = OpKeyFile(operator_dir).sign
        if not store.read_only:  # the codes carry this device's number, even before a sync
            adopt_client_no(store, TokenStore(operator_dir, load_settings().server_url))
    if store.read_only:
        store.close()
        raise click.ClickException("پروفایل در برنامهٔ دیگری باز است؛ ورود گروهی ممکن نیست.")
    tty = sys.stderr.isatty()

    def progress(rep) -> None:
        # printed right after each batch's fsync: it never claims a row that is not saved
        upto = f" (تا سطر {_fa(rep.saved_upto)})" if rep.saved else ""
        msg = (f"{_fa(rep.total)} سطر خوانده شد، {_fa(rep.saved)} ثبت شد{upto}،"
               f" {_fa(rep.skipped)} پیش‌تر ثبت شده بود، {_fa(len(rep.errors))} رد شد")
        click.echo(("\r" + msg) if tty else msg, err=True, nl=not tty)

    try:
        rep = import_file(store, Path(file), kind, actor, batch_size=batch, progress=progress)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    if tty:
        click.echo("", err=True)
    for line, err in rep.errors[:max_errors]:
        click.echo(f"سطر {_fa(line)}: {err}", err=True)
    if len(rep.errors) > max_errors:
        click.echo(f"… و {_fa(len(rep.errors) - max_errors)} خطای دیگر", err=True)
    for line, w in rep.warnings[:max_errors]:
        click.echo(f"سطر {_fa(line)} (هشدار): {w}", err=True)
    if rep.unchecked_agencies:
        click.echo(
            f"هشدار: فهرست دستگاه‌ها هنوز از سرور دریافت نشده است؛ دستگاهِ {_fa(rep.unchecked_agencies)} سطر"
            " اینجا بررسی نشد و سرور هنگام همگام‌سازی آن را بررسی می‌کند.",
            err=True,
        )
    what = "پرونده" if kind == "cases" else "شهروند"
    click.echo(
        f"{_fa(rep.saved)} {what} از {_fa(rep.total)} سطر ثبت شد؛ {_fa(len(rep.errors))} سطر رد شد."
        f" شهروند جدید: {_fa(rep.citizens_created)}، شهروند موجود: {_fa(rep.citizens_reused)}."
    )
    if rep.skipped:
        click.echo(f"{_fa(rep.skipped)} سطر در اجرای پیشین همین ورود ثبت شده بود و دوباره ثبت نشد.")
    if rep.errors and not rep.saved and not rep.skipped:
        sys.exit(1)


_opts = [
    click.argument("file", type=click.Path(dir_okay=False)),
    click.option("--data-dir", default=None, help="Data directory (default: samad-desk locate data)."),
    click.option("--batch", default=1000, show_default=True, help="Rows per journal record (one fsync each)."),
    click.option("--max-errors", default=200, show_default=True, help="How many bad rows to list."),
]


def _with_opts(f):
    for o in reversed(_opts):
        f = o(f)
    return f


@import_group.command("cases")
@_with_opts
def import_cases(file: str, data_dir: str | None, batch: int, max_errors: int) -> None:
    """Import cases (with their citizens) from CSV or JSONL."""
    _run_import("cases", file, data_dir, batch, max_errors)


@import_group.command("citizens")
@_with_opts
def import_citizens(file: str, data_dir: str | None, batch: int, max_errors: int) -> None:
    """Import citizens from CSV or JSONL."""
    _run_import("citizens", file, data_dir, batch, max_errors)


@click.group("store")
def store_group() -> None:
    """Check or rebuild the local store."""


@store_group.command("check")
@click.option("--data-dir", default=None, help="Data directory.")
def store_check(data_dir: str | None) -> None:
    """Verify journals, status log and cache files; report problems (exit 1 if any)."""
    from samad_desk.store.check import check_data_dir

    problems, info = check_data_dir(_data_dir(data_dir))
    for line in info:
        click.echo(line)
    for p in problems:
        click.echo(f"مشکل: {p}", err=True)
    if problems:
        sys.exit(1)
    click.echo("همه فایل‌ها سالم‌اند.")


@store_group.command("rebuild")
@click.option("--data-dir", default=None, help="Data directory.")
def store_rebuild(data_dir: str | None) -> None:
    """Rebuild the cache from every readable document (resync if anything was lost)."""
    store = _open(_data_dir(data_dir))
    try:
        if store.read_only:
            raise click.ClickException("پروفایل در برنامهٔ دیگری باز است؛ بازسازی را از آنجا یا پس از بستن آن انجام دهید.")
        from samad_desk.store import StoreError

        try:
            res = store.rebuild_cache()
        except StoreError as exc:
            raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    click.echo(f"حافظهٔ محلی بازسازی شد: {_fa(res['documents'])} سند.")
    if res["resync"]:
        click.echo("بخشی از داده‌ها خوانا نبود؛ در همگام‌سازی بعدی از سرور دوباره دریافت می‌شود.")


@store_group.command("compact")
@click.option("--data-dir", default=None, help="Data directory.")
@click.option("--horizon-days", default=14.0, show_default=True, type=click.FloatRange(min=0),
              help="Keep acknowledged ops younger than this (the server's backup RPO).")
def store_compact(data_dir: str | None, horizon_days: float) -> None:
    """Fold acknowledged ops older than the horizon into a checkpoint; compact the status log."""
    store = _open(_data_dir(data_dir))
    try:
        if store.read_only:
            raise click.ClickException("پروفایل در برنامهٔ دیگری باز است؛ فشرده‌سازی را پس از بستن آن انجام دهید.")
        from samad_desk.store import StoreError

        try:
            res = store.compact(horizon_days * 86400.0)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    click.echo(f"{_fa(res['folded'])} عملیات تأییدشده در نقطهٔ بازرسی جمع شد؛ {_fa(res['kept'])} عملیات در دفتر ماند.")
    click.echo(f"حجم دفترها: {_fa(res['bytes_before'])} ← {_fa(res['bytes_after'])} بایت.")
