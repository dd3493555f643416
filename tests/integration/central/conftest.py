"""Fixtures for the central server tests.

Every test that takes ``db_url`` runs twice: on a fresh SQLite file and on PostgreSQL
(a fresh schema per test, dropped afterwards). PostgreSQL comes from
``SAMAD_TEST_PG_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``); when it is
unreachable the PG variant is skipped, or fails if ``SAMAD_REQUIRE_PG=1``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
from starlette.testclient import TestClient  # noqa: E402

from samad_desk.central.app import create_app  # noqa: E402
from samad_desk.central.process import drop_pg_schema, pg_base_url, test_pg_url  # noqa: E402
from samad_desk.central.seed import seed_demo  # noqa: E402
from tests.support.resources import missing  # noqa: E402


def pg_url_or_skip() -> str:
    url = test_pg_url("central")
    if url is None:
        missing(f"PostgreSQL at {pg_base_url()}", also_required_by="SAMAD_REQUIRE_PG")
    return url


@pytest.fixture(params=["sqlite", "pg"])
def db_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.sqlite3'}"
        return
    url = pg_url_or_skip()
    try:
        yield url
    finally:
        drop_pg_schema(url)


@pytest.fixture
def make_server(db_url):
    """Build an app (seeded with the demo data) with options; returns a TestClient."""
    clients: list[TestClient] = []

    def make(**options) -> TestClient:
        app = create_app(db_url, **options)
        seed_demo(app.state.central, full=False)
        client = TestClient(app)
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.app.state.central.close()


@pytest.fixture
def server(make_server) -> TestClient:
    return make_server()


