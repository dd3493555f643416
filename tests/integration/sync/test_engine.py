"""The engine's policies against a scripted server: Retry-After, 426, batch limits, AIMD."""

from __future__ import annotations

import random

import pytest

from samad_desk.domain import ops as O
from samad_desk.store import Store
from samad_desk.sync.backoff import Backoff
from samad_desk.sync.client import SyncClient
from samad_desk.sync.engine import PUSH_MAX_BYTES, RecordingReporter, SyncEngine
from samad_desk.sync.tokens import TokenStore

ACTOR = {"operator_id": "op-1", "name": "x", "role": "agent", "agency_id": None, "office_id": "o"}
PULL_EMPTY = {"changes": [], "next_cursor": "c1", "has_more": False, "acks": {}}


@pytest.fixture
def rig(scripted, tmp_path):
    tokens = TokenStore(tmp_path / "op", scripted.url)
    tokens.save({"access_token": "A", "refresh_token": "R"})
    store = Store.open(tmp_path / "data")
    client = SyncClient(scripted.url, tokens, timeout=3)
    reporter = RecordingReporter()
    engine = SyncEngine(store, client, reporter, backoff=Backoff(rng=random.Random(2)),
                        initial_snapshot=False)
    yield scripted, store, engine, reporter
    store.close()
    client.close()


def _notes(store, n: int, text: str = "یادداشت") -> list[dict]:
    return store.save([O.make_op("case.note", f"case-{i}", {"text": text}, ACTOR) for i in range(n)])


def _applied(ops: list[dict]) -> dict:
    return {"results": [{"op_id": o["op_id"], "client_seq": o["client_seq"], "status": "applied", "seq": i + 1}
                        for i, o in enumerate(ops)], "server_time": "2025-03-02T05:12:44Z"}


def test_retry_after_is_honoured_and_ops_kept(rig):
    server, store, engine, reporter = rig
    _notes(store, 3)
    server.answer("/v1/sync/push", 503, {"error": "unavailable"}, {"Retry-After": "42"})
    stats = engine.sync_once()
    assert not stats["ok"]
    assert engine.delays[-1] >= 42
    assert store.stats()["pending"] == 3
    assert reporter.of("failed")


def test_upgrade_required_keeps_ops_and_backs_off(rig):
    server, store, engine, reporter = rig
    _notes(store, 2)
    server.always("/v1/sync/push", 426, {"error": "upgrade_required"})
    for _ in range(3):
        stats = engine.sync_once()
        assert not stats["ok"] and "به‌روز" in stats["error"]
    assert store.stats()["pending"] == 2
    assert len(reporter.of("failed")) == 1  # one message per problem, not per retry
    assert len(engine.delays) == 3


def test_batches_respect_op_count_and_compressed_size(rig):
    server, store, engine, reporter = rig
    rnd = random.Random(0)
    # incompressible payloads: 120 ops of ~4 KB each ≈ 480 KB compressed in total
    noise = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(4000))
    saved = store.save([O.make_op("case.note", f"c{i}", {"text": noise + str(i)}, ACTOR) for i in range(120)])
    sent: list[int] = []
    server.dynamic["/v1/sync/push"] = lambda body: (200, _applied(body["ops"]), {})
    server.always("/v1/sync/pull", 200, PULL_EMPTY)
    assert engine.sync_once()["ok"]
    for req in server.of("/v1/sync/push"):
        ops = req["body"]["ops"]
        sent.append(len(ops))
        assert len(ops) <= 100
        assert engine.client.encoded_size(req["body"]["client_id"], ops) <= PUSH_MAX_BYTES
    assert sum(sent) >= len(saved) and len(sent) >= 2
    assert store.stats()["pending"] == 0


def test_timeouts_halve_the_batch_and_success_grows_it(rig):
    server, store, engine, reporter = rig
    from samad_desk.sync.errors import TransientError

    engine.push_size.timeout()
    assert engine.push_size.size == 50
    _notes(store, 3)
    server.answer("/v1/sync/push", 200, _applied(store.pending_ops()))
    server.always("/v1/sync/pull", 200, PULL_EMPTY)
    assert engine.sync_once()["ok"]
    assert engine.push_size.size == 55
    assert TransientError("x", timeout=True).timeout


def test_lost_push_answer_then_pull_acks_asks_status_so_refusals_stay_visible(rig):
    """The push answer is lost; the pull's acks say the server has the ops. The engine asks
    /sync/status before the acks retire them, so a refused op reaches needs attention."""
    server, store, engine, reporter = rig
    ops = _notes(store, 2)
    client_id = store.client_id
    server.answer("/v1/sync/pull", 200, {"changes": [], "next_cursor": "c1", "has_more": False,
                                         "acks": {client_id: 2}})
    server.answer("/v1/sync/status", 200, {"results": [
        {"op_id": ops[0]["op_id"], "status": "applied", "seq": 1},
        {"op_id": ops[1]["op_id"], "status": "rejected", "code": "forbidden", "message": "اجازه ندارید",
         "current": {"state": "closed", "version": 3}}]})
    engine.pull_all()
    assert store.stats()["pending"] == 0
    [bad] = store.needs_attention()
    assert bad["op_id"] == ops[1]["op_id"] and bad["code"] == "forbidden"
    assert reporter.of("needs_attention")


def test_stop_ends_a_round_at_its_next_request_boundary(rig):
    """A quitting desk stops the engine mid-round: an endless pull ends at its next page
    (before the split-out ``_check_cancel`` the pull loop never looked), with no error
    for the operator, and nothing pending is marked sent."""
    import itertools

    from tests.support.sync.faultproxy import wait_until

    server, store, engine, reporter = rig
    _notes(store, 2)
    pages = itertools.count(1)
    server.dynamic["/v1/sync/pull"] = lambda body: (
        200, {"changes": [], "next_cursor": f"c{next(pages)}", "has_more": True, "acks": {}}, {})
    server.dynamic["/v1/sync/push"] = lambda body: (200, _applied(body["ops"]), {})
    engine.start()
    assert wait_until(lambda: len(server.of("/v1/sync/pull")) >= 3, timeout=20)
    assert engine.stop(timeout=5), "the round did not stop at a request boundary"
    assert not engine.running
    seen = len(server.of("/v1/sync/pull"))
    assert len(server.of("/v1/sync/pull")) == seen  # and no page after it
    assert not reporter.of("failed")  # no toast on the way out
    assert store.stats()["pending"] == 0  # the push before the pull was answered and kept
