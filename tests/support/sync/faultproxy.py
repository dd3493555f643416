"""A small TCP fault proxy for HTTP/1.1 on loopback (store-and-sync.md §4, tool 1).

Runs an asyncio loop in its own thread between the desk and the central server and
injects the faults the sync tests need, modelled on Toxiproxy:

persistent (until :meth:`heal`)
    ``latency(ms, jitter_ms)``, ``bandwidth(bytes_per_s)``, ``slice(n)`` (tiny writes),
    ``blackhole()`` (bytes are swallowed, nothing answers: a partition),
    ``refuse()`` (every connection is reset at once: the server's host is gone).

one-shot, for the next request(s) whose request line starts with ``match``
    ``drop_request`` (the connection dies before the request reaches the server),
    ``cut_response(after=N)`` (the server answered, i.e. committed; the desk gets N bytes
    of the answer and a clean close — ``after=0`` is "lost after commit"),
    ``reset_response(after=N)`` (the same with a TCP reset mid-body),
    ``duplicate(copies)`` (the request is also delivered on extra connections).

random (for the seeded randomized run)
    ``chaos(seed, rates)`` draws one fault per matching request.

The proxy frames requests (request line, headers, ``Content-Length`` body) so it can aim
faults at one endpoint and capture whole requests for :meth:`replay`. It does not parse
responses except when replaying.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Rule:
    kind: str  # drop | cut | reset | duplicate
    match: bytes
    times: int = 1
    after: int = 0
    copies: int = 1
    skip: int = 0  # let this many matching requests through first


@dataclass(eq=False)
class _Conn:
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    response_rule: Rule | None = None
    sent_in_response: int = 0
    closed: bool = False
    tasks: list[asyncio.Task] = field(default_factory=list)


def _abort(writer: asyncio.StreamWriter | None) -> None:
    """Close with a TCP RST (SO_LINGER 0), like a crashed peer or a middlebox reset."""
    if writer is None:
        return
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(Exception):
        writer.transport.abort()


def _close(writer: asyncio.StreamWriter | None) -> None:
    if writer is None:
        return
    with contextlib.suppress(Exception):
        writer.close()


def _frame_request(buf: bytearray) -> bytes | None:
    """Pop one complete HTTP request from ``buf`` (or ``None`` if incomplete)."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buf[:end]).decode("latin-1")
    length = 0
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip() or 0)
    total = end + 4 + length
    if len(buf) < total:
        return None
    raw = bytes(buf[:total])
    del buf[:total]
    return raw


def read_http_response(sock: socket.socket, timeout: float = 10.0) -> bytes:
    """Read one HTTP/1.1 response (Content-Length or chunked) from a blocking socket."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    headers = {}
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        need = int(headers["content-length"])
        while len(body) < need:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while not body.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    return head + b"\r\n\r\n" + body


class FaultProxy:
    def __init__(self, upstream_host: str, upstream_port: int, *, host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.host = host
        self.port = 0
        self.stats: Counter[str] = Counter()
        self.captured: list[bytes] = []
        self.capture_match: bytes | None = None
        self._lock = threading.Lock()
        self._rules: list[Rule] = []
        self._latency = (0.0, 0.0)
        self._bandwidth: float | None = None
        self._slice: int | None = None
        self._blackhole = False
        self._refuse = False
        self._chaos: tuple[random.Random, dict[str, float], bytes] | None = None
        self._conns: set[_Conn] = set()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self._rng = random.Random(0)

    @classmethod
    def to_url(cls, url: str) -> FaultProxy:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        return cls(parts.hostname or "127.0.0.1", parts.port or 80)

    # --- lifecycle -------------------------------------------------------------------
    def start(self) -> FaultProxy:
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self._loop)

            async def boot() -> None:
                self._server = await asyncio.start_server(self._handle, self.host, 0)
                self.port = self._server.sockets[0].getsockname()[1]
                ready.set()

            self._loop.run_until_complete(boot())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="fault-proxy", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fault proxy did not start")
        return self

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        if not self._thread:
            return

        async def shutdown() -> None:
            if self._server:
                self._server.close()
            for conn in list(self._conns):
                _abort(conn.client)
                _abort(conn.upstream)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._thread = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def retarget(self, host: str, port: int) -> None:
        """Point at a restarted server (its new port)."""
        with self._lock:
            self.upstream = (host, port)

    # --- faults ----------------------------------------------------------------------
    def latency(self, ms: float, jitter_ms: float = 0.0) -> None:
        with self._lock:
            self._latency = (ms / 1000, jitter_ms / 1000)

    def bandwidth(self, bytes_per_s: float | None) -> None:
        with self._lock:
            self._bandwidth = bytes_per_s

    def slice(self, size: int | None) -> None:
        with self._lock:
            self._slice = size

    def blackhole(self, on: bool = True) -> None:
        with self._lock:
            self._blackhole = on

    def refuse(self, on: bool = True) -> None:
        with self._lock:
            self._refuse = on
        if on:
            self.kill_connections()

    def drop_request(self, match: bytes = b"", times: int = 1) -> None:
        self._add(Rule("drop", match, times))

    def cut_response(self, after: int = 0, match: bytes = b"", times: int = 1, skip: int = 0) -> None:
        self._add(Rule("cut", match, times, after=after, skip=skip))

    def reset_response(self, after: int = 0, match: bytes = b"", times: int = 1) -> None:
        self._add(Rule("reset", match, times, after=after))

    def duplicate(self, copies: int = 1, match: bytes = b"", times: int = 1) -> None:
        self._add(Rule("duplicate", match, times, copies=copies))

    def chaos(self, seed: int, rates: dict[str, float], match: bytes = b"") -> None:
        """For every matching request draw at most one of ``drop``, ``cut``, ``reset``,
        ``duplicate``, ``delay`` with the given probabilities."""
        with self._lock:
            self._chaos = (random.Random(seed), dict(rates), match)

    def heal(self) -> None:
        with self._lock:
            self._rules.clear()
            self._latency = (0.0, 0.0)
            self._bandwidth = None
            self._slice = None
            self._blackhole = False
            self._refuse = False
            self._chaos = None

    def kill_connections(self) -> None:
        """Reset every open connection (both sides)."""

        def kill() -> None:
            for conn in list(self._conns):
                conn.closed = True
                _abort(conn.client)
                _abort(conn.upstream)

        self._loop.call_soon_threadsafe(kill)

    def pending_rules(self) -> list[Rule]:
        with self._lock:
            return list(self._rules)

    def _add(self, rule: Rule) -> None:
        with self._lock:
            self._rules.append(rule)

    def _take_rule(self, request: bytes) -> Rule | None:
        with self._lock:
            for rule in self._rules:
                if request.startswith(rule.match):
                    if rule.skip > 0:
                        rule.skip -= 1
                        continue
                    rule.times -= 1
                    if rule.times <= 0:
                        self._rules.remove(rule)
                    return rule
            if self._chaos and request.startswith(self._chaos[2]):
                rng, rates, match = self._chaos
                roll = rng.random()
                acc = 0.0
                for kind in ("drop", "cut", "reset", "duplicate", "delay"):
                    acc += rates.get(kind, 0.0)
                    if roll < acc:
                        if kind == "delay":
                            return Rule("delay", match, after=rng.randint(50, 400))
                        after = 0 if kind == "cut" and rng.random() < 0.5 else rng.randint(1, 200)
                        return Rule(kind, match, after=after, copies=rng.randint(1, 3))
        return None

    # --- replay ----------------------------------------------------------------------
    def capture(self, match: bytes) -> None:
        """Keep a copy of every complete request starting with ``match`` in ``captured``."""
        with self._lock:
            self.capture_match = match
            self.captured.clear()

    def replay(self, raw: bytes, copies: int = 1, concurrent: bool = False) -> list[bytes]:
        """Send a captured request straight to the server ``copies`` times; the responses."""
        def once() -> bytes:
            with socket.create_connection(self.upstream, timeout=10) as sock:
                sock.sendall(raw)
                return read_http_response(sock)

        if not concurrent:
            return [once() for _ in range(copies)]
        results: list[bytes] = [b""] * copies

        def worker(i: int) -> None:
            results[i] = once()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(copies)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        return results

    # --- the pumps -------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats["connections"] += 1
        conn = _Conn(client=writer)
        if self._refuse:
            self.stats["refused"] += 1
            _abort(writer)
            return
        self._conns.add(conn)
        try:
            if not self._blackhole:
                try:
                    up_reader, up_writer = await asyncio.wait_for(
                        asyncio.open_connection(*self.upstream), timeout=5
                    )
                except (OSError, TimeoutError):
                    self.stats["upstream_down"] += 1
                    _abort(writer)
                    return
                conn.upstream = up_writer
                down = asyncio.create_task(self._downstream(conn, up_reader))
                conn.tasks.append(down)
            await self._upstream(conn, reader)
        finally:
            self._conns.discard(conn)
            for task in conn.tasks:
                task.cancel()
            _close(conn.upstream)
            _close(writer)

    async def _delay(self, nbytes: int) -> None:
        lat, jitter = self._latency
        wait = lat + (self._rng.uniform(-jitter, jitter) if jitter else 0.0)
        if self._bandwidth:
            wait += nbytes / self._bandwidth
        if wait > 0:
            await asyncio.sleep(wait)

    async def _write(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        await self._delay(len(data))
        size = self._slice
        if size:
            for i in range(0, len(data), size):
                writer.write(data[i : i + size])
                await writer.drain()
        else:
            writer.write(data)
            await writer.drain()

    async def _upstream(self, conn: _Conn, reader: asyncio.StreamReader) -> None:
        buf = bytearray()
        while not conn.closed:
            chunk = await reader.read(65536)
            if not chunk:
                return
            if self._blackhole or self._refuse:
                self.stats["swallowed_up"] += len(chunk)
                if self._refuse:
                    _abort(conn.client)
                    return
                continue
            buf += chunk
            while True:
                try:
                    request = _frame_request(buf)
                except ValueError:
                    request, buf[:] = bytes(buf), b""
                if request is None:
                    break
                await self._forward_request(conn, request)
                if conn.closed:
                    return

    async def _forward_request(self, conn: _Conn, request: bytes) -> None:
        self.stats["requests"] += 1
        if self.capture_match is not None and request.startswith(self.capture_match):
            self.captured.append(request)
        rule = self._take_rule(request)
        if rule and rule.kind == "drop":
            self.stats["dropped"] += 1
            conn.closed = True
            _abort(conn.client)
            _abort(conn.upstream)
            return
        if rule and rule.kind == "delay":
            self.stats["delayed"] += 1
            await asyncio.sleep(rule.after / 1000)
        if rule and rule.kind in ("cut", "reset"):
            conn.response_rule = rule
            conn.sent_in_response = 0
        assert conn.upstream is not None
        await self._write(conn.upstream, request)
        if rule and rule.kind == "duplicate":
            self.stats["duplicated"] += rule.copies
            for _ in range(rule.copies):
                asyncio.create_task(self._deliver_copy(request))

    async def _deliver_copy(self, request: bytes) -> None:
        try:
            r, w = await asyncio.open_connection(*self.upstream)
            w.write(request)
            await w.drain()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(r.read(65536), timeout=30)
            _close(w)
        except OSError:
            pass

    async def _downstream(self, conn: _Conn, reader: asyncio.StreamReader) -> None:
        try:
            while not conn.closed:
                chunk = await reader.read(65536)
                if not chunk:
                    conn.closed = True
                    _close(conn.client)
                    return
                if self._blackhole:
                    self.stats["swallowed_down"] += len(chunk)
                    continue
                rule = conn.response_rule
                if rule is not None:
                    room = max(0, rule.after - conn.sent_in_response)
                    part = chunk[:room]
                    if part:
                        await self._write(conn.client, part)
                        conn.sent_in_response += len(part)
                    if len(chunk) > room or conn.sent_in_response >= rule.after:
                        # the server has answered (so it committed); the desk never hears it
                        self.stats["cut" if rule.kind == "cut" else "reset"] += 1
                        conn.closed = True
                        if rule.kind == "reset":
                            _abort(conn.client)
                        else:
                            _close(conn.client)
                        _abort(conn.upstream)
                        return
                    continue
                await self._write(conn.client, chunk)
        except (ConnectionError, OSError):
            conn.closed = True
            _abort(conn.client)


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
