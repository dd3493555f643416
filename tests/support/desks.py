"""Desks against a real central server process: the ``server`` fixture (one per test
module) and the ``desks`` factory fixture (a real store, sync client and sync engine per
desk, logged in as a demo user and synced once). Conftests import both fixtures."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from samad_desk.services import open_session
from tests.support.resources import closed_after


class Desk:
    """One desk process's parts: a real store, client and sync engine (``sync`` by hand)."""

    def __init__(self, root: Path, url: str, username: str, reporter: Any = None) -> None:
        from samad_desk.store import Store
        from samad_desk.sync.client import SyncClient
        from samad_desk.sync.engine import RecordingReporter, SyncEngine
        from samad_desk.sync.tokens import TokenStore

        self.store = Store.open(root / "data")
        self.client = SyncClient(url, TokenStore(root / "operator", url))
        self.operator = self.client.login(username, username, remember_offline=False)
        self.operator.setdefault("office_id", "test")
        self.reporter = reporter or RecordingReporter()
        self.engine = SyncEngine(self.store, self.client, self.reporter, interval=0.5, rng=random.Random(1))

    def sync(self) -> dict:
        stats = self.engine.sync_once()
        assert stats["ok"], stats
        return stats

    def services(self, settings: Any) -> Any:
        from samad_desk.services import DeskServices

        return DeskServices(open_session(self.store, self.operator, settings=settings))

    def close(self) -> None:
        self.engine.stop()
        self.store.close()
        self.client.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The real central server (SQLite, demo users), one per test module."""
    from samad_desk.central.process import sqlite_url, start_server

    tmp = tmp_path_factory.mktemp("central")
    srv = start_server(sqlite_url(tmp), seed_demo=True, log_path=tmp / "central.log")
    yield srv
    srv.kill()


@pytest.fixture
def desks(server, tmp_path):
    """``desks(username, reporter=None) -> Desk``: a new desk, synced once."""
    with closed_after() as made:

        def make(username: str, reporter: Any = None) -> Desk:
            d = made.keep(Desk(tmp_path / f"{username}-{len(made)}", server.url, username, reporter))
            d.sync()
            return d

        yield make
