"""Keys handled one after another, whatever their speed.

Textual hands a key to the focused widget's message queue and goes on with the next key at
once. What the key *does* happens later and elsewhere: a binding of the focused widget runs
only when the key has bubbled back up to the app, behind every key the terminal sent
meanwhile, and the message it posts (Enter's ``Submitted``, which moves the focus on) later
still. Keys typed slowly never notice. Keys that arrive together (a burst from a fast typist,
a barcode reader, ``tmux send-keys``, a paste of a whole form, a busy machine) go to the
field that had the focus *before* the Enter that left it: the name lands in the national-ID
field, "09" in the father's name, F4 is acted on before the digits before it.

:class:`OrderedKeys` (a mixin for the app) makes every key and paste wait until the one
before it has been handled completely: delivered, bubbled, its binding's action run and
every message those posted along the focus chain processed (the chain as it is *then*: a
focus moved by the last key counts). A key that arrives while another is in hand waits in
a queue; nothing is dropped or reordered. Keys typed slowly never wait, so a desk used at
human speed behaves exactly as before, and keys sent with no pause behave as if sent slowly.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from textual import events
from textual.message_pump import MessagePump

#: passes over the focus chain before a key counts as handled even if messages keep coming
#: (a widget animating or polling would otherwise hold the keyboard)
MAX_PASSES = 8
#: a widget that does not answer within this long (closed, or stuck) is not waited for
ANSWER_TIMEOUT = 5.0


async def _answered(node: MessagePump) -> None:
    """Return once ``node`` has processed every message it had when this was called."""
    done = asyncio.Event()
    if not node.is_running or not node.call_later(done.set):
        return
    try:
        await asyncio.wait_for(done.wait(), ANSWER_TIMEOUT)
    except TimeoutError:
        pass


class OrderedKeys:
    """App mixin: keys and pastes are handled strictly one after another (module docstring)."""

    _keys_waiting: deque[events.Event]
    _key_in_hand = False
    _settling: asyncio.Task[None] | None = None

    @property
    def keys_pending(self) -> int:
        """Keys and pastes received but not yet handled completely (0 when idle): what a
        driver waits on before it reads the screen, instead of sleeping."""
        return int(self._key_in_hand) + len(getattr(self, "_keys_waiting", ()))

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            if self._key_in_hand:
                if not hasattr(self, "_keys_waiting"):
                    self._keys_waiting = deque()
                self._keys_waiting.append(event)
                return
            await self._take(event)
            return
        await super().on_event(event)  # type: ignore[misc]

    async def _take(self, event: events.Event) -> None:
        self._key_in_hand = True
        try:
            await super().on_event(event)  # type: ignore[misc]
        finally:
            # (a task of its own: the app must go on processing its queue meanwhile, where
            # the key comes back to run its binding; kept referenced until it is done)
            self._settling = asyncio.get_running_loop().create_task(self._settle())

    async def _settle(self) -> None:
        try:
            for _ in range(MAX_PASSES):
                busy = False
                nodes = self._focus_chain_nodes()
                for node in nodes:
                    busy = busy or node.message_queue_size > 0
                    await _answered(node)
                # (a handler still running when its node was asked may have posted since)
                if not busy and not any(node.message_queue_size for node in nodes):
                    break
        finally:
            self.call_later(self._next_key)  # type: ignore[attr-defined]

    def _focus_chain_nodes(self) -> list[MessagePump]:
        """The focused widget, its ancestors up to the screen, then the app."""
        app: Any = self
        nodes: list[MessagePump] = []
        try:
            node: Any = app.focused or app.screen
        except Exception:  # no screen yet, or the app is closing
            node = None
        while node is not None and node is not app:
            nodes.append(node)
            node = node.parent
        nodes.append(app)
        return nodes

    async def _next_key(self) -> None:
        waiting = getattr(self, "_keys_waiting", None)
        if waiting:
            await self._take(waiting.popleft())
        else:
            self._key_in_hand = False
