"""Device identity belongs to the operator directory, not the server's URL (issue 13 §2,
issue 12 §2): any address of the same central (a second API node on the same database,
the server restarted on another port, ``samad-desk demo --dir`` restarted) continues the
same device, client and cursor; a different central is refused, never forked.

Real server processes throughout; the desk logs in again at each new address, as an
operator would after the URL changed (before, that login made a new device and every
push was then refused with 403 «این کلاینت به دستگاه دیگری تعلق دارد»).
"""

from __future__ import annotations

import random

import pytest

from samad_desk.central.process import ServerProcess, free_port
from samad_desk.sync.client import SyncClient
from samad_desk.sync.engine import SyncEngine
from samad_desk.sync.errors import WrongServer
from samad_desk.sync.tokens import TokenStore
from tests.support.sync.harness import check_global


def reach(desk, url: str, *, login: bool) -> None:
    """The desk process starts again pointed at ``url`` (nothing carried over but the
    operator directory and the data directory), and logs in when asked."""
    desk.engine.stop()
    desk.client.close()
    desk.server_url = url
    desk.client = SyncClient(url, TokenStore(desk.operator_dir, url), timeout=desk.timeout)
    if login:
        desk.operator = desk.client.login(desk.username, desk.password, remember_offline=False)
    desk.engine = SyncEngine(desk.store, desk.client, desk.reporter, interval=0.5, probe_interval=0.1,
                             probe_timeout=0.5, rng=random.Random(desk.name))


def _devices(db_url: str) -> int:
    from sqlalchemy import func, select

    from samad_desk.central import db
    from samad_desk.central.db import open_engine

    engine = open_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(db.devices)).scalar() or 0)
    finally:
        engine.dispose()


def test_a_desk_switching_between_two_nodes_of_one_database_round_by_round(central, desk_factory, tmp_path):
    node2 = ServerProcess(central.db_url, log_path=tmp_path / "node2.log").start()
    try:
        desk = desk_factory("switch", "agent1", central.url)
        other = desk_factory("other", "agent2", node2.url)
        rng = random.Random(13)
        urls = [central.url, node2.url]
        for round_no in range(6):
            reach(desk, urls[round_no % 2], login=round_no < 2)  # a login at each new address
            desk.register_call(rng, agency_id="water-qazvin")
            other.register_call(rng)
            stats = desk.sync()
            assert stats["ok"], stats  # before: 403 from the second address on
            assert not desk.store.needs_attention()
            assert other.sync()["ok"]
        for d in (desk, other):
            d.sync_until_quiet()
        assert _devices(central.db_url) == 2  # one device per operator directory (before the
        # checker's fresh pulls, which log in from new directories)
        result = check_global(central.db_url, [desk, other])
        assert result["rejected"] == 0 and result["applied"] == len(desk.saved) + len(other.saved)
        # both desks converge: each holds the other's cases (agents see the province)
        desk.sync_until_quiet()
        mine = {c["id"] for c in desk.cases()}
        assert {c["id"] for c in other.cases()} <= mine | {c["id"] for c in other.cases()}
        assert {c["id"] for c in other.cases()} == mine
    finally:
        node2.stop()


def test_the_server_restarted_on_another_port_continues_the_device(central, desk_factory):
    desk = desk_factory("restart", "agent1", central.url)
    rng = random.Random(7)
    desk.register_call(rng)
    assert desk.sync()["ok"]
    server = central.server
    server.stop()
    server.port = free_port()
    server.start(seed=False)
    reach(desk, server.url, login=True)
    desk.register_call(rng)
    stats = desk.sync_until_quiet()
    assert stats["ok"] and not desk.store.needs_attention()
    assert _devices(central.db_url) == 1
    assert check_global(central.db_url, [desk])["rejected"] == 0


def test_another_central_is_refused_and_nothing_forks(central_factory, desk_factory):
    first, second = central_factory(), central_factory()
    desk = desk_factory("fork", "agent1", first.url)
    desk.register_call(random.Random(1))
    assert desk.sync()["ok"]
    desk.register_call(random.Random(2))
    queued = len(desk.store.pending_ops(limit=100))
    with pytest.raises(WrongServer) as err:
        reach(desk, second.url, login=True)
    assert "سرور مرکزی دیگری" in str(err.value)
    reach(desk, second.url, login=False)
    stats = desk.sync()
    assert not stats["ok"] and "سرور مرکزی دیگری" in stats["error"]
    assert desk.engine.problem is not None and desk.engine.problem.kind == "server"  # its own banner
    assert len(desk.store.pending_ops(limit=100)) == queued  # kept for the right central
    assert _devices(second.db_url) == 0  # no device made there, nothing pushed
    reach(desk, first.url, login=False)
    assert desk.sync_until_quiet()["ok"]
    assert check_global(first.db_url, [desk])["rejected"] == 0


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_restarted_demo_goes_on_syncing(backend, tmp_path):
    """``samad-desk demo --dir D`` twice: the second run's server gets another port, the
    desk logs in again (``demo_login``) and its ops still reach the server."""
    from dataclasses import replace

    from samad_desk.central.process import sqlite_url
    from samad_desk.demo_mode import demo_login
    from samad_desk.settings import load_settings
    from samad_desk.store import Store
    from samad_desk.sync.commands import run_once

    directory = tmp_path / "demo"
    directory.mkdir()
    saved = 0
    for run in range(2):
        server = ServerProcess(sqlite_url(directory), seed_demo=True, log_path=directory / "central.log").start()
        try:
            settings = replace(load_settings(), server_url=server.url, data_dir=directory / "desk-data",
                               operator_dir=directory / "desk-operator")
            operator = demo_login(settings, "agent1", "agent1")
            code, _stats = run_once(settings, quiet=True)
            assert code == 0
            from tests.support.sync.harness import Desk

            with Store.open(settings.data_dir) as store:
                d = Desk("demo", directory, server.url, "agent1", "agent1", store=store, operator=operator)
                d.register_call(random.Random(run))
                saved += 2
            code, stats = run_once(settings, quiet=True)
            assert code == 0, stats  # before: the second run's pushes were refused (403)
            assert stats["pending"] == 0
        finally:
            server.stop()
    assert _devices(sqlite_url(directory)) == 1


def test_two_nodes_behind_one_url_round_by_round(central, desk_factory, proxy_to, tmp_path):
    """A load balancer in front of two processes on one database: each round lands on the
    other node (the proxy is retargeted and its connections cut), a reset after the server
    answered thrown in; both desks converge and every op is on the server exactly once."""
    node2 = ServerProcess(central.db_url, log_path=tmp_path / "node2.log").start()
    try:
        proxy = proxy_to(central.url)
        nodes = [("127.0.0.1", central.server.port), ("127.0.0.1", node2.port)]
        a = desk_factory("lb-a", "agent1", proxy.url)
        b = desk_factory("lb-b", "agent2", proxy.url)
        rng = random.Random(5)
        for round_no in range(6):
            proxy.retarget(*nodes[round_no % 2])
            proxy.kill_connections()
            if round_no == 3:
                proxy.reset_response(match=b"POST /v1/sync/push")  # the answer lost after commit
            for d in (a, b):
                d.register_call(rng)
                d.sync()
        proxy.heal()
        for d in (a, b, a):
            assert d.sync_until_quiet()["ok"]
        assert _devices(central.db_url) == 2
        assert check_global(central.db_url, [a, b])["rejected"] == 0
        assert {c["id"] for c in a.cases()} == {c["id"] for c in b.cases()}
    finally:
        node2.stop()
