"""Fixtures of every desk UI test: the settings of the test's own directories, and a real
store there with the Qazvin demo agencies (the cartable tests load their own province)."""

from __future__ import annotations

import pytest

from samad_desk.settings import Settings, load_settings


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
