"""Passwords (argon2id), access tokens (JWT, 15 min) and refresh tokens (opaque, 30 days)
(the throttles of login and of the public tracking endpoint are in ``throttle.py``).

Refresh tokens are random strings; only their SHA-256 is stored, and each refresh
rotates the token (the old one is revoked). A rotated token still works for
``REFRESH_GRACE_S`` after its rotation: on a provincial office's link the answer to a
refresh is sometimes lost, and the desk then holds only the old token (without the grace
it was sent back to the login screen); a device revocation has no grace. Access tokens
carry the operator id and the device id; everything else (role, agency, office,
province) is read from the database on every request, so a changed role takes effect
within one request.
"""

from __future__ import annotations

import hashlib
import secrets
import time

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

ACCESS_TTL_S = 15 * 60
REFRESH_TTL_S = 30 * 24 * 3600
#: how long a rotated refresh token may still be used (its answer lost on the way)
REFRESH_GRACE_S = 120

# modest parameters: a login costs ~20-40 ms on this class of machine
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# A fixed hash to verify against when the username is unknown, so the answer takes as
# long as for a wrong password (no user enumeration by timing).
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def burn_time(password: str) -> None:
    verify_password(_DUMMY_HASH, password)


def make_access_token(secret: str, operator_id: str, device_id: str, *, now: float | None = None) -> str:
    now = time.time() if now is None else now
    claims = {
        "sub": operator_id,
        "dev": device_id,
        "typ": "access",
        "iat": int(now),
        "exp": int(now) + ACCESS_TTL_S,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


class TokenError(Exception):
    pass


def decode_access_token(secret: str, token: str) -> dict:
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp", "sub"]})
    except jwt.ExpiredSignatureError:
        raise TokenError("expired") from None
    except jwt.PyJWTError:
        raise TokenError("invalid") from None
    if claims.get("typ") != "access":
        raise TokenError("invalid")
    return claims


def new_refresh_token() -> tuple[str, str]:
    """Return (token, sha256 hex of token)."""
    token = "rt_" + secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
