"""Follow-up calls about cases this desk does not hold, against the real central server.

An agent desk pulls only its own office's cases; a citizen may call about a case an
agent of another office registered. The follow-up screen then asks the server (``/v1/cases/lookup``), shows what
the server lets this operator see, writes it into the cache like a pull, and a follow-up
recorded on it is pushed like any op. Out of scope: nothing is shown. Offline or with the
server gone: a Persian message at the field, and what was typed stays.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import pytest

from samad_desk.domain import ops as O
from samad_desk.screens.followup_screen import FollowupScreen
from samad_desk.services import CallForm
from samad_desk.store import Store
from samad_desk.text.national_id import check_digit
from tests.support.desk_ui import press, settle, type_text, wait_until
from tests.support.desks import Desk, desks, server  # noqa: F401  (real-server fixtures)

WATER = "water-qazvin"
#: agents the administrator adds beside the demo users (whose agents share one office)
OTHER_OFFICE = "takestan1"  # another 111 office of the province
OTHER_PROVINCE = "tehran1"  # a 111 agent of another province
_serial = iter(range(7100, 7999))


def fresh_nid() -> str:
    first9 = f"{next(_serial):09d}"
    return first9 + str(check_digit(first9))


def add_user(srv: Any, username: str, *, office: str, province: str = "qazvin") -> None:
    """The administrator's command, against the running server's database."""
    subprocess.run(
        [sys.executable, "-m", "samad_desk", "central", "add-user", "--db", srv.db_url,
         "--username", username, "--password", username, "--role", "agent",
         "--office", office, "--province", province, "--name", f"اپراتور {username}"],
        check=True, capture_output=True, timeout=120,
    )


@pytest.fixture(scope="module")
def other_agents(server):  # noqa: F811
    add_user(server, OTHER_OFFICE, office="111-takestan")
    add_user(server, OTHER_PROVINCE, office="111-tehran", province="tehran")
    return server


def register(desk: Desk, settings: Any, nid: str) -> Any:
    """A call taken on another agent's desk and synced to the server."""
    form = CallForm(national_id=nid, first_name="فاطمه", last_name="نوروزی", mobile="09131112233",
                    city="قزوین", case_type="complaint", subject="water.outage", agency=WATER,
                    description="آب کوچه از دو روز پیش قطع است و کسی نیامده")
    saved = desk.services(settings).save_call(form)
    desk.sync()
    return saved


def registered_by_agent1(new_desk: Any, settings: Any) -> tuple[str, Any]:
    """A new citizen's call, taken and synced on agent1's desk: (national ID, saved call)."""
    nid = fresh_nid()
    return nid, register(new_desk("agent1"), settings, nid)


def online_app(settings: Any, url: str, username: str, *, interval: float = 1.0) -> Any:
    from samad_desk.demo_mode import demo_login
    from samad_desk.launch import make_app

    online = replace(settings, server_url=url, sync_interval=interval)
    demo_login(online, username, username)
    return make_app(online)  # the saved session: no login screen


async def ready(pilot: Any, app: Any) -> FollowupScreen:
    """Logged in, first sync done (agencies pulled), on the follow-up screen. (An officer
    starts on the cartable, an agent on the call form: issue 12, finding 8.)"""
    from samad_desk.app import start_mode

    await wait_until(pilot, lambda: app.services is not None and app.current_mode == start_mode(app.operator),
                     timeout=30, what="the start screen")
    await wait_until(pilot, lambda: app.status.connection == "online", timeout=30, what="online")
    await wait_until(pilot, lambda: len(app.store.agencies()) >= 10, timeout=30, what="the agencies")
    await press(pilot, "f7")
    assert isinstance(app.screen, FollowupScreen)
    return app.screen


@asynccontextmanager
async def followup_desk(settings: Any, url: str, username: str, **online: Any) -> AsyncIterator[Any]:
    """``username``'s desk online at 80×24, on the follow-up screen: (app, pilot, screen).
    Its store is closed after, so the test can reopen it."""
    app = online_app(settings, url, username, **online)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            yield app, pilot, await ready(pilot, app)
    finally:
        app.store.close()


async def search(pilot: Any, screen: FollowupScreen, text: str) -> None:
    screen.query_one("#in-query").value = ""
    await type_text(pilot, text)
    await press(pilot, "enter")


async def test_another_agents_case_found_on_the_server_then_followed_up_and_synced(
    server, desks, settings, other_agents  # noqa: F811
) -> None:
    nid, theirs = registered_by_agent1(desks, settings)
    async with followup_desk(settings, server.url, OTHER_OFFICE) as (app, pilot, screen):
        store = app.store
        # this desk never pulled it: it reads only its own office's cases
        assert store.case_by_tracking_code(theirs.tracking_code) is None
        await search(pilot, screen, theirs.tracking_code)
        assert screen.query_one("#row-query").error == ""
        summary = screen.summary_text
        assert "ارجاع‌شده" in summary
        assert "فاطمه نوروزی" in summary
        assert "آب و فاضلاب" in summary
        assert "روز کاری مانده" in summary
        assert screen.view is not None and screen.view.remote
        # the server sends the case's whole history with it
        assert [h.split()[1] for h in screen.history_texts] == ["ثبت", "ارجاع"]
        # written into the cache like a pull: the case and its citizen
        assert store.get("case", theirs.case_id)["tracking_code"] == theirs.tracking_code
        assert store.get("citizen", theirs.citizen_id)["national_id"] == nid
        await type_text(pilot, "شهروند پرسید آب کی وصل خواهد شد")
        await press(pilot, "f2")
        # saved (the engine, woken by the save, may push it at once)
        assert ("پیگیری", "پیگیری ثبت شد.") in app.notified
        # pushed by the desk's own sync engine, accepted by the server
        await wait_until(pilot, lambda: store.stats()["pending"] == 0, timeout=30)
        assert store.needs_attention() == []
        # after a sync round the screen re-reads the case from the server: still
        # shown, and the agent's focus (now on the satisfaction field) stays put
        await pilot.press("tab")
        focused, shown = app.focused, screen.view
        await pilot.press("shift+f5")
        await wait_until(pilot, lambda: screen.view is not shown and screen.view is not None, timeout=30)
        await settle(pilot)
        assert screen.view.remote and not screen.view.stale
        assert "ارجاع‌شده" in screen.summary_text
        # the follow-up, now synced, comes back in the server's history
        assert [h.split()[1] for h in screen.history_texts] == ["ثبت", "ارجاع", "پیگیری"]
        assert screen.query_one("#row-query").error == ""
        assert app.focused is focused
    # the server holds the follow-up in the case's history, in this agent's name
    supervisor = desks("super1")
    events = supervisor.store.events_of_case(theirs.case_id)
    followups = [e for e in events if e["kind"] == "followup"]
    assert len(followups) == 1
    assert followups[0]["actor"]["name"] == f"اپراتور {OTHER_OFFICE}"
    assert followups[0]["data"]["note"] == "شهروند پرسید آب کی وصل خواهد شد"


async def test_objection_on_another_agents_answered_case_reopens_it_on_the_server(
    server, desks, settings, other_agents  # noqa: F811
) -> None:
    nid, theirs = registered_by_agent1(desks, settings)
    water = desks("water1")
    actor = O.make_actor(water.operator)
    water.store.save([O.case_accept(theirs.case_id, actor)])
    water.sync()
    water.store.save([O.case_answer(water.store.get("case", theirs.case_id), "شیر اصلی تعویض شد.", actor)])
    water.sync()
    async with followup_desk(settings, server.url, OTHER_OFFICE) as (app, pilot, screen):
        store = app.store
        # by national ID: the citizen is not on this desk either
        assert store.citizen_by_national_id(nid) is None
        await search(pilot, screen, nid)
        assert screen.query_one("#row-query").error == ""
        assert screen.view is not None and screen.view.case["id"] == theirs.case_id
        assert "شیر اصلی تعویض شد" in screen.summary_text
        await pilot.press("tab")
        await type_text(pilot, "ناراضی")
        await pilot.press("enter")
        await press(pilot, "f2")
        assert "اعتراض" in screen.query_one("#row-note").error  # the reason is required
        await type_text(pilot, "هنوز آب قطع است")
        await press(pilot, "f2")
        assert "در حال رسیدگی" in screen.summary_text  # reopened, on this desk at once
        await wait_until(pilot, lambda: store.stats()["pending"] == 0, timeout=30)
        assert store.needs_attention() == []
        # the op is acknowledged and out of the overlay; the view is the server's
        await press(pilot, "shift+f5")
        await wait_until(pilot, lambda: "در حال رسیدگی" in screen.summary_text
                         and store.get("case", theirs.case_id)["state"] == "in_progress", timeout=30)
    # the objection's effect reached this desk's cache through the refresh, not a pull
    with Store.open(settings.data_dir) as reopened:
        assert reopened.pending_ops() == []
        assert reopened.get("case", theirs.case_id)["state"] == "in_progress"
    water.sync()
    case = water.store.get("case", theirs.case_id)
    assert case["state"] == "in_progress"
    [followup] = [e for e in water.store.events_of_case(theirs.case_id) if e["kind"] == "followup"]
    assert followup["data"]["satisfied"] is False and followup["data"]["objection"] is True


@pytest.mark.parametrize("username", ["power1", OTHER_PROVINCE])
async def test_case_out_of_scope_is_never_shown(server, desks, settings, other_agents, username) -> None:  # noqa: F811
    """An electricity officer, or an agent of another province, asks about a Qazvin water
    case: the server shows nothing, the desk shows nothing and keeps nothing."""
    nid, theirs = registered_by_agent1(desks, settings)
    async with followup_desk(settings, server.url, username) as (app, pilot, screen):
        store = app.store
        for query in (theirs.tracking_code, nid):
            await search(pilot, screen, query)
            error = screen.query_one("#row-query").error
            assert "سرور مرکزی" in error and "دسترسی شما" in error, error
            assert screen.view is None
            assert screen.summary_text == ""
            assert screen.history_texts == []
            assert app.focused.id == "in-query"
        await press(pilot, "f2")  # nothing to record upon
        assert store.pending_ops() == []
    with Store.open(settings.data_dir) as reopened:
        assert reopened.get("case", theirs.case_id) is None
        assert reopened.get("citizen", theirs.citizen_id) is None
        assert reopened.case_by_tracking_code(theirs.tracking_code) is None


async def test_server_gone_or_offline_message_at_the_field_and_input_kept(settings, tmp_path) -> None:
    from samad_desk.central.process import sqlite_url, start_server

    with start_server(sqlite_url(tmp_path), seed_demo=True) as srv:
        agent1 = Desk(tmp_path / "agent1", srv.url, "agent1")
        agent1.sync()
        theirs = register(agent1, settings, fresh_nid())
        agent1.close()
        # a long interval: the engine does not notice the server going until asked to
        add_user(srv, OTHER_OFFICE, office="111-takestan")
        async with followup_desk(settings, srv.url, OTHER_OFFICE, interval=600.0) as (app, pilot, screen):
            store = app.store
            srv.stop()
            # the desk still believes it is online: the request itself fails
            await search(pilot, screen, theirs.tracking_code)
            error = screen.query_one("#row-query").error
            assert "در حافظهٔ این میز نیست" in error and "سرور مرکزی پاسخ نداد" in error, error
            query = screen.query_one("#in-query")
            assert query.value == theirs.tracking_code
            assert app.focused is query
            assert screen.view is None
            # once the engine has found the link down, the server is not even asked
            await pilot.press("shift+f5")
            await wait_until(pilot, lambda: app.status.connection == "offline", timeout=30)
            await press(pilot, "enter")
            error = screen.query_one("#row-query").error
            assert "در حافظهٔ این میز نیست و سرور در دسترس نیست" in error, error
            assert query.value == theirs.tracking_code
            assert screen.view is None
            assert store.pending_ops() == []
