"""``samad-desk central audit verify`` over N events (issue 17: 1,000,000; here a flag).

A SQLite central database is filled with ``--events`` case events (10 per case, shaped
like the reducer's events, Persian text), their hash chains and one signed checkpoint
of every head, then ``audit.verify`` runs three times. The same-run baseline reads and
parses exactly the same rows (the streamed chain ⋈ events join and the unlinked-event
scan) without hashing or checking anything (``hash_events=False``).

``python -m bench audit --events 1000000`` for the issue's size (about 2 GB of disk and
several minutes here); the default is 100,000, ``--quick`` 10,000.

What the chains cost a pull: a supervisor's whole change log of generated demo cases
(2,000; ``--quick`` 300) pulled page by page (500 changes) with each page's ``chains``,
beside the same pages without them (same run, same database).
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

import orjson

from bench.harness import Metric

DEFAULT_EVENTS = 100_000
PER_CASE = 10
KINDS = ("register", "refer", "accept", "note", "extend", "answer", "followup", "reopen", "note", "close")


def _event(case_no: int, i: int) -> dict:
    return {
        "id": f"ev-{case_no:08d}-{i:02d}", "case_id": f"case-{case_no:08d}", "kind": KINDS[i % len(KINDS)],
        "actor": {"operator_id": "u-water1", "name": "کارشناس آب", "role": "officer", "agency_id": "water-qazvin"},
        "at": f"2026-03-{1 + i:02d}T08:{case_no % 60:02d}:00Z",
        "data": {"note": "شهروند از قطعی آب در محله شکایت دارد؛ پیگیری شد.", "days": i},
        "op_id": f"op-{case_no:08d}-{i:02d}", "concurrent": False, "version": 1,
    }


def _fill(central, n_events: int) -> None:
    from samad_desk.central import audit
    from samad_desk.central.bulk import insert_many
    from samad_desk.domain import chain

    cases = max(1, n_events // PER_CASE)
    with central.w.begin() as conn:
        for start in range(0, cases, 2000):
            ents, links = [], []
            for c in range(start, min(cases, start + 2000)):
                prev = chain.GENESIS
                for i in range(PER_CASE):
                    ev = _event(c, i)
                    prev = chain.link_hash(prev, ev)
                    ents.append({"entity": "event", "id": ev["id"], "version": 1, "deleted": False,
                                 "data": orjson.dumps(ev).decode(), "case_id": ev["case_id"]})
                    links.append({"case_id": ev["case_id"], "n": i + 1, "event_id": ev["id"], "hash": prev,
                                  "seq": 0})
            conn.connection.driver_connection.executemany(
                "INSERT INTO entities (entity, id, version, deleted, data, case_id) VALUES (?, ?, ?, ?, ?, ?)",
                [(r["entity"], r["id"], r["version"], r["deleted"], r["data"], r["case_id"]) for r in ents])
            insert_many(conn, "event_chain", audit.CHAIN_COLS, links)
    central.checkpoint()


def _median_s(fn, runs: int = 3) -> tuple[float, object]:
    samples, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples), out


def _pull_all(central, principal) -> tuple[int, int]:
    """(pages, bytes) of a whole pull from the start."""
    cursor, pages, size = None, 0, 0
    while True:
        body = central.pull(principal, cursor, 500)
        pages, size = pages + 1, size + len(body)
        answer = orjson.loads(body)
        cursor = answer["next_cursor"]
        if not answer["has_more"]:
            return pages, size


def _pull_metric(quick: bool, tmp: Path) -> Metric:
    from samad_desk.central import audit
    from samad_desk.central.seed import load_demo_data, seed_demo
    from samad_desk.central.service import Central

    cases = 300 if quick else 2000
    central = Central(f"sqlite:///{tmp / 'pull.sqlite3'}", audit_key_file=tmp / "pull.key")
    try:
        seed_demo(central, full=False)
        load_demo_data(central, citizens=2 * cases, cases=cases)
        central.checkpoint()
        token = central.login("super1", "super1", "bench-device", "127.0.0.1")["access_token"]
        principal = central.authenticate(f"Bearer {token}")
        with_s, (pages, with_bytes) = _median_s(lambda: _pull_all(central, principal))
        real = audit.proofs
        audit.proofs = lambda *_a, **_k: {}
        try:
            without_s, (_p, without_bytes) = _median_s(lambda: _pull_all(central, principal))
        finally:
            audit.proofs = real
    finally:
        central.close()
    return Metric(f"pulling {cases:,} demo cases' change log ({pages} pages), with chains", with_s, "s",
                  without_s, "the same pages without chains", "",
                  f"median of 3; {with_bytes / 1e6:.1f} MB vs {without_bytes / 1e6:.1f} MB; SQLite, in-process")


def run(quick: bool = False, events: int | None = None) -> list[Metric]:
    from samad_desk.central.audit_verify import verify
    from samad_desk.central.service import Central

    n = events or (DEFAULT_EVENTS // 10 if quick else DEFAULT_EVENTS)
    tmp = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    central = Central(f"sqlite:///{tmp / 'central.sqlite3'}", audit_key_file=tmp / "audit.key")
    try:
        t0 = time.perf_counter()
        _fill(central, n)
        setup_s = time.perf_counter() - t0
        verify_s, report = _median_s(lambda: verify(central))
        read_s, base = _median_s(lambda: verify(central, hash_events=False))
        assert report.ok and report.events == base.events == (n // PER_CASE) * PER_CASE, report.lines()
        total = report.events
        pull = _pull_metric(quick, tmp)
        return [
            Metric(f"audit verify, {total:,} events in {total // PER_CASE:,} cases", total / verify_s, "events/s",
                   total / read_s, "reading and parsing the same rows, no hashing", "1,000,000 events (issue 17)",
                   f"median of 3: {verify_s:.2f} s vs {read_s:.2f} s; setup {setup_s:.0f} s; SQLite"),
            pull,
        ]
    finally:
        central.close()
        shutil.rmtree(tmp, ignore_errors=True)
