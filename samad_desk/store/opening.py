"""Opening a data directory: the profile lock, the journal (migrated, repaired or
quarantined), the other journals of the outbox and the cache.

Mixed into :class:`samad_desk.store.store.Store`; see ``docs/store.md``.
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Self

import orjson

from samad_desk.store import fileio
from samad_desk.store import journal as journal_mod
from samad_desk.store.cache import Cache
from samad_desk.store.compaction import segment_of
from samad_desk.store.errors import StoreError, from_os_error
from samad_desk.store.journal import AppendFile, Scan, check_schema, scan_bytes
from samad_desk.store.locks import Flock
from samad_desk.store.overlay import Overlay
from samad_desk.store.state import STATE_SCHEMA, StoreState, now_iso

log = logging.getLogger(__name__)

_PROFILE_RE = re.compile(r"[^A-Za-z0-9_.-]+")


def _default_profile() -> str:
    name = os.environ.get("SAMAD_DESK_PROFILE")
    if not name:
        try:
            name = getpass.getuser()
        except Exception:  # noqa: BLE001
            name = "default"
    return _PROFILE_RE.sub("_", name) or "default"


def _default_calendar():
    from samad_desk.domain.sla import WorkingCalendar

    return WorkingCalendar()


class OpeningMixin(StoreState):
    """``Store.open`` and the outbox's file names."""

    @classmethod
    def open(
        cls,
        data_dir: Path | str,
        *,
        read_only: bool = False,
        profile: str | None = None,
        calendar=None,
        allow_network_fs: bool | None = None,
        doc_cache_size: int = 30000,
        on_reindex: Callable[[int], None] | None = None,
    ) -> Self:
        """``on_reindex(n)`` is called before ``n`` shards of an older version's cache get
        this version's indexes (a few seconds once; the desk says so on the terminal)."""
        self = cls()
        self._on_reindex = on_reindex
        self.data_dir = Path(data_dir)
        self.outbox = self.data_dir / "outbox"
        self.profile = _PROFILE_RE.sub("_", profile) if profile else _default_profile()
        self.read_only = read_only
        if allow_network_fs is None:
            allow_network_fs = os.environ.get("SAMAD_DESK_ALLOW_NETWORK_FS") == "1"
        netfs = fileio.is_network_fs(self.data_dir)
        if netfs:
            msg = (
                f"پوشهٔ داده «{self.data_dir}» روی فایل‌سیستم شبکه‌ای ({netfs}) است؛ قفل فایل آنجا"
                " قابل اعتماد نیست و ممکن است داده از دست برود. پوشهٔ داده باید روی دیسک محلی باشد."
            )
            if not allow_network_fs and not read_only:
                raise StoreError(msg, code="network_fs")
            self.warnings.append(msg)
        if not read_only:
            try:
                for d in (self.data_dir, self.outbox, self.data_dir / "cache"):
                    if not d.is_dir():
                        d.mkdir(parents=True, exist_ok=True, mode=0o770)
            except OSError as exc:
                raise from_os_error(exc, "ساختن پوشهٔ داده") from exc
        elif not self.data_dir.is_dir():
            raise StoreError(f"پوشهٔ داده «{self.data_dir}» وجود ندارد.", code="missing")
        calendar_factory = (lambda: calendar) if calendar is not None else _default_calendar
        self.cache = Cache(self.data_dir / "cache", doc_cache_size=doc_cache_size)
        self.overlay = Overlay(self.cache, calendar_factory)
        self._sync_lock = Flock(self.data_dir / "sync.lock")
        self._leader_lock = Flock(self.data_dir / "leader.lock")
        try:
            self._load_status()
            self._open_journal()
            self._load_streams()
            self._open_cache()
            self._restatus(list(self._ops))
        except BaseException:
            self.close()
            raise
        return self

    def _open_journal(self) -> None:
        if not self.read_only:
            fileio.remove_stale_temps(self.outbox)
            self._profile_lock = Flock(self.outbox / f"{self.profile}.lock")
            try:
                got = self._profile_lock.acquire(blocking=False)
            except OSError as exc:
                err = from_os_error(exc, "ثبت")
                if err.code not in ("read_only", "permission"):
                    raise err from exc
                self._profile_lock = None
                self.read_only = True
                self._read_only_error = err
                self.warnings.append(str(err))
                got = True
            if not got:
                self._profile_lock = None
                self.read_only = True
                self.second_instance = True
                self.warnings.append(
                    "این پروفایل در برنامهٔ دیگری باز است؛ این پنجره فقط‌خواندنی است و ثبت در آن ممکن نیست."
                )
        prof = self._read_json(self.outbox / f"{self.profile}.profile.json")
        if prof is not None:
            check_schema(prof, self.outbox / f"{self.profile}.profile.json", STATE_SCHEMA)
        if prof is None:
            if self.read_only:
                self.client_id = ""
                return
            self._create_client(reset_from=None, carry=[])
            return
        self.client_id = prof["client_id"]
        state = self._read_json(self._state_path(self.client_id))
        if state is not None:
            check_schema(state, self._state_path(self.client_id), STATE_SCHEMA)
        self._state = state or {}
        path = self._journal_path(self.client_id)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            data = b""
        scan = scan_bytes(data)
        header = scan.header
        version = check_schema(header, path, journal_mod.JOURNAL_SCHEMA)  # newer: refuse, untouched
        if version < journal_mod.JOURNAL_SCHEMA and not self.read_only and scan.corrupt_at is None:
            journal_mod.migrate_file(path, scan, version)
            data = path.read_bytes()
            scan = scan_bytes(data)
        if self.read_only:
            self._streams[path] = scan.good_end
            self._ingest_records(journal_mod.upcast(scan.records, version), self.client_id)
            return
        if not data or header is None and scan.corrupt_at is None and not scan.records:
            # journal missing or never got its header: start it again
            self._create_journal_file(path, self.client_id, None)
            data = path.read_bytes()
            scan = scan_bytes(data)
        if scan.corrupt_at is not None:
            self._quarantine(path, scan)
            return
        self._journal = AppendFile(path)
        self._journal.repair_tail(scan)
        self._streams[path] = self._journal.size
        self._ingest_records(scan.records, self.client_id)
        self._remove_superseded(self.client_id)  # a compaction killed before its last step
        if not self._state:
            self._state = {"schema": STATE_SCHEMA, "client_id": self.client_id, "profile": self.profile,
                           "client_no": self._allocate_client_no(), "client_no_source": "local",
                           "created_at": now_iso()}
            self._write_state()

    def _quarantine(self, path: Path, scan: Scan) -> None:
        """Mid-file corruption: move aside, alarm, continue under a new client with salvage."""
        bad = path.with_name(path.name + f".{int(time.time())}.corrupt")
        os.replace(path, bad)
        fileio.IO.fsync_dir(path.parent)
        ops: list[dict] = []
        for rec in scan.records + scan.salvaged:
            if rec.get("k") == "ops":
                ops.extend(rec.get("ops") or [])
        msg = (
            f"دفتر ثبت محلی «{path.name}» در میانه آسیب دیده بود؛ کنار گذاشته شد ({bad.name}) و"
            f" {len(ops)} عملیات سالم از آن بازیابی و دوباره در صف ارسال قرار گرفت. به پشتیبانی خبر دهید."
        )
        self.alarms.append(msg)
        log.error("journal %s corrupt at byte %s; quarantined as %s; %d ops salvaged",
                  path, scan.corrupt_at, bad, len(ops))
        # ops of the quarantined journal whose outcome is known stay known (status log)
        for op in scan.records:
            if op.get("k") == "checkpoint":
                self._ingest_checkpoint(op, own=False)
            if op.get("k") == "ops":
                for o in op.get("ops") or []:
                    self._tc_seen(o)
        self._create_client(reset_from=self.client_id, carry=ops, retire_old=True)

    def _create_journal_file(self, path: Path, client_id: str, reset_from: str | None, ops: list[dict] | None = None) -> None:
        header = {"k": "header", "schema": journal_mod.JOURNAL_SCHEMA, "client_id": client_id, "profile": self.profile,
                  "segment": 1, "created_at": now_iso(), "reset_from": reset_from}
        recs = [header]
        if ops:
            recs.append({"k": "ops", "ops": ops})
        from samad_desk.store.journal import encode

        try:
            fileio.atomic_write(path, b"".join(encode(r) for r in recs))
        except OSError as exc:
            raise from_os_error(exc, "ساختن دفتر ثبت") from exc

    def _open_cache(self) -> None:
        if not self.read_only:
            fileio.remove_stale_temps(self.cache.root)
            d = self.cache.current_dir()
            if d is not None:
                fileio.remove_stale_temps(d)
                self.cache.remove_old_generations(keep=d)
        problems = self.cache.load()
        if problems:
            log.warning("cache problems: %s", problems)
            if self.read_only:
                self.warnings.append("حافظهٔ محلی آسیب دیده است؛ برنامهٔ اصلی آن را بازسازی می‌کند.")
                return
            self.rebuild_cache(reason=problems)
            return
        missing = self.cache.missing_indexes()
        if missing and not self.read_only:
            # a cache from before an index existed: re-encode those shards, cursor kept
            log.info("cache indexes added: %s", missing)
            if self._on_reindex is not None:
                self._on_reindex(len(missing))
            with self._sync_lock.held():
                try:
                    self.cache.add_missing_indexes()
                except OSError as exc:
                    self.cache.load()
                    raise from_os_error(exc, "به‌روزرسانی حافظهٔ محلی") from exc

    def _journal_path(self, client_id: str) -> Path:
        """The live segment of a client's journal: the highest (compaction writes a new
        one whole, then deletes the old)."""
        segments = self._segments(client_id)
        return segments[-1] if segments else self.outbox / f"{client_id}.0001.jsonl"

    def _segments(self, client_id: str) -> list[Path]:
        """The journal files of a client, oldest first."""
        return sorted((p for p in self.outbox.glob(f"{client_id}.*.jsonl") if p.is_file()), key=segment_of)

    def _superseded(self, path: Path) -> bool:
        """A journal segment a compaction replaced (left by a crash before its deletion)."""
        client_id = path.name.split(".")[0]
        return any(segment_of(p) > segment_of(path) for p in self.outbox.glob(f"{client_id}.*.jsonl"))

    def _remove_superseded(self, client_id: str) -> None:
        for path in self._segments(client_id)[:-1]:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            fileio.IO.fsync_dir(self.outbox)

    @staticmethod
    def _read_json(path: Path) -> dict | None:
        try:
            data = orjson.loads(path.read_bytes())
            return data if isinstance(data, dict) else None
        except (FileNotFoundError, orjson.JSONDecodeError):
            return None

