"""The report builder screen at 80×24, keyboard only: Shift+F2 from the supervisor view,
an RTL table with its total row, other dimensions, measures and periods by key, a bar
chart with shaped Persian labels, drill-down to the cases behind a number, and the
manager's scope."""

from __future__ import annotations

from samad_desk.screens.case_screen import CaseScreen
from samad_desk.screens.report_screen import ReportScreen
from tests.support.cartable import GAS, POWER, WATER, build, desk, on_report, press, settle, values
from tests.support.pilot import screen_text


async def test_report_screen_from_the_supervisor_view(make_app, world) -> None:
    ids = build(world)
    async with on_report(make_app) as (app, pilot, screen):
        assert isinstance(screen, ReportScreen)
        # by agency, most cases first; the last row is the total
        assert [r.id for r in screen.table.rows] == [WATER, POWER, "", GAS, "__total__"]
        assert values(screen, "cases") == {WATER: 3, POWER: 2, "": 1, GAS: 1, "__total__": 7}
        assert values(screen, "overdue") == {WATER: 2, POWER: 1, "": 0, GAS: 0, "__total__": 3}
        assert values(screen, "in_time_pct")[POWER] == 100.0 and values(screen, "in_time_pct")[GAS] == 0.0
        assert screen.table.row_texts(len(screen.table.rows) - 1)[:2] == ["جمع", "۷"]
        shown = screen_text(app)
        assert "ﻩﺎﮕﺘﺳﺩ" in shown and "ﻊﻤﺟ" in shown  # «دستگاه», «جمع»: shaped and reordered by the RTL engine
        # F2: by case type; F3: the quality measures
        await press(pilot, "f2")
        assert {r.id for r in screen.table.rows} == {"complaint", "__total__"}
        await press(pilot, "f3")
        assert [c.key for c in screen.table.columns][1:] == [
            "answered", "median_days", "satisfaction_pct", "objection_pct", "returns"]
        assert "کیفیت" in screen.query_one("#rep-spec").text
        # F4: this month (1403/10 on 1403/10/22); F11: beside the previous month
        await press(pilot, "f3", "f3", "shift+f2", "f4")
        assert screen.result["total"]["cases"] == 3
        await press(pilot, "f11")
        assert screen.result["previous_total"]["cases"] == 3
        assert screen.table.columns[-1].title == "دوره قبل"
        assert "آذر ۱۴۰۳" in screen.query_one("#rep-period").text
        # Shift+F3: the chart, one bar per agency, readable without colour
        await press(pilot, "f4", "f4", "f4", "f4")  # back to every case (the periods cycle)
        await press(pilot, "shift+f3")
        lines = screen.query_one("#rep-chart").visual_lines(78)
        assert sum("█" in line for line in lines) == 4 and "░" in "".join(lines)
        assert any("ﺏﺁ" in line for line in lines)  # «آب», shaped
        # Esc back to the table; Enter on the water company: its three cases; Enter opens one
        await press(pilot, "escape")
        assert screen.table.current.id == WATER
        await press(pilot, "enter")
        assert {r.id for r in screen.cases_table.rows} == {ids["water_late"], ids["water_later"], ids["water_ok"]}
        await press(pilot, "enter")
        assert isinstance(app.screen, CaseScreen)
        await press(pilot, "escape")
        assert app.screen is screen
        await press(pilot, "escape", "escape")
        assert not isinstance(app.screen, ReportScreen)


async def test_manager_sees_only_the_agency(make_app, world) -> None:
    build(world)
    app = make_app("watermgr")
    async with desk(app) as pilot:
        app.push_screen(ReportScreen(app.services))
        await settle(pilot)
        screen = app.screen
        # the store holds the whole province (as loaded here); the report only the agency
        assert values(screen, "cases") == {WATER: 3, "__total__": 3}
        await pilot.press("f2", "f2", "f2")  # by deadline band
        assert sum(r.values["cases"] for r in screen.table.rows if r.id != "__total__") == 3


async def test_scorecard_from_the_supervisor_view(make_app, world) -> None:
    from samad_desk.screens.scorecard_screen import ScorecardScreen

    build(world)
    async with on_report(make_app, "shift+f4") as (app, pilot, screen):
        assert isinstance(screen, ScorecardScreen) and screen.month == "1403/10"
        # Dey 1403 (NOW is 1403/10/22): water_ok and power_answered (in time) were registered
        by = {r.agency: r for r in screen.table.rows}
        assert by[POWER].rank == 1 and by[POWER].values["in_time_pct"] == 100.0
        assert by[WATER].values["cases"] == 1 and by[WATER].overdue_now == 2
        assert "دی ۱۴۰۳" in screen.query_one("#score-title").text
        # F4: Azar 1403: water_late, power_late, gas_answered_late (answered after its deadline)
        await press(pilot, "f4")
        by = {r.agency: r for r in screen.table.rows}
        assert screen.month == "1403/09"
        assert by[GAS].values["in_time_pct"] == 0.0 and by[WATER].values["cases"] == 1
        assert by[GAS].trend[-1] == 0.0
        assert "ﻪﻣﺎﻧﺭﺎﮐ" in screen_text(app)  # «کارنامه», shaped
        await press(pilot, "escape")
        assert not isinstance(app.screen, ScorecardScreen)


async def test_a_change_of_manager_splits_the_agency_on_the_scorecard(make_app, world) -> None:
    """Water's cases were referred under its manager then; the agency has a new manager now.
    Dey 1403: water_ok counts for the former manager; the two overdue cases are the new
    manager's (the cartable is in their name), on a row of their own. Both rows were drawn
    with the first one's text (rows were keyed by agency alone), so the new manager's row
    showed the former manager's name and numbers."""
    from samad_desk.screens.scorecard_screen import ScorecardScreen
    from tests.support.tmux import shaped

    build(world)
    former = world.reader.entities["agency"][WATER]["manager_name"]
    world.reader.entities["agency"][WATER]["manager_name"] = "مهندس نیما تازه‌کار"
    async with on_report(make_app, "shift+f4") as (app, pilot, screen):
        assert isinstance(screen, ScorecardScreen)
        rows = {r.manager: r for r in screen.table.rows if r.agency == WATER}
        assert set(rows) == {former, "مهندس نیما تازه‌کار"}
        assert (rows[former].values["cases"], rows[former].overdue_now) == (1, 0)
        assert (rows["مهندس نیما تازه‌کار"].values["cases"], rows["مهندس نیما تازه‌کار"].overdue_now) == (0, 2)
        # what is drawn (the manager's column is narrow: its first two words show)
        drawn = screen_text(app).splitlines()
        assert sum(shaped("مهندس نیما") in line for line in drawn) == 1, drawn
        assert sum(shaped(" ".join(former.split()[:2])) in line for line in drawn) == 1, drawn
