"""The citizen's tracking page under load: ``POST /track`` (the look-up and the whole
rendered page: state, deadline, timeline, answer, chain digest) with 100 requests in
flight on loopback against a real server process, beside the same-run baseline of the
JSON look-up ``GET /v1/track/{code}`` (the same throttles and the same query, no page)
and of a static file of the page (``track.css``: the HTTP stack alone, no database).

The server is one ``samad-desk central serve`` process on SQLite with generated demo
cases. Every request comes from another address (``X-Forwarded-For``, trusted from
127.0.0.1 as behind a proxy) and the codes are spread over the cases, so the per-address
and per-code throttles are exercised (two database writes per request) without
refusing anything. The page and the baseline alternate in rounds so drift hits both.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import shutil
import tempfile
import time
from pathlib import Path

from bench.harness import Metric, percentile

CONCURRENCY = 100


def _codes(db_url: str, limit: int) -> list[tuple[str, str]]:
    from sqlalchemy import and_, select

    from samad_desk.central import db
    from samad_desk.central.entities import loads

    engine = db.open_engine(db_url)
    t, z = db.entities, db.entities.alias("z")
    out = []
    with engine.connect() as conn:
        rows = conn.execute(select(t.c.tracking_code, z.c.data).select_from(
            t.join(z, and_(z.c.entity == "citizen", z.c.id == t.c.citizen_id))).where(
            t.c.entity == "case").limit(limit))
        for code, citizen in rows:
            mobile = (loads(citizen) or {}).get("mobile") or ""
            if code and len(mobile) >= 4:
                out.append((code, mobile[-4:]))
    engine.dispose()
    return out


async def _round(url: str, kind: str, n: int, codes: list[tuple[str, str]], ips, csrf: tuple[str, str]):
    import httpx

    sem = asyncio.Semaphore(CONCURRENCY)
    samples: list[float] = []
    statuses: dict[int, int] = {}
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:
        async def one(i: int) -> None:
            code, tail = codes[i % len(codes)]
            headers = {"X-Forwarded-For": next(ips)}
            async with sem:
                start = time.perf_counter()
                if kind == "page":
                    headers["Cookie"] = f"samad_track={csrf[0]}"
                    r = await http.post("/track", data={"csrf": csrf[1], "code": code, "tail": tail},
                                        headers=headers)
                elif kind == "static":
                    r = await http.get("/track/static/track.css", headers=headers)
                else:
                    r = await http.get(f"/v1/track/{code}", params={"mobile_tail": tail}, headers=headers)
                samples.append((time.perf_counter() - start) * 1000)
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        wall = time.perf_counter() - started
    return samples, statuses, wall


def run(quick: bool = False) -> list[Metric]:
    import httpx

    from samad_desk.central.process import ServerProcess, sqlite_url

    n = 300 if quick else 1000
    tmp = Path(tempfile.mkdtemp(prefix="samad-bench-trackpage-"))
    url_db = sqlite_url(tmp)
    srv = ServerProcess(url_db, seed_demo=True, demo_cases=200 if quick else 500,
                        extra_env={"SAMAD_CENTRAL_FORWARDED_ALLOW_IPS": "127.0.0.1"},
                        log_path=tmp / "central.log", timeout=120).start()
    try:
        codes = _codes(url_db, 500)
        form = httpx.get(f"{srv.url}/track", timeout=30)
        csrf = (form.cookies["samad_track"], re.search(r'name="csrf" value="([0-9a-f]+)"', form.text).group(1))
        ips = (f"10.{a}.{b}.{c}" for a, b, c in itertools.product(range(1, 250), range(250), range(1, 250)))
        got: dict[str, list[float]] = {"page": [], "json": [], "static": []}
        walls: dict[str, float] = dict.fromkeys(got, 0.0)
        bad: dict[str, int] = dict.fromkeys(got, 0)
        for _ in range(2):  # alternating rounds
            for kind in got:
                samples, statuses, wall = asyncio.run(_round(srv.url, kind, n // 2, codes, ips, csrf))
                got[kind] += samples
                walls[kind] += wall
                bad[kind] += sum(v for k, v in statuses.items() if k != 200)
    finally:
        srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    page, json_ = got["page"], got["json"]
    return [
        Metric(f"tracking page p95 ({CONCURRENCY} in flight)", round(percentile(page, 95), 1), "ms",
               baseline=round(percentile(json_, 95), 1), baseline_label="JSON /v1/track p95, same run"),
        Metric("tracking page p50", round(percentile(page, 50), 1), "ms",
               baseline=round(percentile(json_, 50), 1), baseline_label="JSON /v1/track p50"),
        Metric("tracking page throughput", round(len(page) / walls["page"], 1), "req/s",
               baseline=round(len(json_) / walls["json"], 1), baseline_label="JSON /v1/track req/s"),
        Metric("static file p95 (no database)", round(percentile(got["static"], 95), 1), "ms",
               baseline=round(percentile(page, 95), 1), baseline_label="tracking page p95",
               note="what the HTTP stack alone costs at this concurrency"),
        Metric("answers other than 200 (page / JSON)", bad["page"] + bad["json"], "count",
               note=f"page {bad['page']}, JSON {bad['json']}", target="0"),
    ]
