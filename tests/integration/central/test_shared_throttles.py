"""Throttles and the server id with real server processes: two processes on one database
behave as one server, and a client cannot pick the address the throttle counts.

Each test starts ``samad-desk central serve`` twice on the same database (SQLite file or
PostgreSQL schema), as two API nodes or ``--workers`` would run.
"""

from __future__ import annotations

import httpx
import pytest

from samad_desk.central.process import ServerProcess, free_port

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture
def two_nodes(db_url, tmp_path):
    first = ServerProcess(db_url, seed_demo=True, log_path=tmp_path / "a.log").start()
    second = ServerProcess(db_url, log_path=tmp_path / "b.log").start()
    yield first, second
    first.stop()
    second.stop()


def _login(url: str, password: str) -> httpx.Response:
    return httpx.post(f"{url}/v1/auth/login", json={"username": "agent1", "password": password}, timeout=30)


def test_two_processes_share_the_login_throttle(two_nodes):
    a, b = two_nodes
    # five failures (the default budget per username and address), alternating nodes
    for i in range(5):
        assert _login((a, b)[i % 2].url, "wrong").status_code == 401
    # per process the sixth guess would be only the third on node b: the budget is shared
    answer = _login(b.url, "wrong")
    assert answer.status_code == 429, answer.text
    assert int(answer.headers["Retry-After"]) > 0
    assert _login(a.url, "agent1").status_code == 429  # blocked means blocked, on every node


def test_rotating_x_forwarded_for_does_not_bypass_the_tracking_throttle(two_nodes):
    a, b = two_nodes
    codes = []
    for i in range(24):  # the budget is 20 a minute per address
        answer = httpx.get(f"{(a, b)[i % 2].url}/v1/track/123456789012", params={"mobile_tail": "1234"},
                           headers={"X-Forwarded-For": f"10.{i}.0.1", "X-Real-IP": f"10.{i}.0.1"}, timeout=30)
        codes.append(answer.status_code)
    assert codes[:20] == [404] * 20
    assert codes[20:] == [429] * 4


def test_every_node_of_one_database_names_the_same_server(two_nodes, db_url, tmp_path):
    a, b = two_nodes
    ids = {httpx.get(f"{n.url}/v1/health", timeout=30).json()["server_id"] for n in (a, b)}
    headers = {httpx.get(f"{n.url}/v1/health", timeout=30).headers["x-server-id"] for n in (a, b)}
    assert len(ids) == 1 and ids == headers and next(iter(ids)).startswith("srv-")
    login = _login(a.url, "agent1").json()
    assert login["server_id"] in ids
    b.stop()
    b.port = free_port()  # restarted on another port: still the same central
    b.start()
    assert httpx.get(f"{b.url}/v1/health", timeout=30).json()["server_id"] in ids
    other = ServerProcess(f"sqlite:///{tmp_path / 'other.sqlite3'}", log_path=tmp_path / "c.log").start()
    try:
        assert httpx.get(f"{other.url}/v1/health", timeout=30).json()["server_id"] not in ids
    finally:
        other.stop()
