"""Saved report specs on the desk: kept on the central server (``/v1/reports/specs``,
one operator's own, and a supervisor's shared in the province) and cached in the
operator directory (``report-specs.json``) so they list, load and run offline.

A spec saved while the server cannot be reached is kept in the cache as *pending* and
sent at the next refresh; sharing needs the server (it changes who may read the spec).
No Textual here: the report screen and ``samad-desk report run NAME`` both use it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from samad_desk.reports.spec import ReportSpec, SpecError, spec_from_dict
from samad_desk.store.fileio import atomic_write

CACHE_NAME = "report-specs.json"


@dataclass(frozen=True)
class SavedSpec:
    name: str
    spec: ReportSpec
    owner: str = ""
    owner_name: str = ""
    shared: bool = False
    mine: bool = True
    pending: bool = False

    @property
    def id(self) -> str:  # a table row's id
        return f"{'' if self.mine else self.owner}|{self.name}"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "spec": self.spec.to_dict(), "owner": self.owner, "owner_name": self.owner_name,
                "shared": self.shared, "mine": self.mine, "pending": self.pending}


def from_json(data: dict[str, Any], me: str = "") -> SavedSpec | None:
    """One entry of the cache or of the server's list (None when unreadable)."""
    try:
        spec = spec_from_dict({**data["spec"], "name": data["name"]})
    except (KeyError, TypeError, SpecError):
        return None
    owner = str(data.get("owner") or "")
    mine = bool(data["mine"]) if "mine" in data else (not owner or owner == me)
    return SavedSpec(spec.name, spec, owner, str(data.get("owner_name") or ""), bool(data.get("shared")),
                     mine, bool(data.get("pending")))


class SavedSpecs:
    """The operator's saved specs: ``path`` the cache file (None: memory only),
    ``client`` the server client (None: offline desk)."""

    def __init__(self, path: Path | None, client: Any = None, operator: dict | None = None) -> None:
        self.path = path
        self.client = client
        self.me = str((operator or {}).get("id") or "")
        self._lock = threading.Lock()
        self._items: list[SavedSpec] = []
        if path is not None:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                items = data.get("specs", []) if isinstance(data, dict) else []
                self._items = [s for s in (from_json(d, self.me) for d in items if isinstance(d, dict)) if s]
            except (OSError, ValueError):
                self._items = []

    @classmethod
    def for_session(cls, session: Any, operator: dict | None) -> SavedSpecs:
        settings = getattr(session, "settings", None)
        directory = getattr(settings, "operator_dir", None)
        return cls(Path(directory) / CACHE_NAME if directory else None, getattr(session, "client", None), operator)

    # -- reading ------------------------------------------------------------------------
    def cached(self) -> list[SavedSpec]:
        """Own specs first, then the shared ones, each by name."""
        with self._lock:
            return sorted(self._items, key=lambda s: (not s.mine, s.name))

    def find(self, name: str) -> SavedSpec | None:
        """By name: the operator's own first, then one shared in the province."""
        name = name.strip()
        for s in self.cached():
            if s.name == name:
                return s
        return None

    # -- writing ------------------------------------------------------------------------
    def save(self, spec: ReportSpec) -> tuple[SavedSpec, str]:
        """Keep ``spec`` under its name (replacing the operator's own of that name), then
        send it; (the entry, a Persian note saying whether the server has it)."""
        entry = SavedSpec(spec.name, spec, self.me, shared=False, mine=True, pending=True)
        with self._lock:
            old = next((s for s in self._items if s.mine and s.name == spec.name), None)
            if old is not None:
                entry = SavedSpec(spec.name, spec, self.me, old.owner_name, old.shared, True, True)
            self._items = [s for s in self._items if not (s.mine and s.name == spec.name)] + [entry]
            self._write()
        sent = self._send(entry)
        if sent is not None:
            return sent, f"گزارش «{spec.name}» ذخیره شد."
        return entry, f"گزارش «{spec.name}» روی این میز ذخیره شد؛ با اتصال به سرور فرستاده می‌شود."

    def share(self, name: str, shared: bool) -> str:
        """Share (or stop sharing) one's own spec in the province; needs the server."""
        if self.client is None:
            return "اشتراک گزارش بدون اتصال به سرور ممکن نیست."
        from samad_desk.sync.errors import SyncError

        try:
            data = self.client.share_report_spec(name, shared)
        except SyncError as exc:
            return f"اشتراک انجام نشد: {exc}"
        entry = from_json(data, self.me)
        if entry is not None:
            self._replace(entry)
        return f"گزارش «{name}» {'در استان به اشتراک گذاشته شد' if shared else 'دیگر اشتراکی نیست'}."

    def refresh(self) -> str | None:
        """Send pending specs, then take the server's list (own + shared in the province);
        a Persian note when the server could not be reached (the cache stays)."""
        if self.client is None:
            return None
        from samad_desk.sync.errors import SyncError

        for s in [s for s in self.cached() if s.pending]:
            self._send(s)  # one the server refuses stays pending here and blocks nothing
        try:
            data = self.client.list_report_specs()
        except SyncError:
            return "سرور در دسترس نیست؛ گزارش‌های ذخیره‌شده روی این میز نشان داده شده‌اند."
        fresh = [s for s in (from_json(d, self.me) for d in data.get("specs", []) if isinstance(d, dict)) if s]
        with self._lock:
            pending = [s for s in self._items if s.pending and not any(f.mine and f.name == s.name for f in fresh)]
            self._items = fresh + pending
            self._write()
        return None

    def _send(self, entry: SavedSpec) -> SavedSpec | None:
        if self.client is None:
            return None
        from samad_desk.sync.errors import SyncError

        try:
            data = self.client.save_report_spec(entry.name, entry.spec.to_dict())
        except SyncError:
            return None
        sent = from_json(data, self.me) or SavedSpec(entry.name, entry.spec, self.me, shared=entry.shared)
        self._replace(sent)
        return sent

    def _replace(self, entry: SavedSpec) -> None:
        with self._lock:
            self._items = [s for s in self._items if s.id != entry.id] + [entry]
            self._write()

    def _write(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            body = json.dumps({"specs": [s.to_json() for s in self._items]}, ensure_ascii=False)
            atomic_write(self.path, body.encode("utf-8"), fsync=False)
        except OSError:
            pass  # a cache: the server keeps the saved specs
