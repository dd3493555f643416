"""Follow-up calls, the citizen profile, the lookup screen and the needs-attention list."""

from __future__ import annotations

from samad_desk.screens.attention_screen import AttentionScreen
from samad_desk.screens.followup_screen import FollowupScreen
from samad_desk.text.digits import fa
from tests.support.desk_ui import (
    NID,
    answer,
    desk,
    existing_call,
    existing_calls,
    open_followup,
    open_profile,
    press,
    settle,
    type_text,
    wait_until,
)


async def test_followup_by_tracking_code_shows_case_and_records_call(make_app, store, services) -> None:
    first = await existing_call(services, subject="water.outage")
    before = len(store.pending_ops(limit=100))
    app = make_app()
    async with desk(app) as pilot:
        screen = await open_followup(pilot, first.tracking_code)
        assert isinstance(screen, FollowupScreen)
        summary = screen.summary_text
        assert "ارجاع‌شده" in summary
        assert "شرکت آب و فاضلاب" in summary
        assert "روز کاری مانده" in summary
        history = screen.history_texts
        assert [h.split()[1] for h in history] == ["ثبت", "ارجاع"]
        await type_text(pilot, "شهروند پرسید کی وصل می‌شود")
        await press(pilot, "f2")
        assert len(screen.history_texts) == 3
    ops = store.pending_ops(limit=100)[before:]
    assert [o["type"] for o in ops] == ["case.followup"]
    assert ops[0]["payload"]["satisfied"] is None


async def test_check_digit_verified_as_typed(make_app, store, services) -> None:
    first = await existing_call(services)
    code = first.tracking_code
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    app = make_app()
    async with desk(app) as pilot:
        screen = await press(pilot, "f7")
        await type_text(pilot, wrong)
        await pilot.pause()
        assert screen.query_one("#row-query").error
        assert app.focused.id == "in-query"


async def test_followup_by_national_id_lists_cases(make_app, store, services) -> None:
    await existing_calls(services, "water.outage", "power.outage")
    app = make_app()
    async with desk(app) as pilot:
        screen = await open_followup(pilot, NID)
        results = screen.query_one("#fu-results")
        assert results.option_count == 2
        assert app.focused is results
        await press(pilot, "enter")
        assert screen.view is not None


async def test_objection_reopens_an_answered_case(make_app, store, services, settings) -> None:
    first = await existing_call(services, subject="water.outage")
    answer(store, settings, first.case_id)
    assert store.get("case", first.case_id)["state"] == "answered"
    app = make_app()
    async with desk(app) as pilot:
        screen = await open_followup(pilot, first.tracking_code)
        assert "لوله اصلی تعمیر شد" in screen.summary_text
        # dissatisfied without a reason: message at the note, nothing saved
        await pilot.press("tab")
        await type_text(pilot, "ناراضی")
        await pilot.press("enter")
        await press(pilot, "f2")
        assert "اعتراض" in screen.query_one("#row-note").error
        assert app.focused.id == "in-note"
        await type_text(pilot, "هنوز آب قطع است")
        await press(pilot, "f2")
        assert "در حال رسیدگی" in screen.summary_text
    assert store.get("case", first.case_id)["state"] == "in_progress"
    last = store.pending_ops(limit=100)[-1]
    assert last["type"] == "case.followup" and last["payload"]["satisfied"] is False


async def test_profile_lists_all_cases_and_opens_one(make_app, store, services) -> None:
    await existing_calls(services, "water.outage", "power.outage")
    app = make_app()
    async with desk(app) as pilot:
        screen = await open_profile(pilot, NID)
        assert "علی رضایی" in screen.text and fa(NID) in screen.text
        assert len(screen.cases) == 2
        await press(pilot, "enter")
        assert app.current_mode == "followup"
        assert app.screen.view is not None


async def test_lookup_screen_candidates_as_you_type(make_app, store, services) -> None:
    first = await existing_call(services)
    app = make_app()
    async with desk(app) as pilot:
        screen = await press(pilot, "f6")
        await pilot.press("tab")  # to the mobile field
        await type_text(pilot, "09121234567")
        await settle(pilot)
        found = screen.query_one("#lookup-candidates").candidates
        assert [c.citizen_id for c in found] == [first.citizen_id]
        assert "شماره همراه یکسان" in found[0].reasons
        # F2 from the list: a call for this citizen
        await press(pilot, "f4", "f2")
        assert app.current_mode == "call"
        assert app.screen.citizen_id == first.citizen_id


async def test_needs_attention_lists_rejected_ops_and_dismisses(make_app, store, services) -> None:
    first = await existing_call(services)
    refer = [o for o in store.pending_ops(limit=100) if o["type"] == "case.refer"][0]
    store.record_results([{"op_id": refer["op_id"], "status": "rejected", "code": "invalid_transition",
                           "message": "پرونده پیش‌تر مختومه شده است.",
                           "current": {"state": "closed", "version": 3}}])
    app = make_app()
    async with desk(app) as pilot:
        from samad_desk.widgets.chrome import StatusBar

        # the status bar's periodic refresh shows the count (a condition, not a 1.1 s pause)
        await wait_until(pilot, lambda: "نیازمند توجه: ۱" in app.screen.query_one(StatusBar).text,
                         timeout=10, what="the needs-attention count in the status bar")
        screen = await press(pilot, "f10")
        assert isinstance(screen, AttentionScreen)
        assert len(screen.texts) == 1
        assert "ارجاع پرونده" in screen.texts[0]
        assert "پیش‌تر مختومه" in screen.texts[0]
        assert "مختومه" in screen.texts[0].splitlines()[-1]
        await press(pilot, "f3")
        assert screen.texts == []
    assert store.needs_attention() == []
    assert first.case_id


async def test_lookup_by_name_uses_the_matching_engine(make_app, store, services) -> None:
    first = await existing_call(services)
    app = make_app()
    async with desk(app) as pilot:
        screen = await press(pilot, "f6")
        await pilot.press("tab", "tab")  # first name
        await type_text(pilot, "علی")
        await pilot.press("tab")
        await type_text(pilot, "رضای")  # still typing the last name
        await settle(pilot)
        found = screen.query_one("#lookup-candidates").candidates
        assert found and found[0].citizen_id == first.citizen_id
        assert found[0].reasons
