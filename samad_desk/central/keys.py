"""Operators' op-signing keys on the server (``operator_keys``, docs/threat-model.md).

A desk sends the public half of a fresh Ed25519 key with each online login; the key is
bound to that operator and that device. It stops counting when revoked: at logout, by
``samad-desk central revoke-keys``, when the device is revoked or the operator
deactivated (those two are checked on every use, so they need no write here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.sql.elements import ColumnElement

from samad_desk.central import db
from samad_desk.central.errors import bad_request
from samad_desk.domain import signing
from samad_desk.domain.ops import dict_or_empty


@dataclass(frozen=True)
class Key:
    key_id: str
    operator_id: str
    device_id: str
    public: bytes


def register(conn: Any, operator_id: str, device_id: str, public_b64: Any, now: str) -> str:
    """Store the public key sent at login; returns its key id. A key already bound to
    someone else, another device or revoked is refused (the desk makes a new one)."""
    raw = signing.public_key_from_b64(public_b64)
    if raw is None:
        raise bad_request("کلید امضای عملیات نامعتبر است.", "invalid_op_key")
    key_id = signing.key_id_of(raw)
    t = db.operator_keys
    row = conn.execute(select(t).where(t.c.key_id == key_id)).first()
    if row is None:
        conn.execute(insert(t).values(key_id=key_id, operator_id=operator_id, device_id=device_id,
                                      public_key=public_b64, created_at=now, revoked_at=None))
    elif row.operator_id != operator_id or row.device_id != device_id or row.revoked_at is not None:
        raise bad_request("این کلید امضا پیش‌تر ثبت شده است؛ دوباره وارد شوید.", "invalid_op_key")
    return key_id


def revoke(conn: Any, now: str, *, operator_id: str | None = None, device_id: str | None = None,
           key_id: str | None = None) -> int:
    """Revoke the matching keys (at least one filter); the number revoked."""
    t = db.operator_keys
    conds: list[ColumnElement[bool]] = [t.c.revoked_at.is_(None)]
    if operator_id is not None:
        conds.append(t.c.operator_id == operator_id)
    if device_id is not None:
        conds.append(t.c.device_id == device_id)
    if key_id is not None:
        conds.append(t.c.key_id == key_id)
    if len(conds) == 1:
        raise ValueError("revoke needs an operator, a device or a key")
    return conn.execute(update(t).where(and_(*conds)).values(revoked_at=now)).rowcount


class KeyRing:
    """The usable keys looked up during one push (cached: a journal is signed by a
    handful of keys). A key is usable when not revoked, its device not revoked and
    its operator active."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self._cache: dict[str, Key | None] = {}
        self._verified: dict[str, Key | None] = {}  # op_id -> its signer (checked once)
        self._operators: dict[str, Any] = {}

    def get(self, key_id: str) -> Key | None:
        if key_id in self._cache:
            return self._cache[key_id]
        k, d, o = db.operator_keys, db.devices, db.operators
        row = self.conn.execute(
            select(k.c.key_id, k.c.operator_id, k.c.device_id, k.c.public_key)
            .select_from(k.join(d, d.c.id == k.c.device_id).join(o, o.c.id == k.c.operator_id))
            .where(and_(k.c.key_id == key_id, k.c.revoked_at.is_(None), d.c.revoked.is_(False),
                        o.c.active.is_(True)))
        ).first()
        key = None
        if row is not None:
            raw = signing.public_key_from_b64(row.public_key)
            if raw is not None:
                key = Key(row.key_id, row.operator_id, row.device_id, raw)
        self._cache[key_id] = key
        return key

    def operator(self, operator_id: str) -> Any:
        """The operators row (or None), read once per push."""
        if operator_id not in self._operators:
            self._operators[operator_id] = self.conn.execute(
                select(db.operators).where(db.operators.c.id == operator_id)).first()
        return self._operators[operator_id]

    def signer_of(self, op: dict) -> Key | None:
        """The key that validly signed ``op`` in the name of its claimed author, or None
        (verified once per op and push: the journal check and the actor check share it)."""
        op_id = op.get("op_id")
        if op_id in self._verified:
            return self._verified[op_id]
        key = self._check(op)
        if isinstance(op_id, str):
            self._verified[op_id] = key
        return key

    def _check(self, op: dict) -> Key | None:
        got = signing.signature_of(op)
        if got is None:
            return None
        key = self.get(got[0])
        actor = dict_or_empty(op.get("actor"))
        if key is None or key.operator_id != actor.get("operator_id"):
            return None
        return key if signing.verify(op, key.public) else None
