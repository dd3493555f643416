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
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

from samad_desk.screens.call_screen import CallEntryScreen
from samad_desk.screens.modals import FollowupOfferModal
from samad_desk.services import FIELD_LABELS, CallForm
from samad_desk.store import fileio
from samad_desk.text import rtl
from samad_desk.text.digits import to_persian_digits
from tests.support.desk_ui import GOOD, call_again, desk, press, screen_text, settle
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


async def _filled(pilot) -> CallEntryScreen:
    """The call form holding :data:`GOOD`, the focus on the description."""
    screen = pilot.app.screen
    screen.load_form(GOOD)
    await settle(pilot)
    screen.input("description").focus()
    await settle(pilot)
    return screen


async def _saved(pilot) -> CallEntryScreen:
    """A complete call, saved with F2: its tracking code is on screen."""
    screen = await _filled(pilot)
    await press(pilot, "f2")
    assert screen.tracking.shown
    return screen


@asynccontextmanager
async def _call_form(make_app, *, saved: bool = False, **run) -> AsyncIterator[tuple]:
    """A desk on the call form, filled (and saved with F2 if ``saved``): (app, pilot, screen)."""
    app = make_app()
    async with desk(app, **run) as pilot:
        yield app, pilot, await (_saved if saved else _filled)(pilot)


async def test_code_shown_with_the_focus_kept_then_the_form_back_for_the_next_call(make_app, store) -> None:
    async with _call_form(make_app) as (app, pilot, screen):
        assert _label_on_screen(app, "national_id")
        focused = app.focused
        assert focused is screen.input("description")
        form_region = _body(screen).region
        await press(pilot, "f2")
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
        await press(pilot, "enter")
        assert not panel.shown
        assert _body(screen).region == form_region
        assert _body(screen).styles.inline.get_rule("offset") is None
        assert app.focused is screen.input("national_id")
        assert screen.form().is_blank()
        assert _label_on_screen(app, "national_id"), "the form is painted again"
        # and the next call (same caller, another matter) saves and shows its code the same way
        screen.load_form(replace(GOOD, subject="power.outage", agency="power-qazvin"))
        await settle(pilot)
        await press(pilot, "f2")
        assert panel.shown and app.focused is screen.input("national_id")
    assert [o["type"] for o in store.pending_ops(limit=100)].count("case.register") == 2


async def test_f3_closes_the_code_and_brings_the_form_back(make_app, store) -> None:
    async with _call_form(make_app, saved=True) as (app, pilot, screen):
        await press(pilot, "f3")
        assert not screen.tracking.shown
        assert _on_screen(screen)
        assert app.focused is screen.input("national_id")


async def test_a_taller_terminal_keeps_the_form_in_sight_below_the_panel(make_app, store) -> None:
    async with _call_form(make_app, size=(100, 40)) as (app, pilot, screen):
        before = screen_text(app).splitlines()
        await press(pilot, "f2")
        panel = screen.tracking
        assert panel.shown
        below = panel.region.bottom
        after = screen_text(app).splitlines()
        assert _on_screen(screen)
        # the form rows under the panel's bottom edge are still drawn (the status rows aside)
        assert after[below:-2] == before[below:-2]
        await press(pilot, "enter")
        assert app.focused is screen.input("national_id")


async def test_growing_the_terminal_while_the_code_is_shown_brings_the_form_back(make_app, store) -> None:
    async with _call_form(make_app, saved=True) as (app, pilot, screen):
        assert not _on_screen(screen)
        await pilot.resize_terminal(100, 40)
        await settle(pilot)
        assert screen.tracking.shown
        assert _on_screen(screen), "the rows below the panel show the form, not a blank"
        await press(pilot, "enter")
        assert app.focused is screen.input("national_id")


async def test_followup_code_covers_and_uncovers_the_same_way(make_app, store, services) -> None:
    services.save_call(GOOD)
    app = make_app()
    async with desk(app) as pilot:
        assert isinstance(await call_again(pilot, GOOD.national_id), FollowupOfferModal)
        screen = await press(pilot, "f2")
        assert isinstance(screen, CallEntryScreen) and screen.tracking.shown
        assert "پیگیری" in screen.tracking.text
        await press(pilot, "enter")
        assert _on_screen(screen)
        assert app.focused is screen.input("national_id")


async def test_bad_field_on_f2_gets_the_message_and_the_focus_and_hides_nothing(make_app, store) -> None:
    async with _call_form(make_app) as (app, pilot, screen):
        screen.input("mobile").value = "0912123"
        await settle(pilot)
        await press(pilot, "f2")
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
    async with _call_form(make_app, notifications=True) as (app, pilot, screen):
        await pilot.pause(0.5)  # the draft of the typed call is written
        await app.workers.wait_for_complete()
        focused = app.focused
        before = screen.form()
        old = fileio.set_io(_DiskFull())
        try:
            await press(pilot, "f2")
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
        await press(pilot, "f2")
        assert screen.tracking.shown
    assert [o["type"] for o in store.pending_ops(limit=100)] == ["citizen.upsert", "case.register", "case.refer"]


async def test_next_call_opens_no_suggestion_list_by_itself(make_app, store) -> None:
    """After Enter for the next call the choice fields are cleared by the screen; the echo
    of that clearing used to open the city and case-type suggestions unasked."""
    from samad_desk.widgets.form import ChoiceField

    async with _call_form(make_app, saved=True) as (app, pilot, screen):
        await press(pilot, "enter")
        assert not screen.tracking.shown
        opened = [f.field_name for f in screen.query(ChoiceField) if f.has_class("-open")]
        assert opened == []
        # typing still opens them
        screen.query_one("#in-city").focus()
        await press(pilot, "ق")
        assert screen.query_one("#row-city").has_class("-open")
