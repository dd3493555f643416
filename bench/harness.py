"""Shared pieces of the benchmarks: timing, percentiles and the report format.

A benchmark module ``bench/<name>.py`` defines ``run(quick: bool) -> list[Metric]``.
Each metric carries its baseline (measured in the same run, e.g. stock TinyDB or a plain
rapidfuzz scan) and the target from the issue, so the table and the README can show
them side by side. This machine is small and noisy: report medians and p95, not means.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Metric:
    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    target: str = ""
    note: str = ""


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


@dataclass
class Timing:
    samples_ms: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 95)

    @property
    def max(self) -> float:
        return max(self.samples_ms)


def time_calls(fn: Callable[[int], object], n: int, warmup: int = 3) -> Timing:
    """Call ``fn(i)`` n times (after a warm-up) and return per-call milliseconds."""
    for i in range(warmup):
        fn(-1 - i)
    samples = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - t0) * 1000)
    return Timing(samples)


def time_once(fn: Callable[[], object]) -> tuple[float, object]:
    """Seconds for one call, and its result."""
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def rss_mb() -> float:
    """Resident memory of this process in MB (Linux)."""
    try:
        with open(f"/proc/{os.getpid()}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def format_table(name: str, metrics: list[Metric]) -> str:
    rows = [("metric", "value", "baseline", "target", "note")]
    for m in metrics:
        base = f"{m.baseline:,.3f} {m.unit} ({m.baseline_label})" if m.baseline is not None else "-"
        rows.append((m.name, f"{m.value:,.3f} {m.unit}", base, m.target or "-", m.note))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = [f"== bench {name} =="]
    for j, r in enumerate(rows):
        lines.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def to_json(metrics: list[Metric]) -> dict[str, float]:
    out: dict[str, float] = {}
    for m in metrics:
        out[m.name] = m.value
        if m.baseline is not None:
            out[f"{m.name}__baseline"] = m.baseline
    return out


async def workers_done(app: object) -> None:
    """Wait until the app's workers have finished. Textual's ``wait_for_complete`` raises
    ``WorkerCancelled`` when an exclusive worker was replaced by a newer one (the desk's
    lookups are exclusive), which is no failure here: wait again for the rest; a worker
    that failed still raises."""
    import asyncio

    from textual.worker import WorkerCancelled

    while True:
        try:
            await app.workers.wait_for_complete()  # type: ignore[attr-defined]
            return
        except WorkerCancelled:
            await asyncio.sleep(0.01)  # the cancelled worker leaves the manager when its task ends
