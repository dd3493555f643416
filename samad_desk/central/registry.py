"""Civil registry (ثبت احوال) adapter.

The real registry API is not public, so the server talks to a :class:`CivilRegistry`
protocol. :class:`FileRegistry` reads a JSONL file, one person per line::

    {"national_id": "0012345679", "first_name": "علی", "last_name": "رضایی",
     "father_name": "حسن", "birth_date": "1985-03-21"}

It is loaded once into memory and re-read when the file's mtime changes.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from typing import Protocol

import orjson

from samad_desk.text.digits import to_ascii_digits
from samad_desk.text.normalize import normalize

FIELDS = ("national_id", "first_name", "last_name", "father_name", "birth_date")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
log = logging.getLogger("samad_desk.central.registry")


class CivilRegistry(Protocol):
    def lookup(self, national_id: str) -> dict | None:
        """The person with this (canonical, 10-digit) national ID, or None."""


class FileRegistry:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self._people: dict[str, dict] = {}

    def _load(self) -> None:
        mtime = self.path.stat().st_mtime
        if mtime == self._mtime:
            return
        people: dict[str, dict] = {}
        with self.path.open("rb") as fh:
            for n, line in enumerate(fh, start=1):
                line = line.strip()
                if not line or line.startswith(b"#"):
                    continue
                try:
                    rec = orjson.loads(line)
                except orjson.JSONDecodeError:
                    rec = None
                nid = to_ascii_digits(str(rec.get("national_id", ""))).strip().zfill(10) if isinstance(rec, dict) else ""
                if not (len(nid) == 10 and nid.isascii() and nid.isdigit()):
                    log.warning("registry line %d skipped: not a person record", n)
                    continue
                bd = rec.get("birth_date")
                people[nid] = {
                    "national_id": nid,
                    "first_name": normalize(str(rec.get("first_name") or "")).strip(),
                    "last_name": normalize(str(rec.get("last_name") or "")).strip(),
                    "father_name": normalize(str(rec.get("father_name") or "")).strip(),
                    "birth_date": bd if isinstance(bd, str) and _ISO_DATE.fullmatch(bd) else None,
                }
        self._people = people
        self._mtime = mtime

    def lookup(self, national_id: str) -> dict | None:
        with self._lock:
            self._load()
            person = self._people.get(national_id)
        return dict(person) if person else None

    def __len__(self) -> int:
        with self._lock:
            self._load()
            return len(self._people)


def open_registry(path: str | Path | None) -> CivilRegistry | None:
    if path is None:
        return None
    p = Path(path).expanduser()
    if not p.is_file():
        raise FileNotFoundError(f"civil registry file not found: {p}")
    return FileRegistry(p)
