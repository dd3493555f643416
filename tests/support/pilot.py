"""Keyboard-only helpers for Pilot tests of the desk app: typing, settling, pressing a key
and waiting for what it starts, running the desk at 80×24, reading the screen and toasts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

#: characters that Pilot.press needs by their key name
NAMED = {" ": "space", "/": "slash", "-": "minus", "\u200c": "shift+space", ".": "full_stop"}

#: the debounce the desk's inputs use (candidates, live checks) with a little to spare
DEBOUNCE = 0.2


async def type_text(pilot: Any, text: str) -> None:
    """Type ``text`` key by key, as an operator would."""
    for ch in text:
        await pilot.press(NAMED.get(ch, ch))


async def settle(pilot: Any, debounce: float | None = DEBOUNCE) -> None:
    """Let debounce timers fire (``debounce`` seconds; None: only a refresh), every key in
    hand be handled and workers finish (never a bare sleep for results). Fails loudly if the
    keys are not handled within a minute."""
    app = pilot.app
    await pilot.pause(debounce)
    deadline = asyncio.get_running_loop().time() + 60
    while getattr(app, "keys_pending", 0):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{app.keys_pending} keys still unhandled after 60 s")
        await pilot.pause(0.05)
    for _ in range(2):  # a worker's message may start another worker
        await workers_done(app)
        await pilot.pause()


async def workers_done(app: Any) -> None:
    """Wait for the workers the app has now, like Textual's ``wait_for_complete``, except
    that one that failed or was cancelled meanwhile does not raise here: the app handles a
    worker's error itself (a refused login is a message on the screen) or exits on it (and
    ``run_test`` raises it then); an exclusive worker, such as the status bar's periodic
    read, is cancelled when a newer one replaces it."""
    await asyncio.gather(*[worker.wait() for worker in list(app.workers)], return_exceptions=True)


async def press(pilot: Any, *keys: str, debounce: float | None = DEBOUNCE) -> Any:
    """Press ``keys``, then settle; the screen the keys led to."""
    await pilot.press(*keys)
    await settle(pilot, debounce)
    return pilot.app.screen


@asynccontextmanager
async def desk(app: Any, size: tuple[int, int] = (80, 24), debounce: float | None = DEBOUNCE,
               **run: Any) -> AsyncIterator[Any]:
    """Run ``app`` headless (80×24 unless told) and settle its first screen: the pilot."""
    async with app.run_test(size=size, **run) as pilot:
        await settle(pilot, debounce)
        yield pilot


def screen_text(app: Any) -> str:
    """The rows the terminal would show (visual order)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


def toasts(app: Any) -> list[str]:
    """The logical text of every toast (the app keeps it before laying it out)."""
    return [str(message) for _title, message in app.notified]
