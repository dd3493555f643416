"""The report runs in a worker thread (issue 15: nothing heavy on the UI thread): while it
runs the screen says «در حال اجرا…», keeps the last result and answers keys; a newer
request wins and an older answer arriving late is ignored."""

from __future__ import annotations

import threading

from tests.support.cartable import POWER, build, on_report, settle


async def until(pilot, check, tries: int = 500) -> None:
    for _ in range(tries):
        if check():
            return
        await pilot.pause(0.01)
    raise AssertionError("not reached")


async def test_report_runs_in_a_worker_and_the_newest_request_wins(make_app, world, monkeypatch) -> None:
    build(world)
    async with on_report(make_app) as (app, pilot, screen):
        ui_thread = threading.get_ident()
        desk, real = screen.desk, screen.desk.run
        gate = threading.Event()
        ran_on: list[int] = []

        def slow(spec, **kwargs):
            ran_on.append(threading.get_ident())
            if spec.rows == ("type",):  # the first request (F2: by case type) waits
                gate.wait(10)
            return real(spec, **kwargs)

        monkeypatch.setattr(desk, "run", slow)
        await pilot.press("f2")
        await pilot.pause()
        assert "در حال اجرا" in screen.query_one("#rep-period").text
        assert screen.result_spec.rows == ("agency",)  # the last result stays meanwhile
        await pilot.press("down")  # keys still answer
        assert screen.table.current.id == POWER
        await pilot.press("f2")  # by state: a newer request, answered at once
        await until(pilot, lambda: screen.result_spec.rows == ("state",))
        assert "در حال اجرا" not in screen.query_one("#rep-period").text
        gate.set()  # the older answer (by type) arrives late: ignored
        await settle(pilot)
        await pilot.pause(0.05)
        assert screen.result_spec.rows == ("state",) and screen.spec.rows == ("state",)
        assert {r.id for r in screen.table.rows} >= {"__total__"}
        assert len(ran_on) == 2 and ui_thread not in ran_on
