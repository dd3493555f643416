"""``central/auth.py`` on its own: the access token's exact claims, every way a token is
refused (and the reason the server then gives), refresh tokens and password checks.
Written for the mutation run of issue 19 (docs/mutation.md, target ``auth``): the HTTP
tests in tests/integration/central/test_auth.py reach these functions but left a token
without ``sub``, one of another type and the refresh token's form unguarded."""

from __future__ import annotations

import hashlib
import time

import jwt
import pytest

from samad_desk.central import auth

SECRET = "a-test-secret-that-is-long-enough-for-hs256-and-for-hs512-as-well"


def _claims(token: str) -> dict:
    return jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})


def test_an_access_token_carries_exactly_operator_device_type_and_times():
    token = auth.make_access_token(SECRET, "op-1", "dev-1", now=1_700_000_000.7)
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert _claims(token) == {"sub": "op-1", "dev": "dev-1", "typ": "access",
                              "iat": 1_700_000_000, "exp": 1_700_000_000 + auth.ACCESS_TTL_S}


def test_an_access_token_without_now_is_issued_now():
    before = int(time.time())
    claims = _claims(auth.make_access_token(SECRET, "op-1", "dev-1"))
    assert before <= claims["iat"] <= int(time.time())
    assert claims["exp"] == claims["iat"] + auth.ACCESS_TTL_S


def test_a_fresh_token_decodes_to_its_claims_until_it_expires():
    almost = time.time() - auth.ACCESS_TTL_S + 60
    claims = auth.decode_access_token(SECRET, auth.make_access_token(SECRET, "op-1", "dev-1", now=almost))
    assert (claims["sub"], claims["dev"], claims["typ"]) == ("op-1", "dev-1", "access")
    late = auth.make_access_token(SECRET, "op-1", "dev-1", now=time.time() - auth.ACCESS_TTL_S - 60)
    with pytest.raises(auth.TokenError) as exc:
        auth.decode_access_token(SECRET, late)
    assert str(exc.value) == "expired"


def _signed(claims: dict, secret: str = SECRET, alg: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=alg)


@pytest.mark.parametrize("token", [
    "not-a-jwt",
    _signed({"sub": "op-1", "dev": "d", "typ": "access", "exp": 2_000_000_000}, secret="x" * 40),  # another key
    _signed({"dev": "d", "typ": "access", "exp": 2_000_000_000}),                 # no operator
    _signed({"sub": "op-1", "dev": "d", "typ": "access"}),                        # never expires
    _signed({"sub": "op-1", "dev": "d", "typ": "refresh", "exp": 2_000_000_000}),  # another type
    _signed({"sub": "op-1", "dev": "d", "exp": 2_000_000_000}),                   # no type
    _signed({"sub": "op-1", "dev": "d", "typ": "access", "exp": 2_000_000_000}, secret=SECRET, alg="HS512"),
], ids=["garbage", "other-key", "no-sub", "no-exp", "refresh-type", "no-type", "other-alg"])
def test_every_other_token_is_invalid(token):
    with pytest.raises(auth.TokenError) as exc:
        auth.decode_access_token(SECRET, token)
    assert str(exc.value) == "invalid"


def test_a_refresh_token_is_random_prefixed_and_stored_only_as_its_sha256():
    token, digest = auth.new_refresh_token()
    other, _ = auth.new_refresh_token()
    assert token.startswith("rt_") and len(token) == 3 + 43 and token != other  # 32 random bytes
    assert digest == hashlib.sha256(token.encode()).hexdigest() == auth.token_hash(token)
    assert auth.token_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_passwords_verify_only_against_their_own_hash():
    stored = auth.hash_password("گذرواژه-۱")
    assert stored.startswith("$argon2id$") and "گذرواژه" not in stored
    assert auth.verify_password(stored, "گذرواژه-۱") is True
    assert auth.verify_password(stored, "گذرواژه-۲") is False
    assert auth.verify_password("not-a-hash", "x") is False
    assert auth.verify_password(auth.hash_password(""), "") is True


def test_burning_time_for_an_unknown_user_verifies_a_real_hash(monkeypatch):
    calls = []
    real = auth.verify_password
    monkeypatch.setattr(auth, "verify_password", lambda stored, pw: calls.append((stored, pw)) or real(stored, pw))
    assert auth.burn_time("حدس") is None
    assert calls == [(auth._DUMMY_HASH, "حدس")]
    assert auth._DUMMY_HASH.startswith("$argon2id$")
