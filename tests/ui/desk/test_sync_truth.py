"""Sync tells the truth (issue 12, finding 2's visible part, 6 and 15).

A real central server process, reached through a fault proxy so the link can be cut while
the server stays up. The desk runs with its own sync engine (interval 1 s). Each test
changes one thing on the server's side — the device revoked, the password changed and the
session gone, the server restarted, the link cut — and waits (a condition with a deadline,
never a fixed sleep) for the desk to show it, then checks nothing was lost.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

from samad_desk.screens.call_screen import CallEntryScreen
from samad_desk.widgets.chrome import StatusBar, SyncBanner
from tests.support import proxied
from tests.support.desk_ui import GOOD, desk, press, settle, type_text, wait_until
from tests.support.pilot import toasts
from tests.support.proxied import online_desk, started

#: the fixtures of tests.support.proxied: a real server, the fault proxy, the desk through it
server, proxy, desk_settings = proxied.server, proxied.proxy, proxied.desk_settings


def central(server, *args: str) -> str:
    """An administrator's command against the server's database (a real process)."""
    done = subprocess.run(
        [sys.executable, "-m", "samad_desk", "central", *args, "--db", server.db_url],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def new_citizen_call(n: int):
    """A complete call for the n-th new citizen (own ID, name and mobile)."""
    from samad_desk.text.national_id import check_digit

    first9 = f"0023{n:05d}"
    return replace(GOOD, national_id=f"{first9}{check_digit(first9)}", first_name=f"مریم{'ی' * n}",
                   mobile=f"0912{n:07d}")


async def save_call(pilot, app) -> None:
    """A whole new-citizen call (citizen, register, refer: three ops) saved with F2."""
    app._test_calls = getattr(app, "_test_calls", 0) + 1
    app.screen.load_form(new_citizen_call(app._test_calls))
    await settle(pilot)
    await press(pilot, "f2")
    assert app.screen.tracking.shown
    await press(pilot, "enter")  # next call


def banner(app) -> str:
    widget = app.screen.query_one(SyncBanner)
    return widget.text if widget.has_class("-shown") else ""


def status_line(app) -> str:
    return app.screen.query_one(StatusBar).text


async def test_revoked_device_is_a_banner_an_f10_entry_and_a_quit_warning(desk_settings, server) -> None:
    from samad_desk.screens.attention_screen import AttentionScreen
    from samad_desk.screens.modals import ConfirmModal
    from samad_desk.sync.tokens import TokenStore

    async with online_desk(desk_settings, notifications=True) as (app, pilot):
        store = app.store
        assert banner(app) == ""
        device = TokenStore(desk_settings.operator_dir, desk_settings.server_url).load()["device_id"]
        central(server, "revoke-device", "--device", device)
        await save_call(pilot, app)
        await wait_until(pilot, lambda: app.status.connection == "refused")
        assert store.stats()["pending"] == 3  # kept in the journal, nothing dropped
        await wait_until(pilot, lambda: "ارسال نمی‌شوند" in banner(app))
        assert "F10" in banner(app)
        assert "سرور نمی‌پذیرد" in status_line(app)
        screen = await press(pilot, "f10")
        assert isinstance(screen, AttentionScreen)
        await wait_until(pilot, lambda: bool(screen.texts))
        entry = screen.texts[0]
        assert "این دستگاه از سامانه خارج شده است" in entry  # the server's reason
        assert "مدیر سامانه" in entry and "نگه داشته می‌شوند" in entry  # what to do; kept
        # quitting now warns, says what happens to the queued ops, and Esc stays
        await press(pilot, "shift+f10")
        assert isinstance(app.screen, ConfirmModal)
        assert "۳ عملیات" in app.screen.text and "خودکار ارسال می‌شوند" in app.screen.text
        await press(pilot, "escape")
        assert app.is_running and isinstance(app.screen, AttentionScreen)
        assert store.stats()["pending"] == 3


async def test_changed_password_keeps_the_session_then_an_expired_one_needs_the_new_one(
    desk_settings, server
) -> None:
    from samad_desk.screens.login_screen import LoginScreen
    from samad_desk.sync.tokens import TokenStore

    async with online_desk(desk_settings, notifications=True) as (app, pilot):
        store = app.store
        central(server, "add-user", "--username", "agent1", "--password", "new-secret",
                "--role", "agent", "--name", "اپراتور یک ۱۱۱")
        # the session goes on: no false alarm, the call reaches the server
        await save_call(pilot, app)
        await wait_until(pilot, lambda: store.stats()["pending"] == 0)
        assert app.status.connection == "online" and banner(app) == ""
        # the session ends (refresh token gone): the banner and F10 say what to do
        TokenStore(desk_settings.operator_dir, desk_settings.server_url).clear_tokens()
        await save_call(pilot, app)
        await wait_until(pilot, lambda: app.status.connection == "auth_required")
        await wait_until(pilot, lambda: "نشست منقضی" in banner(app))
        assert store.stats()["pending"] == 3
        await press(pilot, "shift+f5")
        assert isinstance(app.screen, LoginScreen)
        await type_text(pilot, "agent1")  # the old password is refused
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(app.screen.query_one("#row-password").error))
        assert isinstance(app.screen, LoginScreen)
        app.screen.query_one("#in-password").value = ""
        await type_text(pilot, "new-secret")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CallEntryScreen))
        await wait_until(pilot, lambda: store.stats()["pending"] == 0)
        await wait_until(pilot, lambda: banner(app) == "" and app.status.connection == "online")


async def test_cut_link_and_restarted_server_show_offline_then_drain(desk_settings, server, proxy) -> None:

    async with online_desk(desk_settings, notifications=True) as (app, pilot):
        store = app.store
        proxy.refuse(True)  # the link is cut; the server stays up
        await save_call(pilot, app)
        await wait_until(pilot, lambda: app.status.connection == "offline")
        assert "برون‌خط" in status_line(app) and "در صف: ۳" in status_line(app)
        assert banner(app) == ""  # the link comes back by itself: no refusal to fix
        proxy.refuse(False)
        await wait_until(pilot, lambda: store.stats()["pending"] == 0)
        await wait_until(pilot, lambda: app.status.connection == "online")
        # the server restarts while a call is queued
        server.stop()
        await save_call(pilot, app)
        await wait_until(pilot, lambda: app.status.connection == "offline")
        server.start(seed=False)
        await wait_until(pilot, lambda: store.stats()["pending"] == 0)
        await wait_until(pilot, lambda: app.status.connection == "online")
        assert not any("رد شد" in t for t in toasts(app))


async def test_last_sync_is_the_last_round_that_worked(desk_settings, proxy) -> None:
    """Finding 6: «آخرین همگام‌سازی» moves with every successful round, even one that
    pulled nothing, and stops moving while rounds fail."""

    async with online_desk(desk_settings) as (app, pilot):
        await wait_until(pilot, lambda: bool(app.status.last_sync))
        first = app.status.last_sync
        await wait_until(pilot, lambda: app.status.last_sync != first)
        assert app.status.last_sync > first
        proxy.refuse(True)
        await wait_until(pilot, lambda: app.status.connection == "offline")
        stuck = app.status.last_sync
        failures = app.sync.counters["failures"]
        await wait_until(pilot, lambda: app.sync.counters["failures"] >= failures + 2)
        assert app.status.last_sync == stuck


class _DownloadingEngine:
    """Only what the app reads of an engine in the middle of its first download."""

    problem = None

    def __init__(self) -> None:
        from samad_desk.sync.download import DownloadProgress

        self.download = DownloadProgress(pages_done=3, rows_done=12500, rows_total=28000)

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def wake(self) -> None: ...


async def test_status_bar_shows_how_far_the_first_download_got(make_app) -> None:
    """wt/sync's ``engine.status()["download"]``: the status bar shows it while it runs."""
    from samad_desk.messages import SyncFinished, SyncProgressed

    engine = _DownloadingEngine()
    app = make_app(sync=engine)
    async with desk(app) as pilot:
        app.post_message(SyncProgressed(0, 12500))
        await settle(pilot)
        assert "دریافت نخست: ۱۲٬۵۰۰ از ۲۸٬۰۰۰" in status_line(app)
        engine.download = None  # done: the last sync time is back
        app.post_message(SyncFinished({"last_success": "2026-12-06T09:00:00Z"}))
        await settle(pilot)
        assert "دریافت نخست" not in status_line(app)


async def test_a_restarted_demo_goes_on_syncing(settings, tmp_path) -> None:
    """Finding 2: ``samad-desk demo --dir D`` restarted (a new server port, a new login)
    logged in as a new device and every push got 403 while the bar said online. Two runs
    of the demo's own parts on one directory: both calls reach the server, and nothing is
    refused."""
    from samad_desk.demo_mode import demo_login, demo_server
    from samad_desk.launch import make_app

    directory = tmp_path / "demo"
    directory.mkdir()
    for run in (1, 2):
        server = demo_server(directory, cases=0).start()
        try:
            demo = replace(settings, server_url=server.url, data_dir=directory / "desk-data",
                           operator_dir=directory / "desk-operator", sync_interval=1.0)
            demo_login(demo, "agent1", "agent1")
            app = make_app(demo)
            store = app.store
            try:
                async with app.run_test(size=(80, 24), notifications=True) as pilot:
                    await started(pilot, app)
                    app._test_calls = run * 10
                    await save_call(pilot, app)
                    await wait_until(pilot, lambda s=store: s.stats()["pending"] == 0)
                    assert app.status.connection == "online" and app.status.problem is None
                    assert store.stats()["attention"] == 0
            finally:
                store.close()
        finally:
            server.stop()
