"""The report builder driven as its users drive it: a supervisor's desk against a real
central server, in tmux at 80×24, with real terminal bytes (Shift+F3 as xterm sends it, a
resize, bracketed pastes of hostile text). Each test is a defect found by driving the desk."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pytest

from tests.support.tmux import Tmux, shaped, shows

LONG = 5000


@pytest.fixture(scope="module")
def central(tmp_path_factory):
    """One real central server (SQLite, demo users and 300 demo cases) for the module."""
    from samad_desk.central.process import sqlite_url, start_server

    tmp = tmp_path_factory.mktemp("central")
    srv = start_server(sqlite_url(tmp), seed_demo=True, demo_cases=300, log_path=tmp / "central.log")
    yield srv
    srv.kill()


@pytest.fixture
def tmux(tmp_path):
    t = Tmux(tmp_path, "desk", prefix="samad-report")
    yield t
    t.kill()


def _report_shown(rows: list[str]) -> bool:
    return shows("گزارش‌ساز")(rows) and shows("جمع")(rows)


def open_report(tmux: Tmux, central, settings, user: str = "super1") -> list[str]:
    """A desk logged in as ``user`` (a saved session), on the report builder."""
    from samad_desk.demo_mode import demo_login

    demo_login(replace(settings, server_url=central.url), user, user)
    tmux.start_desk("run", "--server", central.url,
                    ready=lambda r: shows("نظارت")(r) and any("F2" in row for row in r))
    tmux.key("S-F2")
    tmux.wait_for(_report_shown, "the report builder with its total row")
    # the report over the desk's whole first pull, not one run before it (a report opened
    # before the pull ended showed 0 cases and no chart bars: CI failed on it once)
    total = _cli_total(dict(tmux.env, SAMAD_DESK_SERVER_URL=central.url), "--server", central.url)
    return tmux.wait_for(lambda r: _report_shown(r) and _count(r) == total,
                         f"the report over the server's {total} cases", timeout=90)


def screen(tmux: Tmux) -> list[str]:
    """Every row of the pane, whatever its size (``Tmux.rows`` keeps 24)."""
    return tmux("capture-pane", "-p", "-t", tmux.target).split("\n")


def wait_screen(tmux: Tmux, predicate, what: str, timeout: float = 40.0) -> list[str]:
    deadline = time.monotonic() + timeout
    rows: list[str] = []
    while time.monotonic() < deadline:
        rows = screen(tmux)
        if predicate(rows):
            return rows
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; screen:\n" + "\n".join(rows))


def test_shift_f3_from_a_real_terminal_turns_table_and_chart(tmux, central, settings) -> None:
    """xterm and tmux send Shift+F3 as ESC[1;2R, the bytes of a cursor position report;
    Textual's parser took it for one and the key never arrived (the chart, the cartable's
    «همه پرونده‌ها» and the case's «عودت» were unreachable in a real terminal)."""
    open_report(tmux, central, settings)
    tmux.key("S-F3")
    # the bars, not only the title: a report run before the first pull has no rows, and
    # its chart is the title and «پرونده‌ای برای این گزارش نیست.» until the re-run after it
    tmux.wait_for(lambda r: shows("پرونده‌ها به تفکیک دستگاه")(r) and any("█" in row for row in r),
                  "the chart with its bars after Shift+F3")
    tmux.key("S-F3")
    tmux.wait_for(lambda r: shows("جمع")(r) and not shows("پرونده‌ها به تفکیک دستگاه")(r),
                  "the table again after a second Shift+F3")


def test_the_key_bar_pages_follow_a_resize(tmux, central, settings) -> None:
    """100×30 and back to 80×24: the bar's pages are laid out for the width shown (they
    stayed 80-wide at 100 columns, and a 100-wide page was cut at 80, losing «Shift+F1
    بیشتر ۱/۳» — the only sign that more keys exist)."""
    open_report(tmux, central, settings)
    bar_80 = shaped("Shift+F1 بیشتر ۱/۴")
    tmux.wait_for(lambda r: any(bar_80 in row for row in r), "four key bar pages at 80 columns")
    tmux("resize-window", "-t", tmux.target, "-x", "100", "-y", "30")
    bar_100 = shaped("Shift+F1 بیشتر ۱/۳")
    rows = wait_screen(tmux, lambda r: len(r) >= 30 and any(bar_100 in row for row in r),
                       "three key bar pages at 100 columns")
    assert shows("جمع")(rows)
    tmux("resize-window", "-t", tmux.target, "-x", "80", "-y", "24")
    rows = wait_screen(tmux, lambda r: any(bar_80 in row for row in r), "four pages again at 80 columns")
    assert not any("…" in row and "Shift+F1" in row for row in rows[-3:]), rows[-3:]


def test_a_whole_report_session_sent_with_no_pause(tmux, central, settings) -> None:
    """Every key of a report session in ONE tmux command, from the supervisor view: the
    builder, two row dimensions on, the quality measures, months as columns, a typed period
    and the chart. Each key lands in order while reports run in their worker (the chart key
    was lost before Shift+F3 was read as a key)."""
    from samad_desk.demo_mode import demo_login

    demo_login(replace(settings, server_url=central.url), "super1", "super1")
    tmux.start_desk("run", "--server", central.url,
                    ready=lambda r: shows("نظارت")(r) and any("F2" in row for row in r))
    tmux.burst("S-F2", "F2", "F2", "F3", "S-F6", "S-F4", "=۱۴۰۴", "Enter", "S-F3")
    # the chart's title comes from the spec, the period line from the result: both at once
    summary = shows("سطرها: وضعیت | ستون‌ها: ماه | سنجه‌ها: کیفیت | دوره: ۱۴۰۴")
    tmux.wait_for(lambda r: shows("پاسخ‌داده به تفکیک وضعیت")(r) and summary(r) and shows("دوره: سال ۱۴۰۴")(r),
                  "the chart of the last key, the spec and the period of its result")


def _field_row(rows: list[str]) -> str:
    want = shaped("دوره")
    return next((row for row in rows[3:6] if row.rstrip().endswith(want)), "")


def test_hostile_pastes_into_the_period_field(tmux, central, settings) -> None:
    """Real bracketed pastes into the typed period (Shift+F4): 5,000 characters are kept in
    the field and refused with a short Persian message under it (the message quoted all
    5,000 and covered the report); escapes, controls and a bidi override are cleaned and
    the period is read; Latin text is refused, quoted back cleaned."""
    open_report(tmux, central, settings)
    tmux.key("S-F4")
    tmux.wait_for(lambda r: bool(_field_row(r)), "the period field")
    tmux.paste("a" * LONG)
    too_long = shaped("«دوره» بلند است")
    tmux.wait_for(lambda r: any(too_long in row for row in r), "the too-long message at the paste")
    tmux.key("Enter")
    time.sleep(0.5)  # the Enter is handled at once (no worker); the screen is read after it
    rows = tmux.wait_for(lambda r: any(too_long in row for row in r), "the too-long message at Enter")
    assert shows("جمع")(rows), "the report table must stay on screen under the message"
    assert sum("aaaaaaaaaa" in row for row in rows) == 1, rows  # the field's row only
    assert "aaaaaaaaaa" in _field_row(rows), "the pasted text stays in the field (nothing lost)"
    # Esc closes the field; a new one starts empty
    tmux.key("Escape")
    tmux.wait_for(lambda r: not _field_row(r), "the field closed")
    tmux.key("S-F4")
    tmux.wait_for(lambda r: bool(_field_row(r)), "the period field again")
    tmux.paste("\u202e\x1b[31m۱۴۰۴\x1b[0m\x07\u202c")
    tmux.key("Enter")
    tmux.wait_for(shows("دوره: سال ۱۴۰۴"), "the period read from the cleaned paste")
    tmux.key("S-F4")
    tmux.wait_for(lambda r: bool(_field_row(r)), "the period field, holding ۱۴۰۴")
    tmux("send-keys", "-t", tmux.target, "-N", "8", "BSpace")
    tmux.paste("hello\x01 world\u202e\nline")
    tmux.key("Enter")
    rows = tmux.wait_for(shows("شناخته نیست"), "the Persian refusal of a Latin period")
    assert any("hello world line" in row for row in rows), rows
    assert shows("دوره: سال ۱۴۰۴")(rows), "the shown report is still the last good one"


def test_a_long_filter_and_export_path_are_refused_at_the_field(tmux, central, settings) -> None:
    """Ctrl+F with a 5,000-character paste: refused at the field, short; Ctrl+E with a file
    name longer than the file system takes: a Persian reason at the field (it was an
    «unexpected error» toast with the English OSError and the whole path)."""
    open_report(tmux, central, settings)
    tmux.key("C-f")
    tmux.wait_for(shows("پالایه: دستگاه"), "the filter field")
    for name in ("نوع پرونده", "وضعیت", "کانال", "فوریت", "شهر", "گروه موضوع", "مدیر", "ثبت‌کننده", "نوع دستگاه"):
        tmux.key("Down")  # ↓: the next dimension, its label whole (two were cut to «نوع …»)
        tmux.wait_for(shows(f"پالایه: {name}"), f"the filter field on «{name}»")
    tmux.key("Up", "Up", "Up", "Up", "Up", "Up", "Up", "Up", "Up")
    tmux.wait_for(shows("پالایه: دستگاه"), "the filter field back on the agency")
    tmux.paste("ب" * LONG)
    tmux.key("Enter")
    rows = tmux.wait_for(shows("بلند است"), "the too-long message at the filter field")
    assert shows("جمع")(rows)
    tmux.key("Escape")
    tmux.key("C-e")
    tmux.wait_for(shows("خروجی به"), "the export field")
    tmux("send-keys", "-t", tmux.target, "-N", "80", "BSpace")
    tmux.paste("/tmp/" + "x" * 300 + ".csv")
    tmux.key("Enter")
    rows = tmux.wait_for(shows("نام پرونده یا مسیر بیش از اندازه بلند است"), "the Persian reason at the field")
    assert not any(shaped("پیش‌بینی‌نشده") in row for row in rows), rows
    assert shows("جمع")(rows)


def _count(rows: list[str]) -> int | None:
    """The report's case count from its period line («همه پرونده‌ها | ۶۰۰ پرونده»)."""
    from samad_desk.text.digits import to_ascii_digits

    line = next((row for row in rows if shaped("همه پرونده‌ها") in row), None)
    if line is None:
        return None
    m = re.search(r"[۰-۹][۰-۹٬]*", line)  # a number is drawn left to right, as read
    return int(to_ascii_digits(m.group().replace("٬", ""))) if m else None


def _cli_total(env: dict, *args: str) -> int:
    """``samad-desk report run`` of every case (JSON), its total case count."""
    import json
    import subprocess
    import sys

    from tests.support.tmux import ROOT

    spec = ROOT / "tests" / "integration" / "e2e" / "all-cases.toml"
    out = subprocess.run([sys.executable, "-m", "samad_desk", "report", "run", str(spec), "--format", "json",
                          *args], capture_output=True, text=True, env=env, timeout=120, check=True).stdout
    return json.loads(out)["total"]["cases"]


def test_a_call_saved_on_one_desk_counts_once_in_anothers_report(tmux, central, settings, tmp_path) -> None:
    """An agent's desk saves a call with F2; a supervisor's desk (another window, its own
    data) has the report open: after both sync, the count is one more, exactly."""
    from samad_desk.demo_mode import demo_login
    from tests.integration.e2e.test_terminal_input import CALL_AFTER_NAMES, NEW_NID

    rows = open_report(tmux, central, settings)
    before = _count(rows)
    assert before is not None and before > 0, rows
    agent_dirs = {name: tmp_path / f"agent-{name.lower()}" for name in ("CONFIG", "DATA", "CACHE", "OPERATOR")}
    agent = Tmux(tmp_path, "agent", prefix="samad-report-agent")
    agent.env.update({f"SAMAD_DESK_{k}_DIR": str(v) for k, v in agent_dirs.items()})
    try:
        from samad_desk.settings import load_settings

        agent_settings = load_settings(environ=agent.env)
        demo_login(replace(agent_settings, server_url=central.url), "agent1", "agent1")
        agent.start_desk("run", "--server", central.url)
        agent.burst(f"={NEW_NID}", "Enter", "=علی", "Enter", "=رضایی", "Enter", *CALL_AFTER_NAMES,
                    "=آب محله سه روز است قطع است", "F2")
        agent.wait_for(lambda r: any("╭───╮" in row for row in r), "the tracking code")
        agent.key("Enter")
        agent.wait_for(lambda r: shows("در صف: ۰")(r) and shows("برخط")(r), "the agent's call pushed")
        tmux.key("S-F5")  # the supervisor's desk: sync now
        tmux.wait_for(lambda r: _count(r) == before + 1, f"{before + 1} cases in the report", timeout=90)
        tmux.quit_desk()
    finally:
        agent.kill()
    # once, not twice, in the supervisor desk's cache and on the server
    env = dict(tmux.env, SAMAD_DESK_SERVER_URL=central.url)
    assert _cli_total(env) == before + 1
    assert _cli_total(env, "--server", central.url) == before + 1
