"""Sync throughput over loopback against the real central server process.

* push: 10,000 queued ops (citizen + case registrations of one agent desk) pushed and
  acknowledged (target ≤ 10 s); baseline: the same engine with batches of 10 ops.
* pull: 100,000 changes into an empty cache through the change log (target ≤ 30 s);
  baseline: fetching the same pages without applying them (transport + JSON only).
* first sync of an empty desk, which the engine does by snapshot (baseline: the
  change-log pull above).

Each runs on SQLite and, when reachable, PostgreSQL. ``--quick`` uses a tenth of the data.
Server push throughput with 8 concurrent desks is ``bench/sync_server.py`` (central).
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from pathlib import Path

from bench.harness import Metric

PUSH_OPS = 10_000
PULL_CHANGES = 100_000


def _actor(operator: dict) -> dict:
    from samad_desk.domain.ops import make_actor

    return make_actor(operator)


def _national_id(rng: random.Random) -> str:
    from samad_desk.text.national_id import check_digit

    first9 = "".join(str(rng.randint(0, 9)) for _ in range(9))
    return first9 + str(check_digit(first9))


def _queue_calls(store, actor: dict, n_ops: int, rng: random.Random, agency_id: str | None) -> int:
    """Save ``n_ops`` ops (pairs of citizen.upsert + case.register, + refer if agency)."""
    from samad_desk.domain import ops as O
    from samad_desk.domain.ids import uuid7

    saved = 0
    batch: list[dict] = []
    while saved + len(batch) < n_ops:
        cid, case_id = uuid7(), uuid7()
        citizen = {"id": cid, "national_id": _national_id(rng), "first_name": "علی",
                   "last_name": "رضایی", "father_name": "حسن", "birth_date": "1980-01-01",
                   "mobile": "0912" + str(rng.randint(1_000_000, 9_999_999)), "city": "قزوین"}
        ops = [
            O.citizen_upsert(citizen, actor),
            O.case_register(case_id, tracking_code=store.next_tracking_code(), citizen_id=cid,
                            type="complaint", subject="water.outage", city="قزوین",
                            description="آب محله قطع است.", actor=actor),
        ]
        if agency_id:
            ops.append(O.case_refer(case_id, agency_id, actor, note=""))
        batch.extend(ops[: n_ops - saved - len(batch)])
        if len(batch) >= 300:
            store.save(batch)
            saved += len(batch)
            batch = []
    if batch:
        store.save(batch)
        saved += len(batch)
    return saved


class _Desk:
    def __init__(self, root: Path, url: str, username: str, batch: int = 100) -> None:
        from samad_desk.store import Store
        from samad_desk.sync.client import SyncClient
        from samad_desk.sync.engine import SyncEngine
        from samad_desk.sync.tokens import TokenStore

        self.store = Store.open(root / "data")
        self.client = SyncClient(url, TokenStore(root / "op", url))
        self.operator = self.client.login(username, username, remember_offline=False)
        self.engine = SyncEngine(self.store, self.client, push_batch=batch)

    def close(self) -> None:
        self.store.close()
        self.client.close()


def _bench_backend(backend: str, quick: bool, tmp: Path) -> list[Metric]:
    from samad_desk.central.process import drop_pg_schema, sqlite_url, start_server, test_pg_url

    n_push = PUSH_OPS // (10 if quick else 1)
    n_pull = PULL_CHANGES // (10 if quick else 1)
    url = sqlite_url(tmp / backend) if backend == "sqlite" else test_pg_url("bench")
    if url is None:
        return []
    metrics: list[Metric] = []
    server = start_server(url, seed_demo=True, log_path=tmp / f"{backend}.log")
    try:
        rng = random.Random(1)
        # --- push ----------------------------------------------------------------------
        desk = _Desk(tmp / f"{backend}-push", server.url, "agent1")
        _queue_calls(desk.store, _actor(desk.operator), n_push, rng, None)
        t0 = time.perf_counter()
        pushed = desk.engine.push_pending()
        push_s = time.perf_counter() - t0
        assert pushed == n_push and not desk.store.pending_ops(limit=1), (pushed, n_push)
        desk.close()
        # baseline: batches of 10 (a tenth of the ops, scaled)
        base = _Desk(tmp / f"{backend}-push10", server.url, "agent1", batch=10)
        n_base = max(100, n_push // 10)
        _queue_calls(base.store, _actor(base.operator), n_base, rng, None)
        t0 = time.perf_counter()
        base.engine.push_pending()
        base_s = (time.perf_counter() - t0) * n_push / n_base
        base.close()
        metrics.append(Metric(
            f"push {n_push:,} ops [{backend}]", push_s, "s", base_s, "batches of 10",
            "≤ 10 s for 10,000", f"{n_push / push_s:,.0f} ops/s",
        ))

        # --- pull ----------------------------------------------------------------------
        # fill the server with changes in the supervisor's scope (every op of the province)
        have = 0
        feeder = _Desk(tmp / f"{backend}-feed", server.url, "agent1")
        have = _count_changes(url)
        while have < n_pull:
            chunk = max(300, min(6000, int((n_pull - have) / 2.2) + 300))
            _queue_calls(feeder.store, _actor(feeder.operator), chunk, rng, None)
            feeder.engine.push_pending()
            have = _count_changes(url)
        feeder.close()
        reader = _Desk(tmp / f"{backend}-pull", server.url, "super1")
        reader.engine.initial_snapshot = False  # the change log, page by page
        t0 = time.perf_counter()
        pulled = reader.engine.pull_all()
        pull_s = time.perf_counter() - t0
        n_entities = sum(1 for e in ("citizen", "case", "event") for _ in reader.store.iter_entities(e))
        reader.close()
        snap = _Desk(tmp / f"{backend}-snap", server.url, "super1")
        t0 = time.perf_counter()
        snap_n = snap.engine.pull_all()  # what a new desk does: snapshot, then the log
        snap_s = time.perf_counter() - t0
        snap.close()
        raw = _Desk(tmp / f"{backend}-raw", server.url, "super1")
        t0 = time.perf_counter()
        cursor, fetched = None, 0
        while True:
            page = raw.client.pull(cursor, limit=500)
            fetched += len(page.get("changes") or [])
            cursor = page.get("next_cursor") or cursor
            if not page.get("has_more"):
                break
        raw_s = time.perf_counter() - t0
        raw.close()
        metrics.append(Metric(
            f"pull {pulled:,} changes into empty cache [{backend}]", pull_s, "s", raw_s,
            "fetch only, no apply", "≤ 30 s for 100,000",
            f"{pulled / pull_s:,.0f} changes/s; {n_entities:,} entities cached",
        ))
        metrics.append(Metric(
            f"first sync of an empty desk by snapshot [{backend}]", snap_s, "s", pull_s,
            "change-log pull", "-", f"{snap_n:,} entities",
        ))
    finally:
        server.stop()
        if backend == "pg":
            try:
                drop_pg_schema(url)
            except Exception:
                pass
    return metrics


def _count_changes(db_url: str) -> int:
    from sqlalchemy import text

    from samad_desk.central.db import open_engine

    engine = open_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM changes")).scalar() or 0)
    finally:
        engine.dispose()


def run(quick: bool = False) -> list[Metric]:
    from samad_desk.central.process import pg_reachable

    tmp = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    try:
        metrics = _bench_backend("sqlite", quick, tmp)
        if pg_reachable():
            metrics += _bench_backend("pg", quick, tmp)
        else:
            metrics.append(Metric("postgresql", float("nan"), "", note="not reachable: skipped"))
        return metrics
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
