"""Issue 13, "Done when" (first paragraph), as far as sync and store go: nothing a desk
saved is stranded, whatever happens on the way.

A desk logs in, goes offline, saves cases by the call path and by `samad-desk import cases`
(as the logged-in operator), the import process is SIGKILLed mid-way and run again (it
skips the rows already saved), then the desk
syncs through the fault proxy (drops, cuts before and after the server answered, resets,
delays) while the server is SIGKILLed and restarted once, then once more from a backup
taken earlier. At the end every op is on the server exactly once (events = applied ops),
every case is there, and a fresh desk pulling through the same faults holds them all.

Deterministic for a seed (printed first): ``SAMAD_STRANDED_SEED``.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from samad_desk.store import Store
from tests.support.sync.harness import backup_db, check_global, new_epoch, restore_db, server_rows

SEED = int(os.environ.get("SAMAD_STRANDED_SEED", "1307"))
CALLS = 300           # by the call path: citizen + case + referral each
IMPORT_ROWS = 600     # by `samad-desk import cases`, in batches of 25 rows
RATES = {"drop": 0.08, "cut": 0.12, "reset": 0.06, "delay": 0.08}

HEADER = "national_id,first_name,last_name,mobile,city,type,subject,description,agency_id\n"


def _csv(path, rows: int) -> None:
    from samad_desk.text.national_id import check_digit

    lines = []
    for i in range(rows):
        first9 = f"{300_000_000 + i * 7919:09d}"
        # a subject of the reference tree and a letters-only name (the domain's field rules);
        # each row told apart by its national ID and description
        lines.append(f"{first9}{check_digit(first9)},زهرا,کریمی,0935{i:07d},قزوین,complaint,"
                     f"قطعی آب,آب کوچه از دیشب قطع است؛ ردیف {i},water-qazvin\n")
    path.write_text(HEADER + "".join(lines), encoding="utf-8")


def _journal_bytes(data_dir) -> int:
    return sum(p.stat().st_size for p in (data_dir / "outbox").glob("c-*.jsonl"))


def _import(desk, csv, env, *, kill_at_bytes: int | None = None) -> str:
    """``samad-desk import cases`` as its own process, as the operator who is logged in;
    SIGKILLed once the journal has grown past ``kill_at_bytes``."""
    cmd = [sys.executable, "-m", "samad_desk", "import", "cases", str(csv), "--batch", "25"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    if kill_at_bytes is None:
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, out
        return out
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and _journal_bytes(desk.data_dir) < kill_at_bytes:
        time.sleep(0.005)
    assert proc.poll() is None, "the import ended before the kill"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    return ""


def _acknowledged(desk) -> int:
    return len(desk.saved) - desk.store.stats()["pending"]


def _sync_until(desk, predicate, rounds: int = 400) -> None:
    for _ in range(rounds):
        if predicate():
            return
        desk.sync()
    raise AssertionError(f"{desk.name}: no progress: {desk.store.stats()}")


@pytest.mark.slow
def test_nothing_saved_is_stranded(central, desk_factory, proxy_to, tmp_path):
    print(f"\nnothing-stranded seed {SEED} (SAMAD_STRANDED_SEED)")
    rng = random.Random(SEED)
    proxy = proxy_to(central.url)
    desk = desk_factory("agent", "agent1", central.url, timeout=2.0)
    desk.point_at(proxy.url)
    proxy.refuse(True)  # offline from here on
    case_ids = [desk.register_call(rng, agency_id="water-qazvin")[1] for _ in range(CALLS)]
    desk.close()
    csv = tmp_path / "calls.csv"
    _csv(csv, IMPORT_ROWS)
    env = dict(os.environ, SAMAD_DESK_DATA_DIR=str(desk.data_dir), SAMAD_DESK_OPERATOR_DIR=str(desk.operator_dir),
               SAMAD_DESK_SERVER_URL=central.url)
    start = _journal_bytes(desk.data_dir)
    kill_at = start + rng.randint(100_000, 700_000)
    _import(desk, csv, env, kill_at_bytes=kill_at)  # SIGKILLed mid-import
    with Store.open(desk.data_dir) as store:
        before = sum(1 for o in store.pending_ops(limit=10**6) if o["type"] == "case.register") - CALLS
    assert 0 < before < IMPORT_ROWS, before
    out = _import(desk, csv, env)  # and run again: the rows saved before the kill are skipped
    assert "اجرای پیشین" in out, out
    desk.open(login=False)
    desk.point_at(proxy.url)
    desk.saved = desk.store.pending_ops(limit=10**9)  # everything saved offline, none pushed yet
    imported = {op["entity_id"] for op in desk.saved if op["type"] == "case.register"} - set(case_ids)
    assert len(imported) == IMPORT_ROWS
    total = len(desk.saved)
    proxy.refuse(False)
    proxy.chaos(SEED, RATES)
    _sync_until(desk, lambda: _acknowledged(desk) >= total // 4)
    backup = backup_db(central.db_url, tmp_path / "backup.db")
    _sync_until(desk, lambda: _acknowledged(desk) >= total // 2)
    central.server.restart(kill=True)  # SIGKILL, restart on the same database
    _sync_until(desk, lambda: _acknowledged(desk) >= 3 * total // 4)
    central.server.kill()              # SIGKILL, then restored from the earlier backup
    restore_db(central.db_url, backup)
    new_epoch(central.db_url)
    central.server.start(seed=False)
    lost = [op for op in desk.saved if op["op_id"] not in server_rows(central.db_url)[0]]
    assert lost, "the restore lost nothing: the test proves nothing"
    _sync_until(desk, lambda: desk.store.stats()["pending"] == 0 and desk.sync()["ok"])
    print(f"faults: {dict(proxy.stats)}; ops {total}, lost by the restore {len(lost)}, "
          f"sent again {desk.engine.counters['requeued']}")
    proxy.heal()
    desk.sync_until_quiet()
    checked = check_global(central.db_url, [desk])
    assert checked["ops"] == total and checked["rejected"] == 0
    on_server, _ = server_rows(central.db_url)
    registered = {r["op_id"] for r in on_server.values() if r["status"] == "applied"}
    assert {op["op_id"] for op in desk.saved} <= registered
    proxy.chaos(SEED + 1, RATES)
    fresh = desk_factory("fresh", "agent1", central.url, initial_sync=False, timeout=2.0)
    fresh.point_at(proxy.url)  # logged in; everything it pulls goes through the faults
    _sync_until(fresh, lambda: fresh.sync()["ok"])
    assert set(case_ids) | imported <= {c["id"] for c in fresh.cases()}
