"""A screen under another one does not re-read on every sync: the supervisor view under
the report builder (Shift+F2) marks itself stale and reads every case once, when shown
again (it re-read them on each sync while hidden). Counted with a store proxy."""

from __future__ import annotations

import asyncio
import threading
import traceback
from datetime import timedelta

from samad_desk.messages import SyncFinished
from samad_desk.screens.report_screen import ReportScreen
from samad_desk.screens.supervisor_screen import SupervisorScreen
from tests.support.cartable import NOW, WATER, build, desk, from_supervisor, press, settle
from tests.support.watched_store import WatchedStore

#: the supervisor view's load reads every case (services/case_actions.py, supervisor());
#: the report screen's facts are updated case by case (reports/memory.py)
EVERY_CASE = ("iter_entities", "case")


def pulled(world, seen: set) -> list[dict]:
    """The records the server has and the desk has not: a pull page."""
    page = [r for r in world.records() if (r["entity"], r["id"], r["version"]) not in seen]
    seen.update((r["entity"], r["id"], r["version"]) for r in page)
    return page


async def sync_round(app, store, world, seen: set, n: int) -> None:
    """A new call on the server, pulled into the store by another thread, then the app told
    the round finished (as the sync engine does)."""
    world.call(WATER, at=NOW - timedelta(hours=n), first="مریم", last="احمدی")
    await asyncio.to_thread(store.apply_changes, pulled(world, seen), f"c{n}")
    app.post_message(SyncFinished())


async def test_hidden_supervisor_view_reads_once_when_shown_again(settings, store, world) -> None:
    from samad_desk.app import SamadDeskApp

    build(world)
    world.load(store)
    seen = {(r["entity"], r["id"], r["version"]) for r in world.records()}
    watched = WatchedStore(store)
    app = SamadDeskApp(settings, store=watched, operator=world.operator("super1"), now=lambda: NOW,
                       seed_demo=False)
    async with desk(app) as pilot:
        report = await from_supervisor(pilot, "shift+f2")
        await settle(pilot)
        assert isinstance(report, ReportScreen)
        supervisor = app.screen_stack[-2]
        assert isinstance(supervisor, SupervisorScreen)
        before = supervisor.data.total_open
        total = report.table.rows[-1].values["cases"]
        watched.reads.clear()
        for n in (1, 2, 3):
            await sync_round(app, store, world, seen, n)
            await settle(pilot)
            await settle(pilot)
        # the report on top is current; the view under it has read nothing
        assert report.table.rows[-1].values["cases"] == total + 3
        assert watched.reads[EVERY_CASE] == 0, watched.reads
        assert supervisor.data.total_open == before
        await press(pilot, "escape")
        await settle(pilot)
        await settle(pilot)
        assert app.screen is supervisor
        assert watched.reads[EVERY_CASE] == 1, watched.reads  # once, and current
        assert supervisor.data.total_open == before + 3
        # shown again, a sync re-reads it at once, and once: the store's notice and the
        # round's end each started a read of every case
        await sync_round(app, store, world, seen, 4)
        await settle(pilot)
        await settle(pilot)
        assert watched.reads[EVERY_CASE] == 2 and supervisor.data.total_open == before + 4
        # the other order: the round's end reaches the view before the store's notice does
        world.call(WATER, at=NOW - timedelta(hours=5), first="مریم", last="احمدی")
        store.apply_changes(pulled(world, seen), "c5")  # (here: its notice is not yet handled)
        supervisor.refresh_data()
        await settle(pilot)
        await settle(pilot)
        assert watched.reads[EVERY_CASE] == 3 and supervisor.data.total_open == before + 5


async def until(pilot, done, seconds: float = 30) -> None:
    """Let the app run until ``done()`` (a condition, not a sleep), failing after ``seconds``."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not done():
        assert asyncio.get_running_loop().time() < deadline, "condition not met"
        await pilot.pause(0.02)


class HeldStore(WatchedStore):
    """A WatchedStore whose next read of every case by the supervisor view is held, after
    reading, until ``release`` is set: a load still running when the view is shown again."""

    def __init__(self, store) -> None:
        super().__init__(store)
        self.armed = False
        self.holding = threading.Event()
        self.release = threading.Event()

    def __getattr__(self, name: str):
        attr = super().__getattr__(name)
        if name != "iter_entities":
            return attr

        def held(*args, **kwargs):
            rows = list(attr(*args, **kwargs))
            frames = [f.name for f in traceback.extract_stack()]
            if args[:1] == ("case",) and self.armed and "supervisor" in frames:
                self.armed = False
                self.holding.set()
                self.release.wait(30)
            return iter(rows)

        return held


async def test_a_change_while_hidden_during_a_load_is_read_when_shown(settings, store, world) -> None:
    """The view's load began before the report builder opened and ends after it closed; a
    change came meanwhile. Shown again, the view queues one more read (a resume during a
    load used to wait for that load, which had read the store before the change)."""
    from samad_desk.app import SamadDeskApp

    build(world)
    world.load(store)
    seen = {(r["entity"], r["id"], r["version"]) for r in world.records()}
    held = HeldStore(store)
    app = SamadDeskApp(settings, store=held, operator=world.operator("super1"), now=lambda: NOW,
                       seed_demo=False)
    async with desk(app) as pilot:
        await press(pilot, "f9")
        await settle(pilot)
        supervisor = app.screen
        assert isinstance(supervisor, SupervisorScreen)
        before = supervisor.data.total_open
        held.armed = True
        supervisor.reload()  # a load that reads every case, then is held
        assert await asyncio.to_thread(held.holding.wait, 30)
        # (no settle while it is held: settle waits for every worker)
        await pilot.press("shift+f2")
        await until(pilot, lambda: isinstance(app.screen, ReportScreen) and app.screen.table.rows)
        report = app.screen
        total = report.table.rows[-1].values["cases"]
        await sync_round(app, store, world, seen, 1)  # the change, while the view is hidden
        await until(pilot, lambda: report.table.rows[-1].values["cases"] == total + 1)
        await pilot.press("escape")  # shown again while its load still runs
        await until(pilot, lambda: app.screen is supervisor)
        assert supervisor._loading
        held.release.set()
        await settle(pilot)
        await settle(pilot)
        await settle(pilot)
        assert supervisor.data.total_open == before + 1
