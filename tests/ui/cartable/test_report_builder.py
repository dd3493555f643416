"""The report builder's pivot, filters, typed Jalali period, chart over time and saved
specs at 80×24, keyboard only; and the screen read in 16 colours and under NO_COLOR:
the selected row and the chart must stay apart by characters or text attributes, not
only by colour."""

from __future__ import annotations

import pytest

from samad_desk.reports.render import number_text
from samad_desk.reports.spec import spec_from_dict
from samad_desk.screens.report_screen import ReportScreen
from tests.support.cartable import (
    GAS,
    POWER,
    WATER,
    build,
    desk,
    key_bar_text,
    on_report,
    press,
    settle,
    values,
)
from tests.support.pilot import screen_text, type_text


async def test_pivot_filter_and_drill(make_app, world) -> None:
    ids = build(world)
    async with on_report(make_app) as (app, pilot, screen):
        assert isinstance(screen, ReportScreen)
        # Shift+F6: months as the pivot's columns (cases per month), the total column last
        await press(pilot, "shift+f6")
        cols = [c.key for c in screen.table.columns]
        assert cols[0] == "label" and cols[-1] == "cases" and all(k.startswith("col:") for k in cols[1:-1])
        assert len(cols) > 3
        for i, row in enumerate(screen.table.rows):  # each row's months add up to its total
            assert sum((row.cells.get(k[4:]) or {}).get("cases") or 0 for k in cols[1:-1]) == row.values["cases"]
            shown = [t.strip() for t in screen.table.row_texts(i)[1:-1]]  # and each cell shows its month
            assert shown == [number_text((row.cells.get(k[4:]) or {}).get("cases"), "cases") for k in cols[1:-1]]
        assert screen.table.row_texts(0)[1:-1] != screen.table.row_texts(0)[-1:] * (len(cols) - 2)
        assert "ستون‌ها: ماه" in screen.query_one("#rep-spec").text
        # Enter on a pivot row: the cases behind the whole row
        await press(pilot, "enter")
        assert {r.id for r in screen.cases_table.rows} == {ids["water_late"], ids["water_later"], ids["water_ok"]}
        await press(pilot, "escape")
        # Shift+F7: only the water company; the rows go on to the next dimension (case type)
        assert screen.table.current.id == WATER
        await press(pilot, "shift+f7")
        assert screen.spec.filters == {"agency": (WATER,)} and screen.spec.rows == ("type",)
        assert values(screen, "cases")["__total__"] == 3
        assert "پالایه: دستگاه=" in screen.query_one("#rep-spec").text
        # the drill-down keeps the filter: the total row is water's three cases, not seven
        await press(pilot, "end")
        assert screen.table.current.id == "__total__"
        await press(pilot, "enter")
        assert len(screen.cases_table.rows) == 3
        await press(pilot, "escape", "shift+f8")
        assert screen.spec.filters == {} and values(screen, "cases")["__total__"] == 7


async def test_typed_jalali_period_with_errors_at_the_field(make_app, world) -> None:
    build(world)
    async with on_report(make_app) as (app, pilot, screen):
        ask = screen.query_one("#rep-ask")
        await press(pilot, "shift+f4")
        assert ask.display and ask.has_focus
        await pilot.press("enter")  # empty
        assert "دوره را بنویسید" in ask.error
        await type_text(pilot, "۱۴۰۳/۱۳/۰۱ تا ۱۴۰۳/۱۰/۰۱")  # no 13th month
        await press(pilot, "enter")
        assert ask.error and ask.display and screen.period is None
        assert "ﻩﺭﻭﺩ" in screen_text(app)  # the field's label, shaped
        await pilot.press("escape")  # Esc closes the field, the table keeps the keys
        assert not ask.display and screen.table.has_focus and app.screen is screen
        await press(pilot, "shift+f4")
        ask.value = ""
        await type_text(pilot, "۱۴۰۳/۰۹/۰۱ تا ۱۴۰۳/۱۰/۳۰")
        await press(pilot, "enter")
        assert not ask.display and ask.error is None
        assert screen.period == "۱۴۰۳/۰۹/۰۱ تا ۱۴۰۳/۱۰/۳۰"
        assert screen.result["total"]["cases"] == 6  # Azar and Dey 1403: all but one case
        # F11 beside the same number of days before; "1403" and "this month" typed too
        await press(pilot, "f11")
        assert screen.result["previous_period"]["label"].startswith("۱۴۰۳/۰۷/")
        await press(pilot, "shift+f4")
        ask.value = ""
        await type_text(pilot, "این ماه")
        await press(pilot, "enter")
        assert screen.result["period"]["label"] == "دی ۱۴۰۳" and screen.result["total"]["cases"] == 3


async def test_line_chart_over_months_and_sparklines_per_row(make_app, world) -> None:
    build(world)
    async with on_report(make_app) as (app, pilot, screen):
        screen.rows_dims = ("month",)
        screen.show()
        await settle(pilot)
        await press(pilot, "shift+f3")
        lines = screen.query_one("#rep-chart").visual_lines(78)
        assert all(len(line) == 78 for line in lines[1:])
        assert sum("│" in line for line in lines) == 8 and any("└" in line for line in lines)
        assert "█" in "".join(lines)  # the highest month is a full column
        assert "ﯼﺩ" in lines[-1]  # «دی», the last month's label under the axis, shaped
        # agencies by rows, months as columns: one sparkline per agency
        await press(pilot, "escape")
        screen.rows_dims = ("agency",)
        await press(pilot, "shift+f6", "shift+f3")
        lines = screen.query_one("#rep-chart").visual_lines(78)
        assert "ﺪﻧﻭﺭ" in lines[0]  # «روند»
        assert sum(any(ch in line for ch in "▁▂▃▄▅▆▇█") for line in lines[1:]) == 4


async def test_save_and_load_a_spec_offline(make_app, world, tmp_path) -> None:
    from samad_desk.services.report_specs import SavedSpecs

    build(world)
    app = make_app("super1")
    saved = SavedSpecs(tmp_path / "specs.json", None, {"id": "op-super1"})
    async with desk(app) as pilot:
        app.push_screen(ReportScreen(app.services, saved=saved))
        await settle(pilot)
        screen = app.screen
        await pilot.press("shift+f6", "f4")  # months as columns, this month
        await press(pilot, "shift+f11")
        await press(pilot, "enter")
        assert "نام گزارش را بنویسید" in screen.query_one("#rep-ask").error
        await type_text(pilot, "ماهانه")
        await press(pilot, "enter")
        entry = saved.find("ماهانه")
        assert entry is not None and entry.pending  # no server: kept here, sent later
        assert entry.spec.columns == ("month",) and entry.spec.period == "this_month"
        # a fresh screen: Shift+F12 lists it (from the cache), Enter loads it
        await press(pilot, "escape")
        app.push_screen(ReportScreen(app.services, saved=SavedSpecs(tmp_path / "specs.json", None,
                                                                        {"id": "op-super1"})))
        await settle(pilot)
        screen = app.screen
        assert screen.spec.columns == ()
        await press(pilot, "shift+f12")
        assert [r.name for r in screen.saved_table.rows] == ["ماهانه"]
        await press(pilot, "shift+f11")  # share: needs the server
        assert any("بدون اتصال به سرور" in str(m) for _t, m in app.notified)
        await press(pilot, "enter")
        assert screen.spec.columns == ("month",) and screen.spec.period == "this_month"
        assert screen.pane == "rep-table"


def test_saved_spec_cache_survives_a_bad_file(tmp_path) -> None:
    from samad_desk.services.report_specs import SavedSpecs

    p = tmp_path / "specs.json"
    p.write_text("{not json", encoding="utf-8")
    assert SavedSpecs(p).cached() == []
    s = SavedSpecs(p)
    s.save(spec_from_dict({"name": "الف", "rows": ["agency"]}))
    assert SavedSpecs(p).find("الف").spec.rows == ("agency",)


# -- 16 colours and NO_COLOR -------------------------------------------------------------


def _rows(app):
    strips = app.screen._compositor.render_strips()
    return [[(ch, seg.style) for seg in strip for ch in seg.text] for strip in strips]


def _marks(style) -> tuple:
    """What tells a cell apart without colour."""
    return (bool(style and style.reverse), bool(style and style.bold), bool(style and style.underline))


@pytest.mark.parametrize("mode", ["standard", "NO_COLOR"])
async def test_selected_row_and_chart_without_colour(make_app, world, monkeypatch, mode) -> None:
    import textual.constants
    from rich.color import ColorSystem

    if mode == "NO_COLOR":
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.setattr(textual.constants, "COLOR_SYSTEM", "standard")
    build(world)
    async with on_report(make_app) as (app, pilot, screen):
        if mode == "NO_COLOR":
            assert app.no_color
        else:
            assert app.console.color_system == "standard"
        await pilot.press("down")  # the second row (power) selected
        assert screen.table.current.id == POWER
        rows = _rows(app)
        region = screen.table.content_region
        data = [rows[region.y + 1 + i] for i in range(4)]  # under the header: water, power, none, gas
        sel = data[1]
        others = [data[0], data[2], data[3]]

        def look(row):
            cells = [(ch, st) for ch, st in row if not ch.isspace()]
            if mode == "NO_COLOR":
                # Textual's NO_COLOR filter leaves greys only: the attributes must carry it
                assert all(len(set(st.color.get_truecolor())) == 1 for _c, st in cells if st and st.color)
                return {_marks(st) for _c, st in cells}
            return {(_marks(st), st.bgcolor.downgrade(ColorSystem.STANDARD).number
                     if st and st.bgcolor and not st.bgcolor.is_default else None) for _c, st in cells}

        assert look(sel).isdisjoint(set().union(*(look(r) for r in others))), (look(sel), [look(r) for r in others])
        # the chart: bar lengths are glyphs (█ filled, ░ empty), the same in any colour mode
        await press(pilot, "shift+f3")
        text = screen_text(app)
        assert text.count("█") > 10 and "░" in text
        assert {GAS, WATER} <= set(values(screen, "cases"))


# -- 80×24: the key bars fit, the scorecard's rank is whole -------------------------------


async def test_key_bars_fit_and_rank_is_whole_at_80x24(make_app, world) -> None:
    from rich.cells import cell_len

    from samad_desk.screens.scorecard_screen import ScorecardScreen
    from samad_desk.text.digits import fa

    build(world)
    async with on_report(make_app) as (app, pilot, screen):
        await settle(pilot)
        bar = key_bar_text(app)
        assert cell_len(bar) <= 80, bar
        for key in ("F2 ", "F3 ", "F4 ", "F11 ", "Esc "):  # the report's own keys, none pushed off
            assert key in bar, (key, bar)
        assert "ﻪﺴﯾﺎﻘﻣ F11" in screen_text(app).splitlines()[-2]  # drawn whole on the key row
        await press(pilot, "escape")
        screen = await press(pilot, "shift+f4")
        assert isinstance(screen, ScorecardScreen)
        bar = key_bar_text(app)
        assert cell_len(bar) <= 80 and "F4 " in bar and "Esc " in bar, bar
        for i, row in enumerate(screen.table.rows):
            texts = screen.table.row_texts(i)
            assert texts[0].strip() == fa(row.rank) and "…" not in texts[0]
            assert texts[-1].strip()[-1] in "▲▼=·"  # the trend's mark against the months before


def test_a_refused_pending_spec_does_not_block_the_list(tmp_path) -> None:
    from samad_desk.services.report_specs import SavedSpecs
    from samad_desk.sync.errors import ServerRejected

    class Server:
        def save_report_spec(self, name, spec):
            raise ServerRejected("گزارش: نپذیرفت")

        def list_report_specs(self):
            return {"specs": [{"name": "مشترک", "spec": {"rows": ["type"]}, "owner": "op-other",
                               "shared": True, "mine": False}]}

    p = tmp_path / "specs.json"
    SavedSpecs(p).save(spec_from_dict({"name": "محلی", "rows": ["agency"]}))
    saved = SavedSpecs(p, Server(), {"id": "op-super1"})
    assert saved.refresh() is None  # the list came, though the pending save was refused
    assert [(s.name, s.pending, s.mine) for s in saved.cached()] == [("محلی", True, True), ("مشترک", False, False)]
