"""Keyboard-only helpers for the desk's Pilot tests (with the generic ones of
``tests.support.pilot``, re-exported here so a desk test imports from one place)."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from samad_desk.domain import ops as domain_ops
from samad_desk.services import CallForm, DeskServices, open_session
from tests.support.pilot import desk, press, screen_text, settle, type_text  # noqa: F401


async def choose_citizen(pilot: Any, national_id: str) -> None:
    """On call entry: type the national ID, go to the candidates (F4), take the first."""
    await type_text(pilot, national_id)
    await settle(pilot)
    await press(pilot, "f4", "enter")


async def open_profile(pilot: Any, national_id: str) -> Any:
    """From call entry: choose the citizen by national ID, F11: their profile screen."""
    from samad_desk.screens.profile_screen import ProfileScreen

    await choose_citizen(pilot, national_id)
    screen = await press(pilot, "f11")
    assert isinstance(screen, ProfileScreen)
    return screen


async def call_again(pilot: Any, national_id: str, subject: str = "قطعی آب") -> Any:
    """On call entry: choose the citizen, fill in a case on ``subject``, F2: the screen the
    save led to (a follow-up offer when the citizen has an open case on that matter)."""
    await choose_citizen(pilot, national_id)
    await fill_case(pilot, subject=subject)
    return await press(pilot, "f2")


async def open_followup(pilot: Any, query: str) -> Any:
    """F7, the tracking code or national ID, Enter: the follow-up screen, settled."""
    from samad_desk.screens.followup_screen import FollowupScreen

    screen = await press(pilot, "f7")
    assert isinstance(screen, FollowupScreen)
    await type_text(pilot, query)
    await press(pilot, "enter")
    return screen


async def run_command(pilot: Any, words: str) -> Any:
    """F12: the command palette; type ``words`` (Persian), Enter on the first hit: the
    screen it led to."""
    from textual.command import CommandPalette

    await pilot.press("f12")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CommandPalette)
    await type_text(pilot, words)
    await pilot.pause(0.5)
    return await press(pilot, "enter")


#: a complete, valid call (for tests about one field, the rest set directly)
GOOD = CallForm(
    national_id="0012345679",
    first_name="علی",
    last_name="رضایی",
    father_name="حسن",
    birth_date="1365/04/12",
    mobile="09121234567",
    city="قزوین",
    case_type="complaint",
    subject="water.outage",
    agency="water-qazvin",
    urgency="normal",
    description="سه روز است آب محله قطع است",
)


NID = "0012345679"
MISTYPED = "0012345678"  # last digit wrong: invalid check digit, one edit from NID


async def type_fields(pilot: Any, *values: str) -> None:
    """Type each value and press Enter after it (one field after another)."""
    for value in values:
        await type_text(pilot, value)
        await pilot.press("enter")


async def fill_citizen(pilot: Any, nid: str = NID) -> None:
    await type_fields(pilot, nid, "علی", "رضایی", "حسن", "1365/04/12", "09121234567", "قزو")


async def fill_case(pilot: Any, subject: str = "قطعی آب") -> None:
    await type_fields(pilot, "شکا", subject)
    await pilot.press("enter")  # agency: suggested from the subject
    await pilot.press("enter")  # urgency: normal
    await type_text(pilot, "سه روز است آب محله قطع است")


async def existing_call(services, subject: str = "power.outage") -> Any:
    """A call saved through the services: :data:`GOOD`'s citizen without a birth date, a
    complaint on ``subject`` sent to its company."""
    form = replace(GOOD, birth_date="", subject=subject,
                   agency="power-qazvin" if subject.startswith("power") else "water-qazvin",
                   description="برق خیابان از دیشب قطع است")
    return services.save_call(form)


async def existing_calls(services, *subjects: str) -> list[Any]:
    """One :func:`existing_call` per subject, in order."""
    return [await existing_call(services, subject) for subject in subjects]


OFFICER = {"id": "op-water1", "username": "water1", "name": "رضا عباسی", "role": "officer",
           "agency_id": "water-qazvin", "province": "qazvin"}


def answer(store, settings, case_id: str) -> None:
    officer = DeskServices(open_session(store, OFFICER, settings=settings))
    case = store.get("case", case_id)
    store.save([domain_ops.case_answer(case, "لوله اصلی تعمیر شد و آب وصل است.", officer.actor)])


async def wait_until(pilot, predicate, timeout: float = 20.0, what: str = "sync") -> None:
    """Wait for a condition the app exposes (the background sync thread is not a Textual
    worker), with a deadline that fails loudly naming ``what``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await pilot.pause(0.1)


async def agencies_known(pilot, app, count: int = 10, timeout: float = 20.0) -> None:
    """The first pull brought ``count`` agencies and the call screen has read them: the store
    has them once the sync round applied its pull, the call screen's lists only once the app
    heard the round end and re-read them (a form filled before that finds no agency)."""
    await wait_until(pilot, lambda: len(app.store.agencies()) >= count, timeout, "the agencies in the store")
    await wait_until(pilot, lambda: len(getattr(app.screen, "reference", {}).get("agency") or ()) >= count,
                     timeout, "the call screen's agency list")
