from __future__ import annotations

import pytest

from samad_desk.settings import Settings, load_settings


@pytest.fixture
def settings() -> Settings:
    return load_settings()
