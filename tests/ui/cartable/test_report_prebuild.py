"""A supervisor's desk builds the report facts by itself a moment after start, so the
first Shift+F2 finds them built (it builds nothing more); going back from the report
builder re-reads the supervisor view only when the store changed meanwhile."""

from __future__ import annotations

import asyncio

from samad_desk.reports.memory import facts_cache
from samad_desk.screens.report_screen import ReportScreen
from samad_desk.screens.supervisor_screen import SupervisorScreen
from samad_desk.store import StoreChange
from tests.support.cartable import build, from_supervisor, press, settle


async def test_first_report_after_start_finds_the_facts_built(make_app, world) -> None:
    build(world)
    app = make_app("super1")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        cache = facts_cache(app.store, app.services.case_actions().calendar)
        for _ in range(200):  # the pre-build starts ~2 s after start, in a worker
            if cache.builds:
                break
            await asyncio.sleep(0.05)
        assert cache.builds == 1
        screen = await from_supervisor(pilot, "shift+f2")
        assert isinstance(screen, ReportScreen) and screen.result["total"]["cases"] == 7
        assert cache.builds == 1 and cache.updates == 0  # the first open built nothing

        # back to the supervisor view: nothing changed, so no re-read of every case
        await press(pilot, "escape")
        sup = app.screen
        assert isinstance(sup, SupervisorScreen)
        loads = []
        real = sup.actions.supervisor
        sup.actions.supervisor = lambda: (loads.append(1), real())[1]
        await press(pilot, "shift+f2")
        await press(pilot, "escape")
        assert app.screen is sup and loads == []
        # a store change while the report builder is open: re-read (the hidden view reloads
        # on the notice itself; on return it re-reads only if that had not happened)
        await press(pilot, "shift+f2")
        app.store._notify(StoreChange("external"))
        await press(pilot, "escape")
        await settle(pilot)
        assert app.screen is sup and loads
