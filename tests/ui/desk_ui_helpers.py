"""Keyboard-only helpers for the desk's Pilot tests."""

from __future__ import annotations

from typing import Any

from samad_desk.services import CallForm

NAMED = {" ": "space", "/": "slash", "-": "minus", "\u200c": "shift+space"}


async def type_text(pilot: Any, text: str) -> None:
    for ch in text:
        await pilot.press(NAMED.get(ch, ch))


async def settle(pilot: Any) -> None:
    """Let debounce timers fire and workers finish (never a bare sleep for results)."""
    await pilot.pause(0.2)
    await pilot.app.workers.wait_for_complete()
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
