"""Taking whole calls with the keyboard only, at 80×24, against a real store."""

from __future__ import annotations

from samad_desk.domain.tracking import format_tracking_code
from samad_desk.screens.call_screen import CallEntryScreen
from samad_desk.screens.modals import FollowupOfferModal
from samad_desk.text.digits import to_persian_digits
from samad_desk.widgets.form import CandidateList
from tests.support.desk_ui import (
    GOOD,
    MISTYPED,
    NID,
    call_again,
    desk,
    existing_call,
    fill_case,
    fill_citizen,
    press,
    screen_text,
    settle,
    type_text,
)


def saved_ops(store) -> list[dict]:
    return store.pending_ops(limit=1000)


async def test_new_citizen_call(make_app, store) -> None:
    app = make_app()
    async with desk(app) as pilot:
        assert isinstance(app.screen, CallEntryScreen)
        assert app.focused.id == "in-national_id"
        await fill_citizen(pilot)
        await fill_case(pilot)
        screen = app.screen
        assert screen.field("agency").value == "water-qazvin"
        await press(pilot, "f2")
        assert app.screen.tracking.shown
        code = app.screen.tracking.code
        assert to_persian_digits(format_tracking_code(code)) in app.screen.tracking.text
        assert to_persian_digits(code[0]) in screen_text(app)
        ops = saved_ops(store)
        assert [o["type"] for o in ops] == ["citizen.upsert", "case.register", "case.refer"]
        assert ops[0]["payload"]["national_id"] == NID
        assert ops[0]["payload"]["mobile"] == "09121234567"
        assert ops[0]["payload"]["birth_date"] == "1986-07-03"
        assert ops[1]["payload"]["tracking_code"] == code
        assert ops[1]["payload"]["subject"] == "water.outage"
        assert ops[1]["payload"]["type"] == "complaint"
        assert ops[2]["payload"]["agency_id"] == "water-qazvin"
        case = store.case_by_tracking_code(code)
        assert case is not None and case["state"] == "referred"
        citizen = store.citizen_by_national_id(NID)
        assert citizen["first_name"] == "علی" and citizen["father_name"] == "حسن"
        # the status bar counts the three pending operations
        await press(pilot, "enter")  # next call
        assert isinstance(app.screen, CallEntryScreen)
        assert app.screen.form().is_blank()
        from samad_desk.widgets.chrome import StatusBar

        assert "۳" in app.screen.query_one(StatusBar).text


async def test_existing_citizen_found_by_mistyped_id(make_app, store, services) -> None:
    first = await existing_call(services)
    before = len(saved_ops(store))
    app = make_app()
    async with desk(app) as pilot:
        await type_text(pilot, MISTYPED)
        await settle(pilot)
        candidates = app.screen.query_one(CandidateList)
        assert len(candidates.candidates) == 1
        assert candidates.candidates[0].citizen_id == first.citizen_id
        assert "یک رقم" in candidates.texts[0]
        await pilot.press("f4")
        assert app.focused is candidates
        screen = await press(pilot, "enter")
        assert screen.citizen_id == first.citizen_id
        assert screen.input("national_id").value == NID
        assert screen.input("last_name").value == "رضایی"
        assert app.focused is screen.input("case_type")
        await fill_case(pilot)
        await press(pilot, "f2")
        assert app.screen.tracking.shown
    ops = saved_ops(store)[before:]
    assert [o["type"] for o in ops] == ["case.register", "case.refer"]
    assert ops[0]["payload"]["citizen_id"] == first.citizen_id
    assert len(store.cases_of_citizen(first.citizen_id)) == 2


async def test_followup_offered_for_open_case_on_same_matter(make_app, store, services) -> None:
    first = await existing_call(services, subject="water.outage")
    before = len(saved_ops(store))
    app = make_app()
    async with desk(app) as pilot:
        assert isinstance(await call_again(pilot, NID), FollowupOfferModal)
        assert to_persian_digits(format_tracking_code(first.tracking_code)) in app.screen.text
        await press(pilot, "f2")
        assert app.screen.tracking.shown
        assert app.screen.tracking.code == first.tracking_code
    ops = saved_ops(store)[before:]
    assert [o["type"] for o in ops] == ["case.followup"]
    assert ops[0]["entity_id"] == first.case_id
    assert len(store.cases_of_citizen(first.citizen_id)) == 1
    kinds = [e["kind"] for e in store.events_of_case(first.case_id)]
    assert kinds[-1] == "followup"


async def test_new_case_anyway_from_the_offer(make_app, store, services) -> None:
    first = await existing_call(services, subject="water.outage")
    app = make_app()
    async with desk(app) as pilot:
        await call_again(pilot, NID)
        await press(pilot, "f3")
        assert app.screen.tracking.shown
        assert app.screen.tracking.code != first.tracking_code
    assert len(store.cases_of_citizen(first.citizen_id)) == 2


async def test_save_key_refuses_a_second_save_while_one_runs(make_app, store) -> None:
    app = make_app()
    async with desk(app) as pilot:
        app.screen.load_form(GOOD)
        await settle(pilot)
        await press(pilot, "f2", "f2")
        assert app.screen.tracking.shown
    assert [o["type"] for o in saved_ops(store)].count("case.register") == 1
