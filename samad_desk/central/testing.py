"""Test helpers for the central server: a minimal scripted desk over an HTTP client.

Used by ``tests/integration/central`` and available to other parts' tests. ``http`` is anything
with httpx's ``get``/``post`` (an ``httpx.Client`` on a real server, or Starlette's
``TestClient``).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from samad_desk.domain import ops as O
from samad_desk.domain.ids import uuid7
from samad_desk.domain.signing import OpSigner
from samad_desk.domain.tracking import make_tracking_code

# a valid national ID and mobile for the demo citizen
NID = "0013542419"
MOBILE = "09121234567"

_device_no = itertools.count(1)


class Desk:
    """A minimal desk: one login, one client_id, contiguous client_seq, a pull cursor."""

    def __init__(self, http: Any, username: str, password: str | None = None, *, device_id=None,
                 sign: bool = False):
        self.http = http
        self.device_id = device_id or f"dev-{username}-{next(_device_no)}"
        #: an op-signing key registered at login (``sign=True``), as the real desk does
        self.signer = OpSigner.generate() if sign else None
        body = {"username": username, "password": password or username, "device_id": self.device_id}
        if self.signer is not None:
            body["op_key"] = self.signer.public_b64
        r = http.post("/v1/auth/login", json=body)
        assert r.status_code == 200, r.text
        self.login = r.json()
        self.token = self.login["access_token"]
        self.operator = self.login["operator"]
        self.actor = O.make_actor(self.operator)
        self.client_id = f"c-{uuid7()}"
        self.seq = 0
        self.cursor: str | None = None
        self.counter = 0
        self.cache: dict[tuple[str, str], dict | None] = {}

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}", "X-Desk-Protocol": "1"}

    def sign(self, *ops: dict) -> list[dict]:
        """Sign ``ops`` with this desk's key (as the desk does at save time)."""
        assert self.signer is not None, "Desk(..., sign=True)"
        return [self.signer.sign(op) for op in ops]

    def number(self, ops: list[dict]) -> list[dict]:
        for op in ops:
            self.seq += 1
            op["client_id"] = self.client_id
            op["client_seq"] = self.seq
        return ops

    def push_raw(self, ops: list[dict], client_id: str | None = None):
        return self.http.post("/v1/sync/push", headers=self.headers,
                              json={"client_id": client_id or self.client_id, "device_id": self.device_id,
                                    "schema_version": 1, "ops": ops})

    def push(self, *ops: dict) -> dict:
        r = self.push_raw(self.number(list(ops)))
        assert r.status_code == 200, r.text
        return r.json()

    def pull_page(self, cursor=None, limit=500):
        params = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        return self.http.get("/v1/sync/pull", headers=self.headers, params=params)

    def pull_all(self, limit=500) -> list[dict]:
        got = []
        while True:
            r = self.pull_page(self.cursor, limit)
            assert r.status_code == 200, r.text
            body = r.json()
            got.extend(body["changes"])
            for ch in body["changes"]:
                self.cache[(ch["entity"], ch["id"])] = ch.get("data") if ch["op"] == "put" else None
            self.cursor = body["next_cursor"]
            self.acks = body["acks"]
            if not body["has_more"]:
                return got

    def visible(self, entity: str) -> dict[str, dict]:
        return {k[1]: v for k, v in self.cache.items() if k[0] == entity and v is not None}

    def tracking_code(self) -> str:
        self.counter += 1
        return make_tracking_code(self.login["client_no"], self.counter)

    # -- op builders --------------------------------------------------------------------
    def new_call(self, *, agency_id: str | None = "water-qazvin", nid: str = NID, mobile: str = MOBILE):
        """citizen.upsert + case.register (+ case.refer): returns (ops, case_id, citizen_id, code)."""
        cit_id, case_id = uuid7(), uuid7()
        code = self.tracking_code()
        ops = [
            O.citizen_upsert({"id": cit_id, "national_id": nid, "first_name": "علی", "last_name": "رضایی",
                              "mobile": mobile, "city": "قزوین"}, self.actor),
            O.case_register(case_id, tracking_code=code, citizen_id=cit_id, type="complaint",
                            subject="water.outage", city="قزوین", description="سه روز است آب قطع است.",
                            actor=self.actor),
        ]
        if agency_id:
            ops.append(O.case_refer(case_id, agency_id, self.actor, note="لطفاً رسیدگی شود"))
        return ops, case_id, cit_id, code


def now() -> datetime:
    return datetime.now(UTC)
