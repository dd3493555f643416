"""Mode name -> screen factory. Screens get the services as constructor arguments.

The cartable and supervisor screens belong to another part of the desk; they are imported
lazily and a placeholder stands in when they are missing or fail to import, so the
desk keeps working without them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen


def _lazy(module: str, name: str, title: str, app: Any) -> Screen[Any]:
    import importlib

    try:
        cls = getattr(importlib.import_module(module), name)
    except Exception as exc:  # not built yet, or broken: never crash the desk
        from samad_desk.screens.placeholder_screen import PlaceholderScreen

        return PlaceholderScreen(title, reason=f"{type(exc).__name__}: {exc}")
    try:
        return cls(app.services)
    except TypeError:
        return cls()


def mode_factory(app: Any, name: str) -> Callable[[], Screen[Any]]:
    def build() -> Screen[Any]:
        services = app.services
        if name == "call":
            from samad_desk.screens.call_screen import CallEntryScreen

            return CallEntryScreen(services)
        if name == "lookup":
            from samad_desk.screens.lookup_screen import LookupScreen

            return LookupScreen(services)
        if name == "followup":
            from samad_desk.screens.followup_screen import FollowupScreen

            return FollowupScreen(services)
        if name == "attention":
            from samad_desk.screens.attention_screen import AttentionScreen

            return AttentionScreen(services)
        if name == "cartable":
            return _lazy("samad_desk.screens.cartable_screen", "CartableScreen", "کارتابل", app)
        if name == "supervisor":
            return _lazy("samad_desk.screens.supervisor_screen", "SupervisorScreen", "نظارت", app)
        raise ValueError(name)

    return build
