"""Outbox compaction (docs/store.md "Compaction").

A desk whose journal holds 200,000 acknowledged ops (``--quick``: 20,000; citizen +
case registrations, results recorded and covered by a pull ack, as after months of
work) is measured before and after ``Store.compact(0)``:

* open time of the store (median of 3, in-process, warm page cache);
* disk use of the outbox (journal + status log);
* the desk side of pushing a 10,000-op backlog on top (choosing batches and recording
  the answers, fsync'd; no server: the server's share is ``bench/sync.py``).

The cache is empty here: only the outbox differs between the two sides.
"""

from __future__ import annotations

import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.harness import Metric
from bench.sync import _queue_calls

ACKED_OPS = 200_000
PUSH_OPS = 10_000
PROFILE = "bench"
ACTOR = {"operator_id": "u-bench", "name": "bench", "role": "agent", "office_id": "office-qazvin",
         "agency_id": None, "province": "qazvin"}


def _open(d: Path):
    from samad_desk.store import Store

    return Store.open(d, profile=PROFILE)


def _answer_all(store) -> int:
    """Record an 'applied' answer for every pending op, 100 at a time, as a push does."""
    n = 0
    while True:
        ops = store.pending_ops(limit=100)
        if not ops:
            return n
        store.record_results([{"op_id": o["op_id"], "client_seq": o["client_seq"], "status": "applied",
                               "entity_version": 1, "seq": 1} for o in ops])
        n += len(ops)


def _acknowledged_desk(d: Path, n_ops: int) -> None:
    store = _open(d)
    try:
        _queue_calls(store, ACTOR, n_ops, random.Random(1), None)
        _answer_all(store)
        store.apply_changes([], store.cursor(), {store.client_id: store.client_state()["next_seq"] - 1})
    finally:
        store.close()


def _open_s(d: Path) -> float:
    samples = []
    for _ in range(3):
        t0 = time.perf_counter()
        _open(d).close()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def _outbox_mb(d: Path) -> float:
    return sum(p.stat().st_size for p in (d / "outbox").glob("*.jsonl")) / 1e6


def _push_s(d: Path, n_ops: int) -> float:
    store = _open(d)
    try:
        _queue_calls(store, ACTOR, n_ops, random.Random(2), None)
        t0 = time.perf_counter()
        _answer_all(store)
        return time.perf_counter() - t0
    finally:
        store.close()


def run(quick: bool = False) -> list[Metric]:
    n = ACKED_OPS // (10 if quick else 1)
    n_push = PUSH_OPS // (10 if quick else 1)
    tmp = Path(tempfile.mkdtemp(prefix="bench-compaction-"))
    try:
        before, after = tmp / "before", tmp / "after"
        t0 = time.perf_counter()
        _acknowledged_desk(before, n)
        setup_s = time.perf_counter() - t0
        shutil.copytree(before, after)
        store = _open(after)
        t0 = time.perf_counter()
        res = store.compact(0.0)
        compact_s = time.perf_counter() - t0
        store.close()
        open_before, open_after = _open_s(before), _open_s(after)
        mb_before, mb_after = _outbox_mb(before), _outbox_mb(after)
        push_before, push_after = _push_s(before, n_push), _push_s(after, n_push)
        return [
            Metric(f"open with {n:,} acknowledged ops, after compaction", open_after, "s", open_before,
                   "before compaction", "", f"setup {setup_s:.0f} s"),
            Metric("outbox disk use, after compaction", mb_after, "MB", mb_before, "before compaction", "",
                   f"{res['folded']:,} ops folded, {res['kept']:,} kept"),
            Metric(f"compacting {n:,} acknowledged ops", compact_s, "s"),
            Metric(f"desk side of pushing {n_push:,} ops, after compaction", push_after, "s", push_before,
                   "before compaction", "", "batches of 100, results fsync'd; no server"),
        ]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
