"""The desk against a real central server process: login (online, then offline with the
stored verifier), a whole call taken with the keyboard, synced, and found on the server."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import httpx
import pytest

from samad_desk.central.process import sqlite_url, start_server
from samad_desk.screens.call_screen import CallEntryScreen
from samad_desk.screens.login_screen import LoginScreen
from tests.support.desk_ui import (
    agencies_known,
    desk,
    fill_case,
    fill_citizen,
    press,
    settle,
    type_text,
    wait_until,
)


@pytest.fixture
def server(tmp_path):
    with start_server(sqlite_url(tmp_path), seed_demo=True) as srv:
        yield srv


@pytest.fixture
def online_settings(settings, server):
    return replace(settings, server_url=server.url, sync_interval=1.0)


async def test_login_call_sync_and_find_on_server(online_settings, server) -> None:
    from samad_desk.launch import make_app

    app = make_app(online_settings)
    store = app.store
    try:
        async with desk(app) as pilot:
            assert isinstance(app.screen, LoginScreen)
            await type_text(pilot, "agent1")
            await pilot.press("enter")
            await type_text(pilot, "wrong")
            await press(pilot, "enter")
            assert isinstance(app.screen, LoginScreen)
            assert app.screen.query_one("#row-password").error
            app.screen.query_one("#in-password").value = ""
            await type_text(pilot, "agent1")
            await press(pilot, "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, CallEntryScreen))
            assert app.operator["username"] == "agent1"
            # the first pull brings the agencies
            await agencies_known(pilot, app)
            await wait_until(pilot, lambda: app.status.connection == "online")
            await fill_citizen(pilot, nid="0012345679")
            await fill_case(pilot)
            await press(pilot, "f2")
            assert app.screen.tracking.shown
            code = app.screen.tracking.code
            await wait_until(pilot, lambda: store.stats()["pending"] == 0)
            from samad_desk.widgets.chrome import StatusBar

            await press(pilot, "enter")

            def bar() -> str:
                return app.screen.query_one(StatusBar).text

            # the status bar catches up with the drained journal (no fixed pause)
            await wait_until(pilot, lambda: "برخط" in bar() and "در صف: ۰" in bar(),
                             what="the status bar to show online with nothing queued")
            assert "هرگز" not in bar()
    finally:
        store.close()
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.get(f"/v1/track/{code}", params={"mobile_tail": "4567"})
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "referred"


async def test_offline_login_with_the_stored_verifier(online_settings, server) -> None:
    from samad_desk.demo_mode import demo_login
    from samad_desk.launch import make_app

    demo_login(online_settings, "agent1", "agent1")  # an online login on this desk before
    from samad_desk.sync.tokens import TokenStore

    TokenStore(online_settings.operator_dir, server.url).clear_tokens()
    server.stop()
    app = make_app(online_settings)
    try:
        async with desk(app) as pilot:
            assert isinstance(app.screen, LoginScreen)
            assert app.screen.query_one("#in-username").value == "agent1"
            await type_text(pilot, "agent1")
            await pilot.press("enter")
            await asyncio.sleep(0)
            await wait_until(pilot, lambda: isinstance(app.screen, CallEntryScreen), timeout=30)
            assert app.online is False
            assert app.operator["username"] == "agent1"
    finally:
        app.store.close()


async def test_registry_candidate_beside_local_ones(settings, tmp_path) -> None:
    """Online, a national ID nobody local has: the civil registry's record is offered,
    and choosing it fills the names of a new citizen."""
    import json

    from samad_desk.demo_mode import demo_login
    from samad_desk.launch import make_app
    from samad_desk.widgets.form import CandidateList

    registry = tmp_path / "registry.jsonl"
    registry.write_text(json.dumps({"national_id": "0012345679", "first_name": "زهرا",
                                    "last_name": "کریمی", "father_name": "احمد",
                                    "birth_date": "1990-05-01"}, ensure_ascii=False) + "\n")
    with start_server(sqlite_url(tmp_path), seed_demo=True, registry_file=registry) as srv:
        online = replace(settings, server_url=srv.url, sync_interval=1.0)
        demo_login(online, "agent1", "agent1")
        app = make_app(online)  # the saved session: no login screen
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                await wait_until(pilot, lambda: isinstance(app.screen, CallEntryScreen))
                await wait_until(pilot, lambda: app.status.connection == "online")
                await type_text(pilot, "0012345679")
                await settle(pilot)
                candidates = app.screen.query_one(CandidateList)
                await wait_until(pilot, lambda: bool(candidates.candidates))
                assert candidates.candidates[0].source == "registry"
                assert "ثبت احوال" in candidates.texts[0]
                screen = await press(pilot, "f4", "enter")
                assert screen.input("first_name").value == "زهرا"
                assert screen.citizen_id is None
                assert app.focused is screen.input("mobile")
        finally:
            app.store.close()


async def test_expired_session_relogin_pushes_queued_ops(online_settings, server) -> None:
    from samad_desk.demo_mode import demo_login
    from samad_desk.launch import make_app
    from samad_desk.sync.tokens import TokenStore
    from tests.support.desk_ui import GOOD

    demo_login(online_settings, "agent1", "agent1")
    app = make_app(online_settings)
    store = app.store
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, CallEntryScreen))
            await wait_until(pilot, lambda: app.status.connection == "online")
            await agencies_known(pilot, app)
            TokenStore(online_settings.operator_dir, server.url).clear_tokens()  # session gone
            app.screen.load_form(GOOD)
            await settle(pilot)
            await press(pilot, "f2")
            await wait_until(pilot, lambda: app.status.connection == "auth_required")
            assert store.stats()["pending"] == 3  # kept, never dropped
            await pilot.press("enter")  # next call
            await press(pilot, "shift+f5")
            assert isinstance(app.screen, LoginScreen)
            await type_text(pilot, "agent1")
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, CallEntryScreen))
            await wait_until(pilot, lambda: store.stats()["pending"] == 0)
    finally:
        store.close()
