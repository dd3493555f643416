"""The real server process (uvicorn) under malformed HTTP: every answer is a 4xx or a
closed connection (a cut upload is not an unhandled error), the process stays up and
healthy, and after a SIGKILL and restart a batch sent twice is applied once. (A crash
between COMMIT and the answer is covered by tests/integration/central/test_process.py.)"""

from __future__ import annotations

import gzip
import socket

import httpx

from samad_desk.central.process import start_server
from samad_desk.central.testing import Desk


def _raw(url: str, payload: bytes) -> bytes:
    host, port = url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        try:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server already answered and closed (a 200 kB header): that is an answer too
        data = b""
        try:
            while chunk := s.recv(65536):
                data += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    return data


RAW = [
    b"GARBAGE\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,  # a TLS hello to plain HTTP
    b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Request-Id: \x00\x1b[31m\r\n\r\n",
    b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n",
    b"POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"username\":",
    b"POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n0\r\n\r\n",
    b"POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    b"GET /v1/track/%00%1b%5b31m?mobile_tail=%E2%80%AE HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
]


def test_real_process_survives_malformed_http_and_a_kill_mid_push(tmp_path):
    with start_server(f"sqlite:///{tmp_path / 'c.sqlite3'}", seed_demo=True, demo_cases=0) as srv:
        for payload in RAW:
            answer = _raw(srv.url, payload)
            status = answer.split(b" ", 2)[1] if answer.startswith(b"HTTP/1.1 ") else b""
            assert status == b"" or status.startswith(b"4"), (payload[:40], answer[:200])
        with httpx.Client(base_url=srv.url, timeout=30) as http:
            bomb = gzip.compress(b"{" * (40 * 1024 * 1024))
            r = http.post("/v1/sync/push", content=bomb, headers={"Content-Encoding": "gzip"})
            assert r.status_code in (401, 413), r.text
            assert http.get("/v1/health").json()["status"] == "ok"
            desk = Desk(http, "agent1")
            ops = []
            for _ in range(30):
                call, *_ = desk.new_call(nid="0084575948")
                ops += call
            body = desk.number(ops)
            srv.kill()
            srv.start(seed=False)
            first = desk.push_raw(body)
            assert first.status_code == 200, first.text
            again = desk.push_raw(body)  # the answer was lost: the same batch again
            assert again.status_code == 200
            assert {r["status"] for r in again.json()["results"]} == {"duplicate"}
        assert "Traceback" not in srv.log_text()
