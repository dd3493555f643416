"""Compaction killed at random points (seeded, printed): a desk with many ops the real
server acknowledged compacts its journal and status log while a SIGKILL hits it before
a random file operation; every time it opens with the same entities, the same pending
and refused ops and the same next tracking code, and ``store check`` finds nothing."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from samad_desk.store import Store
from samad_desk.store.check import check_data_dir
from tests.support.sync.harness import Desk

SEED = int(os.environ.get("SAMAD_COMPACT_SEED", "1313"))
TRIALS = int(os.environ.get("SAMAD_COMPACT_TRIALS", "12"))

# the child: open the store, then compact with every file operation counted; SIGKILL
# itself just before operation number KILL_AT (0: never, print the count instead)
CHILD = textwrap.dedent("""
    import os, signal, sys
    from samad_desk.store import Store, fileio
    data_dir, kill_at = sys.argv[1], int(sys.argv[2])
    store = Store.open(data_dir, profile="agent")
    class Killing(fileio.FileIO):
        n = 0
        def _tick(self):
            Killing.n += 1
            if Killing.n == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
    for name in ("write", "fsync", "replace", "fsync_dir", "truncate", "open_new", "crash_point"):
        def wrapped(self, *a, _name=name):
            self._tick()
            return getattr(fileio.FileIO, _name)(self, *a)
        setattr(Killing, name, wrapped)
    fileio.set_io(Killing())
    print(store.compact(0.0))
    print("IO", Killing.n)
""")


def _child(data_dir: Path, kill_at: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CHILD, str(data_dir), str(kill_at)],
                          capture_output=True, text=True, timeout=120)


def _view(data_dir: Path) -> dict:
    store = Store.open(data_dir, profile="agent")
    try:
        return {
            "entities": {e: sorted((d["id"], d.get("version"), d.get("status")) for d in store.iter_entities(e))
                         for e in ("citizen", "case", "event")},
            "pending": [op["op_id"] for op in store.pending_ops(limit=10**9)],
            "attention": sorted(op["op_id"] for op in store.needs_attention()),
            "next_code": store.next_tracking_code(),
            "next_seq": store.client_state()["next_seq"],
        }
    finally:
        store.close()


@pytest.fixture
def synced_desk(central_factory, tmp_path) -> Path:
    """A desk directory with ~1,200 ops the server acknowledged, 10 pending, 1 refused."""
    central = central_factory()
    desk = Desk("agent", tmp_path / "desk", central.url, "agent1", "agent1")
    os.environ["SAMAD_DESK_PROFILE"] = "agent"
    try:
        desk.open()
        rng = random.Random(SEED)
        cases = [desk.register_call(rng, agency_id="water-qazvin")[1] for _ in range(400)]
        desk.sync_until_quiet()
        assert desk.store.pending_ops(limit=1) == []
        _, case_id = desk.register_call(rng)
        from samad_desk.domain import ops as O

        desk.save([O.case_refer(case_id, "no-such-agency", desk.actor, note="")])
        desk.sync()  # the refer is refused: needs attention
        assert desk.store.needs_attention()
        # offline: pending notes, no registration (so only the checkpoint knows the codes used)
        for case in cases[:10]:
            desk.save([O.case_note(case, "تماس دوباره شهروند", desk.actor)])
    finally:
        desk.close()
        os.environ.pop("SAMAD_DESK_PROFILE", None)
    return desk.data_dir


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the desk side is under test
def test_compaction_killed_at_random_points_opens_with_the_same_entities(synced_desk, tmp_path, capsys):
    print(f"compaction kill seed {SEED} ({TRIALS} trials; SAMAD_COMPACT_SEED / SAMAD_COMPACT_TRIALS)")
    reference = _view(synced_desk)
    assert len(reference["pending"]) == 10 and len(reference["attention"]) == 1
    probe = tmp_path / "probe"
    shutil.copytree(synced_desk, probe)
    full = _child(probe, 0)
    assert full.returncode == 0, full.stderr
    n_io = int(full.stdout.split("IO")[-1])
    before = sum(p.stat().st_size for p in (synced_desk / "outbox").glob("*.jsonl"))
    after = sum(p.stat().st_size for p in (probe / "outbox").glob("*.jsonl"))
    assert after < before / 5  # the acknowledged ops really were folded
    assert _view(probe) == reference
    rng = random.Random(SEED)
    points = sorted(rng.sample(range(1, n_io + 1), min(TRIALS, n_io)))
    print(f"kill before file operation {points} of {n_io}")
    for k in points:
        trial = tmp_path / f"trial-{k}"
        shutil.copytree(synced_desk, trial)
        run = _child(trial, k)
        assert run.returncode == -9, (k, run.returncode, run.stderr[-2000:])
        problems, _ = check_data_dir(trial)
        assert problems == [], (k, problems)
        assert _view(trial) == reference, f"killed before file operation {k}"
        again = _child(trial, 0)  # and the next compaction finishes the job
        assert again.returncode == 0, again.stderr
        assert _view(trial) == reference, f"compacted again after a kill at {k}"
        assert check_data_dir(trial)[0] == []


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_engine_compacts_once_a_day_after_a_round_that_worked(central, desk_factory):
    import time

    desk = desk_factory("agent", "agent1", central.url)  # its first round compacted already
    assert desk.engine.counters["compactions"] == 1
    desk.register_call(random.Random(1))
    desk.sync_until_quiet()
    assert desk.engine.counters["compactions"] == 1
    desk.engine.clock = lambda: time.time() + 25 * 3600
    assert desk.sync()["ok"] and desk.engine.counters["compactions"] == 2
    desk.engine.compact_interval = None
    desk.engine.clock = lambda: time.time() + 50 * 3600
    assert desk.sync()["ok"] and desk.engine.counters["compactions"] == 2
