"""Fixtures shared by the integration tests.

``db_url`` runs a test twice: on a fresh SQLite file and on PostgreSQL (a fresh schema per
test, dropped afterwards). PostgreSQL comes from ``SAMAD_TEST_PG_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``); when it is unreachable the PG variant is
skipped, or fails under CI or ``SAMAD_REQUIRE_PG=1`` (``tests.support.resources.missing``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from samad_desk.central.process import drop_pg_schema, pg_base_url, test_pg_url
from tests.support.resources import missing


@pytest.fixture(params=["sqlite", "pg"])
def db_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.sqlite3'}"
        return
    url = test_pg_url(request.node.path.parent.name)  # the schema named after the folder
    if url is None:
        missing(f"PostgreSQL at {pg_base_url()}", also_required_by="SAMAD_REQUIRE_PG")
    try:
        yield url
    finally:
        drop_pg_schema(url)
