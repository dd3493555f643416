"""A tiny real HTTP server whose answers a test scripts, for the client's error handling.

The real central server cannot easily be made to answer 426 or 503-with-Retry-After on
demand; this one can. It records every request (headers and the gunzipped body).
"""

from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ScriptedServer:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: dict[str, list[tuple[int, dict | bytes, dict]]] = {}
        self.default: dict[str, tuple[int, dict | bytes, dict]] = {}
        self.dynamic: dict = {}  # path -> fn(request body) -> (status, body, headers)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if self.headers.get("Content-Encoding") == "gzip":
                    raw = gzip.decompress(raw)
                path = self.path.split("?")[0]
                owner.requests.append(
                    {"method": self.command, "path": self.path, "headers": dict(self.headers),
                     "body": json.loads(raw) if raw else None}
                )
                queue = owner.script.get(path)
                if path in owner.dynamic:
                    status, body, headers = owner.dynamic[path](owner.requests[-1]["body"])
                else:
                    status, body, headers = (queue.pop(0) if queue else owner.default.get(path, (404, {}, {})))
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                pass  # the fault proxy resets connections on purpose

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def answer(self, path: str, status: int, body: dict | bytes, headers: dict | None = None) -> None:
        self.script.setdefault(path, []).append((status, body, headers or {}))

    def always(self, path: str, status: int, body: dict | bytes, headers: dict | None = None) -> None:
        self.default[path] = (status, body, headers or {})

    def of(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["path"].split("?")[0] == path]

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
