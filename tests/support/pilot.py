"""Keyboard-only helpers for Pilot tests of the desk app."""

from __future__ import annotations

from typing import Any

#: characters that Pilot.press needs by their key name
NAMED = {" ": "space", "/": "slash", "-": "minus", "\u200c": "shift+space", ".": "full_stop"}


async def type_text(pilot: Any, text: str) -> None:
    """Type ``text`` key by key, as an operator would."""
    for ch in text:
        await pilot.press(NAMED.get(ch, ch))


def screen_text(app: Any) -> str:
    """The rows the terminal would show (visual order)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


def toasts(app: Any) -> list[str]:
    """The logical text of every toast (the app keeps it before laying it out)."""
    return [str(message) for _title, message in app.notified]
