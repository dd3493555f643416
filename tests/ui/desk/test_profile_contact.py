"""The citizen profile's contact details with their history (issue 7.4): the edit dialog
(every field's bad input at the field, nothing typed lost), the «previously» values on the
profile, the history screen, values heard but not applied, and who may edit."""

from __future__ import annotations

from samad_desk.domain import ops as domain_ops
from samad_desk.domain.ids import uuid7
from samad_desk.screens.details_history_screen import DetailsHistoryScreen
from samad_desk.screens.modals import ContactEditModal
from samad_desk.screens.profile_screen import ProfileScreen
from samad_desk.services import DeskSession, FormInvalid
from samad_desk.services.citizen_details import HEARD, ContactDetails, clean_contact
from samad_desk.text.digits import fa
from tests.support.desk_ui import NID, existing_call, open_profile, press, settle, type_text


async def _open_profile(pilot) -> ProfileScreen:
    await settle(pilot)
    return await open_profile(pilot, NID)


async def _clear(pilot, n: int = 20) -> None:
    await pilot.press("end", *["backspace"] * n)


async def test_edit_contact_with_bad_fields_then_history(make_app, store, services) -> None:
    first = await existing_call(services)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        profile = await _open_profile(pilot)
        assert f"شماره همراه: {fa('09121234567')}" in profile.text
        assert "پیش‌تر" not in profile.text
        dialog = await press(pilot, "f2")
        assert isinstance(dialog, ContactEditModal)
        assert app.focused is dialog.query_one("#in-mobile")
        await _clear(pilot)
        await type_text(pilot, "09351112233")
        await pilot.press("tab")
        await type_text(pilot, "12345")  # landline without an area code
        await pilot.press("tab", "tab")  # city kept, to the address
        await type_text(pilot, "خیابان فردوسی کوچه ۱۲")
        await pilot.press("tab")
        await type_text(pilot, "123")  # postal code too short
        before = len(store.pending_ops(limit=1000))
        await press(pilot, "f2")
        assert app.screen is dialog  # not saved
        assert "تلفن" in dialog.field_error("phone")
        assert "۱۰ رقم" in dialog.field_error("postal_code")
        assert dialog.field_error("mobile") == "" and dialog.field_error("address") == ""
        assert app.focused is dialog.query_one("#in-phone")  # the first bad field
        assert dialog.values()["mobile"] == "09351112233"  # nothing typed is lost
        assert dialog.values()["address"] == "خیابان فردوسی کوچه ۱۲"
        assert len(store.pending_ops(limit=1000)) == before
        await _clear(pilot)
        await type_text(pilot, "02833334444")
        await pilot.press("tab", "tab", "tab")
        await _clear(pilot)
        await type_text(pilot, "3413757391")
        await press(pilot, "f2")
        assert app.screen is profile
        [op] = store.pending_ops(limit=1000)[before:]
        assert op["type"] == "citizen.upsert" and op["entity_id"] == first.citizen_id
        assert op["payload"]["mobile"] == "09351112233" and op["payload"]["phone"] == "02833334444"
        assert op["payload"]["base"]["mobile"] == "09121234567"
        assert "city" not in op["payload"]  # only what changed
        text = profile.text
        assert f"شماره همراه: {fa('09351112233')}" in text
        assert f"پیش‌تر {fa('09121234567')}" in text
        assert f"کد پستی: {fa('3413757391')}" in text
        history = await press(pilot, "f4")
        assert isinstance(history, DetailsHistoryScreen)
        rows = history.rows
        assert any(f"{fa('09121234567')} ← {fa('09351112233')}" in r and "در صف ارسال" in r
                   for r in rows)
        assert any("تلفن ثابت" in r for r in rows)
        assert not any("نام:" in r for r in rows)  # contact details only, until F3
        await press(pilot, "f3")
        assert any(r.split(" ", 1)[1].startswith("نام:") for r in history.rows)
        await press(pilot, "escape")
        assert app.screen is profile


async def test_escape_leaves_without_saving(make_app, store, services) -> None:
    await existing_call(services)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_profile(pilot)
        before = len(store.pending_ops(limit=1000))
        await press(pilot, "f2")
        await type_text(pilot, "0")
        await press(pilot, "escape")
        assert isinstance(app.screen, ProfileScreen)
        assert len(store.pending_ops(limit=1000)) == before


async def test_officer_may_not_edit_contact_details(make_app, store, services, settings) -> None:
    first = await existing_call(services)
    officer = {"id": "op-water1", "username": "water1", "name": "رضا عباسی", "role": "officer",
               "agency_id": "water-qazvin", "province": "qazvin"}
    details = ContactDetails(DeskSession(store, officer))
    assert "نقش شما" in (details.refusal() or "")
    try:
        details.save(first.citizen_id, {"mobile": "09351112233"})
    except Exception as exc:
        assert "اپراتور ۱۱۱" in str(exc)
    else:
        raise AssertionError("an officer edited a citizen")


async def test_hostile_values_get_a_message_per_field() -> None:
    cases = {
        "mobile": ("۰۲۸۳۳۳۳۴۴۴۴", "ثابت"),
        "phone": ("09121234567", "همراه"),
        "postal_code": ("1111111111", "یکسان"),
        "address": ("الف" * 400, "بلند"),
    }
    for field, (value, word) in cases.items():
        try:
            clean_contact({field: value})
        except FormInvalid as exc:
            assert list(exc.errors) == [field] and word in exc.errors[field], exc.errors
        else:
            raise AssertionError(f"{field}: {value!r} accepted")
    # controls and bidi overrides are removed, the rest kept; empty means none
    clean = clean_contact({"address": "\u202eخیابان\x1b[31m آزادی\u0000", "mobile": "", "city": " قزوین "})
    assert clean["address"] == "خیابان آزادی" and clean["mobile"] is None and clean["city"] == "قزوین"


async def test_a_different_number_heard_on_a_new_call_is_kept_for_review(store, services) -> None:
    first = await existing_call(services)
    # another desk registered the same national ID as a "new" citizen with another mobile
    store.save([domain_ops.citizen_upsert(
        {"id": uuid7(), "national_id": NID, "first_name": "علی", "last_name": "رضایی",
         "mobile": "09187654321"}, services.actor)])
    details = services.contact_details()
    heard = [c for c in details.history(first.citizen_id) if c.kind == HEARD]
    assert [(c.field, c.old, c.new) for c in heard] == [("mobile", "09121234567", "09187654321")]
    assert "گفته شد، ثبت نشد" in heard[0].text()
    assert store.get("citizen", first.citizen_id)["mobile"] == "09121234567"
