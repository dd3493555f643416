"""The cartable at 80×24 with the keyboard: deadline order, cues, filters, search, counts,
the manager as owner, reminders; an officer never sees another agency's cases."""

from __future__ import annotations

from datetime import timedelta

from samad_desk.demo import qazvin_agencies
from samad_desk.screens.cartable_screen import CartableScreen
from samad_desk.screens.case_screen import CaseScreen
from samad_desk.text.digits import to_persian_digits
from tests.support.cartable import NOW, POWER, WATER, open_cartable, press, settle
from tests.support.pilot import screen_text, toasts, type_text


def build(world):
    ids = {}
    ids["late"] = world.call(WATER, at=NOW - timedelta(days=30), city="تاکستان", type="request",
                             first="زهرا", last="کریمی")
    # referred nine working days ago: one working day left
    nine_back = world.calendar.add_working_days(NOW.date(), -9)
    ids["near"] = world.call(WATER, at=NOW.replace(year=nine_back.year, month=nine_back.month, day=nine_back.day))
    ids["fresh"] = world.call(WATER, at=NOW - timedelta(hours=2), first="مریم", last="احمدی")
    ids["answered"] = world.call(WATER, at=NOW - timedelta(days=6))
    world.act("water1", ids["answered"], "answer", {"text": "انجام شد"}, NOW - timedelta(days=1))
    world.act("watermgr", ids["fresh"], "assign", {"operator_id": "op-water2"}, NOW - timedelta(hours=1))
    ids["power"] = world.call(POWER, at=NOW - timedelta(days=30), first="پرونده", last="برق")
    ids["unreferred"] = world.call(None, at=NOW - timedelta(days=1))
    return ids


async def test_officer_cartable_order_cues_counts_owner(make_app, world) -> None:
    ids = build(world)
    app = make_app("water1")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_cartable(pilot)
        table = screen.table
        assert [r.id for r in table.rows] == [ids["late"], ids["near"], ids["fresh"]]
        cues = [table.row_texts(i)[-1] for i in range(3)]
        assert cues[0].endswith("روز تأخیر")
        assert cues[1] == "۱ روز"
        assert cues[2] == "۱۰ روز"
        manager = next(a["manager_name"] for a in qazvin_agencies() if a["id"] == WATER)
        text = screen.query_one("#cart-owner").text
        assert manager in text and "آب" in text
        counts = screen.query_one("#cart-counts").text
        assert "ارجاع‌شده ۳" in counts and "پاسخ داده شده ۱" in counts and "معوق ۱" in counts
        assert any("یادآوری" in t or "مهلت" in t for t in toasts(app))
        # the tracking code shows in Persian digits, and the referral date in Jalali
        code = world.case(ids["late"])["tracking_code"]
        shown = screen_text(app)
        assert to_persian_digits(code[-4:]) in shown
        assert table.row_texts(0)[5].startswith("۱۴۰۳/")
        # never another agency's case, nor an unreferred one
        all_ids = {r.id for r in screen.data.rows}
        assert ids["power"] not in all_ids and ids["unreferred"] not in all_ids


async def test_filters_and_search_with_function_keys(make_app, world) -> None:
    ids = build(world)
    app = make_app("water1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_cartable(pilot)
        table = screen.table
        await pilot.press("f11")  # only overdue
        assert [r.id for r in table.rows] == [ids["late"]]
        await pilot.press("f11")
        await pilot.press("f2")  # state: open -> referred
        assert screen.filter.state == "referred"
        assert {r.id for r in table.rows} == {ids["late"], ids["near"], ids["fresh"]}
        await pilot.press("f2", "f2")  # -> in_progress -> answered
        assert [r.id for r in table.rows] == [ids["answered"]]
        await pilot.press("shift+f3")  # clear: every state
        assert len(table.rows) == 4
        await pilot.press("f3")  # type: request
        assert [r.id for r in table.rows] == [ids["late"]]
        await pilot.press("shift+f3", "f4")  # city: the first city in the list
        assert all(r.city == screen.filter.city for r in table.rows) and table.rows
        await pilot.press("shift+f3", "shift+f2")  # officer: unassigned
        assert ids["fresh"] not in {r.id for r in table.rows}
        await pilot.press("shift+f2")  # the first officer of the agency: op-water1
        await pilot.press("shift+f2")  # op-water2
        assert [r.id for r in table.rows] == [ids["fresh"]]
        await pilot.press("shift+f3")
        # typing while the table has focus searches (Persian letters, no binding fires)
        table.focus()
        await type_text(pilot, "مریم")
        await settle(pilot)
        assert [r.id for r in table.rows] == [ids["fresh"]]
        assert screen.query_one("#cart-search").value == "مریم"
        await pilot.press("escape")
        assert len(table.rows) == 4
        # search by the tracking code's digits in Persian
        table.focus()
        code = world.case(ids["near"])["tracking_code"]
        await type_text(pilot, to_persian_digits(code[-6:]))
        assert [r.id for r in table.rows] == [ids["near"]]


async def test_enter_opens_the_case_and_escape_returns(make_app, world) -> None:
    ids = build(world)
    app = make_app("water1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_cartable(pilot)
        screen.table.focus()
        await press(pilot, "down", "enter")
        assert isinstance(app.screen, CaseScreen)
        assert app.screen.case_id == ids["near"]
        assert "تاریخچه" in app.screen.text
        await press(pilot, "escape")
        assert isinstance(app.screen, CartableScreen)
        assert screen.table.current.id == ids["near"]  # the cursor stayed where it was


async def test_agent_has_no_cartable(make_app, world) -> None:
    build(world)
    app = make_app("agent1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_cartable(pilot)
        assert screen.table.rows == []
        assert "کارتابل مخصوص" in (screen.refusal or "")


async def test_supervisor_can_switch_agency_read_only(make_app, world) -> None:
    ids = build(world)
    app = make_app("super1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_cartable(pilot)
        seen = set()
        for _ in range(len(qazvin_agencies())):
            seen |= {r.id for r in screen.table.rows}
            await press(pilot, "shift+f4")
        assert ids["power"] in seen and ids["late"] in seen


async def test_officer_cannot_switch_agency(make_app, world) -> None:
    build(world)
    app = make_app("water1")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_cartable(pilot)
        await press(pilot, "shift+f4")
        assert screen.agency_id == WATER
        assert any("دستگاه خودتان" in t for t in toasts(app))
