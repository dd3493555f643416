"""Tokens and the offline verifier on disk; the backoff and batch-size policies."""

from __future__ import annotations

import os
import random
import stat

import orjson
import pytest

from samad_desk.sync.backoff import Aimd, Backoff, parse_retry_after
from samad_desk.sync.errors import WrongServer
from samad_desk.sync.tokens import TokenStore, forget_offline, remember_password, verify_offline


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_tokens_are_private_and_belong_to_the_directory_not_the_url(tmp_path):
    old = os.umask(0o022)  # a permissive umask must not leak into the token file
    try:
        store = TokenStore(tmp_path / "op", "http://a")
        store.save({"access_token": "A1", "refresh_token": "R1", "expires_in": 900, "operator": {"id": "o1"},
                    "device_id": "d-1"})
        store.check_server("srv-1")
    finally:
        os.umask(old)
    assert _mode(store.path) == 0o600
    assert _mode(store.path.parent) == 0o700
    assert store.access_token == "A1" and store.refresh_token == "R1"
    assert store.load()["access_expires_at"] > 0
    # another address of the same central: the same device, session and server
    other = TokenStore(tmp_path / "op", "http://b")
    other.check_server("srv-1")
    assert other.load()["device_id"] == "d-1" and other.access_token == "A1"
    store.clear_tokens()
    assert store.access_token is None and store.operator == {"id": "o1"}
    assert store.load()["device_id"] == "d-1" and store.load()["server_id"] == "srv-1"
    assert not [p for p in store.path.parent.iterdir() if ".tmp-" in p.name]


def test_another_central_is_refused_not_forked(tmp_path):
    store = TokenStore(tmp_path, "http://a")
    store.save({"access_token": "A1", "device_id": "d-1"})
    store.check_server("srv-1")
    with pytest.raises(WrongServer) as err:
        TokenStore(tmp_path, "http://elsewhere").check_server("srv-2")
    assert "سرور مرکزی دیگری" in str(err.value) and "http://elsewhere" in str(err.value)
    assert store.load()["server_id"] == "srv-1" and store.access_token == "A1"
    store.check_server(None)  # an older server sends no id: taken on trust


def test_the_per_url_token_file_of_older_versions_is_read(tmp_path):
    (tmp_path / "tokens.json").write_bytes(orjson.dumps(
        {"http://a": {"access_token": "A1", "device_id": "d-old", "operator": {"id": "o1"}}}))
    store = TokenStore(tmp_path, "http://127.0.0.1:9999")  # another port: the only entry is ours
    assert store.load()["device_id"] == "d-old" and store.access_token == "A1"
    store.save({"access_token": "A2"})
    data = orjson.loads((tmp_path / "tokens.json").read_bytes())
    assert data["format"] == 2 and data["device_id"] == "d-old" and data["session"]["access_token"] == "A2"


def test_damaged_token_file_means_logged_out(tmp_path):
    store = TokenStore(tmp_path, "http://a")
    store.path.write_bytes(b'{"http://a": {"access_tok')
    assert store.load() is None
    store.save({"access_token": "x"})
    assert store.access_token == "x"


def test_offline_verifier_never_stores_the_password(tmp_path):
    remember_password("Agent1", "s3cret-گذرواژه", {"id": "o1", "role": "agent"}, operator_dir=tmp_path)
    path = tmp_path / "offline-login.json"
    raw = path.read_bytes()
    assert b"s3cret" not in raw and "گذرواژه".encode() not in raw
    assert b"$argon2id$" in raw
    assert _mode(path) == 0o600
    assert verify_offline("agent1", "s3cret-گذرواژه", operator_dir=tmp_path) == {"id": "o1", "role": "agent"}
    assert verify_offline("agent1", "wrong", operator_dir=tmp_path) is None
    assert verify_offline("nobody", "s3cret-گذرواژه", operator_dir=tmp_path) is None
    forget_offline("agent1", operator_dir=tmp_path)
    assert verify_offline("agent1", "s3cret-گذرواژه", operator_dir=tmp_path) is None


def test_verify_offline_defaults_to_the_operator_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("SAMAD_DESK_OPERATOR_DIR", str(tmp_path / "opdir"))
    remember_password("u", "p")
    assert verify_offline("u", "p") == {"username": "u"}
    assert (tmp_path / "opdir" / "offline-login.json").exists()


def test_backoff_full_jitter_bounds_and_cap():
    b = Backoff(rng=random.Random(7))
    ceilings, delays = [], []
    for _ in range(12):
        ceilings.append(b.ceiling())
        delays.append(b.next_delay())
    assert ceilings[:5] == [2, 4, 8, 16, 32]
    assert ceilings[-1] == 300
    assert all(0 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert len({round(d, 6) for d in delays}) == len(delays)  # jittered, not a fixed ladder
    b.reset()
    assert b.ceiling() == 2


def test_backoff_honours_retry_after_but_keeps_the_cap():
    b = Backoff(rng=random.Random(1))
    assert b.next_delay(retry_after=42) >= 42
    assert b.next_delay(retry_after=10_000) == 300


def test_backoff_never_overflows_after_a_long_outage():
    b = Backoff(rng=random.Random(3))
    for _ in range(5000):
        assert 0 <= b.next_delay() <= 300


def test_aimd_halves_and_grows_back_slowly():
    a = Aimd(high=100)
    a.timeout()
    a.timeout()
    assert a.size == 25
    a.success()
    assert a.size == 30
    for _ in range(100):
        a.success()
    assert a.size == 100
    for _ in range(20):
        a.timeout()
    assert a.size == 1


def test_parse_retry_after():
    assert parse_retry_after("7") == 7
    assert parse_retry_after(None) is None
    assert parse_retry_after("garbage") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
