"""Mode name -> screen factory. Screens get the services as constructor arguments.

Each screen is imported when its mode is first opened (start-up stays quick); a failed
import is a bug and raises like any other (no stand-in screen hides it).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from textual.screen import Screen

#: mode -> (module, class) of its screen, imported when the mode is first opened
MODE_SCREENS: dict[str, tuple[str, str]] = {
    "call": ("samad_desk.screens.call_screen", "CallEntryScreen"),
    "lookup": ("samad_desk.screens.lookup_screen", "LookupScreen"),
    "followup": ("samad_desk.screens.followup_screen", "FollowupScreen"),
    "attention": ("samad_desk.screens.attention_screen", "AttentionScreen"),
    "cartable": ("samad_desk.screens.cartable_screen", "CartableScreen"),
    "supervisor": ("samad_desk.screens.supervisor_screen", "SupervisorScreen"),
}


def _screen_class(name: str) -> type[Screen[Any]]:
    if name not in MODE_SCREENS:
        raise ValueError(name)
    module, cls = MODE_SCREENS[name]
    screen: type[Screen[Any]] = getattr(importlib.import_module(module), cls)
    return screen


def mode_factory(app: Any, name: str) -> Callable[[], Screen[Any]]:
    """The factory ``App.add_mode`` calls for the mode ``name``."""
    def build() -> Screen[Any]:
        return _screen_class(name)(app.services)  # type: ignore[call-arg]

    return build
