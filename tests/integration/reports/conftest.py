"""Fixtures of the report tests that need a central database: ``db_url`` runs each test on
a fresh SQLite file and on PostgreSQL (a fresh schema, dropped afterwards; skipped when
PostgreSQL is unreachable, a failure under ``SAMAD_REQUIRE_PG=1`` or ``CI=true``)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from samad_desk.central.process import drop_pg_schema, pg_base_url, test_pg_url


@pytest.fixture(params=["sqlite", "pg"])
def db_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.sqlite3'}"
        return
    url = test_pg_url("reports")
    if url is None:
        if os.environ.get("SAMAD_REQUIRE_PG") == "1" or os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL required but unreachable at {pg_base_url()}")
        pytest.skip(f"PostgreSQL unreachable at {pg_base_url()}")
    try:
        yield url
    finally:
        drop_pg_schema(url)
