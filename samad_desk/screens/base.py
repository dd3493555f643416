"""The base of every top-level desk screen: header, body, key hints, status bar.

It also holds the one way a screen reads the store: :meth:`DeskScreen.read_then_show` runs
the read (a service call) in a worker thread and shows its answer on the UI thread, so no
store read ever runs on the UI thread (tests/ui/desk/test_ui_thread_reads.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from textual.app import ComposeResult
from textual.screen import Screen
from textual.worker import WorkerCancelled, WorkerFailed

from samad_desk.keys import keys, title
from samad_desk.widgets.chrome import BottomBars, DeskHeader

T = TypeVar("T")


class DeskScreen(Screen[Any]):
    """Subclasses implement :meth:`compose_body` and name their area of the key table
    (``class LookupScreen(DeskScreen, area="lookup")``): its title is ``TITLE_FA``, its
    rows the screen's bindings (samad_desk/keys.py)."""

    TITLE_FA = ""

    def __init_subclass__(cls, area: str | None = None, **kwargs: Any) -> None:
        if area is not None:  # (before Textual's own: it merges the class's bindings)
            cls.BINDINGS = keys(area)
            cls.TITLE_FA = title(area)
        super().__init_subclass__(**kwargs)

    def __init__(self, services: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services

    def compose(self) -> ComposeResult:
        yield DeskHeader(self.TITLE_FA)
        yield BottomBars()
        yield from self.compose_body()

    def compose_body(self) -> ComposeResult:
        return iter(())

    def refresh_data(self) -> None:
        """Called when a sync brought new data; screens re-read what they show."""

    async def read_then_show(self, read: Callable[[], T], show: Callable[[T], Any], *, group: str) -> None:
        """``read`` in a worker thread, then ``show(answer)`` here, on the UI thread.

        Awaited by a key's handler, the keys after that key wait for the answer
        (key_order.py waits for the handler); a newer read of the same ``group`` cancels an
        older one, whose answer is then never shown. A read that fails is said in a toast.
        """
        worker = self.run_worker(read, thread=True, group=group, exclusive=True, exit_on_error=False)
        try:
            answer = await worker.wait()
        except WorkerCancelled:
            return
        except WorkerFailed as failed:
            error = failed.error
            self.notify(f"خواندن داده‌ها ناکام ماند: {type(error).__name__}: {error}",
                        title=self.TITLE_FA or "خطا", severity="error", markup=False)
            return
        show(answer)

    def read_later(self, read: Callable[[], T], show: Callable[[T], Any], *, group: str) -> None:
        """:meth:`read_then_show` without waiting for it (a sync's news, a dialog closed)."""
        # (a coroutine function, not a coroutine: one cancelled before it ran is never made)
        self.run_worker(partial(self.read_then_show, read, show, group=group), group=f"{group}-show",
                        exclusive=True, exit_on_error=False)
