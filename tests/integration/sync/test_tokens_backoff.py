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


# --- a copied operator directory (sync/clones.py) ---------------------------------------------
def _logged_in_dir(path):
    tokens = TokenStore(path, "http://central")
    tokens.save({"device_id": "d-original", "access_token": "a", "refresh_token": "r",
                 "client_no": 7, "operator": {"id": "op-1"}})
    remember_password("agent1", "pw", {"id": "op-1"}, operator_dir=path)
    return tokens


def test_a_directory_where_it_always_was_keeps_its_session(tmp_path):
    _logged_in_dir(tmp_path / "op")
    again = TokenStore(tmp_path / "op", "http://central")
    assert again.load()["device_id"] == "d-original" and again.refresh_token == "r"
    assert again.copied_from is None
    assert verify_offline("agent1", "pw", operator_dir=tmp_path / "op") is not None


def test_a_copied_directory_forgets_session_device_key_and_offline_login(tmp_path):
    import shutil

    from samad_desk.sync.op_keys import KEY_FILE

    _logged_in_dir(tmp_path / "op")
    (tmp_path / "op" / KEY_FILE).write_text("{}")
    shutil.copytree(tmp_path / "op", tmp_path / "copy")
    copy = TokenStore(tmp_path / "copy", "http://central")
    entry = copy.load() or {}
    assert "device_id" not in entry and "refresh_token" not in entry and "client_no" not in entry
    assert copy.copied_from == "d-original"
    assert not (tmp_path / "copy" / KEY_FILE).exists()
    assert verify_offline("agent1", "pw", operator_dir=tmp_path / "copy") is None
    # the original is untouched
    assert TokenStore(tmp_path / "op", "http://central").refresh_token == "r"
    assert (tmp_path / "op" / KEY_FILE).exists()


def test_the_same_path_on_another_machine_is_a_copy(tmp_path, monkeypatch):
    from samad_desk.sync import clones

    _logged_in_dir(tmp_path / "op")
    monkeypatch.setattr(clones, "host_id", lambda: "another-machine/desk-2")
    assert TokenStore(tmp_path / "op", "http://central").copied_from == "d-original"


def test_adopt_moves_a_copy_to_its_own_client_and_number(tmp_path):
    import shutil

    from samad_desk.store import Store
    from samad_desk.sync.clones import adopt_client_no

    _logged_in_dir(tmp_path / "op")
    with Store.open(tmp_path / "data") as store:
        assert adopt_client_no(store, TokenStore(tmp_path / "op", "http://central"))
        original_client = store.client_id
        assert store.client_no == 7
    shutil.copytree(tmp_path / "op", tmp_path / "copy")
    shutil.copytree(tmp_path / "data", tmp_path / "data-copy")
    tokens = TokenStore(tmp_path / "copy", "http://central")
    with Store.open(tmp_path / "data-copy") as store:
        assert not adopt_client_no(store, tokens)  # no login yet: nothing to adopt
        tokens.save({"device_id": "d-new", "access_token": "a", "refresh_token": "r", "client_no": 8})
        assert adopt_client_no(store, tokens)
        assert store.client_no == 8 and store.client_id != original_client
        moved = store.client_id
        assert not adopt_client_no(store, tokens)  # once
        assert store.client_id == moved
