from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from store_helpers import agency_changes  # noqa: E402

from samad_desk.store import (
    Store,  # noqa: E402
    fileio,  # noqa: E402
)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def open_store(data_dir):
    opened: list[Store] = []

    def _open(profile: str = "op1", **kw) -> Store:
        s = Store.open(kw.pop("data_dir", data_dir), profile=profile, **kw)
        opened.append(s)
        return s

    yield _open
    for s in opened:
        s.close()


@pytest.fixture
def seeded(open_store):
    """A store whose cache knows the agencies (so referrals overlay)."""
    s = open_store()
    s.apply_changes(agency_changes(), "c-0", {})
    return s


@pytest.fixture(autouse=True)
def _restore_io():
    old = fileio.IO
    yield
    fileio.set_io(old)
