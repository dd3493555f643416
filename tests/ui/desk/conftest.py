"""Fixtures of the desk UI tests: a real store in the test's data dir with Qazvin demo
agencies, and a factory that builds the app the way ``launch.py`` does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from samad_desk.services import open_session
from samad_desk.settings import Settings, load_settings

# A valid national ID, and one of its one-digit neighbours (a typo: last-but-one digit)
KNOWN_NID = "0012345679"


@pytest.fixture
def settings() -> Settings:
    return load_settings()


@pytest.fixture
def store(settings: Settings):
    from samad_desk.services import seed_embedded_demo
    from samad_desk.store import Store

    st = Store.open(settings.data_dir)
    seed_embedded_demo(st, n_citizens=0, n_cases=0)
    yield st
    st.close()


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
