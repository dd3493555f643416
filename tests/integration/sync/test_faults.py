"""Fault tests through the TCP fault proxy and with the real server killed (store-and-sync.md §4).

Every test ends with the global checker: every op any desk saved is on the server exactly
once with a known outcome, events = applied ops, per-client order holds, no desk has
pending ops, and (where given) each desk's cache equals a fresh pull of its scope.
"""

from __future__ import annotations

import gzip
import json
import random
import shutil
import subprocess
import sys
import threading
import time

import pytest

from samad_desk.sync.backoff import Backoff
from tests.support.sync.faultproxy import wait_until
from tests.support.sync.harness import Desk, cache_view, check_global, server_rows

PUSH = b"POST /v1/sync/push"
PULL = b"GET /v1/sync/pull"


@pytest.fixture
def world(shared_central, desk_factory, proxy_to):
    """An agent desk and a water-officer desk, both talking through one fault proxy."""
    central = shared_central
    proxy = proxy_to(central.url)
    agent = desk_factory("agent", "agent1", central.url, timeout=1.5)
    water = desk_factory("water", "water1", central.url, timeout=1.5)
    for d in (agent, water):
        d.point_at(proxy.url)
    return central, proxy, agent, water


def _calls(desk: Desk, n: int, agency: str | None, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    return [desk.register_call(rng, agency_id=agency)[1] for _ in range(n)]


def _fresh_twin(central, desk_factory, username: str, name: str) -> Desk:
    return desk_factory(name, username, central.url)


# F6 --------------------------------------------------------------------------------------
@pytest.mark.parametrize("fault", ["cut_after_commit", "cut_mid_body", "reset_mid_body"])
def test_response_lost_after_commit_answers_duplicate(world, fault):
    central, proxy, agent, water = world
    ids = _calls(agent, 4, water.operator["agency_id"])
    n = len(agent.saved)
    {"cut_after_commit": lambda: proxy.cut_response(after=0, match=PUSH),
     "cut_mid_body": lambda: proxy.cut_response(after=120, match=PUSH),
     "reset_mid_body": lambda: proxy.reset_response(after=60, match=PUSH)}[fault]()
    stats = agent.sync()
    assert not stats["ok"] and stats["state"] == "offline"
    server_ops, _ = server_rows(central.db_url)
    assert all(op["op_id"] in server_ops for op in agent.saved)  # the server committed them
    assert agent.store.stats()["pending"] == n  # the desk could not know
    stats = agent.sync()
    assert stats["ok"], stats
    assert stats["round_duplicate"] == n and stats["round_applied"] == 0
    water.sync_until_quiet()
    assert set(ids) <= {c["id"] for c in water.cases()}
    check_global(central.db_url, [agent, water])


# F5 --------------------------------------------------------------------------------------
def test_server_crash_points_mid_batch(central_factory, desk_factory):
    """The server dies between ops, before commit and after commit (crash points, SIGKILL-
    like exit); it is restarted each time with a new seed. Every op lands exactly once."""
    faults = {"crash": {"between_ops": 0.004, "before_commit": 0.15, "after_commit_before_response": 0.15}}
    central = central_factory({"SAMAD_CENTRAL_FAULTS": json.dumps({**faults, "seed": 0})})
    agent = desk_factory("agent", "agent1", central.url, timeout=3.0)
    water = desk_factory("water", "water1", central.url, timeout=3.0)
    _calls(agent, 100, water.operator["agency_id"])  # 300 ops → 3 batches per pass
    crashes = 0
    for attempt in range(60):
        stats = agent.sync()
        if stats["ok"] and not agent.store.pending_ops(limit=1):
            break
        if not central.server.alive:
            crashes += 1
            central.server.extra_env["SAMAD_CENTRAL_FAULTS"] = json.dumps({**faults, "seed": attempt + 1})
            central.server.restart()
    else:
        pytest.fail(f"did not drain: {stats}")
    assert crashes >= 1
    central.server.extra_env.pop("SAMAD_CENTRAL_FAULTS")
    central.server.restart(kill=True)
    water.sync_until_quiet()
    agent.sync_until_quiet()
    check_global(central.db_url, [agent, water])


def test_server_killed_at_random_while_the_engine_runs(central, desk_factory):
    """kill -9 of the server process at random moments while the background engine pushes."""
    rng = random.Random(11)
    agent = desk_factory("agent", "agent1", central.url, timeout=2.0)
    agent.engine.backoff = Backoff(base=0.05, cap=0.3, rng=rng)
    agency = agent.store.agencies()[0]["id"]
    agent.engine.start()
    kills = 0
    for round_ in range(4):
        _calls(agent, 40, agency, seed=round_)
        agent.engine.wake()
        time.sleep(rng.uniform(0.05, 0.6))
        central.server.kill()
        kills += 1
        time.sleep(rng.uniform(0.0, 0.3))
        central.server.start(seed=False)
    assert wait_until(lambda: not agent.store.pending_ops(limit=1), timeout=60)
    agent.engine.stop()
    agent.sync_until_quiet()
    assert kills == 4
    check_global(central.db_url, [agent])


# F7 --------------------------------------------------------------------------------------
def test_duplicate_delivery_sequential_and_concurrent(world):
    central, proxy, agent, water = world
    _calls(agent, 5, water.operator["agency_id"])
    proxy.capture(PUSH)
    proxy.duplicate(copies=3, match=PUSH)  # each push also arrives 3 more times, concurrently
    assert agent.sync()["ok"]
    assert proxy.captured
    raw = proxy.captured[0]
    answers = proxy.replay(raw, copies=4, concurrent=True) + proxy.replay(raw, copies=2)
    for answer in answers:
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        if b"content-encoding: gzip" in head.lower():
            body = gzip.decompress(body)
        results = json.loads(body)["results"]
        assert {r["status"] for r in results} == {"duplicate"}
        assert {r.get("original") for r in results} == {"applied"}
    water.sync_until_quiet()
    check_global(central.db_url, [agent, water])


# F8 --------------------------------------------------------------------------------------
def test_out_of_order_batch_gets_a_gap_and_applies_nothing(world):
    central, proxy, agent, water = world
    _calls(agent, 4, None)
    ops = agent.store.pending_ops(limit=100)
    answer = agent.client.push(agent.store.client_id, ops[4:])  # batch 2 before batch 1
    statuses = [r["status"] for r in answer["results"]]
    assert statuses == ["gap"] and answer["results"][0]["expected_seq"] == 1
    server_ops, _ = server_rows(central.db_url)
    assert not any(op["op_id"] in server_ops for op in ops)
    agent.sync_until_quiet()
    check_global(central.db_url, [agent, water])


# F9 --------------------------------------------------------------------------------------
def test_partition_then_drain_in_bounded_batches_in_order(world, desk_factory):
    central, proxy, agent, water = world
    proxy.blackhole()
    saved_before = len(agent.saved)
    ids = _calls(agent, 84, water.operator["agency_id"])  # 252 ops while partitioned
    stats = agent.sync()
    assert not stats["ok"] and stats["state"] == "offline"
    assert agent.reporter.state == "offline"
    assert agent.store.stats()["pending"] == len(agent.saved) - saved_before == 252
    assert agent.store.stats()["oldest_pending_age_s"] is not None
    assert water.sync()["state"] == "offline"
    proxy.heal()
    proxy.capture(PUSH)
    stats = agent.sync()
    assert stats["ok"] and stats["round_applied"] == 252
    batches = [json.loads(gzip.decompress(r.partition(b"\r\n\r\n")[2]))["ops"] for r in proxy.captured]
    assert len(batches) >= 3 and all(len(b) <= 100 for b in batches)
    seqs = [op["client_seq"] for b in batches for op in b]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
    assert agent.reporter.state == "online"
    water.sync_until_quiet()
    assert set(ids) <= {c["id"] for c in water.cases()}
    twin = _fresh_twin(central, desk_factory, "water1", "water-twin")
    assert cache_view(water) == cache_view(twin)
    check_global(central.db_url, [agent, water])


# F10 -------------------------------------------------------------------------------------
def test_flapping_slow_link_with_background_engines(world):
    central, proxy, agent, water = world
    rng = random.Random(10)
    for d in (agent, water):
        d.engine.backoff = Backoff(base=0.05, cap=0.5, rng=random.Random(d.name))
        d.engine.start()
    stop = threading.Event()

    def flap() -> None:
        while not stop.is_set():
            proxy.latency(rng.uniform(5, 60), jitter_ms=10)
            proxy.slice(rng.choice([None, 64, 512]))
            time.sleep(rng.uniform(0.1, 0.4))
            proxy.refuse()
            time.sleep(rng.uniform(0.05, 0.3))
            proxy.heal()

    flapper = threading.Thread(target=flap, daemon=True)
    flapper.start()
    agency = water.operator["agency_id"]
    ids = []
    for i in range(8):
        ids += _calls(agent, 5, agency, seed=100 + i)
        agent.engine.wake()
        time.sleep(0.15)
    stop.set()
    flapper.join()
    proxy.heal()
    for d in (agent, water):
        d.engine.wake()
    assert wait_until(lambda: not agent.store.pending_ops(limit=1), timeout=60)
    for d in (agent, water):
        d.engine.stop()
    water.sync_until_quiet()
    assert set(ids) <= {c["id"] for c in water.cases()}
    delays = agent.engine.delays
    assert agent.engine.counters["failures"] >= 1 and delays
    assert all(0 <= x <= 0.5 for x in delays)
    check_global(central.db_url, [agent, water])


def test_engine_resumes_at_once_when_the_link_returns(world):
    central, proxy, agent, water = world
    # a backoff so long that only the link probe can explain a quick resume
    agent.engine.backoff = Backoff(base=600, cap=600, rng=random.Random(1))
    agent.engine.backoff.attempts = 3
    proxy.refuse()
    _calls(agent, 2, None)
    agent.engine.start()
    assert wait_until(lambda: agent.engine.counters["failures"] >= 1, timeout=20)
    assert agent.engine.delays[-1] > 20
    assert wait_until(lambda: agent.engine.counters["probes"] >= 2, timeout=20)
    proxy.heal()
    assert wait_until(lambda: not agent.store.pending_ops(limit=1), timeout=20)
    agent.engine.stop()
    assert agent.engine.last_resume == "link"
    assert agent.reporter.of("connection")[-1] == "online"
    check_global(central.db_url, [agent])


def test_wake_after_a_save_pushes_without_waiting_for_the_interval(world):
    central, proxy, agent, water = world
    agent.engine.interval = 600
    agent.engine.start()
    assert wait_until(lambda: agent.engine.counters["rounds"] >= 1, timeout=20)
    _calls(agent, 1, None)
    agent.engine.wake()
    assert wait_until(lambda: not agent.store.pending_ops(limit=1), timeout=20)
    agent.engine.stop()
    assert agent.engine.last_resume == "wake"
    check_global(central.db_url, [agent])


# F20 -------------------------------------------------------------------------------------
def test_cloned_desk_gets_a_new_client_id(shared_central, desk_factory):
    """A copy of a desk (data and operator directories) is told apart before it gives a
    citizen a code: its session and device are dropped, its next login is a new device
    with its own tracking-code number, and its calls never repeat the original's codes."""
    from samad_desk.domain.tracking import split_tracking_code

    central = shared_central
    agent = desk_factory("agent", "agent1", central.url)
    _calls(agent, 2, None)
    agent.sync_until_quiet()
    _calls(agent, 1, None, seed=2)  # pending when the clone is taken
    agent.close()
    clone_root = agent.root.parent / "desk-clone"
    shutil.copytree(agent.root, clone_root)
    agent.open(login=False)
    assert agent.client.logged_in  # the original, where it always was, keeps its session
    device = agent.client.device_id
    clone = Desk("clone", clone_root, agent.server_url, "agent1", "agent1").open(login=False)
    try:
        old_id = clone.store.client_id
        assert old_id == agent.store.client_id
        assert not clone.client.logged_in  # no session to open the desk with, online or offline
        assert clone.client.tokens.copied_from == device
        clone.close()
        clone.open()  # the operator logs in again: a new device, a new number
        assert clone.client.device_id != device
        assert clone.store.client_no != agent.store.client_no
        assert clone.store.client_id != old_id  # its journal continues under its own client
        _calls(agent, 1, None, seed=3)
        _calls(clone, 1, None, seed=4)
        codes = {d.name: d.saved[-1]["payload"]["tracking_code"] for d in (agent, clone)}
        assert codes["agent"] != codes["clone"]
        assert split_tracking_code(codes["clone"])[0] == clone.store.client_no
        assert agent.sync()["ok"]
        stats = clone.sync()
        assert stats["ok"], (stats["error"], stats["problem"])
        clone.sync_until_quiet()
        agent.sync_until_quiet()
        check_global(central.db_url, [agent, clone])  # every op applied: no conflict
    finally:
        clone.close()


# F21 -------------------------------------------------------------------------------------
def test_token_expiry_during_outage_makes_ops_wait(world):
    central, proxy, agent, water = world
    proxy.refuse()
    _calls(agent, 3, water.operator["agency_id"])
    assert not agent.sync()["ok"]
    # both tokens die while the link is down (the server judges expiry: garbage = expired)
    agent.client.tokens.update(access_token="expired.token.value", refresh_token="expired-refresh")
    proxy.heal()
    stats = agent.sync()
    assert not stats["ok"] and stats["state"] == "auth_required"
    assert agent.reporter.state == "auth_required"
    assert agent.store.stats()["pending"] == 9  # nothing dropped
    assert agent.sync()["state"] == "auth_required"
    agent.engine.interval = 600  # only the login may end the wait
    failures = agent.engine.counters["failures"]
    agent.engine.start()
    assert wait_until(lambda: agent.engine.counters["failures"] > failures, timeout=20)
    agent.client.login("agent1", "agent1", remember_offline=False)
    agent.engine.wake()
    assert wait_until(lambda: not agent.store.pending_ops(limit=1), timeout=20)
    agent.engine.stop()
    assert agent.engine.last_resume == "login"
    water.sync_until_quiet()
    check_global(central.db_url, [agent, water])


# F25 -------------------------------------------------------------------------------------
def test_truncated_pull_is_retried_with_the_same_cursor(world, desk_factory):
    central, proxy, agent, water = world
    _calls(agent, 30, water.operator["agency_id"])
    agent.sync_until_quiet()
    cursor = water.store.cursor()
    proxy.cut_response(after=400, match=PULL)
    stats = water.sync()
    assert not stats["ok"]
    assert water.store.cursor() == cursor
    water.sync_until_quiet()
    twin = _fresh_twin(central, desk_factory, "water1", "water-twin")
    assert cache_view(water) == cache_view(twin)
    check_global(central.db_url, [agent, water])


# F19 (epoch change) ----------------------------------------------------------------------
def test_new_epoch_forces_a_snapshot_resync(world, desk_factory):
    central, proxy, agent, water = world
    ids = _calls(agent, 5, water.operator["agency_id"])
    agent.sync_until_quiet()
    water.sync_until_quiet()
    subprocess.run([sys.executable, "-m", "samad_desk", "central", "new-epoch", "--db", central.db_url],
                   check=True, capture_output=True)
    ids += _calls(agent, 2, water.operator["agency_id"], seed=9)
    stats = agent.sync()
    assert stats["ok"] and stats["resyncs"] == 1
    stats = water.sync()
    assert stats["ok"] and stats["resyncs"] == 1
    assert set(ids) <= {c["id"] for c in water.cases()}
    twin = _fresh_twin(central, desk_factory, "water1", "water-twin")
    assert cache_view(water) == cache_view(twin)
    assert water.sync()["resyncs"] == 1  # no resync loop: the next round just pulls
    check_global(central.db_url, [agent, water])


# the checker bites ----------------------------------------------------------------------
def test_checker_catches_a_desk_that_acknowledges_on_send(world):
    """Mutant: a desk that marks ops done when it sends them (not when the server answers).
    One dropped request later, the checker must report the lost op."""
    central, proxy, agent, water = world
    real_push = agent.client.push

    def acknowledge_on_send(client_id, ops, **kw):
        agent.store.record_results([{"op_id": o["op_id"], "client_seq": o["client_seq"],
                                     "status": "applied"} for o in ops])
        return real_push(client_id, ops, **kw)

    agent.client.push = acknowledge_on_send
    _calls(agent, 2, None)
    proxy.drop_request(PUSH)
    agent.sync()
    agent.sync()
    with pytest.raises(AssertionError, match="never reached the server"):
        check_global(central.db_url, [agent])


def test_cut_snapshot_download_leaves_the_cache_alone(world, desk_factory):
    central, proxy, agent, water = world
    ids = _calls(agent, 5, water.operator["agency_id"])
    agent.sync_until_quiet()
    fresh = desk_factory("fresh-water", "water1", proxy.url, initial_sync=False, timeout=1.5)
    proxy.cut_response(after=700, match=b"GET /v1/sync/snapshot")
    stats = fresh.sync()
    assert not stats["ok"]
    assert fresh.store.cursor() is None and fresh.cases() == []
    stats = fresh.sync()
    assert stats["ok"] and stats["snapshots"] == 1
    assert set(ids) <= {c["id"] for c in fresh.cases()}
    water.sync_until_quiet()
    assert cache_view(fresh) == cache_view(water)


# F21b ------------------------------------------------------------------------------------
def test_a_lost_refresh_answer_does_not_cost_a_login(world):
    """The access token expires; the refresh is committed on the server (the old refresh
    token rotated) but its answer is cut on the way back. The desk still holds only the
    old refresh token: within the server's grace it refreshes again and the ops go out —
    before, the agent was sent to the login screen."""
    central, proxy, agent, water = world
    _calls(agent, 2, water.operator["agency_id"])
    agent.client.tokens.update(access_token="expired.token.value")
    old_refresh = agent.client.tokens.refresh_token
    proxy.cut_response(after=0, match=b"POST /v1/auth/refresh")
    first = agent.sync()
    assert not first["ok"] and first["state"] != "auth_required", first
    assert agent.client.tokens.refresh_token == old_refresh  # the answer never arrived
    stats = agent.sync_until_quiet()
    assert stats["ok"] and agent.reporter.state != "auth_required"
    assert agent.client.tokens.refresh_token != old_refresh
    water.sync_until_quiet()
    check_global(central.db_url, [agent, water])
