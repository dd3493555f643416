"""``samad-desk doctor``: how this terminal shows Persian, and which ``rtl_mode`` it needs.

Prints a numbered calibration check (design/rtl.md §6): the same Persian sample drawn
visually (what samad-desk sends in ``visual`` mode, after switching the terminal to explicit
BiDi mode) and logically (what it sends in ``terminal`` mode, with the terminal's own BiDi
on), then a bordered two-panel row both ways. The operator picks the numbered line that
reads correctly with the panels on the correct sides and can save the choice with
``--save visual|terminal``. Then: terminal, size, colours (NO_COLOR respected), hints and
the data directory. Labels are laid out by the same engine as the desk.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping

import click

from samad_desk import paths, terminal
from samad_desk.text import rtl

SAMPLE = "سلام (۱۲۳) [الف] «می‌خواهم» " + rtl.ltr("0912-345") + " ۱۴۰۳/۰۵/۱۲"
PANEL_RIGHT = "راست ۱"  # the first logical panel belongs on the right
PANEL_LEFT = "چپ ۲"


def _panel_row(mode: str, width: int = 16) -> str:
    left = rtl.layout(PANEL_LEFT, width, mode=mode)[0]
    right = rtl.layout(PANEL_RIGHT, width, mode=mode)[0]
    return f"│{left}│{right}│"


def calibration_lines(width: int = 60) -> list[tuple[str, str, str]]:
    """``(number, how it was written, the row)`` for the four calibration rows."""
    return [
        ("1", "visual", rtl.layout(SAMPLE, width, mode="visual")[0]),
        ("2", "terminal", rtl.layout(SAMPLE, width, mode="terminal")[0]),
        ("3", "visual", _panel_row("visual")),
        ("4", "terminal", _panel_row("terminal")),
    ]


def _fa(text: str, width: int) -> str:
    """Persian text laid out visually (doctor writes in explicit mode), right-aligned and
    wrapped to ``width``."""
    return "\n".join(rtl.layout(text, width, mode="visual")) if text else ""


def colour_report(environ: Mapping[str, str]) -> dict[str, str]:
    from rich.console import Console

    no_color = "NO_COLOR" in environ and environ.get("NO_COLOR", "") != ""
    console = Console(force_terminal=True, no_color=no_color)
    return {
        "NO_COLOR": "yes" if no_color else "no",
        "COLORTERM": environ.get("COLORTERM", "-"),
        "TERM": environ.get("TERM", "-"),
        "color_system": "none" if no_color else str(console.color_system),
        "TEXTUAL_COLOR_SYSTEM": environ.get("TEXTUAL_COLOR_SYSTEM", "-"),
    }


@click.command("doctor")
@click.option(
    "--save",
    "save_mode",
    type=click.Choice(["auto", "visual", "terminal"]),
    default=None,
    help="Save the rtl_mode that read correctly (line 1 or 3: visual; 2 or 4: terminal).",
)
def doctor_command(save_mode: str | None) -> None:
    """Check how this terminal shows Persian and which rtl_mode it needs."""
    env = os.environ
    out = sys.stdout
    tty = out.isatty()
    colours = colour_report(env)
    styled = tty and colours["NO_COLOR"] == "no"

    width = max(40, min(shutil.get_terminal_size((80, 24)).columns, 100))

    def head(text: str) -> None:
        line = _fa(text, width)
        click.echo(click.style(line, bold=True) if styled else line)

    from samad_desk.settings import RTL_MODES, SettingsError, load_settings, save_setting

    try:
        settings = load_settings()
        configured = settings.rtl_mode
    except SettingsError as exc:
        click.echo(_fa(str(exc), width))
        configured = "auto"
    if save_mode:
        assert save_mode in RTL_MODES
        save_setting("rtl_mode", save_mode)
        configured = save_mode
    resolved = terminal.resolve_mode(configured, env)
    size = shutil.get_terminal_size((80, 24))

    # the calibration rows go out in both BiDi modes; everything else in explicit mode
    explicit, implicit = terminal.bdsm(True, env), terminal.bdsm(False, env)
    write = out.write if tty else (lambda _s: None)
    write(explicit)
    try:
        head("samad-desk doctor: بررسی نمایش فارسی در این پایانه")
        click.echo(_fa("کدام سطر درست خوانده می‌شود و پنل «راست ۱» در سمت راست است؟", width))
        for number, how, row in calibration_lines(min(60, width - 12)):
            if how == "terminal":
                write(implicit)
            click.echo(f"{number}) {how:<8} {row}")
            out.flush()
            if how == "terminal":
                write(explicit)
        click.echo(
            _fa(
                "سطر ۱ یا ۳ درست است: rtl_mode = visual   |   سطر ۲ یا ۴: rtl_mode = terminal",
                width,
            )
        )
        click.echo(
            _fa(
                "اگر هیچ سطری درست نیست، راهنماهای زیر و قلم پایانه را بررسی کنید "
                "(قلم باید شکل‌های U+FB56 تا U+FBFF را داشته باشد).",
                width,
            )
        )
        click.echo("")
        L = rtl.ltr  # noqa: N806 - technical values stay left-to-right inside Persian
        small = "" if size.columns >= 80 and size.lines >= 24 else " (کوچک‌تر از ۸۰×۲۴)"
        facts = [
            f"حالت نمایش: {L(f'rtl_mode = {configured} -> {resolved}')}",
            f"پایانه: {L(terminal.detect_terminal(env))}، "
            f"tmux: {'بله' if env.get('TMUX') else 'خیر'}",
            f"اندازه: {L(f'{size.columns}x{size.lines}')}{small}",
        ]
        facts += [f"رنگ‌ها: {L(f'{k} = {v}')}" for k, v in colours.items()]
        for fact in facts:
            click.echo(_fa(fact, width))
        hints = terminal.detect_hints(env)
        if hints:
            head("راهنما:")
            for hint in hints:
                click.echo(_fa(f"{L(hint.terminal)}: {hint.text}", width))
        else:
            click.echo(_fa("راهنمایی برای این پایانه لازم نیست.", width))
        data = paths.data_dir()
        state = "موجود" if data.is_dir() else "هنوز ساخته نشده؛ در نخستین اجرا ساخته می‌شود"
        click.echo(_fa(f"پوشهٔ داده: {L(str(data))} ({state})", width))
        click.echo(_fa(f"پوشهٔ تنظیمات: {L(str(paths.config_dir()))}", width))
        if save_mode:
            click.echo(_fa(f"حالت «{save_mode}» ذخیره شد.", width))
    finally:
        write(implicit)
        out.flush()
