"""Mode name -> screen factory. Screens get the services as constructor arguments.

Each screen is imported when its mode is first opened (start-up stays quick); a failed
import is a bug and raises like any other (no stand-in screen hides it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen


def _screen_class(name: str) -> type[Screen[Any]]:
    if name == "call":
        from samad_desk.screens.call_screen import CallEntryScreen

        return CallEntryScreen
    if name == "lookup":
        from samad_desk.screens.lookup_screen import LookupScreen

        return LookupScreen
    if name == "followup":
        from samad_desk.screens.followup_screen import FollowupScreen

        return FollowupScreen
    if name == "attention":
        from samad_desk.screens.attention_screen import AttentionScreen

        return AttentionScreen
    if name == "cartable":
        from samad_desk.screens.cartable_screen import CartableScreen

        return CartableScreen
    if name == "supervisor":
        from samad_desk.screens.supervisor_screen import SupervisorScreen

        return SupervisorScreen
    raise ValueError(name)


def mode_factory(app: Any, name: str) -> Callable[[], Screen[Any]]:
    """The factory ``App.add_mode`` calls for the mode ``name``."""
    def build() -> Screen[Any]:
        return _screen_class(name)(app.services)  # type: ignore[call-arg]

    return build
