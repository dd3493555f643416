"""Fixtures of the cartable tests: a small province built through the shared reducer at
chosen (fake) times, loaded into a real store as if pulled from the server, and an app
factory for each role with a frozen clock."""

from __future__ import annotations

import pytest

from tests.support.cartable import NOW, World
from tests.support.desks import desks, server  # noqa: F401  (real-server fixtures)


@pytest.fixture
def world(settings) -> World:
    return World(settings)


@pytest.fixture
def store(settings):  # the province of World, not the demo seed of tests/ui/conftest.py
    from samad_desk.store import Store

    st = Store.open(settings.data_dir)
    yield st
    st.close()


@pytest.fixture
def make_app(settings, store, world):
    from samad_desk.app import SamadDeskApp

    def make(username: str, *, now=NOW, load: bool = True):
        if load:
            world.load(store)
        operator = world.operator(username)
        return SamadDeskApp(settings, store=store, operator=operator, now=lambda: now, seed_demo=False)

    return make
