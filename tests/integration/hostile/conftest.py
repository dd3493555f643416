"""Fixtures for the hostile-input sweep (docs/hostile.md).

``server`` is a seeded central app behind Starlette's TestClient, on SQLite and on
PostgreSQL (a fresh schema per test; skipped when PostgreSQL is unreachable, failed when
``SAMAD_REQUIRE_PG=1``). Server exceptions are *not* re-raised: a 500 must show up as a
500 answer, which the tests then reject.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator

import pytest

warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
from starlette.testclient import TestClient  # noqa: E402

from samad_desk.central.app import create_app  # noqa: E402
from samad_desk.central.seed import seed_demo  # noqa: E402


@pytest.fixture
def server(db_url) -> Iterator[TestClient]:
    logging.getLogger("samad_desk.central").setLevel(logging.CRITICAL)
    app = create_app(db_url)
    seed_demo(app.state.central, full=False)
    client = TestClient(app, raise_server_exceptions=False)
    try:
        yield client
    finally:
        client.close()
        app.state.central.close()
        logging.getLogger("samad_desk.central").setLevel(logging.NOTSET)
