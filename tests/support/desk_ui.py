"""Keyboard-only helpers for the desk's Pilot tests."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from samad_desk.domain import ops as domain_ops
from samad_desk.services import CallForm, DeskServices, open_session

NAMED = {" ": "space", "/": "slash", "-": "minus", "\u200c": "shift+space"}


async def type_text(pilot: Any, text: str) -> None:
    for ch in text:
        await pilot.press(NAMED.get(ch, ch))


async def settle(pilot: Any) -> None:
    """Let every key in hand be handled, debounce timers fire and workers finish (never a
    bare sleep for results). Fails loudly if the keys are not handled within a minute."""
    app = pilot.app
    await pilot.pause(0.2)
    deadline = asyncio.get_running_loop().time() + 60
    while getattr(app, "keys_pending", 0):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{app.keys_pending} keys still unhandled after 60 s")
        await pilot.pause(0.05)
    await app.workers.wait_for_complete()
    await pilot.pause()


async def choose_citizen(pilot: Any, national_id: str) -> None:
    """On call entry: type the national ID, go to the candidates (F4), take the first."""
    await type_text(pilot, national_id)
    await settle(pilot)
    await pilot.press("f4", "enter")
    await settle(pilot)


async def open_profile(pilot: Any, national_id: str) -> Any:
    """From call entry: choose the citizen by national ID, F11: their profile screen."""
    from samad_desk.screens.profile_screen import ProfileScreen

    await choose_citizen(pilot, national_id)
    await pilot.press("f11")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ProfileScreen)
    return screen


def screen_text(app: Any) -> str:
    """The rows the terminal would show (visual order)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


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
    form = CallForm(
        national_id=NID,
        first_name="علی",
        last_name="رضایی",
        father_name="حسن",
        mobile="09121234567",
        city="قزوین",
        case_type="complaint",
        subject=subject,
        agency="power-qazvin" if subject.startswith("power") else "water-qazvin",
        description="برق خیابان از دیشب قطع است",
    )
    return services.save_call(form)


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
