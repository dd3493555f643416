"""How a served session's desk is logged in as its operator (docs/serve.md, "Design").

The SSH server runs beside the central (``--db``, the central's own database): it asks
the central's own login (``Central.login``: argon2 check, throttles in the database keyed
by the SSH client's address) or, for a key, ``Central.ssh_key_login`` (a live key an
administrator registered). The answer is kept in the operator's directory on this host
exactly as the desk's own login keeps it (``SyncClient.accept_login``: tokens 0600, a
fresh op-signing key whose public half went with the login), so the desk process opens
already logged in and the password is typed once. The password is never written
anywhere (no offline verifier: a served desk only logs in online).

The session is the operator's only while they are connected: when their last session on
this host ends, the device's tokens and signing key are revoked at the central and
deleted here (``logout``), and a server that was killed does the same for what it left at
its next start (``sweep``). Ops saved and not yet pushed stay in the journal and go with
that operator's next login, as after any logout (docs/threat-model.md).
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

from samad_desk.domain.ids import is_safe_id

log = logging.getLogger("samad_desk.serve")


class LoginRefused(Exception):
    """``reason``: a short code for the log; ``message``: Persian, for the user."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message


def usable_username(username: str) -> bool:
    """A username that may name a directory (the operator's, under the server's root)."""
    return is_safe_id(username, 64) and not username.startswith(".")


class DeskLogins:
    """Logs served desks in and out; one operator directory per username under ``root``."""

    def __init__(self, central: Any, root: Path, server_url: str) -> None:
        self.central = central
        self.root = Path(root) / "operators"
        self.server_url = server_url.rstrip("/")

    def operator_dir(self, username: str) -> Path:
        if not usable_username(username):
            raise LoginRefused("bad_username", "نام کاربری نادرست است.")
        return self.root / username

    def _client(self, username: str):
        from samad_desk.sync.client import SyncClient
        from samad_desk.sync.tokens import TokenStore

        tokens = TokenStore(self.operator_dir(username), self.server_url)
        device = (tokens.load() or {}).get("device_id") or f"d-{uuid.uuid4().hex[:16]}"
        return SyncClient(self.server_url, tokens, device_id=device)

    def _login(self, username: str, ask) -> dict:
        """``ask(device_id, op_key)`` is the central's login; its answer kept for the desk."""
        from samad_desk.central.errors import ApiError
        from samad_desk.domain.signing import OpSigner

        client = self._client(username)
        signer = OpSigner.generate()
        try:
            answer = ask(client.device_id, signer.public_b64)
        except ApiError as exc:
            reason = {401: "invalid_credentials", 429: "too_many_attempts", 403: "forbidden"}.get(
                exc.status, exc.code)
            raise LoginRefused(reason, exc.message) from None
        finally:
            client.close()
        return client.accept_login(answer, signer, username)

    def login_password(self, username: str, password: str, ip: str) -> dict:
        if not usable_username(username):  # no such operator can exist here: as slow as one
            from samad_desk.central import auth

            auth.burn_time(password or "")
            raise LoginRefused("invalid_credentials", "نام کاربری یا گذرواژه نادرست است.")
        return self._login(username, lambda device, key: self.central.login(username, password, device, ip, key))

    def key_allowed(self, username: str, fingerprint: str) -> bool:
        return usable_username(username) and self.central.ssh_key_allowed(username, fingerprint)

    def login_key(self, username: str, fingerprint: str) -> dict:
        return self._login(username, lambda device, key: self.central.ssh_key_login(
            username, fingerprint, device, key))

    def logout(self, username: str) -> bool:
        """End ``username``'s session on this host (central first, then the files); True
        when there was one."""
        from samad_desk.sync.op_keys import OpKeyFile
        from samad_desk.sync.tokens import TokenStore

        directory = self.operator_dir(username)
        tokens = TokenStore(directory, self.server_url)
        entry = tokens.load() or {}
        operator = entry.get("operator") or {}
        had = bool(entry.get("refresh_token") or entry.get("access_token"))
        if had and operator.get("id") and entry.get("device_id"):
            try:
                self.central.end_session(operator["id"], entry["device_id"])
            except Exception:  # the database away: the files go anyway, the tokens expire
                log.exception("serve logout at the central failed", extra={"username": username})
        OpKeyFile(directory).delete()
        tokens.clear_tokens()
        return had

    def sweep(self) -> list[str]:
        """Log out every session a previous run left behind (killed before its sessions
        ended); the usernames logged out."""
        done = []
        if not self.root.is_dir():
            return done
        for entry in sorted(self.root.iterdir()):
            if entry.is_dir() and usable_username(entry.name) and self.logout(entry.name):
                done.append(entry.name)
        return done
