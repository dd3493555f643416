"""Fixtures of the desk UI tests (settings and the store: tests/ui/conftest.py): a factory
that builds the app the way ``launch.py`` does, and the embedded operator's services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from samad_desk.services import open_session
from samad_desk.settings import Settings


@pytest.fixture
def make_app(settings: Settings, store) -> Callable[..., Any]:
    from samad_desk.app import SamadDeskApp

    def make(**kwargs: Any) -> SamadDeskApp:
        kwargs.setdefault("store", store)
        kwargs.setdefault("seed_demo", False)
        return SamadDeskApp(settings, **kwargs)

    return make


@pytest.fixture
def services(settings: Settings, store):
    from samad_desk.services import EMBEDDED_OPERATOR, DeskServices

    return DeskServices(open_session(store, dict(EMBEDDED_OPERATOR), settings=settings))
