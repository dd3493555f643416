"""F2 from the agent's side: what the screen shows and where the focus is, on success and
on every kind of failure.

The frame that shows the tracking code moves the form off the screen while the panel
covers all of it (Textual would otherwise render every covered widget). These tests pin
what that must not change: the focus stays where it was, every cell on screen is the
same, the form comes back for the next call, a taller terminal still shows the form below
the panel, and a failed save (a bad field, a full disk) shows no panel and moves nothing.
"""

from __future__ import annotations

import errno
import json
from dataclasses import replace

from samad_desk.screens.call_screen import CallEntryScreen
from samad_desk.screens.modals import FollowupOfferModal
from samad_desk.services import FIELD_LABELS, CallForm
from samad_desk.store import fileio
from samad_desk.text import rtl
from samad_desk.text.digits import to_persian_digits
from tests.support.desk_ui import GOOD, choose_citizen, fill_case, screen_text, settle
from tests.support.pilot import toasts


def _body(screen: CallEntryScreen):
    return screen.query_one("#call-body")


def _on_screen(screen: CallEntryScreen) -> bool:
    return screen.region.overlaps(_body(screen).region)


def _cells(app) -> list[list[tuple[str, str]]]:
    """Every cell the terminal would get: its character and its style."""
    return [
        [(ch, str(seg.style)) for seg in strip for ch in seg.text]
        for strip in app.screen._compositor.render_strips()
    ]


def _label_on_screen(app, name: str) -> bool:
    """Is the field's Persian label drawn (in the visual order the terminal shows)?"""
    return rtl.layout_line(FIELD_LABELS[name]).visual.strip() in screen_text(app)


async def _filled(pilot, app) -> CallEntryScreen:
    await settle(pilot)
    screen = app.screen
    screen.load_form(GOOD)
    await settle(pilot)
    screen.input("description").focus()
    await settle(pilot)
    return screen


async def _saved(pilot, app) -> CallEntryScreen:
    """A complete call, saved with F2: its tracking code is on screen."""
    screen = await _filled(pilot, app)
    await pilot.press("f2")
    await settle(pilot)
    assert screen.tracking.shown
    return screen


async def test_code_shown_with_the_focus_kept_then_the_form_back_for_the_next_call(make_app, store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _filled(pilot, app)
        assert _label_on_screen(app, "national_id")
        focused = app.focused
        assert focused is screen.input("description")
        form_region = _body(screen).region
        await pilot.press("f2")
        await settle(pilot)
        panel = screen.tracking
        assert panel.shown
        # the panel covers every cell of the form, so hiding the form changes nothing seen
        assert panel.region.contains_region(form_region)
        assert not _on_screen(screen)
        assert app.focused is focused, "the focus never moves while the code is shown"
        # cell for cell what the screen would show with the form left in place
        shown = _cells(app)
        screen._uncover_form()
        await pilot.pause()
        assert _on_screen(screen)
        assert _cells(app) == shown
        screen._cover_form()
        await pilot.pause()
        assert not _on_screen(screen)
        assert to_persian_digits(panel.code[:4]) in screen_text(app)
        assert not _label_on_screen(app, "national_id")
        await pilot.press("enter")
        await settle(pilot)
        assert not panel.shown
        assert _body(screen).region == form_region
        assert _body(screen).styles.inline.get_rule("offset") is None
        assert app.focused is screen.input("national_id")
        assert screen.form().is_blank()
        assert _label_on_screen(app, "national_id"), "the form is painted again"
        # and the next call (same caller, another matter) saves and shows its code the same way
        screen.load_form(replace(GOOD, subject="power.outage", agency="power-qazvin"))
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert panel.shown and app.focused is screen.input("national_id")
    assert [o["type"] for o in store.pending_ops(limit=100)].count("case.register") == 2


async def test_f3_closes_the_code_and_brings_the_form_back(make_app, store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _saved(pilot, app)
        await pilot.press("f3")
        await settle(pilot)
        assert not screen.tracking.shown
        assert _on_screen(screen)
        assert app.focused is screen.input("national_id")


async def test_a_taller_terminal_keeps_the_form_in_sight_below_the_panel(make_app, store) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _filled(pilot, app)
        before = screen_text(app).splitlines()
        await pilot.press("f2")
        await settle(pilot)
        panel = screen.tracking
        assert panel.shown
        below = panel.region.bottom
        after = screen_text(app).splitlines()
        assert _on_screen(screen)
        # the form rows under the panel's bottom edge are still drawn (the status rows aside)
        assert after[below:-2] == before[below:-2]
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is screen.input("national_id")


async def test_growing_the_terminal_while_the_code_is_shown_brings_the_form_back(make_app, store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _saved(pilot, app)
        assert not _on_screen(screen)
        await pilot.resize_terminal(100, 40)
        await settle(pilot)
        assert screen.tracking.shown
        assert _on_screen(screen), "the rows below the panel show the form, not a blank"
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is screen.input("national_id")


async def test_followup_code_covers_and_uncovers_the_same_way(make_app, store, services) -> None:
    services.save_call(GOOD)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await choose_citizen(pilot, GOOD.national_id)
        await fill_case(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, FollowupOfferModal)
        await pilot.press("f2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CallEntryScreen) and screen.tracking.shown
        assert "پیگیری" in screen.tracking.text
        await pilot.press("enter")
        await settle(pilot)
        assert _on_screen(screen)
        assert app.focused is screen.input("national_id")


async def test_bad_field_on_f2_gets_the_message_and_the_focus_and_hides_nothing(make_app, store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _filled(pilot, app)
        screen.input("mobile").value = "0912123"
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert not screen.tracking.shown
        assert "همراه" in screen.field("mobile").error
        assert app.focused is screen.input("mobile")
        assert _on_screen(screen)
        assert screen.form().first_name == GOOD.first_name
    assert store.pending_ops(limit=100) == []


class _DiskFull(fileio.FileIO):
    """The journal's fsync fails as on a full disk."""

    def fsync(self, fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")


async def test_disk_full_on_save_keeps_form_draft_and_focus_and_says_so_in_persian(
    make_app, store, settings
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await _filled(pilot, app)
        await pilot.pause(0.5)  # the draft of the typed call is written
        await app.workers.wait_for_complete()
        focused = app.focused
        before = screen.form()
        old = fileio.set_io(_DiskFull())
        try:
            await pilot.press("f2")
            await settle(pilot)
        finally:
            fileio.set_io(old)
        assert not screen.tracking.shown
        assert _on_screen(screen)
        assert any("دیسک پر است" in t and "حفظ شده" in t for t in toasts(app)), toasts(app)
        assert screen.form() == before
        assert app.focused is focused
        assert not screen.saving, "a second F2 is possible once the disk has room"
        draft = json.loads((settings.operator_dir / "draft.json").read_text(encoding="utf-8"))
        assert CallForm.from_dict(draft["form"]) == before
        assert store.pending_ops(limit=100) == []
        # room again: the same F2 saves it
        await pilot.press("f2")
        await settle(pilot)
        assert screen.tracking.shown
    assert [o["type"] for o in store.pending_ops(limit=100)] == ["citizen.upsert", "case.register", "case.refer"]


async def test_next_call_opens_no_suggestion_list_by_itself(make_app, store) -> None:
    """After Enter for the next call the choice fields are cleared by the screen; the echo
    of that clearing used to open the city and case-type suggestions unasked."""
    from samad_desk.widgets.form import ChoiceField

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _saved(pilot, app)
        await pilot.press("enter")
        await settle(pilot)
        assert not screen.tracking.shown
        opened = [f.field_name for f in screen.query(ChoiceField) if f.has_class("-open")]
        assert opened == []
        # typing still opens them
        screen.query_one("#in-city").focus()
        await pilot.press("ق")
        await settle(pilot)
        assert screen.query_one("#row-city").has_class("-open")
