"""Finding 13 of issue 12: the follow-up screen shows the case's description, the history
marks an objection, and the tracking panel after "record as follow-up" does not say a
case was registered."""

from __future__ import annotations

from samad_desk.screens.modals import FollowupOfferModal
from tests.support.desk_ui import (
    NID,
    answer,
    call_again,
    desk,
    existing_call,
    open_followup,
    press,
    type_text,
)


async def test_followup_shows_the_description_and_marks_an_objection(make_app, store, services, settings) -> None:
    first = await existing_call(services, subject="water.outage")
    answer(store, settings, first.case_id)
    app = make_app()
    async with desk(app) as pilot:
        screen = await open_followup(pilot, first.tracking_code)
        assert "شرح پیام: برق خیابان از دیشب قطع است" in screen.summary_text
        await type_text(pilot, "هنوز آب قطع است")
        await pilot.press("tab")
        await type_text(pilot, "ناراضی")
        await pilot.press("enter")
        await press(pilot, "f2")
        assert "در حال رسیدگی" in screen.summary_text
        assert "اعتراض شهروند به پاسخ" in screen.history_texts[-1]


async def test_record_as_followup_panel_does_not_say_a_case_was_registered(make_app, store, services) -> None:
    first = await existing_call(services, subject="water.outage")
    app = make_app()
    async with desk(app) as pilot:
        assert isinstance(await call_again(pilot, NID), FollowupOfferModal)
        await press(pilot, "f2")
        panel = app.screen.tracking
        assert panel.shown and panel.code == first.tracking_code
        assert panel.text.startswith("پیگیری ثبت شد") and "پرونده ثبت شد" not in panel.text
        # the next new case gets the usual title again
        await press(pilot, "enter")
        if isinstance(await call_again(pilot, NID), FollowupOfferModal):
            await press(pilot, "f3")
        assert app.screen.tracking.text.startswith("پرونده ثبت شد")


async def test_satisfaction_list_shows_every_row_at_80x24(make_app, store, services, settings) -> None:
    """Finding 9 (and the cosmetic "list options wrap mid-word when a scrollbar shows"):
    with a long history the satisfaction field sits at the bottom of the scrolled body;
    its list showed one row, its options wrapped when the body's scrollbar appeared."""
    from samad_desk.domain import ops as domain_ops
    from samad_desk.screens.followup_screen import SATISFACTION
    from tests.support.desk_ui import screen_text

    first = await existing_call(services, subject="water.outage")
    answer(store, settings, first.case_id)
    for i in range(4):
        case = store.get("case", first.case_id)
        store.save([domain_ops.case_followup(case, services.actor, note=f"تماس {i}")])
    app = make_app()
    async with desk(app) as pilot:
        screen = await open_followup(pilot, first.tracking_code)
        await press(pilot, "tab", "down")
        options = screen.query_one("#row-satisfied").query_one("OptionList")
        body = screen.query_one("#fu-body").region
        assert options.option_count == len(SATISFACTION)
        assert body.y <= options.region.y and options.region.bottom <= body.bottom
        rows = [r for r in screen_text(app).split("\n") if r.startswith("▊") and r[1] not in "▔▁"]
        assert len(rows) == len(SATISFACTION), "\n".join(rows)
