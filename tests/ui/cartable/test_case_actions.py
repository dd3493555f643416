"""Every action of the case screen and every refused transition, as officer, manager and
supervisor, at 80×24 with the keyboard. Each action is one op in the journal (pending
until synced); a refused one writes nothing and says why, in Persian."""

from __future__ import annotations

from datetime import timedelta

from samad_desk.screens.case_screen import CaseScreen
from samad_desk.screens.modals import ActionForm
from tests.support.cartable import NOW, POWER, WATER, on_case, open_case, pending, press, refused
from tests.support.pilot import type_text


def ops_of(store, case_id: str) -> list[dict]:
    return [o for o in pending(store) if o["entity_id"] == case_id]


async def test_officer_accepts_and_answers_then_refusals(make_app, world, store) -> None:
    case_id = world.call(WATER, at=NOW - timedelta(days=2))
    async with on_case(make_app, "water1", case_id) as (app, pilot, screen):
        assert "پذیرش" in screen.query_one("#case-allowed").text
        await press(pilot, "f2")  # accept
        [op] = ops_of(store, case_id)
        assert op["type"] == "case.accept" and op["actor"]["operator_id"] == "op-water1"
        assert store.get("case", case_id)["state"] == "in_progress"
        assert "پذیرش" in screen.query_one("#case-history").text
        await refused(pilot, "f2", "پیش‌تر پذیرفته شده")

        await press(pilot, "f3")  # answer: multi-line RTL text
        assert isinstance(app.screen, ActionForm)
        await type_text(pilot, "لوله اصلی تعمیر شد.")
        await pilot.press("enter")
        await type_text(pilot, "با سپاس")
        await press(pilot, "f2")
        answer = ops_of(store, case_id)[-1]
        assert answer["type"] == "case.answer"
        assert answer["payload"]["text"] == "لوله اصلی تعمیر شد.\nبا سپاس"
        case = store.get("case", case_id)
        assert case["state"] == "answered" and case["answer"].startswith("لوله اصلی")

        # refused on an answered case, by state and by role
        await refused(pilot, "f4", "تمدید مهلت معنا ندارد")
        await refused(pilot, "shift+f3", "دیگر نمی‌توان آن را عودت داد")
        await refused(pilot, "shift+f2", "فقط از مدیر دستگاه")
        await refused(pilot, "shift+f8", "بازگشایی پرونده با ناظر استان است")
        await refused(pilot, "shift+f6", "اجازهٔ «ارجاع به ناظر»")
        assert len(ops_of(store, case_id)) == 2


async def test_officer_extends_within_the_maximum_notes_and_returns(make_app, world, store) -> None:
    case_id = world.call(WATER, at=NOW - timedelta(days=2))
    async with on_case(make_app, "water1", case_id) as (app, pilot, screen):
        form = await press(pilot, "f4")
        assert isinstance(form, ActionForm) and "۵ روز دیگر" in form.query_one("#form-note").text
        await type_text(pilot, "۹")
        await pilot.press("tab")
        await type_text(pilot, "بازدید میدانی لازم است")
        await press(pilot, "f2")
        assert app.screen is form and "حداکثر" in form.error  # 10 + 9 > 15: refused in the form
        assert ops_of(store, case_id) == []
        form.query_one("#field-days").focus()
        await pilot.press("backspace")
        await type_text(pilot, "3")
        await press(pilot, "f2")
        [op] = ops_of(store, case_id)
        assert op["type"] == "case.extend" and op["payload"] == {"days": 3, "reason": "بازدید میدانی لازم است"}
        assert store.get("case", case_id)["extended_days"] == 3
        assert "تمدید مهلت" in screen.query_one("#case-history").text
        assert "تمدید: ۳ روز" in screen.query_one("#case-cue").text

        await press(pilot, "f11")  # note
        await type_text(pilot, "با مشترک تماس گرفته شد")
        await press(pilot, "f2")
        assert ops_of(store, case_id)[-1]["type"] == "case.note"

        await press(pilot, "shift+f3")  # return: the reason is required
        form = app.screen
        await press(pilot, "f2")
        assert app.screen is form and "دلیل" in form.error
        form.query_one("#field-reason").focus()
        await type_text(pilot, "مربوط به شهرداری است")
        await press(pilot, "f2")
        op = ops_of(store, case_id)[-1]
        assert op["type"] == "case.return"
        assert op["payload"] == {"suggested_agency_id": None, "reason": "مربوط به شهرداری است"}
        assert store.get("case", case_id)["state"] == "returned"
        # returned: back with the 111 unit; no longer ours
        await refused(pilot, "f3", "در کارتابل شما نیست")
        assert len(ops_of(store, case_id)) == 3


async def test_officer_refers_on_through_the_111_unit(make_app, world, store) -> None:
    case_id = world.call(WATER, at=NOW - timedelta(days=1))
    async with on_case(make_app, "water1", case_id) as (app, pilot, screen):
        form = await press(pilot, "shift+f4")
        assert isinstance(form, ActionForm) and "واحد ۱۱۱" in form.query_one("#form-note").text
        choices = form.fields[0].choices
        assert WATER not in [c[0] for c in choices]
        await pilot.press("down")  # the second agency in the list
        await pilot.press("tab")
        await type_text(pilot, "موضوع گاز است")
        await press(pilot, "f2")
        [op] = ops_of(store, case_id)
        assert op["type"] == "case.return" and op["payload"]["suggested_agency_id"] == choices[1][0]
        assert op["payload"]["reason"] == "موضوع گاز است"


async def test_officer_refusals_close_unanswered_and_other_agency(make_app, world, store) -> None:
    ours = world.call(WATER, at=NOW - timedelta(days=1))
    theirs = world.call(POWER, at=NOW - timedelta(days=1))
    async with on_case(make_app, "water1", ours) as (app, pilot, screen):
        # a Persian layout: letters (and ctrl+letter, which arrives as a bare letter) do nothing
        await press(pilot, "ض", "ص", "ث")
        assert isinstance(pilot.app.screen, CaseScreen) and pending(store) == []
        await refused(pilot, "shift+f7", "فقط پس از ثبت پاسخ")
        await pilot.press("escape")
        screen = await open_case(pilot, theirs)
        assert "در کارتابل شما نیست" in screen.text
        assert "برق" not in screen.text  # nothing of the other agency's case is shown
        for key in ("f2", "f3", "f4", "f11", "shift+f3"):
            await refused(pilot, key, "در کارتابل شما نیست")
        assert pending(store) == []


async def test_manager_assigns_and_closes_after_the_answer(make_app, world, store) -> None:
    case_id = world.call(WATER, at=NOW - timedelta(days=1))
    async with on_case(make_app, "watermgr", case_id) as (app, pilot, screen):
        form = await press(pilot, "shift+f2")
        assert isinstance(form, ActionForm)
        officers = [c[0] for c in form.fields[0].choices]
        assert officers[:2] == ["op-water1", "op-water2"]
        await press(pilot, "down", "f2")
        [op] = ops_of(store, case_id)
        assert op["type"] == "case.assign" and op["payload"] == {"operator_id": "op-water2"}
        assert store.get("case", case_id)["assigned_to"] == "op-water2"
        await press(pilot, "f3")
        await type_text(pilot, "انجام شد")
        await press(pilot, "f2")
        await press(pilot, "shift+f7")  # close: allowed for the agency once answered
        await press(pilot, "f2")
        assert [o["type"] for o in ops_of(store, case_id)] == ["case.assign", "case.answer", "case.close"]
        assert store.get("case", case_id)["state"] == "closed"
        await refused(pilot, "f3", "پرونده مختومه است")
        await refused(pilot, "shift+f8", "بازگشایی پرونده با ناظر استان است")


async def test_supervisor_escalates_closes_reopens_refers_never_answers(make_app, world, store) -> None:
    late = world.call(WATER, at=NOW - timedelta(days=30))
    returned = world.call(WATER, at=NOW - timedelta(days=3))
    world.act("water1", returned, "return", {"reason": "مربوط به برق است", "suggested_agency_id": POWER},
              NOW - timedelta(days=1))
    async with on_case(make_app, "super1", late) as (app, pilot, screen):
        await refused(pilot, "f3", "ناظر استان نمی‌تواند پاسخ")
        await refused(pilot, "f2", "اجازهٔ «پذیرش پرونده»")
        await refused(pilot, "f4", "اجازهٔ «تمدید مهلت»")
        await press(pilot, "shift+f6")  # escalate
        await type_text(pilot, "دو ماه بی‌پاسخ")
        await press(pilot, "f2")
        assert store.get("case", late)["escalated"] is True
        await press(pilot, "shift+f6")  # a second time: refused in the form
        form = app.screen
        await type_text(pilot, "دوباره")
        await press(pilot, "f2")
        assert app.screen is form and "پیش‌تر به ناظر ارجاع شده" in form.error
        await press(pilot, "escape")
        await press(pilot, "shift+f7")  # close an unanswered case: a reason is required
        await type_text(pilot, "تکراری")
        await press(pilot, "f2")
        assert store.get("case", late)["state"] == "closed"
        await press(pilot, "shift+f8")  # reopen
        await type_text(pilot, "شهروند دوباره تماس گرفت")
        await press(pilot, "f2")
        assert store.get("case", late)["state"] == "in_progress"
        assert [o["type"] for o in ops_of(store, late)] == ["case.escalate", "case.close", "case.reopen"]
        await pilot.press("escape")
        await open_case(pilot, returned)
        await press(pilot, "shift+f4")  # the supervisor refers a returned case
        form = app.screen
        ids = [c[0] for c in form.fields[0].choices]
        for _ in range(ids.index(POWER)):
            await pilot.press("down")
        await press(pilot, "f2")
        [op] = ops_of(store, returned)
        assert op["type"] == "case.refer" and op["payload"]["agency_id"] == POWER
        assert store.get("case", returned)["state"] == "referred"
