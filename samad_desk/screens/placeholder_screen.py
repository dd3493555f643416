"""Stands in for an area whose screen is not available (not built yet, or failed to load)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical

from samad_desk.screens.base import DeskScreen
from samad_desk.screens.rtl_compat import RText


class PlaceholderScreen(DeskScreen):
    def __init__(self, title: str, reason: str = "", **kwargs: Any) -> None:
        super().__init__(None, **kwargs)
        self.TITLE_FA = title
        self.reason = reason

    def compose_body(self) -> ComposeResult:
        with Vertical(id="placeholder"):
            yield RText(f"بخش «{self.TITLE_FA}» در این نسخه در دسترس نیست.", id="placeholder-text")
            if self.reason:
                yield RText(self.reason, id="placeholder-reason", classes="dim")
