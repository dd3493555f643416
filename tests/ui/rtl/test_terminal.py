"""BiDi mode control (BDSM), tmux passthrough, hints, doctor and themes."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys

import pytest
from click.testing import CliRunner
from textual.app import App

from samad_desk import paths, terminal
from samad_desk.doctor import calibration_lines, doctor_command
from samad_desk.settings import Settings, load_settings
from samad_desk.text import rtl
from samad_desk.themes import THEME_NAMES, apply_theme, load_themes, register_themes


@pytest.fixture(autouse=True)
def _reset_mode():
    yield
    rtl.set_mode("visual")


def test_tmux_wrap_doubles_every_escape():
    assert terminal.tmux_wrap("\x1b[8l") == "\x1bPtmux;\x1b\x1b[8l\x1b\\"
    assert terminal.bdsm(True, {}) == "\x1b[8l"
    assert terminal.bdsm(False, {"TMUX": "/tmp/t,1,0"}) == "\x1b[8h\x1bPtmux;\x1b\x1b[8h\x1b\\"


def test_resolve_mode():
    assert terminal.resolve_mode("auto", {}) == "visual"
    assert terminal.resolve_mode("auto", {"TERM_PROGRAM": "Apple_Terminal"}) == "terminal"
    assert terminal.resolve_mode("terminal", {}) == "terminal"
    with pytest.raises(ValueError):
        terminal.resolve_mode("bogus", {})


def test_session_switches_and_restores_even_on_error():
    out = io.StringIO()
    with pytest.raises(RuntimeError):
        with terminal.bidi_session(Settings(rtl_mode="visual"), stream=out, environ={}) as s:
            assert out.getvalue() == "\x1b[8l"
            assert s.mode == "visual" and rtl.get_mode() == "visual"
            with s.suspended():
                assert out.getvalue() == "\x1b[8l\x1b[8h"
            assert out.getvalue() == "\x1b[8l\x1b[8h\x1b[8l"
            raise RuntimeError("crash")
    assert out.getvalue().endswith("\x1b[8h")
    assert out.getvalue().count("\x1b[8h") == 2


def test_terminal_mode_sends_nothing_and_lays_out_logically():
    out = io.StringIO()
    env = {"TERM_PROGRAM": "Apple_Terminal"}
    with terminal.bidi_session(Settings(rtl_mode="auto"), stream=out, environ=env) as s:
        assert s.mode == "terminal"
        assert rtl.get_mode() == "terminal"
        assert [h.id for h in s.hints] == ["apple"]
    assert out.getvalue() == ""


def test_env_variable_overrides_config(monkeypatch, tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('rtl_mode = "visual"\n')
    monkeypatch.setenv("SAMAD_RTL_MODE", "terminal")
    assert load_settings(cfg).rtl_mode == "terminal"


def test_hints_are_detected_and_shown_once(tmp_path):
    env = {"KONSOLE_VERSION": "230800", "TMUX": "x", "TERM": "xterm-256color"}
    assert [h.id for h in terminal.detect_hints(env)] == ["konsole", "tmux"]
    assert terminal.detect_hints({"VTE_VERSION": "7000"}) == []
    assert [h.id for h in terminal.detect_hints({"KITTY_WINDOW_ID": "1"})] == ["kitty"]
    assert [h.id for h in terminal.detect_hints({"TERM_PROGRAM": "WezTerm"})] == ["wezterm"]
    assert [h.id for h in terminal.detect_hints({"TERM_PROGRAM": "iTerm.app"})] == ["iterm2"]
    assert [h.id for h in terminal.detect_hints({"TERM": "linux"})] == ["linux"]
    state = tmp_path / "hints.json"
    assert len(terminal.pending_hints(env, state)) == 2
    terminal.mark_hints_shown(["konsole"], state)
    assert [h.id for h in terminal.pending_hints(env, state)] == ["tmux"]
    for hint in terminal.HINTS.values():
        assert any("\u0600" <= ch <= "\u06ff" for ch in hint.text)


_CHILD = """
import sys, time
from samad_desk import terminal
from samad_desk.settings import Settings
mode = sys.argv[1]
if mode == "atexit":
    cm = terminal.bidi_session(Settings(rtl_mode="visual"), stream=sys.stdout, environ={})
    cm.__enter__()  # never exited: only atexit can restore
    print("ready", flush=True)
    sys.exit(0)
with terminal.bidi_session(Settings(rtl_mode="visual"), stream=sys.stdout, environ={}):
    print("ready", flush=True)
    time.sleep(30)
"""


def test_restored_on_sigterm():
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, "signal"], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("\x1b[8lready")
    proc.send_signal(signal.SIGTERM)
    rest = proc.stdout.read()
    proc.wait(timeout=10)
    assert rest == "\x1b[8h"
    assert proc.returncode == -signal.SIGTERM


def test_restored_at_interpreter_exit():
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, "atexit"], capture_output=True, text=True, timeout=30
    )
    assert result.stdout == "\x1b[8lready\n\x1b[8h"


def test_doctor_prints_calibration_and_environment(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("KITTY_WINDOW_ID", "3")
    result = CliRunner().invoke(doctor_command, [])
    assert result.exit_code == 0, result.output
    out = result.output
    lines = calibration_lines(60)
    for _number, _how, row in lines:
        assert row in out
    # line 1 is visual and shaped, line 2 logical and unshaped: the same sample both ways
    assert "\ufee1\ufefc\ufeb3" in lines[0][2] and "\u0633\u0644\u0627\u0645" in lines[1][2]
    assert "0912-345" in lines[0][2] and "0912-345" in lines[1][2]
    assert "NO_COLOR = yes" in out and "color_system = none" in out
    assert "kitty" in out
    assert str(paths.data_dir()) in out  # an isolated value: its order is kept
    assert "\x1b[" not in out  # not a terminal: no escape sequences, no colour


def test_doctor_saves_the_chosen_mode():
    result = CliRunner().invoke(doctor_command, ["--save", "terminal"])
    assert result.exit_code == 0, result.output
    assert load_settings().rtl_mode == "terminal"


def test_two_panel_row_keeps_the_first_panel_on_the_right():
    row = calibration_lines()[2][2]
    left, right = row.strip("\u2502").split("\u2502")
    assert rtl.layout("\u0631\u0627\u0633\u062a \u06f1", 16)[0] == right


# ------------------------------------------------------------------ themes


def test_theme_files_are_only_toml_and_load():
    files = sorted(p.name for p in paths.themes_dir().iterdir())
    assert files == sorted(f"{n}.toml" for n in THEME_NAMES)
    assert [t.name for t in load_themes()] == sorted(THEME_NAMES)


async def test_register_and_apply_themes():
    app = App()
    async with app.run_test(size=(40, 10)):
        assert set(register_themes(app)) == set(THEME_NAMES)
        for name in (*THEME_NAMES, "ansi-dark"):
            assert apply_theme(app, name) is None
            assert app.theme == name
        message = apply_theme(app, "no-such-theme")
        assert message and "samad-dark" in message
        assert app.theme == "samad-dark"


def test_env_is_untouched():
    assert "SAMAD_RTL_MODE" not in os.environ


async def test_theme_change_is_remembered():
    from samad_desk.themes import remember_theme_changes

    app = App()
    async with app.run_test(size=(40, 10)) as pilot:
        register_themes(app)
        remember_theme_changes(app)
        app.theme = "samad-light"
        await pilot.pause()
    assert load_settings().theme == "samad-light"


async def test_attach_before_run_restores_on_suspend_and_resume():
    out = io.StringIO()
    with terminal.bidi_session(mode="visual", stream=out, environ={}) as session:
        app = App()
        session.attach(app)  # before the app runs, as launch code does
        async with app.run_test(size=(40, 10)) as pilot:
            await pilot.pause()
            app.app_suspend_signal.publish(app)
            assert out.getvalue() == "\x1b[8l\x1b[8h"
            app.app_resume_signal.publish(app)
            assert out.getvalue() == "\x1b[8l\x1b[8h\x1b[8l"
    assert out.getvalue().endswith("\x1b[8h")
