"""The operator's tokens and offline-login verifier, kept in the operator's own directory.

Thin-terminal users share one host, so everything here is written with mode 0600 inside a
0700 directory (store-and-sync.md §3.9). Files are replaced atomically: a crash while
saving a refreshed token leaves the old token, never a torn file.

The offline verifier lets an operator open the desk while the server is unreachable. It is
an argon2id hash (salted, memory-hard) of the password, written after a successful online
login; the password itself is never stored.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import orjson

from samad_desk.sync.errors import WrongServer

log = logging.getLogger("samad_desk.sync")

TOKENS_FILE = "tokens.json"
VERIFIER_FILE = "offline-login.json"


def _ensure_private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):  # not ours to chmod (e.g. a shared parent): best effort
        os.chmod(path, 0o700)


def write_private(path: Path, data: bytes) -> None:
    """Atomically write ``data`` to ``path`` with mode 0600 (never briefly world-readable)."""
    _ensure_private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # O_CREAT's mode is filtered by the umask; fchmod is not
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    with contextlib.suppress(OSError):
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None  # a damaged token file only means "log in again"
    return value if isinstance(value, dict) else None


FORMAT = 2
#: what belongs to the operator directory, whatever URL reaches the central
_IDENTITY_KEYS = ("device_id", "server_id")


class TokenStore:
    """The operator directory's identity at the central server, and its session.

    The file holds ``{"format": 2, "device_id", "server_id", "session": {access_token,
    refresh_token, access_expires_at, operator, client_no, username}, "urls": [...]}``.
    One operator directory belongs to one central server, told apart by the server id the
    server sends (``X-Server-Id``, ``/v1/health``, the login answer), not by its URL: a
    second API node, a new DNS name or the demo restarted on another port continue the
    same device, client and cursor, and a different central is refused
    (:class:`~samad_desk.sync.errors.WrongServer`) instead of forking the journal under a new device.

    ``server_url`` is only the address in use (kept in ``urls`` for ``sync status``). A
    file of the older format (one entry per URL) is read as the entry of this URL, or its
    only entry; it is rewritten in the new format at the next save.
    """

    def __init__(self, operator_dir: Path, server_url: str | None = None) -> None:
        self.operator_dir = Path(operator_dir)
        self.server_url = (server_url or "").rstrip("/")
        self.path = self.operator_dir / TOKENS_FILE
        self._lock = threading.Lock()
        self._home: dict[str, str] | None = None

    def _all(self) -> dict[str, Any]:
        data = self._read()
        if data.get("device_id") or data.get("home"):
            data = self._check_home(data)
        return data

    def _check_home(self, data: dict[str, Any]) -> dict[str, Any]:
        """A directory that finds itself on another path or host is a copy of a desk
        (``sync/clones.py``): its session, device id, signing key and offline verifier
        are dropped before any of them is used, so its next login is a new device with
        its own tracking-code number. A directory without a record is stamped."""
        from samad_desk.sync import clones

        here = self._here()
        recorded = data.get("home")
        if recorded == here:
            return data
        if clones.is_copy(recorded, here):
            original = data.get("device_id") or data.get("copied_from")
            log.warning("operator directory %s was copied from %s (device %s): its session and device "
                        "are dropped; the next login makes a new device", self.operator_dir,
                        recorded, original)
            clones.forget_identity(self.operator_dir)
            data = {"format": FORMAT, "session": {}, "urls": list(data.get("urls") or []),
                    "server_id": data.get("server_id"), "copied_from": original}
            data = {k: v for k, v in data.items() if v is not None}
        data["home"] = here
        self._write(data)
        return data

    def _here(self) -> dict[str, str]:
        if self._home is None:
            from samad_desk.sync import clones

            self._home = clones.home_of(self.operator_dir)
        return self._home

    def _read(self) -> dict[str, Any]:
        data = _read_json(self.path) or {}
        if data.get("format") == FORMAT:
            return data
        # the per-URL format: this URL's entry, else the only one
        entries = {k: v for k, v in data.items() if isinstance(v, dict)}
        entry = entries.get(self.server_url) or (next(iter(entries.values())) if len(entries) == 1 else None)
        out: dict[str, Any] = {"format": FORMAT, "session": {}, "urls": []}
        if entry:
            entry = dict(entry)
            for key in _IDENTITY_KEYS:
                if entry.get(key):
                    out[key] = entry.pop(key)
            out["session"] = entry
        return out

    def _write(self, data: dict[str, Any]) -> None:
        if data.get("device_id") and not data.get("home"):
            data["home"] = self._here()  # a copy taken right after the first login is told apart too
        write_private(self.path, orjson.dumps(data, option=orjson.OPT_INDENT_2))

    def load(self) -> dict[str, Any] | None:
        """The session with the identity keys (``device_id``, ``server_id``) folded in;
        None when there is neither."""
        with self._lock:
            data = self._all()
        entry = dict(data.get("session") or {})
        for key in _IDENTITY_KEYS:
            if data.get(key):
                entry[key] = data[key]
        return entry or None

    def save(self, tokens: dict[str, Any]) -> None:
        with self._lock:
            data = self._all()
            session = dict(data.get("session") or {})
            for key, value in tokens.items():
                if key in _IDENTITY_KEYS:
                    if value:
                        data[key] = value
                elif key != "expires_in":
                    session[key] = value
            if tokens.get("expires_in") is not None:
                session["access_expires_at"] = time.time() + float(tokens["expires_in"])
            data["session"] = session
            urls = list(data.get("urls") or [])
            if self.server_url and self.server_url not in urls:
                urls.append(self.server_url)
            data["urls"] = urls[-10:]
            self._write(data)

    def update(self, **fields: Any) -> None:
        self.save(fields)

    def check_server(self, server_id: str | None) -> None:
        """Bind this directory to ``server_id`` on first contact; raise
        :class:`~samad_desk.sync.errors.WrongServer` when it already belongs to another central. A server
        that sends no id (an older one) is taken on trust."""
        if not server_id:
            return
        with self._lock:
            data = self._all()
            bound = data.get("server_id")
            if bound == server_id:
                return
            if bound:
                raise WrongServer(self.server_url, bound, server_id)
            data["server_id"] = server_id
            self._write(data)

    def clear_tokens(self) -> None:
        """Forget access and refresh tokens (keeps operator info, device and server id)."""
        with self._lock:
            data = self._all()
            session = data.get("session") or {}
            if not any(k in session for k in ("access_token", "refresh_token", "access_expires_at")):
                return
            for key in ("access_token", "refresh_token", "access_expires_at"):
                session.pop(key, None)
            self._write(data)

    def clear(self) -> None:
        """Forget the session (the device and server id stay: they are the directory's)."""
        with self._lock:
            data = self._all()
            if data.get("session"):
                data["session"] = {}
                self._write(data)

    # convenience accessors
    @property
    def copied_from(self) -> str | None:
        """The original's device id when this directory was found to be a copy of a desk
        (``sync/clones.py``), else None."""
        with self._lock:
            return self._all().get("copied_from")

    @property
    def access_token(self) -> str | None:
        entry = self.load() or {}
        return entry.get("access_token")

    @property
    def refresh_token(self) -> str | None:
        entry = self.load() or {}
        return entry.get("refresh_token")

    @property
    def operator(self) -> dict[str, Any] | None:
        entry = self.load() or {}
        return entry.get("operator")


# --- offline login ---------------------------------------------------------------------

# argon2id with moderate cost: a desk login happens a few times a day, and the host is
# small and shared, so 64 MiB / t=3 keeps a guess expensive without stalling the desk.
_HASHER_PARAMS = {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 1}


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher(**_HASHER_PARAMS)


def _verifier_path(operator_dir: Path | None) -> Path:
    if operator_dir is None:
        from samad_desk import paths

        operator_dir = paths.operator_dir()
    return Path(operator_dir) / VERIFIER_FILE


def remember_password(
    username: str, password: str, operator: dict[str, Any] | None = None, *,
    operator_dir: Path | None = None,
) -> None:
    """After a successful *online* login: store a salted argon2id verifier, never the password."""
    path = _verifier_path(operator_dir)
    data = _read_json(path) or {}
    data[username.strip().lower()] = {
        "verifier": _hasher().hash(password),
        "operator": operator or {},
        "saved_at": time.time(),
    }
    write_private(path, orjson.dumps(data, option=orjson.OPT_INDENT_2))


def verify_offline(
    username: str, password: str, *, operator_dir: Path | None = None
) -> dict[str, Any] | None:
    """The operator record when ``password`` matches the stored verifier, else ``None``.

    ``None`` also when this operator never logged in online on this host: offline login
    can only repeat a login the server once accepted.
    """
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    data = _read_json(_verifier_path(operator_dir)) or {}
    entry = data.get(username.strip().lower())
    if not isinstance(entry, dict) or not entry.get("verifier"):
        return None
    try:
        _hasher().verify(entry["verifier"], password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return dict(entry.get("operator") or {"username": username})


def forget_offline(username: str, *, operator_dir: Path | None = None) -> None:
    path = _verifier_path(operator_dir)
    data = _read_json(path) or {}
    if data.pop(username.strip().lower(), None) is not None:
        write_private(path, orjson.dumps(data, option=orjson.OPT_INDENT_2))
