"""The first download (snapshot) resumes where it stopped: pages are kept on disk as they
arrive, so a download cut again and again on a lossy link — and a desk process that dies
in between — still finishes, fetching each page about once."""

from __future__ import annotations

import random

from tests.support.sync.harness import Desk, cache_view

SNAP = b"GET /v1/sync/snapshot"


def _calls(desk: Desk, n: int, agency: str, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    return [desk.register_call(rng, agency_id=agency)[1] for _ in range(n)]


def _request_lines(captured: list[bytes]) -> list[bytes]:
    return [raw.split(b"\r\n", 1)[0] for raw in captured]


def test_a_cut_first_download_resumes_where_it_stopped(shared_central, desk_factory, proxy_to):
    central = shared_central
    agent = desk_factory("agent", "agent1", central.url)
    ids = _calls(agent, 1200, "water-qazvin")  # ~5,000 rows in the water officer's scope: 5+ pages
    agent.sync_until_quiet()
    proxy = proxy_to(central.url)
    fresh = desk_factory("fresh", "water1", proxy.url, initial_sync=False, timeout=5.0)
    proxy.capture(SNAP)
    skips = (1, 2, 0, 1)  # each attempt: this many pages arrive whole, then the next is cut
    progress = []
    for skip in skips:
        proxy.cut_response(after=3000, match=SNAP, skip=skip)
        stats = fresh.sync()
        assert not stats["ok"]
        assert fresh.store.cursor() is None and fresh.cases() == []  # nothing applied half-way
        progress.append(stats["download"])
        fresh.restart()  # the desk process dies; the kept pages are on disk
    stats = fresh.sync()
    assert stats["ok"], stats
    assert stats["download"] is None and stats["snapshots"] == 1
    lines = _request_lines(proxy.captured)
    pages = set(lines)
    assert len(pages) >= 5
    # every page fetched once, plus once more for each cut (the cut page itself)
    assert len(lines) == len(pages) + len(skips), (len(lines), len(pages))
    # the status showed how far the broken download got, growing attempt by attempt
    done = [p["pages_done"] for p in progress]
    assert done == [1, 3, 3, 4], progress
    total = progress[0]["rows_total"]
    assert total and all(p["rows_total"] == total for p in progress)
    assert progress[-1]["rows_done"] < total
    assert set(ids) <= {c["id"] for c in fresh.cases()}
    twin = desk_factory("twin", "water1", central.url)
    assert cache_view(fresh) == cache_view(twin)
