"""Suite-wide fixtures: every test gets its own config, data and operator directories."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

# the shared suites in tests/support assert like test modules (pytest shows the values)
pytest.register_assert_rewrite("tests.support.reader_contract", "tests.support.case_ops", "tests.support.citizen_ops")

# CI must be reproducible: the same examples on every run (a failure found locally is
# kept as a regression example in the test itself). Locally hypothesis explores freely.
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    base = tmp_path_factory.mktemp("samad")
    for name in ("CONFIG", "DATA", "CACHE", "OPERATOR"):
        path = base / name.lower()
        monkeypatch.setenv(f"SAMAD_DESK_{name}_DIR", str(path))
    monkeypatch.delenv("SAMAD_DESK_SERVER_URL", raising=False)
    monkeypatch.delenv("SAMAD_RTL_MODE", raising=False)
    monkeypatch.setenv("SAMAD_DESK_BLINKING_CURSOR", "false")
    yield base
