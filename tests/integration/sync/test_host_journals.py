"""A shared office host pushes every journal of its data directory (issue 13), and only
what the journals' authors signed (issue 14): against the real central server process,
on SQLite and PostgreSQL.

One data directory, one profile and one operator directory per operator, as on a thin-
terminal host. The supervisor saves while logged in (signed) and never comes back; the
agent's desk then pushes the supervisor's journal too. What the admin saved after
logging out (unsigned), or signed with a key revoked at logout, stays queued for its
author: never refused in their name, never sent unsigned.
"""

from __future__ import annotations

import random
from pathlib import Path

import httpx

from samad_desk.domain import ops as O
from samad_desk.domain.ids import uuid7
from samad_desk.store import Store
from samad_desk.sync.client import SyncClient
from samad_desk.sync.engine import SyncEngine
from samad_desk.sync.op_keys import KEY_FILE
from samad_desk.sync.tokens import TokenStore


class HostDesk:
    """One operator's desk process on the shared host, wired as ``launch.build_sync`` does."""

    def __init__(self, host: Path, url: str, username: str) -> None:
        self.opdir = host / "operators" / username
        self.store = Store.open(host / "data", profile=username)
        self.client = SyncClient(url, TokenStore(self.opdir, url))
        self.store.signer = self.client.sign_op
        self.operator = self.client.login(username, username, remember_offline=False)
        self.actor = O.make_actor(self.operator)
        self.engine = SyncEngine(self.store, self.client, interval=0.5, rng=random.Random(1))

    def new_citizen(self, name: str) -> dict:
        return self.store.save([O.citizen_upsert({"id": uuid7(), "national_id": None, "no_national_id": True,
                                                  "first_name": name, "last_name": "میزبان"}, self.actor)])[0]

    def close(self) -> None:
        self.store.close()
        self.client.close()


def _server_citizens(url: str, username: str) -> dict[str, dict]:
    from samad_desk.central.testing import Desk

    with httpx.Client(base_url=url) as http:
        desk = Desk(http, username)
        desk.pull_all()
        return desk.visible("citizen")


def test_the_host_pushes_signed_journals_of_operators_who_left(central, tmp_path):
    host = tmp_path / "host"
    sup = HostDesk(host, central.url, "super1")
    saved = sup.new_citizen("ناظر")
    assert saved["sig"]["key_id"]  # signed at save time
    assert (sup.opdir / KEY_FILE).stat().st_mode & 0o777 == 0o600
    sup.close()  # the supervisor closes the desk without syncing and never returns

    admin = HostDesk(host, central.url, "admin")
    before_logout = admin.new_citizen("پیش از خروج")
    admin.client.logout()  # the key is revoked on the server and deleted here
    assert not (admin.opdir / KEY_FILE).exists()
    after_logout = admin.new_citizen("پس از خروج")
    assert "sig" in before_logout and "sig" not in after_logout
    admin.close()

    agent = HostDesk(host, central.url, "agent1")
    try:
        stats = agent.engine.sync_once()
        assert stats["ok"], stats
        agent.store.refresh(force=True)
        done = agent.store._results  # op_id -> the server's answer, as recorded
        assert saved["op_id"] in done and done[saved["op_id"]]["status"] == "applied"
        # the admin's ops: nothing refused in the admin's name, both still queued
        assert before_logout["op_id"] not in done and after_logout["op_id"] not in done
        assert agent.store.needs_attention() == []
        pending = {o["op_id"] for cid in agent.store.pending_clients()
                   for o in agent.store.pending_ops(client_id=cid)}
        assert {before_logout["op_id"], after_logout["op_id"]} <= pending
    finally:
        agent.close()
    # on the server the supervisor's citizen is the supervisor's, the admin's are absent
    on_server = _server_citizens(central.url, "super1")
    assert saved["entity_id"] in on_server
    assert before_logout["entity_id"] not in on_server and after_logout["entity_id"] not in on_server
