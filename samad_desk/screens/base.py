"""The base of every top-level desk screen: header, body, key hints, status bar."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen

from samad_desk.widgets.chrome import BottomBars, DeskHeader


class DeskScreen(Screen[Any]):
    """Subclasses implement :meth:`compose_body`; ``TITLE_FA`` names the area."""

    TITLE_FA = ""

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
