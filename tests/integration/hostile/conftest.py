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
from samad_desk.central.process import drop_pg_schema, pg_base_url, test_pg_url  # noqa: E402
from samad_desk.central.seed import seed_demo  # noqa: E402
from tests.support.resources import missing  # noqa: E402


@pytest.fixture(params=["sqlite", "pg"])
def db_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.sqlite3'}"
        return
    url = test_pg_url("hostile")
    if url is None:
        missing(f"PostgreSQL at {pg_base_url()}", also_required_by="SAMAD_REQUIRE_PG")
    try:
        yield url
    finally:
        drop_pg_schema(url)


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
