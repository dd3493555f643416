"""The ``samad-desk`` command line as the README documents it (issue 12)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from samad_desk.cli import main


@pytest.fixture
def started(monkeypatch) -> list:
    """Every settings object the desk would have been started with."""
    import samad_desk.launch

    seen: list = []

    def fake_run_desk(settings, **kwargs) -> int:
        seen.append(settings)
        return 0

    monkeypatch.setattr(samad_desk.launch, "run_desk", fake_run_desk)
    return seen


@pytest.mark.parametrize("args", [["--server", "http://h:1/"], ["run", "--server", "http://h:1"],
                                  ["--server", "http://h:1", "run"]])
def test_server_option_starts_the_desk_against_that_server(started, args) -> None:
    """Finding 7: ``samad-desk --server URL`` (README, docs/desk.md) said "No such option"."""
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert [s.server_url for s in started] == ["http://h:1"]


def test_server_option_before_another_command_says_where_it_goes(started) -> None:
    result = CliRunner().invoke(main, ["--server", "http://h:1", "sync", "status"])
    assert result.exit_code == 2
    assert "samad-desk sync --server URL" in result.output
    result = CliRunner().invoke(main, ["--server", "http://h:1", "locate", "data"])
    assert result.exit_code == 2 and "فقط برای اجرای میز" in result.output
    assert started == []


def test_demo_server_has_citizens_and_cases_for_the_supervisor(tmp_path) -> None:
    """Finding 10: ``samad-desk demo`` seeded no citizens or cases, so the supervisor's
    screens showed zeros. A supervisor's desk synced with the demo server now holds them,
    and a restarted demo (same ``--dir``) adds none twice."""
    from samad_desk.demo_mode import demo_server
    from tests.support.desks import Desk

    (tmp_path / "demo").mkdir()
    server = demo_server(tmp_path / "demo", cases=40).start()
    try:
        desk = Desk(tmp_path / "super1", server.url, "super1")
        try:
            desk.sync()
            stats = desk.store.stats()
            assert stats["cases"] == 40 and stats["citizens"] > 0
        finally:
            desk.close()
        server.stop()
        server.start()
        again = Desk(tmp_path / "super1-again", server.url, "super1")
        try:
            again.sync()
            assert again.store.stats()["cases"] == 40
        finally:
            again.close()
    finally:
        server.stop()


def test_sync_status_prints_jalali_tehran_time(tmp_path, monkeypatch) -> None:
    """Cosmetic: ``sync status`` printed the last sync as ISO UTC (2026-12-06T06:11:00Z)."""
    from samad_desk.store import Store

    store = Store.open(tmp_path / "data")
    store.apply_changes([], "c1")
    iso = store.stats()["last_sync"]
    store.close()
    monkeypatch.setenv("SAMAD_DESK_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(main, ["sync", "status"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("آخرین همگام‌سازی"))
    assert iso not in line and "T" not in line
    from datetime import datetime

    from samad_desk.text.jalali import format_jalali_datetime

    assert format_jalali_datetime(datetime.fromisoformat(iso.replace("Z", "+00:00"))) in line


def test_terminal_lines_are_shaped_on_a_terminal_and_logical_in_a_pipe() -> None:
    """Cosmetic: the demo's lines before the screen showed unshaped (reversed) in xterm."""
    import io

    from samad_desk import terminal

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    text = "سرور مرکزی نمایشی راه می‌افتد…"
    shown = Tty()
    terminal.say(text, "visual", stream=shown, environ={})
    out = shown.getvalue()
    assert out.startswith(terminal.bdsm(True, {})) and out.endswith(terminal.bdsm(False, {}))
    assert any("\ufb50" <= ch <= "\ufeff" for ch in out)  # shaped: presentation forms
    piped = io.StringIO()
    terminal.say(text, "visual", stream=piped, environ={})
    assert piped.getvalue() == text + "\n"
    kept = Tty()
    terminal.say(text, "terminal", stream=kept, environ={})  # the terminal lays it out itself
    assert kept.getvalue() == text + "\n"
