"""``samad-desk report run SPEC`` (for cron): a report spec run over this desk's cache,
or on the central server with ``--server``, written as a table, CSV, JSON, XLSX or PDF.

The scope is the logged-in operator's (the saved session in the operator directory): an
agency manager's report holds only the agency's cases, a supervisor's the province's.
Exit status: 0 written; 1 a bad spec, no session, or the output could not be written
(each a Persian message); 2 a command line Click could not parse (an unknown option);
3 the server could not be reached (try again later: the only one a cron job should retry).
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

FORMATS = ("table", "csv", "json", "xlsx", "pdf")
#: exit status when the server could not be reached (Click's usage errors are 2)
EXIT_UNREACHABLE = 3


def _settings(server: str | None):
    from dataclasses import replace

    from samad_desk.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    return replace(settings, server_url=server.rstrip("/")) if server else settings


def _today(text: str | None) -> date:
    from datetime import datetime

    from samad_desk.domain.sla import IRAN_TZ
    from samad_desk.text.jalali import parse_jalali_date

    if not text:
        return datetime.now(IRAN_TZ).date()
    parsed = parse_jalali_date(text, field="--today")
    if not parsed.ok or parsed.value is None:
        raise click.BadParameter(parsed.error or "", param_hint="--today")
    return parsed.value


def _operator(settings) -> dict:
    from samad_desk.sync.tokens import TokenStore

    operator = TokenStore(settings.operator_dir, settings.server_url).operator if settings.server_url else None
    if not operator:
        raise click.ClickException(
            "کاربر واردشده‌ای نیست؛ گزارش به نام کاربر ساخته می‌شود. نخست وارد شوید: samad-desk sync login"
        )
    return operator


def run_on_cache(spec, settings, today: date) -> dict:
    from samad_desk.domain.sla import WorkingCalendar
    from samad_desk.reports.memory import run_memory, store_dups, store_facts, store_names
    from samad_desk.store import Store

    operator = _operator(settings)
    try:
        store = Store.open(settings.data_dir, read_only=True)
    except Exception as exc:  # StoreError has a Persian str
        raise click.ClickException(f"انبار محلی باز نشد: {exc}") from None
    try:
        calendar = WorkingCalendar.from_settings(settings)
        facts = store_facts(store, calendar)
        _warn_absent(spec, facts.column)
        dups = store_dups(store) if "duplicates" in spec.measures else ()
        names = store_names(store)
    finally:
        store.close()
    return run_memory(spec, facts, actor=operator, today=today, calendar=calendar, names=names,
                      dups=dups).to_json()


def _warn_absent(spec, columns) -> None:
    """A warning on standard error for each filter value no cached case has (the report
    still runs: an agency with no case yet is not an error, but a typo is more likely)."""
    from samad_desk.reports.spec import DIMENSIONS
    from samad_desk.services.report_export import absent_filter_values
    from samad_desk.text.limits import echo

    for dim, values in absent_filter_values(spec.filters, columns).items():
        shown = "، ".join(f"«{echo(v)}»" for v in values[:4])
        click.echo(f"هشدار: در «{DIMENSIONS[dim]}» هیچ پرونده‌ای در انبار این میز {shown} ندارد؛ "
                   "درست نوشته شده است؟ (شناسه‌ها، نه نام‌ها)", err=True)


def run_on_server(spec, settings, today: date | None) -> dict:
    from samad_desk.sync.client import SyncClient
    from samad_desk.sync.errors import AuthRequired, ServerRejected, SyncError
    from samad_desk.sync.tokens import TokenStore

    _operator(settings)
    client = SyncClient(settings.server_url, TokenStore(settings.operator_dir, settings.server_url))
    try:
        return client.run_report(spec.to_dict(), today=today.isoformat() if today else None)
    except (AuthRequired, ServerRejected) as exc:
        raise click.ClickException(str(exc)) from None
    except SyncError as exc:
        click.echo(f"خطا: {exc}", err=True)
        sys.exit(EXIT_UNREACHABLE)
    finally:
        client.close()


@click.group("report")
def report_group() -> None:
    """Reports (گزارش‌ساز پویا): run a saved spec."""


def saved_spec(name: str, settings, server: str | None):
    """The spec saved under ``name`` (``report-specs.json`` in the operator directory: the
    desk's cache of the server's list); with ``--server`` the list is asked for first."""
    from samad_desk.services.report_specs import CACHE_NAME, SavedSpecs

    operator = _operator(settings)
    client = None
    if server:
        from samad_desk.sync.client import SyncClient
        from samad_desk.sync.tokens import TokenStore

        client = SyncClient(settings.server_url, TokenStore(settings.operator_dir, settings.server_url))
    try:
        saved = SavedSpecs(Path(settings.operator_dir) / CACHE_NAME, client, operator)
        note = saved.refresh()
        if note:
            click.echo(note, err=True)
    finally:
        if client is not None:
            client.close()
    found = saved.find(name)
    if found is None:
        known = "، ".join(s.name for s in saved.cached()) or "هیچ"
        raise click.ClickException(f"گزارش «{name}» نه پرونده است و نه گزارش ذخیره‌شده؛ ذخیره‌شده‌ها: {known}")
    return found.spec


@report_group.command("run")
@click.argument("spec_file", metavar="SPEC", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--out", "out", type=click.Path(path_type=Path), default=None,
              help="Write to this file instead of standard output.")
@click.option("--server", default=None, help="Run on the central server (default: this desk's cache).")
@click.option("--today", default=None, help="The Jalali day the report is as of (default: today).")
@click.option("--width", default=100, show_default=True, help="Table width in cells.")
def run_command(spec_file: Path, fmt: str, out: Path | None, server: str | None, today: str | None,
                width: int) -> None:
    """Run the report SPEC — a spec file (TOML or JSON) or the name of a saved spec — and
    write it as a table, CSV, JSON, XLSX or PDF."""
    from samad_desk.reports import render
    from samad_desk.reports.period import PeriodError
    from samad_desk.reports.spec import SpecError, load_spec
    from samad_desk.text.digits import fa

    if width < render.MIN_WIDTH:
        raise click.BadParameter(f"پهنای جدول دست‌کم {fa(render.MIN_WIDTH)} نویسه است.", param_hint="--width")
    # a folder is a Persian error of this command (exit 1), not Click's English usage error
    # (exit 2, which a cron job could not tell from a typo in the options)
    if spec_file.is_dir():
        raise click.ClickException(f"«{spec_file}» پوشه است؛ پروندهٔ گزارش (TOML یا JSON) یا نام گزارش ذخیره‌شده بدهید.")
    if out is not None and out.is_dir():
        raise click.ClickException(f"«{out}» پوشه است؛ نام پرونده‌ای برای --out بدهید.")
    settings = _settings(server)
    if not spec_file.exists() and spec_file.suffix.lower() not in (".toml", ".json"):
        spec = saved_spec(str(spec_file), settings, server)
    else:
        try:
            spec = load_spec(spec_file)
        except SpecError as exc:
            raise click.ClickException(str(exc)) from None
    day = _today(today)
    try:
        result = run_on_server(spec, settings, day if today else None) if server else \
            run_on_cache(spec, settings, day)
    except PeriodError as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "csv":
        data = render.to_csv(result)
    elif fmt == "xlsx":
        from samad_desk.reports.xlsx import to_xlsx

        if out is None:
            raise click.UsageError("خروجی xlsx را با --out در پرونده بنویسید.")
        data = to_xlsx(result)
    elif fmt == "pdf":
        from samad_desk.reports.pdf import PdfUnavailable, to_pdf

        if out is None:
            raise click.UsageError("خروجی pdf را با --out در پرونده بنویسید.")
        try:
            data = to_pdf(result)
        except PdfUnavailable as exc:
            raise click.ClickException(str(exc)) from None
    elif fmt == "json":
        data = render.to_json_bytes(result) + b"\n"
    else:
        data = ("\n".join(render.to_lines(result, width)) + "\n").encode("utf-8")
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        from samad_desk.services.report_export import ExportError, write_whole

        try:  # whole or not at all: a full disk leaves an earlier report of that name as it was
            write_whole(out, data)
        except ExportError as exc:
            raise click.ClickException(f"«{out}»: {exc}") from None
        click.echo(f"گزارش نوشته شد: {out}", err=True)
