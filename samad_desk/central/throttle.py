"""Throttles kept in the database, so N server processes (``--workers``, API nodes on
one PostgreSQL) count as one server: login failures per username+address and per
address, and public tracking look-ups per address.

One row per counted event in ``throttle_events`` (migration 4), keyed by a SHA-256 of
``"<limiter>|<key>"`` (no usernames or addresses in the table, every key the same
length). Time is the wall clock (``time.time``), which the processes share; a
limiter's window must be at most :data:`MAX_WINDOW_S`, the age past which any
process may delete events.

``take`` counts and records in one write transaction (SQLite's ``BEGIN IMMEDIATE``,
PostgreSQL's transaction-scoped advisory lock on the key), so concurrent requests on
several processes never pass the limit together. ``blocked`` then ``hit`` (login:
only a failure is counted, after the password check) may let a burst of concurrent
failures overshoot by the number of processes, which a guessing budget tolerates.

The key is what the server can trust: the peer address of the connection, which is a
proxy's only when ``central serve --forwarded-allow-ips`` names that proxy.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable

from sqlalchemy import Engine, delete, func, insert, select, text

from samad_desk.central import db

MAX_WINDOW_S = 3600.0
#: about one hit in this many also deletes every expired event (all limiters)
_SWEEP_EVERY = 500


class DbRateLimiter:
    """At most ``limit`` events per key in any ``window_s`` seconds, across processes.

    ``blocked`` answers the seconds to wait (0 when free); ``hit`` records an event;
    ``take`` does both at once; ``reset`` forgets a key (a successful login)."""

    def __init__(self, engine: Engine, name: str, limit: int, window_s: float, *,
                 clock: Callable[[], float] = time.time) -> None:
        if window_s > MAX_WINDOW_S:
            raise ValueError(f"throttle window {window_s}s is over {MAX_WINDOW_S}s")
        self.w = db.writer(engine)
        self.engine = engine
        self.name = name
        self.limit = int(limit)
        self.window_s = float(window_s)
        self.clock = clock
        self._rng = random.Random()

    def _key(self, key: str) -> str:
        return hashlib.sha256(f"{self.name}|{key}".encode()).hexdigest()

    def _wait(self, conn, k: str, now: float) -> int:
        t = db.throttle_events
        oldest = conn.execute(
            select(t.c.at).where(t.c.key == k, t.c.at > now - self.window_s)
            .order_by(t.c.at.desc()).offset(self.limit - 1).limit(1)
        ).scalar()
        # ``oldest``: the limit-th newest event in the window; the key is free again
        # once it leaves the window
        if oldest is None:
            return 0
        return max(1, int(oldest + self.window_s - now + 0.999))

    def blocked(self, key: str) -> int:
        with self.engine.connect() as conn:
            return self._wait(conn, self._key(key), self.clock())

    def _record(self, conn, k: str, now: float) -> None:
        t = db.throttle_events
        conn.execute(insert(t).values(key=k, at=now))
        conn.execute(delete(t).where(t.c.key == k, t.c.at <= now - self.window_s))
        if self._rng.randrange(_SWEEP_EVERY) == 0:
            conn.execute(delete(t).where(t.c.at <= now - MAX_WINDOW_S))

    def _lock(self, conn, k: str) -> None:
        if not db.is_sqlite(self.engine):  # SQLite: BEGIN IMMEDIATE already serialises
            conn.execute(text("SELECT pg_advisory_xact_lock(:h)"), {"h": int(k[:15], 16)})

    def hit(self, key: str) -> None:
        k = self._key(key)
        with self.w.begin() as conn:
            self._lock(conn, k)
            self._record(conn, k, self.clock())

    def take(self, key: str) -> int:
        """0 and the event recorded when under the limit, else the seconds to wait (the
        refused request is not counted: a flood cannot extend its own block)."""
        k = self._key(key)
        with self.w.begin() as conn:
            self._lock(conn, k)
            now = self.clock()
            wait = self._wait(conn, k, now)
            if not wait:
                self._record(conn, k, now)
            return wait

    def reset(self, key: str) -> None:
        t = db.throttle_events
        with self.w.begin() as conn:
            conn.execute(delete(t).where(t.c.key == self._key(key)))

    def count(self, key: str) -> int:
        """Events of ``key`` in the window now (tests and diagnostics)."""
        t = db.throttle_events
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t).where(
                t.c.key == self._key(key), t.c.at > self.clock() - self.window_s)).scalar() or 0)
