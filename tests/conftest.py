"""Suite-wide fixtures: every test gets its own config, data and operator directories."""

from __future__ import annotations

import pytest


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
