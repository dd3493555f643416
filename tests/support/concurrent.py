"""Run calls in threads released together (races on purpose: pushes, draft writes)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any


def at_once(calls: dict[Hashable, Callable[[], Any]], timeout: float = 60.0) -> dict[Hashable, Any]:
    """Start every call in its own thread, release them together through a barrier, wait
    up to ``timeout`` seconds for each: the results by key. A call that raised re-raises
    here (the first by key order); one still running after ``timeout`` fails the test."""
    barrier = threading.Barrier(len(calls))
    results: dict[Hashable, Any] = {}
    errors: dict[Hashable, BaseException] = {}

    def run(key: Hashable, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[key] = call()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            errors[key] = exc

    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), f"a call still runs after {timeout:.0f} s"
    for key in calls:
        if key in errors:
            raise errors[key]
    return results
