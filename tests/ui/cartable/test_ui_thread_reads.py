"""No store read on the UI thread in the cartable and the case screen (issue 15): a
supervisor turns the cartable to the next agency (Shift+F4) and opens the referral form of a
returned case, whose agency choices come with the case, read in its worker thread."""

from __future__ import annotations

from datetime import timedelta

from samad_desk.screens.cartable_screen import CartableScreen
from samad_desk.screens.modals import ActionForm
from tests.support.cartable import NOW, POWER, WATER, desk, open_case, press, settle
from tests.support.watched_store import WatchedStore


async def test_cartable_and_case_forms_read_in_workers(settings, store, world) -> None:
    from samad_desk.app import SamadDeskApp

    returned = world.call(WATER, at=NOW - timedelta(days=3))
    world.act("water1", returned, "return", {"reason": "مربوط به برق است", "suggested_agency_id": POWER},
              NOW - timedelta(days=1))
    world.load(store)
    watched = WatchedStore(store)
    app = SamadDeskApp(settings, store=watched, operator=world.operator("super1"), now=lambda: NOW,
                       seed_demo=False)
    async with desk(app) as pilot:
        await settle(pilot)
        await press(pilot, "f8")
        cartable = app.screen
        assert isinstance(cartable, CartableScreen)
        first = cartable.agency_id
        watched.watching = True
        await press(pilot, "shift+f4")  # the next agency's cartable
        watched.watching = False
        assert cartable.agency_id != first
        await open_case(pilot, returned)
        watched.watching = True
        form = await press(pilot, "shift+f4")  # refer: the agencies to choose from
        watched.watching = False
        assert isinstance(form, ActionForm)
        assert POWER in [c[0] for c in form.fields[0].choices]
    assert watched.on_ui_thread == []
