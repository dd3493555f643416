"""Retry timing and batch sizing for the sync engine (store-and-sync.md §3.8).

* :class:`Backoff`: exponential backoff with *full jitter*,
  ``sleep = random(0, min(cap, base * 2**n))``, base 2 s, cap 5 min, reset on success.
  A server's ``Retry-After`` wins over the computed delay.
* :class:`Aimd`: batch size that halves after a timeout and grows back slowly.

Both are plain objects with an injectable random source so tests can replay them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    base: float = 2.0
    cap: float = 300.0
    rng: random.Random = field(default_factory=random.Random)
    attempts: int = 0

    def ceiling(self) -> float:
        """Upper bound of the next delay (before jitter)."""
        # 2**n overflows floats long after it passed the cap; stop growing n there.
        return min(self.cap, self.base * (2 ** min(self.attempts, 32)))

    def next_delay(self, retry_after: float | None = None) -> float:
        """Seconds to wait before the next attempt; counts one more failure."""
        delay = self.rng.uniform(0, self.ceiling())
        self.attempts += 1
        if retry_after is not None and retry_after >= 0:
            # the server knows its load better than we do; never retry before it asks
            delay = max(delay, min(float(retry_after), self.cap))
        return delay

    def reset(self) -> None:
        self.attempts = 0


@dataclass
class Aimd:
    """Additive increase, multiplicative decrease of a batch size in ``[low, high]``."""

    high: int
    low: int = 1
    step: int = 0
    size: int = 0

    def __post_init__(self) -> None:
        if not self.size:
            self.size = self.high
        if not self.step:
            self.step = max(1, self.high // 20)

    def success(self) -> None:
        self.size = min(self.high, self.size + self.step)

    def timeout(self) -> None:
        self.size = max(self.low, self.size // 2)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    import datetime as _dt

    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.UTC)
    return max(0.0, (when - _dt.datetime.now(_dt.UTC)).total_seconds())
