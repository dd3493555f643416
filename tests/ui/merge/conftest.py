"""Fixtures of the merge tests: a real store with the Qazvin agencies, seeded citizens
(a duplicate pair, siblings, twins) with cases, and an app factory."""

from __future__ import annotations

import pytest

from samad_desk.settings import Settings, load_settings
from tests.support.desks import desks, server  # noqa: F401  (real-server fixtures)


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
