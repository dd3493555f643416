"""Every field's bad input: a Persian message at that field, the focus on it, the rest of
the form kept, and nothing in the journal."""

from __future__ import annotations

import pytest

from samad_desk.screens.call_screen import CallEntryScreen
from tests.support.desk_ui import GOOD, desk, fill_case, press, settle, type_text

# field -> (what to type instead of the good value, a word the message must contain)
BAD = {
    "national_id": ("0012345678", "کد ملی"),
    "first_name": ("علی2", "نام"),
    "last_name": ("", "نام خانوادگی"),
    "father_name": ("حسن!", "نام پدر"),
    "birth_date": ("1365/13/40", "تاریخ تولد"),
    "mobile": ("0912123", "همراه"),
    "city": ("تهران", "شهر"),
    "case_type": ("چیزی", "نوع پیام"),
    "subject": ("نامعلوم", "موضوع"),
    "agency": ("", "دستگاه"),
    "description": ("آب", "شرح"),  # under MIN_DESCRIPTION (3, domain/fields.py)
}


async def _replace(pilot, screen: CallEntryScreen, name: str, text: str) -> None:
    widget = screen.input(name)
    widget.focus()
    await pilot.pause()
    widget.value = ""
    await pilot.pause()
    if name == "agency":
        screen.field("agency").selected = None
    await type_text(pilot, text)


@pytest.mark.parametrize("name", list(BAD))
async def test_bad_field_gets_message_focus_and_keeps_the_rest(make_app, store, name) -> None:
    bad_text, word = BAD[name]
    app = make_app()
    async with desk(app) as pilot:
        screen = app.screen
        screen.load_form(GOOD)
        await settle(pilot)
        await _replace(pilot, screen, name, bad_text)
        await settle(pilot)
        before = screen.form()
        await press(pilot, "f2")
        assert app.screen is screen, "no dialog: the call was not saved"
        row = screen.field(name)
        assert word in row.error, (name, row.error)
        assert app.focused is screen.input(name)
        for other in ("first_name", "mobile", "description", "case_type"):
            if other != name:
                assert getattr(screen.form(), other) == getattr(before, other)
        for other in BAD:
            if other != name:
                assert screen.field(other).error == "", (other, screen.field(other).error)
    assert store.pending_ops(limit=100) == []


async def test_empty_form_marks_every_required_field(make_app, store) -> None:
    app = make_app()
    async with desk(app) as pilot:
        screen = await press(pilot, "f2")
        for name in ("national_id", "first_name", "last_name", "mobile", "city", "case_type",
                     "subject", "agency", "description"):
            assert screen.field(name).error, name
        assert screen.field("father_name").error == ""
        assert app.focused is screen.input("national_id")


async def test_no_national_id_path_is_flagged(make_app, store) -> None:
    app = make_app()
    async with desk(app) as pilot:
        await pilot.press("shift+f4")
        await pilot.press("enter")
        await type_text(pilot, "سارا")
        await pilot.press("enter")
        await type_text(pilot, "کریمی")
        await pilot.press("enter", "enter", "enter")
        await type_text(pilot, "09351112233")
        await pilot.press("enter")
        await type_text(pilot, "قزو")
        await pilot.press("enter")
        await fill_case(pilot)
        await press(pilot, "f2")
    ops = store.pending_ops(limit=100)
    assert ops[0]["type"] == "citizen.upsert"
    assert ops[0]["payload"]["no_national_id"] is True
    assert ops[0]["payload"]["national_id"] is None
