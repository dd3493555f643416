"""``python -m bench store``: the local store against stock TinyDB on the same data.

At 100,000 cases and 200,000 citizens (demo generator, with their ~550k events in our
store): durable save of one call, open-and-ready, case by tracking code, cartable of one
agency, resident memory of a process holding the cache, import of 100,000 cases from
CSV. Stock TinyDB (``JSONStorage``) gets the cases and citizens only (no events, which
favours it) and is measured with a handful of iterations where one costs seconds.
Memory and open time are measured in fresh subprocesses.
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from bench.harness import Metric, percentile, time_calls

ROOT = Path(os.environ.get("SAMAD_BENCH_DIR", Path(tempfile.gettempdir()) / "samad-bench-store"))
REPO = Path(__file__).resolve().parent.parent

AGENT = {"operator_id": "op-bench", "name": "بنچ", "role": "agent", "agency_id": None, "office_id": "QZV-111"}


# ------------------------------------------------------------------ data


def _dataset(n_cit: int, n_cases: int) -> Path:
    """The demo dataset as JSONL of [entity, doc] lines (generated once, then reused)."""
    ROOT.mkdir(parents=True, exist_ok=True)
    path = ROOT / f"data-{n_cit}-{n_cases}.jsonl"
    if path.exists():
        return path
    from samad_desk.demo import generate

    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        for ent, doc in generate(7, n_cit, n_cases):
            fh.write(orjson.dumps([ent, doc]) + b"\n")
    tmp.rename(path)
    return path


def _items(path: Path):
    with open(path, "rb") as fh:
        for line in fh:
            ent, doc = orjson.loads(line)
            if ent == "operator":
                continue
            yield ent, doc


def _clean_outbox(d: Path) -> None:
    """Forget pending ops left by earlier runs: every run measures the same cache."""
    keep = set(orjson.loads((d / "built-outbox.json").read_bytes()))
    for p in (d / "outbox").iterdir():
        if p.name not in keep:
            p.unlink()


def _our_store(path: Path, tag: str) -> tuple[Path, float]:
    d = ROOT / f"ours-{tag}"
    marker = d / "built"
    if marker.exists() and (d / "built-outbox.json").exists():
        _clean_outbox(d)
        return d, float(marker.read_text())
    shutil.rmtree(d, ignore_errors=True)
    from samad_desk.store import Store

    t0 = time.perf_counter()
    s = Store.open(d, profile="builder")
    s.replace_from_snapshot(({"entity": e, "id": doc["id"], "data": doc} for e, doc in _items(path)), "bench-0")
    s.close()
    took = time.perf_counter() - t0
    (d / "built-outbox.json").write_bytes(orjson.dumps(sorted(p.name for p in (d / "outbox").iterdir())))
    marker.write_text(str(took))
    return d, took


def _stock_db(path: Path, tag: str) -> Path:
    p = ROOT / f"stock-{tag}.json"
    if p.exists():
        return p
    from tinydb import TinyDB

    tables: dict[str, list] = {"case": [], "citizen": [], "agency": []}
    for ent, doc in _items(path):
        if ent in tables:
            tables[ent].append(doc)
    tmp = p.with_suffix(".tmp")
    db = TinyDB(tmp)
    for name, docs in tables.items():
        db.table(name).insert_multiple(docs)
    db.close()
    tmp.rename(p)
    return p


def _samples(path: Path, k: int = 2000) -> dict:
    codes, agencies, citizens, citizen_ids = [], set(), [], []
    rng = random.Random(3)
    for ent, doc in _items(path):
        if ent == "case" and rng.random() < 0.05:
            codes.append(doc["tracking_code"])
        elif ent == "agency":
            agencies.add(doc["id"])
        elif ent == "citizen":
            if len(citizens) < 5 and doc.get("national_id"):
                citizens.append(doc)
            if rng.random() < 0.01:
                citizen_ids.append(doc["id"])
    rng.shuffle(codes)
    rng.shuffle(citizen_ids)
    return {"codes": codes[:k], "agencies": sorted(agencies), "citizens": citizens,
            "citizen_ids": citizen_ids[:300]}


def _call_ops(next_code, rng: random.Random, agency: str) -> list[dict]:
    from samad_desk.domain import ops as domain_ops
    from samad_desk.domain.ids import uuid7
    from samad_desk.text.national_id import check_digit

    body = "".join(str(rng.randrange(10)) for _ in range(9))
    nid = body + str(check_digit(body))
    cit, case = uuid7(), uuid7()
    return [
        domain_ops.citizen_upsert({"id": cit, "national_id": nid, "first_name": "مریم", "last_name": "کاظمی",
                                   "mobile": "0912" + "".join(str(rng.randrange(10)) for _ in range(7)),
                                   "city": "قزوین"}, AGENT),
        domain_ops.case_register(case, tracking_code=next_code(), citizen_id=cit, type="complaint",
                                 subject="water.outage", city="قزوین", description="قطعی مکرر آب در محله.",
                                 actor=AGENT),
        domain_ops.case_refer(case, agency, AGENT),
    ]


# ------------------------------------------------------------------ subprocess probes

#: every probe's own resident and peak memory (MiB), from /proc/self/status
_RSS = r"""
def rss():
    return {{l.split(':')[0]: int(l.split()[1]) / 1024 for l in open('/proc/self/status') if l.startswith(('VmRSS', 'VmHWM'))}}
"""

_PROBE_OURS = _RSS + r"""
import sys, time, json, random
sys.path.insert(0, {repo!r})
from samad_desk.store import Store
import samad_desk.domain.reducer, samad_desk.domain.sla  # imports are not part of "open"
codes, agencies = json.load(open({samples!r}))
t0 = time.perf_counter()
s = Store.open({d!r}, profile="probe")
t_open = time.perf_counter() - t0
t1 = time.perf_counter()
rows = s.preload()
t_preload = time.perf_counter() - t1
for c in codes[:1000]:
    s.case_by_tracking_code(c)
for a in agencies:
    s.cartable(a)
r = rss()
print(json.dumps({{"open": t_open, "preload": t_preload, "rows": rows, "rss": r["VmRSS"], "hwm": r["VmHWM"],
                  "cases": s.cache.count("case")}}))
s.close()
"""

_PROBE_STOCK = _RSS + r"""
import sys, time, json
from tinydb import TinyDB, Query
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import JSONStorage
codes, agencies = json.load(open({samples!r}))
t0 = time.perf_counter()
db = TinyDB({p!r}, storage=CachingMiddleware(JSONStorage))
db.table("case").get(Query().tracking_code == codes[0])
t_open = time.perf_counter() - t0
r = rss()
print(json.dumps({{"open": t_open, "rss": r["VmRSS"], "hwm": r["VmHWM"]}}))
"""


def _probe(src: str) -> dict:
    out = subprocess.run([sys.executable, "-c", src], capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


_PROBE_BACKLOG = _RSS + r"""
import sys, time, json
sys.path.insert(0, {repo!r})
from samad_desk.store import Store
import samad_desk.domain.reducer, samad_desk.domain.sla
t0 = time.perf_counter()
s = Store.open({d!r}, profile="probe")
t_open = time.perf_counter() - t0
r0 = rss()["VmRSS"]
t1 = time.perf_counter()
rows = s.preload()
t_pre = time.perf_counter() - t1
r = rss()
print(json.dumps({{"open": t_open, "rss_open": r0, "preload": t_pre, "rows": rows, "rss": r["VmRSS"], "hwm": r["VmHWM"],
                  "pending": s.stats()["pending_all"]}}))
s.close()
"""


def _bench_backlog(ours_dir: Path, n_ops: int) -> dict:
    """Open + memory of a desk process when another profile holds an n-op outage backlog."""
    from samad_desk.store import Store

    s = Store.open(ours_dir, profile="backlog")
    agencies = [a["id"] for a in s.agencies()]
    rng = random.Random(11)
    batch: list[dict] = []
    for i in range(n_ops // 3):
        batch += _call_ops(s.next_tracking_code, rng, agencies[i % len(agencies)])
        if len(batch) >= 3000:
            s.save_bulk(batch)
            batch = []
    s.save_bulk(batch)
    cid = s.client_id
    s.close()
    try:
        return _probe(_PROBE_BACKLOG.format(repo=str(REPO), d=str(ours_dir)))
    finally:
        for p in (ours_dir / "outbox").glob(cid + ".*"):
            p.unlink()
        for p in (ours_dir / "outbox").glob("backlog.*"):
            p.unlink()


# ------------------------------------------------------------------ import


def _write_csv(path: Path, out: Path, n: int) -> None:
    citizens: dict[str, dict] = {}
    rows = 0
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["national_id", "first_name", "last_name", "father_name", "birth_date", "mobile", "city",
                    "type", "subject", "description", "agency_id", "urgency", "channel"])
        for ent, doc in _items(path):
            if ent == "citizen":
                citizens[doc["id"]] = doc
            elif ent == "case" and rows < n:
                c = citizens.get(doc["citizen_id"])
                if c is None or not c.get("national_id") or not doc.get("agency_id"):
                    continue
                w.writerow([c["national_id"], c.get("first_name") or "", c.get("last_name") or "",
                            c.get("father_name") or "", c.get("birth_date") or "", c.get("mobile") or "",
                            doc.get("city") or "", doc["type"], doc["subject"], doc["description"],
                            doc["agency_id"], doc.get("urgency") or "normal", "letter"])
                rows += 1
        # a few bad rows, as real files have
        w.writerow(["123", "x", "y", "", "", "", "", "complaint", "s", "desc", "", "", ""])
        w.writerow(["", "", "", "", "", "", "", "nonsense", "", "", "", "", ""])


def _bench_import(path: Path, tag: str, n: int) -> tuple[float, int, int]:
    from samad_desk.services.imports import import_file
    from samad_desk.store import Store

    csv_path = ROOT / f"import-{tag}-{n}.csv"
    if not csv_path.exists():
        _write_csv(path, csv_path, n)
    d = ROOT / f"import-{tag}"
    shutil.rmtree(d, ignore_errors=True)
    s = Store.open(d, profile="importer")
    s.apply_changes([{"entity": e, "id": doc["id"], "version": 1, "op": "put", "data": doc}
                     for e, doc in _items(path) if e == "agency"], "c0", {})
    t0 = time.perf_counter()
    rep = import_file(s, csv_path, "cases", AGENT)
    took = time.perf_counter() - t0
    s.close()
    shutil.rmtree(d, ignore_errors=True)
    return took, rep.saved, len(rep.errors)


def _stock_import_estimate(n: int) -> tuple[float, str]:
    """Per-row cost of stock one-by-one import at two sizes, extrapolated to n rows."""
    from tinydb import Query, TinyDB

    tmp = Path(tempfile.mkdtemp(dir=ROOT))
    try:
        costs = {}
        for size in (2000, 10000):
            db = TinyDB(tmp / f"s{size}.json")
            doc = {"id": "x", "tracking_code": "0", "description": "شرح " * 40, "state": "registered",
                   "subject": "s", "citizen_id": "c", "agency_id": None, "version": 1}
            db.table("case").insert_multiple(dict(doc, id=str(i), tracking_code=str(i)) for i in range(size))
            db.table("citizen").insert_multiple({"id": f"c{i}", "national_id": str(i), "last_name": "x" * 20}
                                                for i in range(size * 2))
            samples = []
            for k in range(5):
                t0 = time.perf_counter()
                db.table("citizen").insert({"id": f"n{k}", "national_id": f"n{k}", "last_name": "y"})
                db.table("case").insert(dict(doc, id=f"n{k}", tracking_code=f"n{k}"))
                db.table("case").update({"state": "referred", "agency_id": "a"}, Query().id == f"n{k}")
                samples.append(time.perf_counter() - t0)
            costs[size] = statistics.median(samples)
            db.close()
        b = (costs[10000] - costs[2000]) / 8000
        a = max(0.0, costs[2000] - b * 2000)
        total = n * a + b * n * n / 2
        note = (f"extrapolated: one row (citizen insert + case insert + refer update) costs "
                f"{costs[2000] * 1000:.0f} ms at 2k cases and {costs[10000] * 1000:.0f} ms at 10k; linear growth "
                f"summed over {n:,} rows")
        return total, note
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _raw_fsync(directory: Path, n: int = 200) -> tuple[float, float]:
    """p50/p95 of a bare 2 KB O_APPEND write + fsync in the same directory (the floor)."""
    p = directory / "fsync-probe.tmp-bench"
    fd = os.open(p, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        t = time_calls(lambda i: (os.write(fd, b"x" * 2000), os.fsync(fd)), n)
    finally:
        os.close(fd)
        p.unlink()
    return t.p50, t.p95


# ------------------------------------------------------------------ run


def _citizen_history_metric(s, cached_ids: list[str], scale: str) -> Metric:
    """A profile's details and merge history: ``events_of_citizen`` (the cache's event/cit
    index plus the pending overlay) vs what the merge history did before the index: one
    scan of every cached event (then kept up to date from store notifications)."""
    from samad_desk.domain.models import event_citizen_ids

    pending_ids = list(dict.fromkeys(o["entity_id"] for o in s.pending_ops(limit=100_000)
                                     if o["type"] == "citizen.upsert"))[:200]
    ids = [x for pair in zip(cached_ids, pending_ids + cached_ids, strict=False) for x in pair]
    found = sum(len(s.events_of_citizen(i)) for i in ids)
    t = time_calls(lambda i: s.events_of_citizen(ids[i % len(ids)]), len(ids))
    scans = []
    n_events = 0
    for _ in range(2):
        t0 = time.perf_counter()
        n_events = hits = 0
        for ev in s.iter_entities("event"):
            n_events += 1
            if ids[0] in event_citizen_ids(ev):
                hits += 1
        scans.append((time.perf_counter() - t0) * 1000)
    return Metric("citizen_history_p95_ms", t.p95, "ms", min(scans), "scan of every cached event (before)", "-",
                  f"{len(ids)} profiles at {scale} (half with this run's pending edits, half cached), "
                  f"{found} events found; p50 {t.p50:.3f} ms; the scan read {n_events:,} events "
                  f"(best of 2)")


def run(quick: bool = False) -> list[Metric]:
    from tinydb import Query, TinyDB

    from samad_desk.store import Store

    n_cit, n_cases = (20_000, 10_000) if quick else (200_000, 100_000)
    tag = f"{n_cit}-{n_cases}"
    scale = f"{n_cases // 1000}k cases + {n_cit // 1000}k citizens"
    t0 = time.perf_counter()
    data = _dataset(n_cit, n_cases)
    t_gen = time.perf_counter() - t0
    ours_dir, t_build = _our_store(data, tag)
    stock_path = _stock_db(data, tag)
    smp = _samples(data)
    samples_file = ROOT / f"samples-{tag}.json"
    samples_file.write_text(json.dumps([smp["codes"], smp["agencies"]]))
    metrics: list[Metric] = []

    # --- open + ready, memory (fresh subprocesses) ---
    probes = [_probe(_PROBE_OURS.format(repo=str(REPO), samples=str(samples_file), d=str(ours_dir)))
              for _ in range(3)]
    stock_probe = _probe(_PROBE_STOCK.format(samples=str(samples_file), p=str(stock_path)))
    opens = sorted(p["open"] + p["preload"] for p in probes)
    metrics.append(Metric(
        "open_ready_s", statistics.median(opens), "s", stock_probe["open"], "stock TinyDB open + first query",
        "≤ 1.5 s", f"{scale}; median of 3 fresh processes (max {max(opens):.2f} s); includes preloading "
        f"{probes[0]['rows']:,} open cartable rows ({statistics.median(p['preload'] for p in probes):.2f} s); "
        f"imports excluded"))
    metrics.append(Metric(
        "rss_mb", max(p["rss"] for p in probes), "MB", stock_probe["rss"], "stock CachingMiddleware holding the DB",
        "≤ 300 MB", f"after open, preload, 1000 lookups and every cartable; peak (VmHWM) "
        f"{max(p['hwm'] for p in probes):.0f} MB; stock peak {stock_probe['hwm']:.0f} MB"))

    # --- queries (this process) ---
    s = Store.open(ours_dir, profile="bench")
    try:
        codes = smp["codes"]
        rng = random.Random(5)
        n_q = 300 if quick else 1000
        t = time_calls(lambda i: s.case_by_tracking_code(codes[i % len(codes)]), n_q)
        stock = TinyDB(stock_path)
        q = Query()
        st_case = stock.table("case", cache_size=0)
        n_stock = 3
        tt = time_calls(lambda i: st_case.get(q.tracking_code == codes[(i + 7) % len(codes)]), n_stock, warmup=0)
        metrics.append(Metric("case_by_tracking_code_p95_ms", t.p95, "ms", tt.p95, "stock TinyDB search",
                              "≤ 2 ms", f"random codes over {n_cases:,} cases, mostly cold (pread per hit); "
                              f"p50 {t.p50:.3f} ms; stock n={n_stock}"))
        agencies = smp["agencies"]
        cold = []
        for a in agencies:
            s._cartable_memo.clear()
            s.cache._docs.clear()
            t0 = time.perf_counter()
            s.cartable(a)
            cold.append((time.perf_counter() - t0) * 1000)
        s.preload()
        sizes = [len(s.cartable(a)) for a in agencies]
        tc = time_calls(lambda i: s.cartable(agencies[i % len(agencies)]), 200 if quick else 500)
        tcs = time_calls(lambda i: stock.table("case", cache_size=0).search(
            (q.agency_id == agencies[i % len(agencies)]) & q.state.one_of(["referred", "in_progress"])),
            n_stock, warmup=0)
        metrics.append(Metric("cartable_p95_ms", tc.p95, "ms", tcs.p95, "stock TinyDB search", "≤ 2 ms",
                              f"{len(agencies)} agencies, {min(sizes)}–{max(sizes)} open rows each, after open's "
                              f"preload; cold first call (disk, no preload) p50 {statistics.median(cold):.1f} ms, "
                              f"max {max(cold):.1f} ms"))
        # --- durable save of one call ---
        n_save = 60 if quick else 200
        calls = [_call_ops(s.next_tracking_code, rng, agencies[i % len(agencies)]) for i in range(n_save + 3)]
        ts = time_calls(lambda i: s.save(calls[i + 3 if i >= 0 else -i - 1]), n_save)
        st_cit = stock.table("citizen", cache_size=0)

        def stock_save(i: int) -> None:
            ops = calls[i % len(calls)]
            st_cit.insert(dict(ops[0]["payload"], id=ops[0]["entity_id"]))
            st_case.insert(dict(ops[1]["payload"], id=ops[1]["entity_id"], state="registered"))
            st_case.update({"state": "referred", "agency_id": ops[2]["payload"]["agency_id"]},
                           q.id == ops[1]["entity_id"])

        tss = time_calls(stock_save, 2, warmup=0)
        after = []
        for i in range(60 if quick else 200):
            s.save(_call_ops(s.next_tracking_code, rng, agencies[i % len(agencies)]))
            t0 = time.perf_counter()
            s.cartable(agencies[(i * 3) % len(agencies)])
            after.append((time.perf_counter() - t0) * 1000)
        fsync_ms = _raw_fsync(s.outbox)
        stock.close()
        metrics.append(_citizen_history_metric(s, smp["citizen_ids"], scale))
        metrics.append(Metric("cartable_after_save_p95_ms", percentile(after, 95), "ms", tcs.p95,
                              "stock TinyDB search", "≤ 2 ms",
                              f"cartable right after a save (memo invalidated; pending ops of this run "
                              f"overlaid); p50 {statistics.median(after):.2f} ms"))
        metrics.append(Metric("save_call_p95_ms", ts.p95, "ms", tss.p95, "stock TinyDB (3 writes)", "≤ 5 ms",
                              f"citizen.upsert + case.register + case.refer as one journal record + fsync at "
                              f"{scale}; p50 {ts.p50:.2f} ms, max {ts.max:.2f} ms; stock n=2 "
                              f"(p50 {tss.p50 / 1000:.1f} s); the disk's own floor in this run: a bare 2 KB "
                              f"append + fsync p50 {fsync_ms[0]:.2f} ms, p95 {fsync_ms[1]:.2f} ms"))
    finally:
        s.close()
    # --- outage backlog ---
    n_back = 10_000 if quick else 50_000
    bl = _bench_backlog(ours_dir, n_back)
    metrics.append(Metric(f"open_with_{n_back // 1000}k_backlog_s", bl["open"], "s", None, "", "-",
                          f"{scale} plus {bl['pending']:,} pending ops in the journals; RSS after open "
                          f"{bl['rss_open']:.0f} MB"))
    metrics.append(Metric(f"rss_with_{n_back // 1000}k_backlog_mb", bl["rss"], "MB", None, "", "≤ 300 MB",
                          f"after computing every cartable with the backlog overlaid ({bl['rows']:,} rows, "
                          f"{bl['preload']:.1f} s: the reducer replays each pending op once); peak "
                          f"{bl['hwm']:.0f} MB"))
    # --- import ---
    n_imp = 10_000 if quick else 100_000
    took, saved, bad = _bench_import(data, tag, n_imp)
    est, note = _stock_import_estimate(saved)
    metrics.append(Metric(f"import_{n_imp // 1000}k_cases_csv_s", took, "s", est, "stock TinyDB one by one (est.)",
                          "≤ 60 s", f"{saved:,} rows saved, {bad} bad rows reported; new citizen + case + "
                          f"referral per row, journal batches of 1000; stock {note}"))
    metrics.append(Metric("setup_cache_build_s", t_build, "s", None, "", "-",
                          f"snapshot build of the cache ({scale} + events); data generation {t_gen:.0f} s "
                          f"(cached in {ROOT})"))
    return metrics
