"""Fixtures of the sync tests: scripted server, fault proxy, real central server, desks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.resources import closed_after, missing
from tests.support.sync.faultproxy import FaultProxy
from tests.support.sync.harness import Desk, db_url_for, drop_db, pg_available
from tests.support.sync.scripted import ScriptedServer


@pytest.fixture
def scripted():
    with ScriptedServer() as server:
        yield server


@pytest.fixture
def proxy_to():
    proxies: list[FaultProxy] = []

    def make(url: str) -> FaultProxy:
        proxy = FaultProxy.to_url(url).start()
        proxies.append(proxy)
        return proxy

    yield make
    for p in proxies:
        p.stop()


# --- the real central server and desks ----------------------------------------------------
BACKENDS = ["sqlite", "pg"]


def require_backend(name: str) -> None:
    if name == "pg" and not pg_available():
        missing("PostgreSQL (not reachable)", also_required_by="SAMAD_REQUIRE_PG")


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    require_backend(request.param)
    return request.param


class Central:
    """The running server plus what the checker needs (its database URL)."""

    def __init__(self, backend: str, tmp: Path, extra_env: dict | None = None) -> None:
        from samad_desk.central.process import start_server

        self.backend = backend
        tmp.mkdir(parents=True, exist_ok=True)
        self.db_url = db_url_for(backend, tmp)
        self.server = start_server(self.db_url, seed_demo=True, extra_env=extra_env,
                                   log_path=tmp / "central.log")

    @property
    def url(self) -> str:
        return self.server.url

    def close(self) -> None:
        self.server.kill()
        drop_db(self.db_url)


@pytest.fixture
def central_factory(backend, tmp_path):
    with closed_after() as made:

        def make(extra_env: dict | None = None) -> Central:
            return made.keep(Central(backend, tmp_path / f"central{len(made)}", extra_env))

        yield make


@pytest.fixture
def central(central_factory) -> Central:
    return central_factory()


@pytest.fixture(scope="module", params=BACKENDS)
def shared_central(request, tmp_path_factory):
    """One server per module and backend, for tests that never kill or restart it (a
    server start costs ~2 s). Such tests check only the ops and cases they created."""
    require_backend(request.param)
    c = Central(request.param, tmp_path_factory.mktemp("shared-central"))
    yield c
    c.close()


@pytest.fixture
def desk_factory(tmp_path):
    with closed_after() as made:

        def make(name: str, username: str, url: str, *, password: str | None = None, timeout: float = 5.0,
                 initial_sync: bool = True) -> Desk:
            desk = Desk(name, tmp_path / f"desk-{name}", url, username, password or username, timeout=timeout)
            desk.open()
            made.keep(desk)
            if initial_sync:
                assert desk.sync()["ok"]  # like a desk after login: agencies and its scope
            return desk

        yield make
