"""Fixtures for the central server tests.

The `db_url` fixture (SQLite and PostgreSQL) is shared by every integration test:
`tests/integration/conftest.py`.
"""

from __future__ import annotations

import warnings

import pytest

warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
from starlette.testclient import TestClient  # noqa: E402

from samad_desk.central.app import create_app  # noqa: E402
from samad_desk.central.seed import seed_demo  # noqa: E402


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


