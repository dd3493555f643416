"""The fault proxy itself does what the fault tests rely on (against a scripted server)."""

from __future__ import annotations

import time

import pytest

from samad_desk.sync.client import SyncClient
from samad_desk.sync.errors import TransientError
from samad_desk.sync.tokens import TokenStore
from tests.support.sync.faultproxy import wait_until

PUSH = b"POST /v1/sync/push"
BODY = {"results": [{"op_id": "x", "status": "applied", "seq": 1}], "last_client_seq": 1,
        "server_time": "2025-03-02T05:12:44Z", "padding": "x" * 2000}


def _client(url, tmp_path, timeout=3.0) -> SyncClient:
    store = TokenStore(tmp_path / "op", url)
    store.save({"access_token": "A"})
    return SyncClient(url, store, timeout=timeout)


@pytest.fixture
def setup(scripted, proxy_to, tmp_path):
    scripted.always("/v1/sync/push", 200, BODY)
    scripted.always("/v1/health", 200, {"ok": True})
    proxy = proxy_to(scripted.url)
    return scripted, proxy, _client(proxy.url, tmp_path)


def test_clean_pass_through_keeps_connections_alive(setup):
    server, proxy, client = setup
    for _ in range(3):
        assert client.push("c", [])["results"][0]["status"] == "applied"
    assert len(server.of("/v1/sync/push")) == 3
    assert proxy.stats["connections"] == 1


def test_drop_request_never_reaches_the_server(setup):
    server, proxy, client = setup
    proxy.drop_request(PUSH)
    with pytest.raises(TransientError):
        client.push("c", [])
    assert server.of("/v1/sync/push") == []
    assert client.push("c", [])["results"]  # next one passes


@pytest.mark.parametrize("after", [0, 100, 1500])
def test_cut_response_after_the_server_answered(setup, after):
    server, proxy, client = setup
    proxy.cut_response(after=after, match=PUSH)
    with pytest.raises(TransientError):
        client.push("c", [])
    assert len(server.of("/v1/sync/push")) == 1  # the server did its work
    assert proxy.stats["cut"] == 1


def test_reset_mid_body(setup):
    server, proxy, client = setup
    proxy.reset_response(after=300, match=PUSH)
    with pytest.raises(TransientError) as info:
        client.push("c", [])
    assert info.value.link_down
    assert proxy.stats["reset"] == 1


def test_rules_only_hit_matching_requests(setup):
    server, proxy, client = setup
    proxy.cut_response(after=0, match=PUSH)
    client.health()
    with pytest.raises(TransientError):
        client.push("c", [])


def test_duplicate_delivery(setup):
    server, proxy, client = setup
    proxy.duplicate(copies=3, match=PUSH)
    client.push("c", [{"op_id": "dup"}])
    assert wait_until(lambda: len(server.of("/v1/sync/push")) == 4)
    assert all(r["body"]["ops"][0]["op_id"] == "dup" for r in server.of("/v1/sync/push"))


def test_capture_and_replay(setup):
    server, proxy, client = setup
    proxy.capture(PUSH)
    client.push("c", [{"op_id": "r"}])
    answers = proxy.replay(proxy.captured[0], copies=2, concurrent=True)
    assert all(a.startswith(b"HTTP/1.1 200") for a in answers)
    assert len(server.of("/v1/sync/push")) == 3


def test_blackhole_times_out_and_heals(setup, tmp_path):
    server, proxy, _ = setup
    client = _client(proxy.url, tmp_path, timeout=0.5)
    proxy.blackhole()
    with pytest.raises(TransientError) as info:
        client.push("c", [])
    assert info.value.timeout and info.value.link_down
    proxy.heal()
    assert client.push("c", [])["results"]


def test_refuse_resets_new_and_open_connections(setup):
    server, proxy, client = setup
    client.push("c", [])
    proxy.refuse()
    with pytest.raises(TransientError) as info:
        client.push("c", [])
    assert info.value.link_down
    proxy.heal()
    assert client.push("c", [])["results"]


def test_latency_and_slicing_still_deliver(setup):
    server, proxy, client = setup
    proxy.latency(150, jitter_ms=20)
    proxy.slice(7)
    t0 = time.monotonic()
    assert client.push("c", [{"op_id": "slow"}])["results"]
    assert time.monotonic() - t0 >= 0.25  # request and response each delayed
