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


async def test_a_report_run_before_shows_at_once_and_a_change_runs_it_again(make_app, world, monkeypatch) -> None:
    """Shift+F2 over ready facts: the report run before over them is shown as the screen
    mounts (no run); a store change makes new facts and the report runs again."""
    from samad_desk.reports.memory import DeskReports
    from samad_desk.services.reports import first_spec

    build(world)
    runs, asked = [], []
    real, real_result = DeskReports.run, DeskReports.result
    monkeypatch.setattr(DeskReports, "run", lambda self, *a, **k: (runs.append(self), real(self, *a, **k))[1])
    # asked only by the run worker: a report shown from what was kept asks nothing
    monkeypatch.setattr(DeskReports, "result", lambda self, *a, **k: (asked.append(1), real_result(self, *a, **k))[1])
    app = make_app("super1")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        cache = facts_cache(app.store, app.services.case_actions().calendar)
        for _ in range(200):
            if cache.builds:
                break
            await asyncio.sleep(0.05)
        assert len(runs) == 1  # the pre-build ran the report the screen shows first
        screen = await from_supervisor(pilot, "shift+f2")
        first = screen.result
        assert first["total"]["cases"] == 7 and len(runs) == 1 and screen.spec == first_spec()
        await press(pilot, "escape")
        await pilot.press("shift+f2")  # no settling: the result is there once the screen is
        again = app.screen
        assert isinstance(again, ReportScreen) and again is not screen and again.result is first
        await settle(pilot)
        assert len(runs) == 1 and again.result is first and len(asked) == 1
        await press(pilot, "escape")
        app.store._notify(StoreChange("external"))  # another process wrote the store
        await settle(pilot)
        third = await press(pilot, "shift+f2")
        assert third.result is not first and third.result["total"]["cases"] == 7
        assert len(runs) == 2 and runs[1] is not runs[0]
