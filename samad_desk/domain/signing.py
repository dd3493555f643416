"""Op signatures: an op counts as its author's when the author's key signed it.

A desk makes one Ed25519 key per operator at online login; the server keeps the public
half (``operator_keys``, revocable) and the secret stays in the operator's directory
only while they are logged in. Every op saved while the key is there is signed at save
time, so a host may later push that operator's journal for them and the server can
still tell the op is theirs (docs/threat-model.md).

What is signed is what never changes after the op is made: ``op_id``, ``type``, ``v``,
``entity_id``, ``base_version``, ``payload``, ``actor.operator_id`` and
``client_time``. ``client_id``/``client_seq`` are given by the store (and renumbered
after a client reset), the rest of ``actor`` is replaced by the server from its own
operators table, so none of them is part of the signature.

The signature travels in the op as ``"sig": {"key_id": …, "value": <base64url>}``.
Pure: no I/O; the ``cryptography`` package does the arithmetic.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

#: domain separation: these bytes can never be mistaken for anything else one signs
CONTEXT = b"samad-desk op v1\n"
SIGNED_FIELDS = ("op_id", "type", "v", "entity_id", "base_version", "payload", "client_time")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical(op: dict) -> bytes:
    """The signed bytes of ``op``: its immutable fields as sorted-key JSON."""
    actor = op.get("actor")
    if not isinstance(actor, dict):
        actor = {}
    body = {k: op.get(k) for k in SIGNED_FIELDS}
    body["v"] = op.get("v", 1)
    body["operator_id"] = actor.get("operator_id")
    return CONTEXT + orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def key_id_of(public: bytes) -> str:
    """A short stable name of a public key (what an op's signature points at)."""
    return "k" + hashlib.sha256(public).hexdigest()[:32]


class OpSigner:
    """One operator's secret key; signs ops in place."""

    def __init__(self, secret: bytes) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(secret)
        self.public = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = key_id_of(self.public)

    @classmethod
    def generate(cls) -> OpSigner:
        key = Ed25519PrivateKey.generate()
        return cls(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))

    @property
    def secret(self) -> bytes:
        return self._key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())

    @property
    def public_b64(self) -> str:
        return _b64(self.public)

    def sign(self, op: dict) -> dict:
        """Add ``sig`` to ``op`` (returned, for chaining)."""
        op["sig"] = {"key_id": self.key_id, "value": _b64(self._key.sign(canonical(op)))}
        return op


def signature_of(op: dict) -> tuple[str, bytes] | None:
    """``(key_id, signature)`` when the op carries a well-formed signature."""
    sig = op.get("sig")
    if not isinstance(sig, dict):
        return None
    kid, value = sig.get("key_id"), sig.get("value")
    if not isinstance(kid, str) or not isinstance(value, str) or len(kid) > 64 or len(value) > 200:
        return None
    try:
        raw = _unb64(value)
    except (ValueError, TypeError):
        return None
    return (kid, raw) if len(raw) == 64 else None


def public_key_from_b64(text: Any) -> bytes | None:
    """The 32 raw bytes of an Ed25519 public key sent as base64url, or ``None``."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    try:
        raw = _unb64(text)
        Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, TypeError):
        return None
    return raw


def verify(op: dict, public: bytes) -> bool:
    """Did the holder of ``public`` sign exactly this op (its immutable fields)?"""
    got = signature_of(op)
    if got is None or got[0] != key_id_of(public):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(got[1], canonical(op))
    except (InvalidSignature, ValueError):
        return False
    return True
