"""``python -m bench generate``: make 1,000,000 citizens and 200,000 cases (``--quick``:
10,000 and 2,000) with the demo generator, streamed to JSONL files in a temporary
directory, and report the time and rows per second.

One run: the citizen and case phases are timed by watching the stream switch from
citizens to cases. Baseline (same run): ``json.dumps`` + write of as many small fixed
rows, i.e. the cost of rows that need no generating at all.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench.harness import Metric, rss_mb
from samad_desk.demo import generate, write_dataset


def _timed(items: Iterator[tuple[str, dict]], marks: dict[str, float]) -> Iterator[tuple[str, dict]]:
    marks["start"] = time.perf_counter()
    for entity, doc in items:
        if entity != "citizen" and "citizens_done" not in marks and "citizens_seen" in marks:
            marks["citizens_done"] = time.perf_counter()
        elif entity == "citizen":
            marks["citizens_seen"] = 1.0
        yield entity, doc
    marks["end"] = time.perf_counter()


def run(quick: bool) -> list[Metric]:
    n_cit, n_cases = (10_000, 2_000) if quick else (1_000_000, 200_000)
    seed = 7
    with tempfile.TemporaryDirectory(prefix="samad-bench-gen-") as tmp:
        out = Path(tmp)
        rss0 = rss_mb()
        marks: dict[str, float] = {}
        cpu0 = time.process_time()
        counts = write_dataset(_timed(generate(seed, n_cit, n_cases), marks), out / "data")
        cpu = time.process_time() - cpu0
        total = marks["end"] - marks["start"]
        t_cit = marks.get("citizens_done", marks["end"]) - marks["start"]
        t_cases = marks["end"] - marks.get("citizens_done", marks["end"])
        rss1 = rss_mb()
        size_mb = sum(p.stat().st_size for p in (out / "data").iterdir()) / 1e6
        rows = sum(counts.values())
        doc = {"id": "0190f3c2-7b1e-7c4a-9a55-2b1d0f6e8a11", "national_id": "0499370899",
               "first_name": "فاطمه", "last_name": "محمدی", "city": "قزوین", "version": 1}
        t0 = time.perf_counter()
        with open(out / "baseline.jsonl", "w", encoding="utf-8") as fh:
            for _ in range(rows):
                fh.write(json.dumps(doc, ensure_ascii=False) + "\n")
        t_base = time.perf_counter() - t0
    label = f"{n_cit:,} citizens + {n_cases:,} cases"
    return [
        Metric("generate_total_s", total, "s", t_base, "json.dumps of as many fixed rows",
               target="1M citizens + 200k cases, streamed", note=f"{label}; CPU {cpu:,.1f} s"),
        Metric("rows_per_s", rows / total, "rows/s", rows / t_base, "json.dumps fixed rows",
               note=f"{rows:,} rows ({counts.get('event', 0):,} events), {size_mb:,.0f} MB JSONL"),
        Metric("citizens_per_s", n_cit / t_cit, "rows/s", note=f"{t_cit:,.1f} s incl. writing"),
        Metric("cases_per_s", n_cases / t_cases, "cases/s",
               note=f"{t_cases:,.1f} s incl. writing; every history runs through the reducer"),
        Metric("rss_growth_mb", rss1 - rss0, "MB", note="streaming: must not grow with size"),
    ]
