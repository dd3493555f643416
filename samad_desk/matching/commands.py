"""``samad-desk citizens …``: batch de-duplication and lookup (owned by matching/).

* ``citizens dedupe RECORDS --out CLUSTERS.jsonl`` — one ``{"record_id", "cluster_id"}`` per
  input record, in input order; records of one person share a cluster id (the smallest
  record_id of the cluster). ``--review FILE`` also writes the pairs left for a human.
* ``citizens lookup --cache RECORDS QUERIES --out CANDIDATES.jsonl`` — for each query record
  ``{"query": record_id, "candidates": [record_id, …]}``, best first, at most 5.

RECORDS and QUERIES are JSONL or CSV (by extension, else by the first character) with the
fields ``record_id, national_id, first_name, last_name, father_name, birth_date, mobile,
city``; any may be empty, digits in any script, birth dates Jalali or Gregorian as typed.
A progress bar is drawn on stderr when it is a terminal; a Persian summary ends the run.
"""

from __future__ import annotations

import csv
import gc
import io
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import click
import orjson

from samad_desk.text.digits import fa

FIELDS = ("record_id", "national_id", "first_name", "last_name", "father_name", "birth_date",
          "mobile", "city")


@click.group("citizens")
def citizens_group() -> None:
    """Find duplicate citizens in legacy data."""


# ---------------------------------------------------------------------------- input
def read_records(path: Path) -> Iterator[dict]:
    """Records from a JSONL or CSV file (UTF-8, BOM tolerated); values kept as typed."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    text_head = head.decode("utf-8-sig", errors="replace").lstrip()
    is_csv = path.suffix.lower() in (".csv", ".tsv") or (
        path.suffix.lower() not in (".jsonl", ".json", ".ndjson") and not text_head.startswith("{"))
    if is_csv:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            sample = fh.read(8192)
            fh.seek(0)
            try:
                dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
            except csv.Error:
                dialect = csv.excel
            for n, row in enumerate(csv.DictReader(fh, dialect=dialect), start=1):
                rec = {(k or "").strip().lstrip("\ufeff"): (v or "").strip() for k, v in row.items()
                       if k is not None}
                yield _fill(rec, n)
        return
    with open(path, "rb") as fh:
        for n, line in enumerate(fh, start=1):
            line = line.strip()
            if not line:
                continue
            if n == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise click.ClickException(f"{path}: سطر {fa(n)} JSON معتبر نیست ({exc})") from None
            if not isinstance(obj, dict):
                raise click.ClickException(f"{path}: سطر {fa(n)} باید یک شیء JSON باشد")
            yield _fill(obj, n)


def _fill(rec: dict, n: int) -> dict:
    out = {}
    for f in FIELDS:
        v = rec.get(f)
        out[f] = "" if v is None else v if isinstance(v, str) else str(v)
    if not out["record_id"]:
        out["record_id"] = str(n)
    return out


# ---------------------------------------------------------------------------- progress
_STAGES = {"read": "خواندن", "prepare": "آماده‌سازی", "block": "بلوک‌بندی", "score": "امتیازدهی",
           "cluster": "خوشه‌بندی", "done": "پایان", "index": "نمایه", "lookup": "جست‌وجو"}


class _Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < 0.1 and stage != "done" and done < total:
            return
        self.last = now
        frac = done / total if total else 1.0
        width = 30
        bar = "█" * int(frac * width) + "░" * (width - int(frac * width))
        label = _STAGES.get(stage, stage)
        sys.stderr.write(f"\r{label:<12} {bar} {fa(int(frac * 100)):>3}٪ ")
        if stage == "done":
            sys.stderr.write("\n")
        sys.stderr.flush()


def _write_jsonl(path: Path, rows) -> None:
    with open(path, "wb") as fh:
        buf = io.BufferedWriter(fh, buffer_size=1 << 20)
        for row in rows:
            buf.write(orjson.dumps(row))
            buf.write(b"\n")
        buf.flush()


# ---------------------------------------------------------------------------- dedupe
@citizens_group.command("dedupe")
@click.argument("records", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="CLUSTERS.jsonl: one {record_id, cluster_id} per input record.")
@click.option("--review", "review_out", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also write the pairs left for review (JSONL).")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes scoring candidate pairs (default: 2 for large inputs).")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
def dedupe_command(records: Path, out: Path, review_out: Path | None, workers: int | None,
                   progress: bool | None) -> None:
    """Cluster the records of RECORDS that belong to the same citizen."""
    from samad_desk.matching.dedupe import dedupe

    bar = _Progress(progress)
    t0 = time.perf_counter()
    gc_was = gc.isenabled()
    gc.disable()  # millions of small objects: the cyclic GC would rescan them again and again
    try:
        rows = list(read_records(records))
        bar("read", len(rows), len(rows))
        result = dedupe(rows, bar, workers=workers)
        ids = result.cluster_ids()
        _write_jsonl(out, ({"record_id": rid, "cluster_id": cid}
                           for rid, cid in zip(result.record_ids, ids, strict=True)))
        if review_out is not None:
            rids = result.record_ids
            _write_jsonl(review_out, ({"a": rids[a], "b": rids[b], "score": round(s, 2)}
                                      for a, b, s in sorted(result.review, key=lambda e: -e[2])))
    finally:
        if gc_was:
            gc.enable()
    st = result.stats
    multi = sum(1 for g in result.clusters().values() if len(g) > 1)
    click.echo(
        f"{fa(st['records'])} رکورد خوانده شد؛ {fa(st['clusters'])} شهروند متمایز؛ "
        f"{fa(multi)} خوشهٔ تکراری با {fa(st['records_in_multi'])} رکورد؛ "
        f"{fa(st['review_pairs'])} جفت برای بازبینی؛ "
        f"{fa(st['candidate_pairs'])} جفت نامزد مقایسه شد؛ "
        f"زمان {fa(f'{time.perf_counter() - t0:.1f}')} ثانیه. خروجی: {out}"
    )


# ---------------------------------------------------------------------------- lookup
@citizens_group.command("lookup")
@click.option("--cache", "cache", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="RECORDS to search in (JSONL or CSV).")
@click.argument("queries", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="CANDIDATES.jsonl: {query, candidates} per query record.")
@click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1, 5))
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
def lookup_command(cache: Path, queries: Path, out: Path, k: int, progress: bool | None) -> None:
    """For each record of QUERIES, the cached records that may be the same citizen."""
    from samad_desk.matching.index import CitizenIndex

    bar = _Progress(progress)
    t0 = time.perf_counter()
    gc_was = gc.isenabled()
    gc.disable()
    try:
        cached = list(read_records(cache))
        bar("index", 0, 1)
        index = CitizenIndex(cached)
        bar("index", 1, 1)
        qs = list(read_records(queries))
        results = []
        found = 0
        for n, q in enumerate(qs, start=1):
            cands = index.match(q, k)
            if cands:
                found += 1
            results.append({"query": q["record_id"], "candidates": [c.record_id for c in cands]})
            if n % 200 == 0 or n == len(qs):
                bar("lookup", n, len(qs))
        bar("done", 1, 1)
        _write_jsonl(out, results)
    finally:
        if gc_was:
            gc.enable()
    click.echo(
        f"{fa(len(cached))} رکورد در حافظه؛ {fa(len(qs))} پرس‌وجو؛ "
        f"{fa(found)} پرس‌وجو دست‌کم یک نامزد داشت؛ {fa(len(qs) - found)} بی‌نامزد؛ "
        f"زمان {fa(f'{time.perf_counter() - t0:.1f}')} ثانیه. خروجی: {out}"
    )
