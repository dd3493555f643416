"""The supervisor's view at 80×24: every queue with counts, responsiveness as a table and
bars, overdue first, drill-down to a case, and a refresh when the store changes."""

from __future__ import annotations

from samad_desk.domain import ops as O
from samad_desk.screens.case_screen import CaseScreen
from samad_desk.screens.supervisor_screen import SupervisorScreen
from tests.support.cartable import GAS, NOW, POWER, WATER, build, desk, press, settle
from tests.support.pilot import screen_text, toasts, type_text


async def test_queues_responsiveness_overdue_and_drill_down(make_app, world) -> None:
    ids = build(world)
    app = make_app("super1")
    async with desk(app) as pilot:
        screen = await press(pilot, "f9")
        assert isinstance(screen, SupervisorScreen)
        summary = screen.query_one("#sup-summary").text
        assert "باز در استان ۴" in summary and "معوق ۳" in summary and "در انتظار ارجاع ۱" in summary
        assert "بی‌اقدام ناظر ۲" in summary  # overdue and not yet escalated
        agencies = screen.agencies_table
        first = agencies.rows[0].stats
        assert first.agency_id == WATER and first.overdue == 2  # most overdue first
        by_id = {r.id: r.stats for r in agencies.rows}
        assert by_id[POWER].in_time_text == "۱۰۰٪" and by_id[GAS].in_time_text == "۰٪"
        texts = agencies.row_texts(0)
        assert texts[1:3] == ["۳", "۲"]  # open, overdue
        shown = screen_text(app)
        assert "█" in shown and "░" in shown  # the bars, readable without colour
        assert "۱۰۰٪" in shown
        # the highlighted agency's queue, state by state, with its manager
        assert "ارجاع‌شده ۳" in screen.query_one("#sup-detail").text
        # F3: the chart pane; F4: overdue cases of the province, worst first
        await pilot.press("f3")
        chart = screen.query_one("#sup-chart")
        assert len(chart.visual_lines(78)) >= 2 * len(agencies.rows)
        await press(pilot, "f4")
        cases = screen.cases_table
        assert [r.id for r in cases.rows] == [ids["water_later"], ids["water_late"], ids["power_late"]]
        assert cases.row_texts(0)[-1].endswith("▲")  # escalated
        # F2, Enter on the water company: its cases, overdue first; Enter opens one
        await pilot.press("f2")
        await press(pilot, "enter")
        assert [r.id for r in cases.rows][:2] == [ids["water_later"], ids["water_late"]]
        assert app.focused is cases
        await press(pilot, "enter")
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == ids["water_later"]
        assert "ارجاع‌شده به ناظر" in app.screen.text
        allowed = app.screen.query_one("#case-allowed").text
        assert "پاسخ" not in allowed and "مختومه" in allowed
        # back, and F11: the highlighted agency's cartable as its manager sees it; Esc returns
        await press(pilot, "escape", "f2")
        await press(pilot, "f11")
        from samad_desk.screens.cartable_screen import CartableScreen

        assert isinstance(app.screen, CartableScreen) and app.screen.agency_id == WATER
        assert {r.id for r in app.screen.table.rows} == {ids["water_late"], ids["water_later"], ids["water_ok"]}
        await press(pilot, "escape")
        assert app.screen is screen


async def test_refreshes_when_the_store_changes(make_app, world, store) -> None:
    ids = build(world)
    app = make_app("super1")
    async with desk(app) as pilot:
        screen = await press(pilot, "f9")
        assert {r.stats.agency_id: r.stats.overdue for r in screen.agencies_table.rows}[POWER] == 1
        # a sync brings the power company's answer (here: another process's save)
        case = store.get("case", ids["power_late"])
        store.save([O.case_answer(case, "پاسخ رسید", world.actor("power1"), now=NOW)])
        for _ in range(20):
            await settle(pilot)
            stats = {r.stats.agency_id: r.stats for r in screen.agencies_table.rows}
            if stats[POWER].overdue == 0:
                break
        assert stats[POWER].overdue == 0 and stats[POWER].answered == 2
        assert "معوق ۲" in screen.query_one("#sup-summary").text


async def test_officer_has_no_supervision(make_app, world) -> None:
    build(world)
    app = make_app("water1")
    async with desk(app) as pilot:
        screen = await press(pilot, "f9")
        assert isinstance(screen, SupervisorScreen)
        assert screen.agencies_table.rows == [] and "مخصوص ناظر" in (screen.refusal or "")


async def test_escalates_and_closes_from_the_overdue_list(make_app, world, store) -> None:
    from tests.support.cartable import pending

    ids = build(world)
    app = make_app("super1")
    async with desk(app, notifications=True) as pilot:
        await press(pilot, "f9")
        await pilot.press("shift+f6")  # on the agencies pane: nothing to escalate
        assert pending(store) == [] and any("نخست پرونده" in t for t in toasts(app))
        screen = await press(pilot, "f4")
        assert screen.cases_table.current.id == ids["water_later"]  # already escalated
        await pilot.press("down")  # water_late: overdue, not escalated
        await press(pilot, "shift+f6")
        await type_text(pilot, "بیش از یک ماه بی‌پاسخ")
        await press(pilot, "f2")
        [op] = pending(store)
        assert op["type"] == "case.escalate" and op["entity_id"] == ids["water_late"]
        assert "بی‌اقدام ناظر ۱" in screen.query_one("#sup-summary").text
        await press(pilot, "shift+f7")  # close it, with a reason
        await type_text(pilot, "رسیدگی خارج از سامانه انجام شد")
        await press(pilot, "f2")
        assert pending(store)[-1]["type"] == "case.close"
        assert store.get("case", ids["water_late"])["state"] == "closed"
        assert ids["water_late"] not in {r.id for r in screen.cases_table.rows}
