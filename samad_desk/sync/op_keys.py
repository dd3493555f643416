"""The operator's op-signing key on the desk (docs/threat-model.md).

Made at each online login, its public half sent with the login; the secret is written
to the operator's own directory (0600 in a 0700 directory, like the tokens) and deleted
at logout or when the server ends the session. While it is there, every op this
operator saves is signed at save time (``Store.signer``), so the host may push the
journal for them later, after they left, and the server can tell the ops are theirs.
"""

from __future__ import annotations

import base64
import contextlib
import os
import threading
from pathlib import Path

import orjson

from samad_desk.domain.signing import OpSigner
from samad_desk.sync.tokens import _read_json, write_private

KEY_FILE = "op-key.json"


class OpKeyFile:
    """The operator directory's signing secret: ``{key_id, secret, operator_id}``. One
    operator directory belongs to one central server (``TokenStore``), whatever its URL,
    so it holds one key: the one registered at the last online login."""

    def __init__(self, operator_dir: Path) -> None:
        self.path = Path(operator_dir) / KEY_FILE
        self._lock = threading.Lock()
        self._seen: tuple[float, int] | None = None
        self._loaded: tuple[OpSigner, str] | None = None

    def save(self, signer: OpSigner, operator_id: str) -> None:
        with self._lock:
            write_private(self.path, orjson.dumps({
                "key_id": signer.key_id, "operator_id": operator_id,
                "secret": base64.b64encode(signer.secret).decode()}))
            self._seen = None

    def delete(self) -> None:
        with self._lock:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path)
            self._seen = None

    def load(self) -> tuple[OpSigner, str] | None:
        """``(signer, operator_id)`` while a key is kept; re-read when the file changes
        (a login or logout in another process of this operator)."""
        with self._lock:
            try:
                st = os.stat(self.path)
                mark = (st.st_mtime, st.st_size)
            except FileNotFoundError:
                self._seen, self._loaded = None, None
                return None
            if mark != self._seen:
                self._seen, self._loaded = mark, None
                entry = _read_json(self.path)
                if isinstance(entry, dict):
                    try:
                        signer = OpSigner(base64.b64decode(entry["secret"]))
                        self._loaded = (signer, str(entry["operator_id"]))
                    except (KeyError, ValueError, TypeError):
                        self._loaded = None  # a damaged file: ops stay unsigned
            return self._loaded

    def sign(self, op: dict) -> dict:
        """Sign ``op`` when it is this operator's and a key is kept; else leave it."""
        got = self.load()
        actor = op.get("actor")
        if not isinstance(actor, dict):
            actor = {}
        if got is not None and actor.get("operator_id") == got[1]:
            got[0].sign(op)
        return op
