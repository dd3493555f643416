"""SSH login keys of operators (``operator_ssh_keys``, migration 7; docs/serve.md).

An administrator registers an operator's public key (``samad-desk central add-key USER
KEYFILE``); ``samad-desk serve ssh`` then lets that key in as that operator, until the key
is revoked (``central revoke-key``) or the operator deactivated. Keys are told apart by
their OpenSSH SHA-256 fingerprint (``SHA256:…``, what ``ssh-keygen -lf`` prints), which is
what the SSH server computes from the key a client offers. Only the public half is here.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, insert, select, update

from samad_desk.central import db

#: key types an administrator may register (DSA and short RSA are refused)
ALGORITHMS = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
              "ssh-rsa", "sk-ssh-ed25519@openssh.com")
MIN_RSA_BITS = 2048


class SshKeyError(ValueError):
    """A key line that cannot be registered (the message is Persian)."""


@dataclass(frozen=True)
class ParsedKey:
    algorithm: str
    blob: bytes
    comment: str

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.blob)

    @property
    def line(self) -> str:
        return f"{self.algorithm} {base64.b64encode(self.blob).decode()}"


def fingerprint_of(blob: bytes) -> str:
    """OpenSSH's SHA-256 fingerprint of a public key blob."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def parse_public_key(text: str) -> ParsedKey:
    """One OpenSSH public key line (``ssh-ed25519 AAAA… comment``, as in ``id_ed25519.pub``)."""
    if "PRIVATE KEY" in (text or "")[:200]:
        raise SshKeyError("این پرونده کلید خصوصی است؛ پروندهٔ کلید عمومی SSH (‎.pub) را بدهید.")
    fields = (text or "").strip().split(None, 2)
    if len(fields) < 2:
        raise SshKeyError("پرونده یک کلید عمومی SSH نیست (مثل id_ed25519.pub).")
    algorithm, b64 = fields[0], fields[1]
    comment = fields[2].strip() if len(fields) > 2 else ""
    if algorithm not in ALGORITHMS:
        raise SshKeyError(f"نوع کلید «{algorithm[:40]}» پذیرفته نیست؛ ssh-ed25519 پیشنهاد می‌شود.")
    try:
        blob = base64.b64decode(b64, validate=True)
    except (ValueError, TypeError):
        raise SshKeyError("متن کلید عمومی خراب است.") from None
    if _blob_algorithm(blob) != algorithm:
        raise SshKeyError("متن کلید عمومی با نوع آن نمی‌خواند.")
    if algorithm != "sk-ssh-ed25519@openssh.com":
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        try:
            key = serialization.load_ssh_public_key(f"{algorithm} {b64}".encode())
        except (ValueError, TypeError):
            raise SshKeyError("متن کلید عمومی خراب است.") from None
        if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
            raise SshKeyError(f"کلید RSA کوتاه‌تر از {MIN_RSA_BITS} بیت پذیرفته نیست.")
    return ParsedKey(algorithm, blob, comment[:200])


def _blob_algorithm(blob: bytes) -> str | None:
    if len(blob) < 4:
        return None
    n = int.from_bytes(blob[:4], "big")
    if n > len(blob) - 4:
        return None
    try:
        return blob[4:4 + n].decode("ascii")
    except UnicodeDecodeError:
        return None


def add(conn: Any, operator_id: str, key: ParsedKey, now: str) -> dict:
    """Register ``key`` for ``operator_id``; a key already registered (for anyone) is
    refused, a revoked one included: a revoked key is never let in again."""
    t = db.operator_ssh_keys
    row = conn.execute(select(t).where(t.c.fingerprint == key.fingerprint)).first()
    if row is not None:
        state = "باطل‌شده" if row.revoked_at else "فعال"
        raise SshKeyError(f"این کلید پیش‌تر ثبت شده است (شماره {row.id}، {state}).")
    new_id = conn.execute(insert(t).values(
        operator_id=operator_id, fingerprint=key.fingerprint, public_key=key.line,
        comment=key.comment, created_at=now, revoked_at=None)).inserted_primary_key[0]
    return {"id": int(new_id), "fingerprint": key.fingerprint, "comment": key.comment}


def listed(conn: Any, operator_id: str | None = None) -> list[dict]:
    t, o = db.operator_ssh_keys, db.operators
    q = (select(t.c.id, t.c.fingerprint, t.c.comment, t.c.created_at, t.c.revoked_at,
                t.c.public_key, o.c.username)
         .select_from(t.join(o, o.c.id == t.c.operator_id)).order_by(t.c.id))
    if operator_id is not None:
        q = q.where(t.c.operator_id == operator_id)
    return [dict(r._mapping) for r in conn.execute(q)]


def revoke(conn: Any, now: str, *, key: str) -> int:
    """Revoke one key by its number or fingerprint; the number of keys revoked (0 or 1)."""
    t = db.operator_ssh_keys
    cond = t.c.id == int(key) if key.isdigit() else t.c.fingerprint == key
    return conn.execute(update(t).where(and_(cond, t.c.revoked_at.is_(None)))
                        .values(revoked_at=now)).rowcount


def usable(conn: Any, username: str, fingerprint: str) -> Any:
    """The operator row when ``fingerprint`` is a live key of the active operator
    ``username``, else None."""
    t, o = db.operator_ssh_keys, db.operators
    return conn.execute(
        select(o).select_from(t.join(o, o.c.id == t.c.operator_id))
        .where(and_(o.c.username == username, o.c.active.is_(True), t.c.fingerprint == fingerprint,
                    t.c.revoked_at.is_(None)))
    ).first()


class SshKeyMixin:
    """:class:`~samad_desk.central.service.Central`'s SSH-key part: registration for the
    administrator and the key login of ``samad-desk serve ssh``."""

    # provided by Central
    w: Any
    engine: Any
    clock: Any
    _operator_by: Any
    _open_session: Any
    logout: Any

    def add_ssh_key(self, username: str, text: str) -> dict:
        from samad_desk.central.service import iso

        key = parse_public_key(text)
        with self.w.begin() as conn:
            op = self._operator_by(conn, username=username)
            if op is None:
                raise SshKeyError(f"کاربر «{username[:64]}» وجود ندارد.")
            return {**add(conn, op.id, key, iso(self.clock())), "username": op.username}

    def list_ssh_keys(self, username: str | None = None) -> list[dict] | None:
        with self.engine.connect() as conn:
            operator_id = None
            if username is not None:
                op = self._operator_by(conn, username=username)
                if op is None:
                    return None
                operator_id = op.id
            return listed(conn, operator_id)

    def revoke_ssh_key(self, key: str) -> int:
        from samad_desk.central.service import iso

        with self.w.begin() as conn:
            return revoke(conn, iso(self.clock()), key=key)

    def _ssh_operator(self, username: str, fingerprint: str) -> Any:
        if not isinstance(username, str) or not username or len(username) > 64 or "\x00" in username:
            return None
        with self.engine.connect() as conn:
            return usable(conn, username, fingerprint)

    def ssh_key_allowed(self, username: str, fingerprint: str) -> bool:
        return self._ssh_operator(username, fingerprint) is not None

    def ssh_key_login(self, username: str, fingerprint: str, device_id: str | None,
                      op_key: str | None = None) -> dict:
        """The login answer (tokens, operator, op key id) for an SSH client that proved it
        holds the live key ``fingerprint`` of ``username``: the key stands in for the
        password; everything else is the password login's (``Central.login``)."""
        from samad_desk.central.errors import unauthorized

        op = self._ssh_operator(username, fingerprint)
        if op is None:
            raise unauthorized("ssh_key_refused")
        return self._open_session(op, device_id, op_key)

    def end_session(self, operator_id: str, device_id: str) -> dict:
        """The logout of (operator, device) without its access token: what ``serve ssh``
        does when an operator's last session on the host ends."""
        from samad_desk.central.service import Principal

        return self.logout(Principal({"id": operator_id}, device_id))
