"""Login, refresh, token checks, login rate limit, health and OpenAPI."""

from __future__ import annotations

import time

from samad_desk.central import auth, db
from samad_desk.central.testing import Desk


def test_health_and_openapi(server):
    r = server.get("/v1/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    spec = server.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    for path in ("/v1/auth/login", "/v1/sync/push", "/v1/sync/pull", "/v1/sync/snapshot",
                 "/v1/sync/status", "/v1/registry/citizens", "/v1/track/{code}", "/v1/health"):
        assert path in spec["paths"], path
    assert "samad-desk" in server.get("/docs").text


def test_login_returns_tokens_operator_and_client_no(server):
    r = server.post("/v1/auth/login", json={"username": "water1", "password": "water1", "device_id": "d-1"})
    assert r.status_code == 200
    body = r.json()
    assert body["expires_in"] == 15 * 60
    assert body["operator"]["role"] == "officer"
    assert body["operator"]["agency_id"] == "water-qazvin"
    assert "password_hash" not in body["operator"]
    assert isinstance(body["client_no"], int) and 1 <= body["client_no"] <= 99999
    # the same device keeps its number; another device gets another one
    again = server.post("/v1/auth/login", json={"username": "agent1", "password": "agent1", "device_id": "d-1"})
    other = server.post("/v1/auth/login", json={"username": "agent1", "password": "agent1", "device_id": "d-2"})
    assert again.json()["client_no"] == body["client_no"]
    assert other.json()["client_no"] != body["client_no"]
    me = server.get("/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["operator"]["username"] == "water1"


def test_wrong_password_is_401_in_persian(server):
    r = server.post("/v1/auth/login", json={"username": "water1", "password": "nope", "device_id": "d"})
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_credentials"
    assert "گذرواژه" in r.json()["message"]
    unknown = server.post("/v1/auth/login", json={"username": "ghost", "password": "x", "device_id": "d"})
    assert unknown.status_code == 401 and unknown.json()["message"] == r.json()["message"]


def test_login_rate_limited_per_username_and_ip(make_server):
    http = make_server(login_limit=(3, 60.0))
    for _ in range(3):
        assert http.post("/v1/auth/login", json={"username": "agent1", "password": "bad"}).status_code == 401
    blocked = http.post("/v1/auth/login", json={"username": "agent1", "password": "agent1"})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1
    assert "ثانیه" in blocked.json()["message"]
    # another username from the same address is not affected
    assert http.post("/v1/auth/login", json={"username": "water1", "password": "water1"}).status_code == 200


def test_refresh_rotates_and_the_old_token_dies_after_a_short_grace(server):
    desk = Desk(server, "agent1")
    r = server.post("/v1/auth/refresh", json={"refresh_token": desk.login["refresh_token"]})
    assert r.status_code == 200
    new = r.json()
    assert new["refresh_token"] != desk.login["refresh_token"]
    assert new["client_no"] == desk.login["client_no"]
    # the answer may have been lost: within the grace the old token still works, once more
    again = server.post("/v1/auth/refresh", json={"refresh_token": desk.login["refresh_token"]})
    assert again.status_code == 200 and again.json()["refresh_token"] not in (
        new["refresh_token"], desk.login["refresh_token"])
    # after the grace it is dead
    central = server.app.state.central
    with central.w.begin() as conn:
        conn.execute(db.refresh_tokens.update().where(
            db.refresh_tokens.c.token_hash == auth.token_hash(desk.login["refresh_token"])).values(
            rotated_at=int(time.time()) - auth.REFRESH_GRACE_S - 1))
    late = server.post("/v1/auth/refresh", json={"refresh_token": desk.login["refresh_token"]})
    assert late.status_code == 401
    assert server.post("/v1/auth/refresh", json={"refresh_token": "rt_forged"}).status_code == 401
    # both successors of the graced token work (the desk holds one of them)
    assert server.post("/v1/auth/refresh", json={"refresh_token": new["refresh_token"]}).status_code == 200
    assert server.post("/v1/auth/refresh", json={"refresh_token": again.json()["refresh_token"]}).status_code == 200
    h = {"Authorization": f"Bearer {new['access_token']}"}
    assert server.get("/v1/sync/pull", headers=h).status_code == 200


def test_requests_need_a_valid_unexpired_token(server):
    assert server.get("/v1/sync/pull").status_code == 401
    assert server.post("/v1/sync/push", json={"client_id": "c", "ops": []}).status_code == 401
    bad = {"Authorization": "Bearer not-a-jwt"}
    assert server.get("/v1/sync/pull", headers=bad).status_code == 401
    desk = Desk(server, "agent1")
    central = server.app.state.central
    old = auth.make_access_token(central.secret, desk.operator["id"], desk.device_id, now=time.time() - 3600)
    r = server.get("/v1/sync/pull", headers={"Authorization": f"Bearer {old}"})
    assert r.status_code == 401 and r.json()["reason"] == "expired"
    forged = auth.make_access_token("another-secret-that-is-long-enough-for-hs256", desk.operator["id"], desk.device_id)
    assert server.get("/v1/sync/pull", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_old_protocol_gets_426(server):
    desk = Desk(server, "agent1")
    r = server.get("/v1/sync/pull", headers={**desk.headers, "X-Desk-Protocol": "0"})
    assert r.status_code == 426


def test_registry_lookup(make_server, tmp_path):
    reg = tmp_path / "registry.jsonl"
    reg.write_text('{"national_id": "0013542419", "first_name": "علي", "last_name": "رضايي", '
                   '"father_name": "حسن", "birth_date": "1985-03-21"}\n', encoding="utf-8")
    http = make_server(registry_file=reg)
    desk = Desk(http, "agent1")
    r = http.get("/v1/registry/citizens", params={"national_id": "۰۰۱۳۵۴۲۴۱۹"}, headers=desk.headers)
    assert r.status_code == 200
    body = r.json()
    assert body["found"] is True
    assert body["citizen"]["first_name"] == "علی"  # normalized ي → ی
    assert body["citizen"]["birth_date"] == "1985-03-21"
    miss = http.get("/v1/registry/citizens", params={"national_id": "0084575948"}, headers=desk.headers)
    assert miss.json() == {"found": False, "citizen": None}
    bad = http.get("/v1/registry/citizens", params={"national_id": "123"}, headers=desk.headers)
    assert bad.status_code == 400 and bad.json()["message"]
    assert http.get("/v1/registry/citizens", params={"national_id": "0013542419"}).status_code == 401


def test_revoked_device_and_deactivated_user_lose_access(server):
    central = server.app.state.central
    desk = Desk(server, "agent1")
    assert central.revoke_device(desk.device_id)
    assert server.get("/v1/sync/pull", headers=desk.headers).status_code == 403
    assert server.post("/v1/auth/refresh", json={"refresh_token": desk.login["refresh_token"]}).status_code == 401
    water = Desk(server, "water1")
    assert central.deactivate_user("water1")
    assert server.get("/v1/sync/pull", headers=water.headers).status_code == 401
    r = server.post("/v1/auth/login", json={"username": "water1", "password": "water1"})
    assert r.status_code == 401


def test_desk_below_minimum_version_gets_426(make_server):
    http = make_server(min_desk_version="0.3.0")
    old = http.post("/v1/auth/login", json={"username": "agent1", "password": "agent1"},
                    headers={"X-Desk-Version": "0.2.9"})
    assert old.status_code == 426 and old.json()["error"] == "upgrade_required"
    new = http.post("/v1/auth/login", json={"username": "agent1", "password": "agent1"},
                    headers={"X-Desk-Version": "0.10.0"})
    assert new.status_code == 200


def test_guessing_across_usernames_is_limited_per_ip(make_server):
    http = make_server(login_limit=(2, 60.0))  # per IP: 10 × 2 failures
    for i in range(20):
        r = http.post("/v1/auth/login", json={"username": f"guess{i}", "password": "x"})
        assert r.status_code == 401
    r = http.post("/v1/auth/login", json={"username": "agent1", "password": "agent1"})
    assert r.status_code == 429 and r.headers["Retry-After"]


def test_a_revoked_device_gets_no_grace(server):
    desk = Desk(server, "agent1")
    r = server.post("/v1/auth/refresh", json={"refresh_token": desk.login["refresh_token"]})
    assert r.status_code == 200
    assert server.app.state.central.revoke_device(desk.device_id)
    for token in (desk.login["refresh_token"], r.json()["refresh_token"]):
        assert server.post("/v1/auth/refresh", json={"refresh_token": token}).status_code in (401, 403)
