"""Server push throughput: 8 concurrent desks pushing over loopback to the real server.

Each desk is a thread with its own login (own device and client), pushing batches of
100 ops in ``client_seq`` order, one push in flight per desk (as the sync engine does).
The ops are realistic calls: ``citizen.upsert`` (a new citizen), ``case.register``,
``case.refer`` to an agency, and a ``case.note``; every op goes through the shared
reducer, the SAVEPOINT, the dedup row and the change log. Ops are built before timing.

Reported on PostgreSQL (the target, ≥ 1,000 ops/s) with SQLite beside it. The server is
one uvicorn process (``samad-desk central serve``); the benchmark client runs in this
process, on the same (small) machine.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench.harness import Metric

DESKS = 8
BATCH = 100


def _letters(i: int) -> str:
    """``i`` spelled in letters (a name takes no digits: ``domain/fields.py``)."""
    return "".join("ابپتثجچحخد"[int(d)] for d in str(i))


def _nid(rng: random.Random) -> str:
    from samad_desk.text.national_id import check_digit

    while True:
        first9 = f"{rng.randrange(10**9):09d}"
        if len(set(first9)) > 1:
            return first9 + str(check_digit(first9))


def _build_ops(login: dict, n_calls: int, rng: random.Random) -> list[dict]:
    from samad_desk.domain import ops as O
    from samad_desk.domain.ids import uuid7
    from samad_desk.domain.tracking import make_tracking_code

    actor = O.make_actor(login["operator"])
    agencies = ["water-qazvin", "power-qazvin", "gas-qazvin", "municipality-qazvin"]
    out: list[dict] = []
    for i in range(n_calls):
        cit, case = uuid7(), uuid7()
        out.append(O.citizen_upsert({"id": cit, "national_id": _nid(rng), "first_name": "مریم",
                                     "last_name": "احمدی " + _letters(i), "mobile": f"0912{rng.randrange(10**7):07d}",
                                     "city": "قزوین"}, actor))
        out.append(O.case_register(case, tracking_code=make_tracking_code(login["client_no"], i + 1),
                                   citizen_id=cit, type="complaint", subject="water.outage",
                                   city="قزوین", description="شرح تماس شهروند " * 8, actor=actor))
        out.append(O.case_refer(case, rng.choice(agencies), actor, note="ارجاع"))
        out.append(O.case_note(case, "شهروند دوباره تماس گرفت.", actor))
    return out


def _login(http: httpx.Client, username: str, signer=None) -> dict:
    from samad_desk.domain.ids import uuid7

    body = {"username": username, "password": username, "device_id": f"bench-{uuid7()}"}
    if signer is not None:
        body["op_key"] = signer.public_b64
    r = http.post("/v1/auth/login", json=body)
    r.raise_for_status()
    return r.json()


def _measure(url: str, n_calls_per_desk: int, server=None, *, host: bool = False) -> tuple[float, int, float, float]:
    """Returns (ops per second, ops applied, p95 push latency in ms, server CPU ms per op).

    Every op is signed by its author at build time, as the desk signs at save time.
    ``host=False``: each desk pushes its own journal (the token's operator: no signature
    check needed). ``host=True``: each journal is pushed by another operator's login
    (a shared host's sync leader), so the server verifies every op's signature."""
    from samad_desk.domain.ids import uuid7
    from samad_desk.domain.signing import OpSigner

    rng = random.Random(7)
    desks = []
    with httpx.Client(base_url=url, timeout=120) as http:
        for _d in range(DESKS):
            signer = OpSigner.generate()
            login = _login(http, "agent1", signer)
            ops = _build_ops(login, n_calls_per_desk, rng)
            client_id = f"c-{uuid7()}"
            for i, op in enumerate(ops, 1):
                op["client_id"], op["client_seq"] = client_id, i
                signer.sign(op)
            if host:
                login = _login(http, "admin")
            desks.append((login, client_id, ops))
    applied = [0] * DESKS
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(DESKS + 1)

    def run_desk(k: int) -> None:
        login, client_id, ops = desks[k]
        h = {"Authorization": f"Bearer {login['access_token']}"}
        with httpx.Client(base_url=url, timeout=120, headers=h) as http:
            start.wait()
            i = 0
            while i < len(ops):
                batch = ops[i : i + BATCH]
                t0 = time.perf_counter()
                r = http.post("/v1/sync/push", json={"client_id": client_id, "device_id": login["device_id"],
                                                     "ops": batch})
                dt = (time.perf_counter() - t0) * 1000
                if r.status_code == 503:
                    time.sleep(float(r.headers.get("Retry-After", "1")) * random.random())
                    continue
                if r.status_code != 200:
                    errors.append(f"{r.status_code} {r.text[:200]}")
                    return
                res = r.json()["results"]
                n = sum(1 for x in res if x["status"] == "applied")
                with lock:
                    applied[k] += n
                    latencies.append(dt)
                i += len([x for x in res if x.get("op_id")])

    threads = [threading.Thread(target=run_desk, args=(k,)) for k in range(DESKS)]
    for t in threads:
        t.start()
    start.wait()
    cpu0 = server.cpu_seconds() if server else 0.0
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    cpu = (server.cpu_seconds() - cpu0) if server else float("nan")
    if errors:
        raise RuntimeError(f"push errors: {errors[:3]}")
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else float("nan")
    n = sum(applied)
    return n / elapsed, n, p95, cpu * 1000 / max(1, n)


def measure_backend(backend: str, n_calls_per_desk: int, workers: int = 1, *, host: bool = False):
    from samad_desk.central.process import drop_pg_schema, sqlite_url, start_server, test_pg_url

    tmp = Path(tempfile.mkdtemp(prefix="bench-central-"))
    url = sqlite_url(tmp) if backend == "sqlite" else test_pg_url("bench")
    if url is None:
        return None
    try:
        server = start_server(url, seed_demo=True, log_path=tmp / "server.log", workers=workers)
        try:
            return _measure(server.url, n_calls_per_desk, server, host=host)
        finally:
            server.stop()
    finally:
        if backend == "pg":
            drop_pg_schema(url)
        shutil.rmtree(tmp, ignore_errors=True)


def run(quick: bool = False) -> list[Metric]:
    calls = 50 if quick else 250  # × 4 ops × 8 desks: 1,600 or 8,000 ops
    metrics: list[Metric] = []
    for workers in (1, 2):
        sqlite = measure_backend("sqlite", calls, workers)
        pg = measure_backend("pg", calls, workers)
        label = f"{workers} server process{'es' if workers > 1 else ''}"
        base = sqlite[0] if sqlite else None
        if pg:
            metrics.append(Metric(f"push throughput, 8 desks, PostgreSQL, {label}", pg[0], "ops/s",
                                  baseline=base, baseline_label="SQLite", target=">= 1,000 ops/s",
                                  note=f"{pg[1]:,} ops; p95 push of {BATCH}: {pg[2]:,.0f} ms; "
                                  f"server CPU {pg[3]:.2f} ms/op"))
        else:
            metrics.append(Metric(f"push throughput, 8 desks, PostgreSQL, {label}", float("nan"), "ops/s",
                                  target=">= 1,000 ops/s", note="PostgreSQL unreachable"))
        if sqlite:
            metrics.append(Metric(f"push throughput, 8 desks, SQLite, {label}", sqlite[0], "ops/s",
                                  note=f"{sqlite[1]:,} ops; p95 push of {BATCH}: {sqlite[2]:,.0f} ms; "
                                  f"server CPU {sqlite[3]:.2f} ms/op"))
    # a host pushing other operators' signed journals: every op's signature verified
    for backend, label in (("pg", "PostgreSQL"), ("sqlite", "SQLite")):
        got = measure_backend(backend, calls, 1, host=True)
        if got:
            metrics.append(Metric(f"host push of signed journals, 8 desks, {label}, 1 server process", got[0],
                                  "ops/s", note=f"{got[1]:,} ops; p95 push of {BATCH}: {got[2]:,.0f} ms; "
                                  f"server CPU {got[3]:.2f} ms/op"))
    return metrics
