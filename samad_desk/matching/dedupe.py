"""Batch de-duplication: prepare → block → score → cluster (identity.md §5).

``dedupe(records)`` returns a :class:`DedupeResult` with a cluster id per record, the merge
proposals (edges at or above the upper threshold without a veto) and the review pairs.
Pure Python + rapidfuzz; the cost per record is a handful of dict operations (names, dates
and cities are keyed once per distinct value) and the cost per candidate pair one call of
:func:`model.score_pair` with cached name levels.

Clustering does not chain unrelated people: connected components over merge edges are
checked for veto pairs (different given names, far-apart birth dates); a component with a
veto pair or above ``SIZE_CAP`` is rebuilt greedily from its strongest edges, never joining
two groups that contain a veto pair between them.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import combinations

from samad_desk.matching.blocking import block_keys
from samad_desk.matching.model import PARAMS, TermFreq, score_pair, upper_for
from samad_desk.matching.record import Rec, prepare_many

BLOCK_CAP = 40      # larger ID/mobile blocks are skipped (counted in the summary)
NAME_BLOCK_CAP = 20  # larger name/date blocks too (at 1M: common names born the same month)
SIZE_CAP = 12       # larger clusters are re-split greedily

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class DedupeResult:
    record_ids: list[str]
    cluster_of: list[int]                       # per record index: cluster number
    merges: list[tuple[int, int, float]]        # merge edges kept inside clusters
    review: list[tuple[int, int, float]]        # pairs for a human
    stats: dict = field(default_factory=dict)

    def clusters(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for i, c in enumerate(self.cluster_of):
            out.setdefault(c, []).append(i)
        return out

    def cluster_ids(self) -> list[str]:
        """A stable cluster id per record: the smallest record_id in its cluster."""
        first: dict[int, str] = {}
        for i, c in enumerate(self.cluster_of):
            rid = self.record_ids[i]
            if c not in first or rid < first[c]:
                first[c] = rid
        return [first[c] for c in self.cluster_of]


def prepare(records: list[dict], progress: Progress | None = None,
            total: int = 0) -> list[Rec]:
    recs: list[Rec] = []
    step = 50_000
    for lo in range(0, len(records), step):
        recs.extend(prepare_many(records[lo:lo + step], lo))
        if progress:
            progress("prepare", min(lo + step, len(records)), total or len(records))
    return recs


def candidate_pairs(recs: list[Rec], progress: Progress | None = None) -> tuple[set[int], dict]:
    """Encoded pairs ``a * n + b`` (a < b) sharing a blocking key; plus blocking stats."""
    blocks: dict[str, list[int]] = {}
    get = blocks.get
    n = len(recs)
    for r in recs:
        i = r.i
        for k in block_keys(r):
            lst = get(k)
            if lst is None:
                blocks[k] = [i]
            else:
                lst.append(i)
        if progress and i % 100_000 == 0:
            progress("block", i, n)
    pairs: set[int] = set()
    add = pairs.add
    skipped = 0
    skipped_recs = 0
    for key, lst in blocks.items():
        m = len(lst)
        if m < 2:
            continue
        if m > BLOCK_CAP or (m > NAME_BLOCK_CAP and key[0] not in "im"):
            skipped += 1
            skipped_recs += m
            continue
        if m == 2:
            a, b = lst
            add(a * n + b if a < b else b * n + a)
            continue
        lst.sort()
        pairs.update([a * n + b for a, b in combinations(lst, 2)])
    stats = {"blocks": len(blocks), "blocks_skipped": skipped, "records_in_skipped": skipped_recs}
    return pairs, stats


class _DSU:
    def __init__(self, n: int):
        self.p = list(range(n))

    def find(self, x: int) -> int:
        p = self.p
        while p[x] != x:
            p[x] = p[p[x]]
            x = p[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.p[rb] = ra


def cluster(recs: list[Rec], edges: list[tuple[int, int, float]], tf: TermFreq
            ) -> tuple[list[int], list[tuple[int, int, float]], list[tuple[int, int, float]], dict]:
    """Cluster numbers per record from merge edges; returns (cluster_of, kept, dropped, stats)."""
    n = len(recs)
    dsu = _DSU(n)
    for a, b, _ in edges:
        dsu.union(a, b)
    members: dict[int, list[int]] = {}
    for x in sorted({v for a, b, _ in edges for v in (a, b)}):
        members.setdefault(dsu.find(x), []).append(x)
    by_comp: dict[int, list[tuple[int, int, float]]] = {}
    for e in edges:
        by_comp.setdefault(dsu.find(e[0]), []).append(e)
    cluster_of = list(range(n))
    kept: list[tuple[int, int, float]] = []
    dropped: list[tuple[int, int, float]] = []
    split = 0
    for root, mem in members.items():
        ces = by_comp.get(root, [])
        if len(mem) == 2:
            a, b = mem
            cluster_of[b] = cluster_of[a] = min(a, b)
            kept.extend(ces)
            continue
        veto: set[tuple[int, int]] = set()
        if len(mem) <= 40:
            for x in range(len(mem)):
                for y in range(x + 1, len(mem)):
                    a, b = mem[x], mem[y]
                    s, v = score_pair(recs[a], recs[b], tf)
                    if v == 2 or s < PARAMS["lower"] - 8:
                        veto.add((a, b))
                        veto.add((b, a))
        if not veto and len(mem) <= SIZE_CAP:
            c = min(mem)
            for x in mem:
                cluster_of[x] = c
            kept.extend(ces)
            continue
        split += 1
        # greedy: strongest edges first; never join groups with a veto pair between them
        group = {x: {x} for x in mem}
        for a, b, s in sorted(ces, key=lambda e: -e[2]):
            ga, gb = group[a], group[b]
            if ga is gb:
                kept.append((a, b, s))
                continue
            if len(ga) + len(gb) > SIZE_CAP or any((x, y) in veto for x in ga for y in gb):
                dropped.append((a, b, s))
                continue
            ga |= gb
            for y in gb:
                group[y] = ga
            kept.append((a, b, s))
        for g in {id(g): g for g in group.values()}.values():
            c = min(g)
            for x in g:
                cluster_of[x] = c
    return cluster_of, kept, dropped, {"components_split": split}


def dedupe(records: Iterable[dict] | list[dict], progress: Progress | None = None,
           workers: int | None = None) -> DedupeResult:
    """Cluster ``records`` (dicts with the batch fields). ``workers`` > 1 scores the candidate
    pairs in forked processes (default: 2 when there are many pairs and the OS can fork)."""
    gc_was = gc.isenabled()
    gc.disable()  # millions of small objects: the cyclic GC would rescan them over and over
    try:
        return _dedupe(records, progress, workers)
    finally:
        if gc_was:
            gc.enable()


_WORK: dict = {}


def _score_chunk(bounds: tuple[int, int]) -> tuple[list, list]:
    lo, hi = bounds
    recs, tf, codes, n = _WORK["recs"], _WORK["tf"], _WORK["codes"], _WORK["n"]
    upper, lower = upper_for(n), PARAMS["lower"]
    edges, review = [], []
    for k in range(lo, hi):
        a, b = divmod(codes[k], n)
        s, veto = score_pair(recs[a], recs[b], tf)
        if s >= lower:
            if s >= upper and not veto:
                edges.append((a, b, s))
            else:
                review.append((a, b, s))
    return edges, review


def _dedupe(records, progress: Progress | None, workers: int | None) -> DedupeResult:
    t0 = time.perf_counter()
    c0 = time.process_time()
    records = list(records)
    recs = prepare(records, progress, len(records))
    t1 = time.perf_counter()
    c1 = time.process_time()
    tf = TermFreq()
    for r in recs:
        tf.add(r)
    pairs, bstats = candidate_pairs(recs, progress)
    t2 = time.perf_counter()
    c2 = time.process_time()
    n = len(recs)
    codes = list(pairs)
    del pairs
    total = len(codes)
    if workers is None:
        workers = 2 if total > 300_000 and hasattr(os, "fork") and (os.cpu_count() or 1) > 1 else 1
    _WORK.update(recs=recs, tf=tf, codes=codes, n=n)
    try:
        step = 100_000
        chunks = [(lo, min(lo + step, total)) for lo in range(0, total, step)]
        edges: list[tuple[int, int, float]] = []
        review: list[tuple[int, int, float]] = []
        if workers > 1 and len(chunks) > 1:
            ctx = mp.get_context("fork")
            with ctx.Pool(workers) as pool:
                for j, (e, rv) in enumerate(pool.imap(_score_chunk, chunks)):
                    edges.extend(e)
                    review.extend(rv)
                    if progress:
                        progress("score", chunks[j][1], total)
        else:
            for lo, hi in chunks:
                e, rv = _score_chunk((lo, hi))
                edges.extend(e)
                review.extend(rv)
                if progress:
                    progress("score", hi, total)
    finally:
        _WORK.clear()
    t3 = time.perf_counter()
    c3 = time.process_time()
    cluster_of, kept, dropped, cstats = cluster(recs, edges, tf)
    review.extend(dropped)
    t4 = time.perf_counter()
    if progress:
        progress("done", n, n)
    counts = _counts(cluster_of)
    stats = {
        "records": n, "candidate_pairs": total, "merge_edges": len(edges),
        "review_pairs": len(review), "clusters": len(counts),
        "records_in_multi": sum(c for c in counts.values() if c > 1),
        "time_prepare_s": t1 - t0, "time_block_s": t2 - t1, "time_score_s": t3 - t2,
        "time_cluster_s": t4 - t3, "workers": workers,
        "cpu_prepare_s": c1 - c0, "cpu_block_s": c2 - c1, "cpu_score_main_s": c3 - c2,
        "cpu_cluster_s": time.process_time() - c3, **bstats, **cstats,
    }
    return DedupeResult([r.rid for r in recs], cluster_of, kept, review, stats)


def _counts(xs: list[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for x in xs:
        out[x] = out.get(x, 0) + 1
    return out


def pairwise_metrics(record_ids: list[str], cluster_ids: list[str], truth: dict[str, int]) -> dict:
    """Pairwise precision / recall / F1 of a clustering against ``truth[record_id] = entity``."""
    def pairs_of(groups: dict) -> set[tuple[str, str]]:
        out = set()
        for g in groups.values():
            if len(g) < 2:
                continue
            g = sorted(g)
            for x in range(len(g)):
                for y in range(x + 1, len(g)):
                    out.add((g[x], g[y]))
        return out

    pred: dict[str, list[str]] = {}
    for r, c in zip(record_ids, cluster_ids, strict=True):
        pred.setdefault(c, []).append(r)
    true: dict[int, list[str]] = {}
    for r in record_ids:
        true.setdefault(truth[r], []).append(r)
    p, t = pairs_of(pred), pairs_of(true)
    tp = len(p & t)
    prec = tp / len(p) if p else 1.0
    rec = tp / len(t) if t else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"precision": prec, "recall": rec, "f1": f1, "true_pairs": len(t), "pred_pairs": len(p),
            "tp": tp, "false_pairs": sorted(p - t), "missed_pairs": sorted(t - p)}
