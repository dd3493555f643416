"""SyncClient against a scripted HTTP server: headers, gzip, and every error answer."""

from __future__ import annotations

import json
import socket

import pytest

from samad_desk.sync.client import SyncClient
from samad_desk.sync.errors import (
    AuthError,
    AuthRequired,
    ClientResetRequired,
    Forbidden,
    ResyncRequired,
    TransientError,
    UpgradeRequired,
)
from samad_desk.sync.tokens import TokenStore, verify_offline

LOGIN = {"access_token": "A1", "refresh_token": "R1", "expires_in": 900,
         "operator": {"id": "op-1", "username": "agent1", "role": "agent"}, "client_no": 7}
PUSH_OK = {"results": [], "last_client_seq": 0, "server_time": "2025-03-02T05:12:44Z"}


def _client(server, tmp_path, **kw) -> SyncClient:
    return SyncClient(server.url, TokenStore(tmp_path / "op", server.url), timeout=5, **kw)


def test_login_stores_tokens_and_offline_verifier(scripted, tmp_path):
    scripted.answer("/v1/auth/login", 200, LOGIN)
    client = _client(scripted, tmp_path)
    operator = client.login("agent1", "pw")
    assert operator["id"] == "op-1"
    assert client.tokens.access_token == "A1"
    assert client.tokens.load()["client_no"] == 7
    body = scripted.of("/v1/auth/login")[0]["body"]
    assert body["username"] == "agent1" and body["device_id"] == client.device_id
    assert verify_offline("agent1", "pw", operator_dir=tmp_path / "op")["id"] == "op-1"


def test_login_refused_is_a_persian_auth_error(scripted, tmp_path):
    scripted.answer("/v1/auth/login", 401, {"error": "invalid_credentials", "message": "نام کاربری یا گذرواژه نادرست است."})
    with pytest.raises(AuthError, match="گذرواژه"):
        _client(scripted, tmp_path).login("agent1", "bad")
    assert verify_offline("agent1", "bad", operator_dir=tmp_path / "op") is None


def test_every_request_carries_the_protocol_headers_and_a_gzip_body(scripted, tmp_path):
    scripted.answer("/v1/auth/login", 200, LOGIN)
    scripted.always("/v1/sync/push", 200, PUSH_OK)
    client = _client(scripted, tmp_path)
    client.login("agent1", "pw", remember_offline=False)
    client.push("c-1", [{"op_id": "x", "client_seq": 1}])
    client.push("c-1", [{"op_id": "y", "client_seq": 2}])
    first, second = scripted.of("/v1/sync/push")
    for req in (first, second):
        h = {k.lower(): v for k, v in req["headers"].items()}
        assert h["authorization"] == "Bearer A1"
        assert h["x-desk-protocol"] == "1"
        assert h["x-desk-version"]
        assert h["content-encoding"] == "gzip"
    assert first["headers"]["X-Request-Id"] != second["headers"]["X-Request-Id"]
    assert first["body"]["client_id"] == "c-1" and first["body"]["ops"][0]["op_id"] == "x"
    assert first["body"]["device_id"] == client.device_id
    assert client.last_server_time == "2025-03-02T05:12:44Z"


def test_expired_access_token_is_refreshed_once_and_the_request_retried(scripted, tmp_path):
    scripted.answer("/v1/auth/login", 200, LOGIN)
    scripted.answer("/v1/sync/push", 401, {"error": "unauthorized"})
    scripted.answer("/v1/sync/push", 200, PUSH_OK)
    scripted.answer("/v1/auth/refresh", 200, {"access_token": "A2", "refresh_token": "R2", "expires_in": 900})
    client = _client(scripted, tmp_path)
    client.login("agent1", "pw", remember_offline=False)
    assert client.push("c-1", [])["results"] == []
    pushes = scripted.of("/v1/sync/push")
    assert [p["headers"]["Authorization"] for p in pushes] == ["Bearer A1", "Bearer A2"]
    assert scripted.of("/v1/auth/refresh")[0]["body"] == {"refresh_token": "R1"}
    assert client.tokens.refresh_token == "R2"  # rotated token kept


def test_refused_refresh_means_login_required_and_forgets_dead_tokens(scripted, tmp_path):
    scripted.answer("/v1/auth/login", 200, LOGIN)
    scripted.always("/v1/sync/push", 401, {"error": "unauthorized"})
    scripted.answer("/v1/auth/refresh", 401, {"error": "refresh_invalid"})
    client = _client(scripted, tmp_path)
    client.login("agent1", "pw", remember_offline=False)
    with pytest.raises(AuthRequired):
        client.push("c-1", [])
    assert not client.logged_in
    assert client.tokens.operator["id"] == "op-1"
    with pytest.raises(AuthRequired):  # no further requests without a token
        client.push("c-1", [])
    assert len(scripted.of("/v1/sync/push")) == 1


@pytest.mark.parametrize(
    ("status", "body", "headers", "error"),
    [
        (409, {"error": "client_reset_required"}, {}, ClientResetRequired),
        (410, {"error": "resync_required", "reason": "epoch_changed"}, {}, ResyncRequired),
        (426, {"error": "upgrade_required"}, {}, UpgradeRequired),
        (403, {"error": "forbidden", "message": "این دستگاه از سامانه خارج شده است."}, {}, Forbidden),
        (429, {"error": "busy"}, {"Retry-After": "17"}, TransientError),
        (503, {"error": "unavailable"}, {"Retry-After": "3"}, TransientError),
        (500, b"Internal Server Error", {}, TransientError),
        (200, b'{"results": [{"op_id"', {}, TransientError),
    ],
)
def test_answers_map_to_errors(scripted, tmp_path, status, body, headers, error):
    scripted.answer("/v1/auth/login", 200, LOGIN)
    scripted.answer("/v1/sync/push", status, body, headers)
    client = _client(scripted, tmp_path)
    client.login("agent1", "pw", remember_offline=False)
    with pytest.raises(error) as info:
        client.push("c-1", [])
    assert any("\u0600" <= ch <= "\u06ff" for ch in str(info.value))  # Persian for the operator
    if "Retry-After" in headers:
        assert info.value.retry_after == float(headers["Retry-After"])
        assert not info.value.link_down
    if status == 410:
        assert info.value.reason == "epoch_changed"


def test_unreachable_server_is_link_down(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    store = TokenStore(tmp_path, f"http://127.0.0.1:{port}")
    store.save({"access_token": "A"})
    client = SyncClient(f"http://127.0.0.1:{port}", store, timeout=2)
    with pytest.raises(TransientError) as info:
        client.pull(None)
    assert info.value.link_down


def test_no_token_at_all_needs_a_login_without_touching_the_network(scripted, tmp_path):
    with pytest.raises(AuthRequired):
        _client(scripted, tmp_path).pull(None)
    assert scripted.requests == []


def test_snapshot_follows_pages_and_needs_the_control_line(scripted, tmp_path):
    def page(records, control) -> bytes:
        return b"".join(json.dumps(r).encode() + b"\n" for r in [*records, control])

    rec = [{"entity": "case", "id": f"c{i}", "version": 1, "data": {"id": f"c{i}"}} for i in range(3)]
    scripted.answer("/v1/sync/snapshot", 200, page(rec[:2], {"done": False, "next_page": "P2"}))
    scripted.answer("/v1/sync/snapshot", 200, page(rec[2:], {"done": True, "cursor": "CUR"}))
    store = TokenStore(tmp_path, scripted.url)
    store.save({"access_token": "A"})
    client = SyncClient(scripted.url, store, timeout=3)
    records, cursor = client.snapshot()
    assert cursor == "CUR" and list(records) == rec
    assert scripted.of("/v1/sync/snapshot")[1]["path"].endswith("page=P2")
    scripted.answer("/v1/sync/snapshot", 200, page(rec, {"done": False, "next_page": "P2"})[:-40])
    with pytest.raises(TransientError):
        client.snapshot()
