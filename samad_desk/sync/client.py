"""HTTP client of the sync protocol (store-and-sync.md §3.3–3.4), one per server URL.

Every request carries ``Authorization: Bearer``, ``X-Desk-Protocol: 1``,
``X-Desk-Version`` and a fresh ``X-Request-Id``; request bodies are gzip'd. Responses
are turned into plain dicts or one of the exceptions of :mod:`samad_desk.sync.errors`,
so the engine decides what to do from the exception type alone.

A ``401`` is answered by one refresh and one retry; if the refresh token is gone or
refused the caller gets :class:`AuthRequired` and the pending ops wait for a login.
"""

from __future__ import annotations

import contextlib
import gzip
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import orjson

from samad_desk import __version__
from samad_desk.domain.signing import OpSigner
from samad_desk.sync.backoff import parse_retry_after
from samad_desk.sync.download import split_page
from samad_desk.sync.errors import (
    AuthError,
    AuthRequired,
    ClientResetRequired,
    Forbidden,
    ResyncRequired,
    ServerRejected,
    SyncError,
    TransientError,
    UpgradeRequired,
)
from samad_desk.sync.op_keys import OpKeyFile
from samad_desk.sync.tokens import TokenStore, remember_password

PROTOCOL = "1"
#: the central's id (made once per database), on every answer of the server
SERVER_ID_HEADER = "X-Server-Id"
SCHEMA_VERSION = 1

#: store-and-sync.md §3.8: connect timeout 10 s, request 60 s
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
#: look-ups an agent waits for with a citizen on the line (a follow-up call, the civil
#: registry): a dead link must answer in seconds, not after the sync timeout
LOOKUP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)

_OFFLINE = "ارتباط با سرور مرکزی برقرار نیست."
_TIMEOUT = "سرور مرکزی در زمان مقرر پاسخ نداد."
_BROKEN = "پاسخ سرور مرکزی ناقص رسید."
_BUSY = "سرور مرکزی موقتاً پاسخ‌گو نیست."


def _message(body: Any, default: str) -> str:
    if isinstance(body, dict):
        for key in ("message", "detail"):
            if isinstance(body.get(key), str) and body[key]:
                return body[key]
    return default


class SyncClient:
    """Talks to one central server. Thread-safe for the engine thread plus the UI thread."""

    def __init__(
        self,
        base_url: str,
        token_store: TokenStore,
        *,
        transport: httpx.BaseTransport | None = None,
        device_id: str | None = None,
        timeout: httpx.Timeout | float | None = None,
        gzip_requests: bool = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = token_store
        if not self.tokens.server_url:
            self.tokens.server_url = self.base_url
        #: this operator's op-signing key, kept beside the tokens while logged in
        self.op_key = OpKeyFile(self.tokens.operator_dir)
        self.gzip_requests = gzip_requests
        self._timeout = timeout if timeout is not None else DEFAULT_TIMEOUT
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=self._timeout,
            limits=httpx.Limits(max_keepalive_connections=4, keepalive_expiry=30.0),
            headers={"X-Desk-Protocol": PROTOCOL, "X-Desk-Version": __version__},
        )
        self._refresh_lock = threading.Lock()
        self._device_id = device_id
        self._server_seen: str | None = None  # the server id last checked against the tokens
        #: last ``server_time`` seen (ISO string) — the engine derives the clock offset from it
        self.last_server_time: str | None = None

    # --- identity --------------------------------------------------------------------
    @property
    def device_id(self) -> str:
        """Made once per operator directory (not per URL): every address of the same
        central continues this device, its client and its cursor."""
        if self._device_id:
            return self._device_id
        entry = self.tokens.load() or {}
        device = entry.get("device_id")
        if not device:
            device = f"d-{uuid.uuid4().hex[:16]}"
            self.tokens.update(device_id=device)
        self._device_id = device
        return device

    @property
    def operator(self) -> dict[str, Any] | None:
        return self.tokens.operator

    @property
    def logged_in(self) -> bool:
        entry = self.tokens.load() or {}
        return bool(entry.get("access_token") or entry.get("refresh_token"))

    # --- auth ------------------------------------------------------------------------
    def login(self, username: str, password: str, *, remember_offline: bool = True) -> dict:
        """Log in; returns the operator dict. Raises :class:`AuthError` (Persian) when refused."""
        self._confirm_server()  # another central gets neither the password nor a device
        signer = OpSigner.generate()
        body = {"username": username, "password": password, "device_id": self.device_id,
                "op_key": signer.public_b64}
        try:
            response = self._send("POST", "/v1/auth/login", json_body=body, auth=False)
        except httpx.HTTPError as exc:
            raise self._network_error(exc) from None
        if response.status_code in (400, 401, 403):
            raise AuthError(_message(self._json(response, strict=False), "نام کاربری یا گذرواژه نادرست است."))
        if response.status_code == 429:
            raise AuthError(
                _message(self._json(response, strict=False), "تلاش‌های ورود زیاد بوده است؛ کمی بعد دوباره امتحان کنید.")
            )
        return self.accept_login(self._check(response), signer, username,
                                 password if remember_offline else None)

    def accept_login(self, data: dict, signer: OpSigner, username: str,
                     password: str | None = None) -> dict:
        """Keep a login's answer in the operator directory: tokens, the op-signing key
        whose public half went with the login and, given the password, the offline
        verifier. ``samad-desk serve ssh`` logs its sessions in with this too."""
        self.tokens.check_server(data.get("server_id"))  # before any token is kept
        operator = data.get("operator") or {}
        self.tokens.save(
            {
                "access_token": data.get("access_token"),
                "refresh_token": data.get("refresh_token"),
                "expires_in": data.get("expires_in"),
                "operator": operator,
                "client_no": data.get("client_no"),
                "username": username,
                "device_id": self.device_id,
            }
        )
        if data.get("op_key_id") == signer.key_id and operator.get("id"):
            self.op_key.save(signer, operator["id"])
        else:  # a server without op keys: nothing will be signed
            self.op_key.delete()
        if password is not None:
            remember_password(
                username, password, {**operator, "client_no": data.get("client_no")},
                operator_dir=self.tokens.operator_dir,
            )
        return operator

    def _confirm_server(self) -> None:
        """When this operator directory already belongs to a central, ask the address
        which central it is (``/v1/health``, checked in :meth:`_send`) before logging in."""
        if self._server_seen or not (self.tokens.load() or {}).get("server_id"):
            return
        try:
            self._send("GET", "/v1/health", auth=False)
        except httpx.HTTPError as exc:
            raise self._network_error(exc) from None

    def refresh(self) -> None:
        """Swap the refresh token for a new access token; :class:`AuthRequired` if refused."""
        entry = self.tokens.load() or {}
        refresh_token = entry.get("refresh_token")
        if not refresh_token:
            raise AuthRequired()
        try:
            response = self._send(
                "POST", "/v1/auth/refresh", json_body={"refresh_token": refresh_token}, auth=False
            )
        except httpx.HTTPError as exc:
            raise self._network_error(exc) from None
        if response.status_code in (400, 401, 403):
            # The refresh token expired or was revoked: only a new login helps. Keep the
            # operator info and device id; drop the dead tokens so we stop sending them.
            self.tokens.clear_tokens()
            self.op_key.delete()  # the session is over: its signing key goes with it
            raise AuthRequired()
        data = self._check(response)
        update = {"access_token": data.get("access_token"), "expires_in": data.get("expires_in")}
        if data.get("refresh_token"):
            update["refresh_token"] = data["refresh_token"]
        self.tokens.save(update)

    def logout(self) -> None:
        """End the session: the server revokes this device's tokens and signing keys of
        this operator (best effort: offline, they expire), the secret key is deleted."""
        if self.tokens.access_token:
            with contextlib.suppress(SyncError, httpx.HTTPError):
                self._call("POST", "/v1/auth/logout")
        self.op_key.delete()
        self.tokens.clear_tokens()

    def sign_op(self, op: dict) -> dict:
        """The store's save hook: sign this operator's op while a key is kept."""
        return self.op_key.sign(op)

    # --- sync endpoints --------------------------------------------------------------
    def push(self, client_id: str, ops: list[dict], *, schema_version: int = SCHEMA_VERSION) -> dict:
        body = {
            "client_id": client_id,
            "device_id": self.device_id,
            "schema_version": schema_version,
            "ops": ops,
        }
        return self._call("POST", "/v1/sync/push", json_body=body)

    def encoded_size(self, client_id: str, ops: list[dict], limit: int = 0) -> int:
        """Size of a push body on the wire (the 256 KB batch limit of §3.8). Bodies whose
        raw JSON is within ``limit`` report the raw size (an upper bound, gzip only shrinks
        JSON) and skip the compression."""
        body = {"client_id": client_id, "device_id": self.device_id, "schema_version": SCHEMA_VERSION, "ops": ops}
        raw = orjson.dumps(body)
        if not self.gzip_requests or len(raw) <= limit:
            return len(raw)  # compressed is never much larger than raw: no need to compress twice
        return len(gzip.compress(raw, compresslevel=5))

    def pull(self, cursor: str | None, limit: int = 500) -> dict:
        params: dict[str, Any] = {"limit": limit, "schema_version": SCHEMA_VERSION}
        if cursor:
            params["cursor"] = cursor
        return self._call("GET", "/v1/sync/pull", params=params)

    def status(self, op_ids: list[str]) -> dict:
        return self._call("POST", "/v1/sync/status", json_body={"op_ids": op_ids})

    def snapshot_page(self, page: str | None = None) -> bytes:
        """One raw snapshot page (NDJSON: entity lines, then a control line:
        ``{"done": false, "next_page": …, "total": N}`` or ``{"done": true, "cursor": …,
        "acks": …}``). A page without its control line (cut) raises ``TransientError``."""
        params = {"page": page} if page else None
        body = self._authorized("GET", "/v1/sync/snapshot", params=params).content
        if split_page(body) is None:
            raise TransientError(_BROKEN)
        return body

    def snapshot(self) -> tuple[Iterator[dict], str]:
        """The whole scope as change-like records (lazily parsed), and the cursor to pull from.

        Every page is downloaded before anything is returned (a cut download raises and
        leaves the cache alone) and held in memory; the engine keeps pages on disk instead
        (``sync/download.py``) so that a broken download resumes.
        """
        pages: list[bytes] = []
        page: str | None = None
        for _ in range(1_000_000):
            split = split_page(self.snapshot_page(page))
            assert split is not None  # checked by snapshot_page
            lines, control = split
            pages.append(lines)
            cursor = control.get("cursor") or control.get("next_cursor")
            if cursor and control.get("done", True):
                return _iter_records(pages), cursor
            page = control.get("next_page")
            if not page:
                raise TransientError(_BROKEN)
        raise TransientError(_BROKEN)  # pragma: no cover

    # --- look-ups (interactive, outside the sync rounds) --------------------------------
    def registry_citizen(self, national_id: str, *, timeout: httpx.Timeout | float | None = LOOKUP_TIMEOUT) -> dict | None:
        """The civil registry's (ثبت احوال) record of ``national_id``, through the server.

        ``GET /v1/registry/citizens?national_id=``: returns the record (``national_id,
        first_name, last_name, father_name, birth_date``) or ``None`` when the registry
        has no such person. Raises the client's usual errors: :class:`TransientError`
        when the link is down, on a timeout, a garbled answer or a 5xx (``503
        registry_unavailable`` when the server has no registry or it is down),
        :class:`AuthRequired` when a login is needed, :class:`Forbidden`, and
        :class:`ServerRejected` for a national ID the server finds invalid (``400``).
        """
        answer = self._call("GET", "/v1/registry/citizens", params={"national_id": national_id},
                            timeout=timeout)
        person = answer.get("citizen")
        if not answer.get("found") or person is None:
            return None
        if not isinstance(person, dict):
            raise TransientError(_BROKEN)
        return person

    def lookup_cases(
        self,
        *,
        tracking_code: str | None = None,
        national_id: str | None = None,
        timeout: httpx.Timeout | float | None = LOOKUP_TIMEOUT,
    ) -> dict[str, list[dict]]:
        """Cases for a follow-up call, by tracking code or by national ID (give one).

        ``GET /v1/cases/lookup``. The server answers only within the operator's read
        scope (agents, supervisors, admins: their province; officers and managers: their
        agency's cases), and an unknown code and a case out of scope look the same: an
        empty list. Returns ``{"cases": [...], "citizens": [...], "events": [...]}``,
        always all three lists of entity dicts (``events``: every event of the cases
        returned). Raises the client's usual errors (see
        :meth:`registry_citizen`); :class:`ServerRejected` for a code or ID the server
        finds invalid (``400``).
        """
        if bool(tracking_code) == bool(national_id):
            raise ValueError("lookup_cases takes a tracking code or a national ID")
        params = {"tracking_code": tracking_code} if tracking_code else {"national_id": national_id}
        answer = self._call("GET", "/v1/cases/lookup", params=params, timeout=timeout)
        out: dict[str, list[dict]] = {}
        for key in ("cases", "citizens", "events"):
            items = answer.get(key) or []
            if not isinstance(items, list) or not all(isinstance(i, dict) and i.get("id") for i in items):
                raise TransientError(_BROKEN)
            out[key] = items
        return out

    def run_report(self, spec: dict, *, today: str | None = None) -> dict:
        """``POST /v1/reports/run``: the result of a report spec over the cases this
        operator may read (the server decides the scope from the account)."""
        body: dict = {"spec": spec}
        if today:
            body["today"] = today
        return self._call("POST", "/v1/reports/run", json_body=body, timeout=120)

    def list_report_specs(self) -> dict:
        """``GET /v1/reports/specs``: this operator's saved specs and those shared in the province."""
        return self._call("GET", "/v1/reports/specs")

    def save_report_spec(self, name: str, spec: dict) -> dict:
        """``PUT /v1/reports/specs/{name}``: save (or replace) one's own spec under ``name``."""
        from urllib.parse import quote

        return self._call("PUT", f"/v1/reports/specs/{quote(name, safe='')}", json_body={"spec": spec})

    def share_report_spec(self, name: str, shared: bool) -> dict:
        """``POST /v1/reports/specs/{name}/share``: a supervisor shares one's own spec in the province."""
        from urllib.parse import quote

        return self._call("POST", f"/v1/reports/specs/{quote(name, safe='')}/share", json_body={"shared": shared})

    def health(self) -> dict:
        try:
            response = self._send("GET", "/v1/health", auth=False)
        except httpx.HTTPError as exc:
            raise self._network_error(exc) from None
        data = self._check(response)
        self.tokens.check_server(data.get("server_id"))
        return data

    def close(self) -> None:
        self._http.close()

    # --- plumbing --------------------------------------------------------------------
    def _call(
        self, method: str, path: str, *, json_body: Any = None, params: dict | None = None, timeout: Any = None
    ) -> dict:
        response = self._authorized(method, path, json_body=json_body, params=params, timeout=timeout)
        return self._json(response)

    def _authorized(
        self, method: str, path: str, *, json_body: Any = None, params: dict | None = None, timeout: Any = None
    ) -> httpx.Response:
        entry = self.tokens.load() or {}
        if not entry.get("access_token"):
            if not entry.get("refresh_token"):
                raise AuthRequired()
            self._refresh_once(None)
        for attempt in (0, 1):
            token = (self.tokens.load() or {}).get("access_token")
            try:
                response = self._send(method, path, json_body=json_body, params=params, token=token,
                                      timeout=timeout)
            except httpx.HTTPError as exc:
                raise self._network_error(exc) from None
            if response.status_code == 401 and attempt == 0:
                self._refresh_once(token)
                continue
            self._check_status(response)
            return response
        raise AuthRequired()

    def _refresh_once(self, stale_token: str | None) -> None:
        # Two threads may see a 401 at once; only the first refreshes, the second reuses it.
        with self._refresh_lock:
            current = (self.tokens.load() or {}).get("access_token")
            if current and current != stale_token:
                return
            self.refresh()

    def _send(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict | None = None,
        auth: bool = True,
        token: str | None = None,
        timeout: Any = None,
    ) -> httpx.Response:
        headers = {"X-Request-Id": str(uuid.uuid4())}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        content = None
        if json_body is not None:
            content = orjson.dumps(json_body)
            headers["Content-Type"] = "application/json"
            if self.gzip_requests:
                content = gzip.compress(content, compresslevel=5)
                headers["Content-Encoding"] = "gzip"
        response = self._http.request(method, path, content=content, params=params, headers=headers,
                                      timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout)
        # which central answered: any URL of ours continues, another central is refused
        # before its answer is used (WrongServer); see TokenStore
        server_id = response.headers.get(SERVER_ID_HEADER)
        if server_id and server_id != self._server_seen:
            self.tokens.check_server(server_id)
            self._server_seen = server_id
        return response

    def _check(self, response: httpx.Response) -> dict:
        self._check_status(response)
        return self._json(response)

    def _check_status(self, response: httpx.Response) -> None:
        code = response.status_code
        if code < 300:
            return
        body = self._json(response, strict=False)
        error = body.get("error") if isinstance(body, dict) else None
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if code == 401:
            raise AuthRequired()
        if code == 403:
            raise Forbidden(_message(body, "این میز کار یا کاربر اجازه این کار را ندارد."))
        if code == 409 and error == "client_reset_required":
            raise ClientResetRequired()
        if code == 410:
            raise ResyncRequired(body.get("reason") if isinstance(body, dict) else None)
        if code == 426:
            raise UpgradeRequired()
        if code in (408, 425, 429) or code >= 500:
            raise TransientError(_message(body, _BUSY), retry_after=retry_after)
        raise ServerRejected(_message(body, f"سرور مرکزی درخواست را نپذیرفت (کد {code})."))

    def _json(self, response: httpx.Response, *, strict: bool = True) -> Any:
        try:
            data = orjson.loads(response.content) if response.content else {}
        except (orjson.JSONDecodeError, httpx.HTTPError):
            if strict:
                raise TransientError(_BROKEN) from None
            return {}
        if isinstance(data, dict) and isinstance(data.get("server_time"), str):
            self.last_server_time = data["server_time"]
        if strict and not isinstance(data, dict):
            raise TransientError(_BROKEN)
        return data

    @staticmethod
    def _network_error(exc: httpx.HTTPError) -> SyncError:
        if isinstance(exc, httpx.TimeoutException):
            return TransientError(_TIMEOUT, link_down=True, timeout=True)
        if isinstance(exc, httpx.DecodingError):
            return TransientError(_BROKEN)
        return TransientError(_OFFLINE, link_down=True)


def _iter_records(pages: list[bytes]) -> Iterator[dict]:
    while pages:
        body = pages.pop(0)  # let each page go once parsed
        for line in body.split(b"\n"):
            if line.strip():
                yield orjson.loads(line)


def iter_batches(ops: list[dict], size: int) -> Iterator[list[dict]]:
    for start in range(0, len(ops), size):
        yield ops[start : start + size]
