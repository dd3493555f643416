"""No store read on the UI thread (issue 15, screens part 2).

The import contract (tests/unit/test_layering.py) proves a screen never imports the store;
it cannot see a screen calling a *service* that reads it. Here the desk runs on a store
that notes every method called on the UI thread (the thread of the app's event loop),
while an agent takes a call for a registered citizen, is stopped by F2 at a field, is
offered a follow-up, opens the profile (F11) and the history of details (F4, F3).
"""

from __future__ import annotations

from typing import Any

import pytest

from samad_desk.screens.call_screen import CallEntryScreen
from samad_desk.screens.details_history_screen import DetailsHistoryScreen
from samad_desk.screens.modals import FollowupOfferModal
from samad_desk.screens.profile_screen import ProfileScreen
from tests.support.desk_ui import NID, desk, existing_call, fill_case, press, settle, type_text
from tests.support.watched_store import WatchedStore


async def keys(pilot: Any, *names: str) -> None:
    """Press the keys and let all they started finish."""
    await press(pilot, *names)


@pytest.fixture
def watched(store) -> WatchedStore:
    return WatchedStore(store)


async def test_screens_read_the_store_only_in_worker_threads(make_app, services, watched) -> None:
    await existing_call(services, subject="water.outage")  # an open case on the same matter
    app = make_app(store=watched)
    async with desk(app, notifications=True) as pilot:
        assert isinstance(app.screen, CallEntryScreen)
        watched.watching = True
        screen = app.screen
        # the citizen line: a registered ID typed, then chosen with Enter, then changed
        await type_text(pilot, NID)
        await settle(pilot)
        assert screen.query_one("#citizen-state").text.startswith("کد ملی ثبت‌شده")
        await keys(pilot, "enter")
        assert screen.citizen_id is not None
        screen.input("national_id").focus()
        screen.input("national_id").value = NID[:-1]
        await settle(pilot)
        assert screen.citizen_id is None  # the typed ID is no longer theirs: let go
        screen.input("national_id").value = NID
        await keys(pilot, "enter")
        assert screen.citizen_id is not None
        # F2 stops at a field (no case yet), with the Persian message there
        await keys(pilot, "f2")
        assert screen.field("case_type").error
        # F2 again with the case: an open case on the same matter, a follow-up is offered
        screen.input("case_type").focus()
        await settle(pilot)
        await fill_case(pilot)
        await keys(pilot, "f2")
        assert isinstance(app.screen, FollowupOfferModal)
        await keys(pilot, "escape")
        # the profile and its history of details
        await keys(pilot, "f11")
        assert isinstance(app.screen, ProfileScreen) and app.screen.cases
        app.screen.refresh_data()
        await settle(pilot)
        await keys(pilot, "f4")
        assert isinstance(app.screen, DetailsHistoryScreen)
        await keys(pilot, "f3")
        assert not app.screen.contact_only
        watched.watching = False
    assert watched.on_ui_thread == []
