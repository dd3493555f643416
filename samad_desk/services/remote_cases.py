"""The cache of cases this desk read from the central server's lookup."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any


class RemoteCases:
    """Cases this desk read through the central server's lookup (``/v1/cases/lookup``).

    A follow-up call may be about a case this desk's pull never delivers (an agent pulls
    only its own office's cases, the lookup answers for the whole province). Its copy in
    the cache is then only as fresh as the last lookup, so the desk asks the server again
    whenever it shows one while online. ``case id -> tracking code`` is kept in the
    operator directory (a hint: losing it costs only that refresh, and a case without its
    ``register`` event in the cache is treated the same way); the server's last answer per
    case stays in memory, for a read-only window whose cache cannot be written.
    """

    LIMIT = 2000

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._codes: dict[str, str] = {}
        self.answers: dict[str, dict[str, Any]] = {}
        if path is not None:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                self._codes = {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
            except (OSError, ValueError):
                self._codes = {}

    def __contains__(self, case_id: object) -> bool:
        with self._lock:
            return case_id in self._codes

    def code(self, case_id: str) -> str | None:
        with self._lock:
            return self._codes.get(case_id)

    def add(self, case: dict[str, Any], citizen: dict[str, Any] | None, events: list[dict[str, Any]]) -> None:
        case_id, code = str(case["id"]), str(case.get("tracking_code") or "")
        with self._lock:
            self.answers[case_id] = {"case": case, "citizen": citizen, "events": events}
            if self._codes.get(case_id) == code:
                return
            self._codes.pop(case_id, None)
            self._codes[case_id] = code
            while len(self._codes) > self.LIMIT:
                self._codes.pop(next(iter(self._codes)))
            self._write()

    def discard(self, case_id: str) -> None:
        with self._lock:
            self.answers.pop(case_id, None)
            if self._codes.pop(case_id, None) is not None:
                self._write()

    def _write(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = self.path.with_name(f"{self.path.name}.tmp-{os.getpid()}")
            tmp.write_text(json.dumps(self._codes), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass  # a hint only: the next view of such a case just is not refreshed
