"""``python -m bench generate``: make 1,000,000 citizens and 200,000 cases (``--quick``:
10,000 and 2,000) with the demo generator, streamed to JSONL files in a temporary
directory, and report the time and rows per second.

Baseline (same run): ``json.dumps`` of the same number of small fixed dicts, i.e. the cost
of writing rows that need no generating at all.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from bench.harness import Metric, rss_mb
from samad_desk.demo import generate, write_dataset
from samad_desk.demo.generator import generate_cases, generate_citizens


def run(quick: bool) -> list[Metric]:
    n_cit, n_cases = (10_000, 2_000) if quick else (1_000_000, 200_000)
    seed = 7
    with tempfile.TemporaryDirectory(prefix="samad-bench-gen-") as tmp:
        out = Path(tmp)
        rss0 = rss_mb()
        t0 = time.perf_counter()
        counts = write_dataset(generate(seed, n_cit, n_cases), out / "all")
        total = time.perf_counter() - t0
        rss1 = rss_mb()
        size_mb = sum(p.stat().st_size for p in (out / "all").iterdir()) / 1e6
        # the two phases apart (generation only, no writing)
        t0 = time.perf_counter()
        cities = bytearray()
        for _ in generate_citizens(seed, n_cit, cities=cities):
            pass
        t_cit = time.perf_counter() - t0
        t0 = time.perf_counter()
        n_case_rows = 0
        for _ in generate_cases(seed, n_cases, n_cit, cities=cities):
            n_case_rows += 1
        t_cases = time.perf_counter() - t0
        # baseline: serializing the same number of rows of a fixed dict
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
               target="1M citizens + 200k cases in one run", note=label),
        Metric("rows_per_s", rows / total, "rows/s", rows / t_base, "json.dumps fixed rows",
               note=f"{rows:,} rows ({counts.get('event', 0):,} events), {size_mb:,.0f} MB JSONL"),
        Metric("citizens_per_s", n_cit / t_cit, "rows/s", note="generation only, no writing"),
        Metric("cases_per_s", n_cases / t_cases, "cases/s",
               note=f"generation only; each case's history runs through the reducer ({n_case_rows:,} rows)"),
        Metric("rss_growth_mb", rss1 - rss0, "MB", note="streaming: memory must not grow with size"),
    ]
