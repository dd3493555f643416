"""``Store``: the desk's local store (journal-first saves + derived TinyDB cache).

See ``docs/store.md`` for the design, the file layout and the guarantees.
"""

from __future__ import annotations

import bisect
import contextlib
import fcntl
import getpass
import itertools
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson

from samad_desk.domain.models import ANSWER_DUE_STATES
from samad_desk.store import fileio
from samad_desk.store import journal as journal_mod
from samad_desk.store.cache import Cache, FrozenRow
from samad_desk.store.compaction import CompactionMixin, segment_of
from samad_desk.store.errors import StoreError, from_os_error
from samad_desk.store.journal import (
    STATUS_SCHEMA,
    AppendFile,
    Scan,
    check_schema,
    read_stream,
    read_stream_of,
    scan_bytes,
)
from samad_desk.store.overlay import Overlay, entity_of

log = logging.getLogger(__name__)

STATE_SCHEMA = 1
CASE_STATES = ("registered", "referred", "in_progress", "answered", "closed", "returned")
#: ``cartable(agency)`` without ``states``: what is in the agency's inbox to work on.
CARTABLE_STATES = ANSWER_DUE_STATES
FINAL = ("applied", "duplicate", "rejected")
_PROFILE_RE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class StoreChange:
    """What changed: ``kind`` is "saved" (own save), "synced" (cache written by this
    process), "status" (push results / dismiss) or "external" (another process)."""

    kind: str
    keys: frozenset = field(default_factory=frozenset)   # {(entity, id)} when known
    op_ids: tuple[str, ...] = ()


_MISSING = object()


def _cart_key(row: dict) -> tuple:
    return (row.get("due_date") or "9999", row.get("referred_at") or "", row.get("id") or "")


def _event_order(ev: dict) -> tuple:
    """Oldest first. ``at`` has whole seconds, so events of one save (a call's register and
    refer) tie; the op id (UUIDv7: millisecond time, then a per-process counter) orders
    them as they were made."""
    return (ev.get("at") or "", str(ev.get("op_id") or ""))


def _with_pending(synced: Iterable[dict], pending: Iterable[dict]) -> list[dict]:
    """Cached events plus the pending ops' ones not synced yet (``"pending": True``), in
    history order."""
    evs = {d["id"]: dict(d) for d in synced}
    for ev in pending:
        evs.setdefault(ev["id"], dict(ev, pending=True))
    return sorted(evs.values(), key=_event_order)


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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


class _Flock:
    """An flock(2) on a lock file; released by the kernel when the process dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self, *, blocking: bool, timeout: float = 30.0) -> bool:
        if self.fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o660)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self.fd = fd
                return True
            except BlockingIOError:
                if not blocking or time.monotonic() > deadline:
                    os.close(fd)
                    return False
                time.sleep(0.005)

    def release(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self.fd, fcntl.LOCK_UN)
                os.close(self.fd)
            self.fd = None

    @contextlib.contextmanager
    def held(self, timeout: float = 30.0, message: str = "قفل پوشهٔ داده گرفته نشد؛ دوباره تلاش کنید."):
        was = self.fd is not None
        if not self.acquire(blocking=True, timeout=timeout):
            raise StoreError(message, code="locked")
        try:
            yield
        finally:
            if not was:
                self.release()


class Store(CompactionMixin):
    """The local store of one desk process. Thread-safe.

    Open with :meth:`Store.open`. One *profile* (default: the OS user, or
    ``$SAMAD_DESK_PROFILE``) owns one journal (one ``client_id``); a second process on
    the same profile opens read-only.
    """

    def __init__(self) -> None:  # use Store.open
        self._on_reindex: Callable[[int], None] | None = None
        self.data_dir: Path
        self.outbox: Path
        self.profile: str
        self.client_id: str = ""
        self.read_only = False
        self.second_instance = False
        self._read_only_error: StoreError | None = None
        self.alarms: list[str] = []      # Persian, for the UI banner
        self.warnings: list[str] = []
        self._lock = threading.RLock()
        self._profile_lock: _Flock | None = None
        self._sync_lock: _Flock
        self._leader_lock: _Flock
        self._journal: AppendFile | None = None
        self._next_seq = 1
        self._state: dict = {}
        self._tc_next: dict[int, int] = {}
        self._ops: dict[str, dict] = {}          # op_id -> op (not yet done)
        self._op_client: dict[str, str] = {}
        self._results: dict[str, dict] = {}
        self._acks: dict[str, int] = {}
        self._dismissed: set[str] = set()
        self._retired: set[str] = set()
        self._streams: dict[Path, int] = {}
        self._status_offset = 0
        self._status_ino: int | None = None
        #: (inode, size) of status.jsonl right after this process's own last append: when
        #: unchanged, the tail is known whole and our own records need no re-reading
        self._status_known: tuple[int, int] | None = None
        #: pending_ops' sorted candidates per client, rebuilt only when ops come in (an
        #: answer only ever removes a candidate): a 10k-op push was quadratic before
        self._ops_gen = 0
        self._pending_lists: dict[str, list] = {}
        #: highest client_seq with a push result, per client (held_through without a scan)
        self._result_top: dict[str, int] = {}
        self._subscribers: list[Callable[[StoreChange], None]] = []
        self._watcher: threading.Thread | None = None
        self._stop = threading.Event()
        self._last_refresh = 0.0
        self.refresh_interval = 0.2
        self.cache: Cache
        self.overlay: Overlay
        self._closed = False
        self._cartable_memo: dict[tuple, tuple] = {}
        self._interned: dict[str, str] = {}
        self._actors: dict[tuple, dict] = {}
        self._cartable_base: dict[tuple, tuple] = {}
        self._cartable_base_index: dict[tuple, tuple] = {}
        self._cached_agency: tuple[int, dict] = (-1, {})
        #: signs each op as it is saved (the operator's key while logged in; set by
        #: ``launch.build_sync``): a host may then push this journal for its author
        self.signer: Callable[[dict], dict] | None = None

    # ------------------------------------------------------------------ opening

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
    ) -> Store:
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
        self._sync_lock = _Flock(self.data_dir / "sync.lock")
        self._leader_lock = _Flock(self.data_dir / "leader.lock")
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
            self._profile_lock = _Flock(self.outbox / f"{self.profile}.lock")
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
                           "created_at": _now_iso()}
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

    def _create_client(self, *, reset_from: str | None, carry: list[dict], retire_old: bool = False) -> None:
        old_state = dict(self._state)
        new_id = "c-" + uuid.uuid4().hex
        path = self._journal_path(new_id)
        renumbered = []
        for i, op in enumerate(carry, start=1):
            o = dict(op)
            o["client_id"] = new_id
            o["client_seq"] = i
            renumbered.append(o)
        self._create_journal_file(path, new_id, reset_from, renumbered)
        client_no = old_state.get("client_no") or self._allocate_client_no()
        self._state = {"schema": STATE_SCHEMA, "client_id": new_id, "profile": self.profile,
                       "client_no": client_no,
                       "client_no_source": old_state.get("client_no_source", "local"),
                       "created_at": _now_iso(), "reset_from": reset_from}
        for k, v in old_state.items():
            if k not in self._state and k not in ("next_seq",):
                self._state[k] = v
        old_id = self.client_id
        self.client_id = new_id
        self._write_state()
        prof = self._read_json(self.outbox / f"{self.profile}.profile.json") or {}
        retired = list(prof.get("retired") or [])
        if old_id and (retire_old or reset_from):
            retired.append(old_id)
            self._retired.add(old_id)
        fileio.atomic_write(
            self.outbox / f"{self.profile}.profile.json",
            orjson.dumps({"schema": STATE_SCHEMA, "profile": self.profile, "client_id": new_id, "retired": retired}),
        )
        if self._journal is not None:
            self._journal.close()
        self._journal = AppendFile(path)
        self._streams[path] = self._journal.size
        self._next_seq = 1
        # retire the old copies, then take in the renumbered ones
        for op in carry:
            self._forget_op(op["op_id"])
        self._ingest_records([{"k": "ops", "ops": renumbered}], new_id)

    def _create_journal_file(self, path: Path, client_id: str, reset_from: str | None, ops: list[dict] | None = None) -> None:
        header = {"k": "header", "schema": journal_mod.JOURNAL_SCHEMA, "client_id": client_id, "profile": self.profile,
                  "segment": 1, "created_at": _now_iso(), "reset_from": reset_from}
        recs = [header]
        if ops:
            recs.append({"k": "ops", "ops": ops})
        from samad_desk.store.journal import encode

        try:
            fileio.atomic_write(path, b"".join(encode(r) for r in recs))
        except OSError as exc:
            raise from_os_error(exc, "ساختن دفتر ثبت") from exc

    def _allocate_client_no(self) -> int:
        """Smallest local client number not used by another profile of this data dir.

        Used until the server assigns one (``set_client_state(client_no=…)``). The choice
        is recorded in ``<profile>.clientno`` under ``alloc.lock`` so two profiles created
        at once never pick the same number.
        """
        lock = _Flock(self.outbox / "alloc.lock")
        with lock.held():
            mine = self.outbox / f"{self.profile}.clientno"
            used = set()
            for p in [*self.outbox.glob("*.state.json"), *self.outbox.glob("*.clientno")]:
                if p == mine:
                    continue
                st = self._read_json(p) or {}
                if st.get("client_no") is not None and st.get("profile") != self.profile:
                    used.add(int(st["client_no"]))
            n = 1
            while n in used:
                n += 1
            fileio.atomic_write(mine, orjson.dumps({"profile": self.profile, "client_no": n}))
            return n

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

    # ------------------------------------------------------------------ files

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

    def _state_path(self, client_id: str) -> Path:
        return self.outbox / f"{client_id}.state.json"

    @staticmethod
    def _read_json(path: Path) -> dict | None:
        try:
            data = orjson.loads(path.read_bytes())
            return data if isinstance(data, dict) else None
        except (FileNotFoundError, orjson.JSONDecodeError):
            return None

    def _write_state(self) -> None:
        self._state["schema"] = STATE_SCHEMA
        self._state["client_id"] = self.client_id
        self._state["next_seq"] = self._next_seq
        try:
            fileio.atomic_write(self._state_path(self.client_id), orjson.dumps(self._state))
        except OSError as exc:
            raise from_os_error(exc, "ذخیرهٔ وضعیت دفتر") from exc

    # ------------------------------------------------------------------ ingesting records

    def _done(self, op: dict) -> bool:
        r = self._results.get(op["op_id"])
        acked = int(op.get("client_seq") or 0) <= self._acks.get(op.get("client_id") or "", 0)
        if op["op_id"] in self._dismissed:
            return True
        if r is not None and self._is_rejected(r):
            return False  # stays for "needs attention" until dismissed
        return acked

    @staticmethod
    def _is_rejected(r: dict) -> bool:
        return r.get("status") == "rejected" or (r.get("status") == "duplicate" and r.get("original") == "rejected")

    def _tc_seen(self, op: dict) -> None:
        if op.get("type") != "case.register":
            return
        code = str((op.get("payload") or {}).get("tracking_code") or "")
        if len(code) == 12 and code.isdigit():
            cno, counter = int(code[:5]), int(code[5:11])
            if counter + 1 > self._tc_next.get(cno, 1):
                self._tc_next[cno] = counter + 1

    def _compact(self, op: dict) -> None:
        """Share repeated values between held ops (a backlog of 50k ops must stay small)."""
        intern = self._interned
        for k in ("client_id", "type", "client_time"):
            v = op.get(k)
            if isinstance(v, str):
                op[k] = intern.setdefault(v, v)
        actor = op.get("actor")
        if isinstance(actor, dict):
            key = tuple(sorted((k, v) for k, v in actor.items() if not isinstance(v, dict | list)))
            op["actor"] = self._actors.setdefault(key, actor)
        if len(intern) > 100_000:
            intern.clear()

    def _ingest_checkpoint(self, rec: dict, own: bool) -> None:
        """What folded ops still mean: tracking-code counters and the next client_seq."""
        for cno, nxt in (rec.get("tc_next") or {}).items():
            if int(nxt) > self._tc_next.get(int(cno), 1):
                self._tc_next[int(cno)] = int(nxt)
        if own:
            self._next_seq = max(self._next_seq, int(rec.get("next_seq") or 0),
                                 int(rec.get("through_seq") or 0) + 1)

    def _ingest_records(self, records: list[dict], client_id: str) -> None:
        own = client_id == self.client_id
        for rec in records:
            if rec.get("k") == "checkpoint":
                self._ingest_checkpoint(rec, own)
                continue
            if rec.get("k") != "ops":
                continue
            for op in rec.get("ops") or []:
                self._compact(op)
                self._tc_seen(op)
                if own:
                    seq = int(op.get("client_seq") or 0)
                    if seq >= self._next_seq:
                        self._next_seq = seq + 1
                op_id = op.get("op_id")
                if not op_id:
                    continue
                prev = self._op_client.get(op_id)
                if prev is not None and prev != client_id:
                    # the same op under two clients (reset / salvage): keep the live copy
                    if client_id in self._retired or (prev not in self._retired and not own):
                        continue
                    self._forget_op(op_id)
                if self._done(op):
                    continue
                self._ops[op_id] = op
                self._ops_gen += 1
                self._op_client[op_id] = client_id
                if self._in_overlay(op):
                    self.overlay.add(op)

    def _forget_op(self, op_id: str) -> None:
        self._ops.pop(op_id, None)
        self._op_client.pop(op_id, None)
        self.overlay.remove(op_id)

    def _in_overlay(self, op: dict) -> bool:
        if op["op_id"] in self._dismissed:
            return False
        r = self._results.get(op["op_id"])
        if r is not None:
            if self._is_rejected(r):
                return False
            ev = r.get("entity_version")
            if ev is not None:
                cached = self.cache.get(entity_of(op), op.get("entity_id") or "")
                if cached is not None and int(cached.get("version") or 0) >= int(ev):
                    return False
        if int(op.get("client_seq") or 0) <= self._acks.get(op.get("client_id") or "", 0):
            return False
        return True

    def _load_status(self) -> None:
        path = self.outbox / "status.jsonl"
        recs, off, ino = read_stream_of(path, 0)
        if recs and recs[0].get("k") == "header":
            check_schema(recs[0], path, STATUS_SCHEMA)
        self._status_offset = off
        self._status_ino = ino
        self._apply_status(recs)

    def _reload_status(self) -> set[str]:
        """``status.jsonl`` was replaced (compacted, by this or another process): read it
        again from the start. It holds the same outcome for every op still in a journal."""
        self._results.clear()
        self._result_top.clear()
        self._acks.clear()
        self._dismissed.clear()
        self._status_known = None
        self._load_status()
        self._ops_gen += 1
        return set(self._ops)

    def _apply_status(self, recs: list[dict]) -> set[str]:
        changed: set[str] = set()
        for r in recs:
            k = r.get("k")
            if k == "result" and r.get("op_id"):
                self._results[r["op_id"]] = r
                changed.add(r["op_id"])
                cid = r.get("client_id") or ""
                self._result_top[cid] = max(self._result_top.get(cid, 0), int(r.get("client_seq") or 0))
            elif k == "ack" and r.get("client_id"):
                cid = r["client_id"]
                self._acks[cid] = max(self._acks.get(cid, 0), int(r.get("through") or 0))
                changed.update(op_id for op_id, c in self._op_client.items() if c == cid)
            elif k == "dismiss" and r.get("op_id"):
                self._dismissed.add(r["op_id"])
                changed.add(r["op_id"])
            elif k == "lost" and r.get("client_id"):
                self._ops_gen += 1  # ops become pending again
                changed.update(self._forget_acknowledgement(r["client_id"], int(r.get("through") or 0)))
        return changed

    def _forget_acknowledgement(self, client_id: str, through: int) -> set[str]:
        """A ``lost`` record: the server holds ``client_id`` only through ``through``;
        later acks and results of that client (read before this record) no longer count."""
        if self._acks.get(client_id, 0) > through:
            self._acks[client_id] = through
        gone = {op_id for op_id, r in self._results.items()
                if r.get("client_id") == client_id and int(r.get("client_seq") or 0) > through}
        for op_id in gone:
            del self._results[op_id]
        self._result_top[client_id] = min(self._result_top.get(client_id, 0), through)
        return gone

    def _restatus(self, op_ids: Iterable[str]) -> None:
        for op_id in list(op_ids):
            op = self._ops.get(op_id)
            if op is None:
                continue
            if self._done(op):
                self._forget_op(op_id)
                continue
            if self._in_overlay(op):
                self.overlay.add(op)
            else:
                self.overlay.remove(op_id)

    def _append_status(self, recs: list[dict]) -> None:
        path = self.outbox / "status.jsonl"
        lock = _Flock(self.outbox / "status.lock")
        with lock.held():
            new = not path.exists() or path.stat().st_size == 0
            f = AppendFile(path, what="ثبت وضعیت ارسال")
            try:
                ino = os.fstat(f.fd).st_ino
                if f.size and self._status_known != (ino, f.size) and not _tail_is_whole(path, f.size):
                    # only a crash mid-append leaves a damaged tail: the whole-file scan
                    # (quadratic over a long push backlog if done on every append) is
                    # needed only then
                    data = path.read_bytes()
                    scan = scan_bytes(data)
                    if scan.torn_tail or scan.missing_newline:
                        f.repair_tail(scan)
                if new:
                    recs = [{"k": "header", "schema": STATUS_SCHEMA, "created_at": _now_iso()}, *recs]
                start = f.append(recs)
                self._status_known = (ino, f.size)
                if self._status_offset == start and self._status_ino in (None, ino):
                    # our own records, applied by the caller: refresh need not read them back
                    self._status_offset = f.size
                    self._status_ino = ino
            finally:
                f.close()

    def _load_streams(self) -> None:
        """Other journals in the outbox (other profiles, retired clients)."""
        for prof in self.outbox.glob("*.profile.json"):
            p = self._read_json(prof) or {}
            self._retired.update(p.get("retired") or [])
        for path in sorted(self.outbox.glob("*.jsonl")):
            if path.name == "status.jsonl" or path in self._streams or not path.is_file() or self._superseded(path):
                continue
            recs, off = read_stream(path, 0)
            if recs and recs[0].get("k") == "header":
                try:
                    v = check_schema(recs[0], path, journal_mod.JOURNAL_SCHEMA)
                except StoreError as exc:
                    self.warnings.append(str(exc))
                    self._streams[path] = 1 << 62
                    continue
                recs = journal_mod.upcast(recs, v)
            client_id = (recs[0].get("client_id") if recs else None) or path.name.split(".")[0]
            self._streams[path] = off
            self._ingest_records(recs, client_id)

    # ------------------------------------------------------------------ refresh / subscribe

    def refresh(self, *, force: bool = False) -> bool:
        """Pick up other processes' saves, push results and cache writes.

        Subscribers get a ``StoreChange("external")`` when something changed.
        """
        changed = self._refresh(force)
        if changed:
            self._notify(StoreChange("external"))
        return changed

    def _refresh(self, force: bool) -> bool:
        with self._lock:
            now = time.monotonic()
            if not force and now - self._last_refresh < self.refresh_interval:
                return False
            self._last_refresh = now
            changed = False
            recs, off, ino = read_stream_of(self.outbox / "status.jsonl", self._status_offset)
            if ino is not None and self._status_ino is not None and ino != self._status_ino:
                self._restatus(self._reload_status())
                changed = True
            elif recs:
                self._status_offset = off
                self._status_ino = ino
                ids = self._apply_status(r for r in recs if r.get("k") != "header")  # type: ignore[arg-type]
                self._restatus(ids)
                changed = True
            for path in sorted(self.outbox.glob("*.jsonl")):
                if path.name == "status.jsonl" or not path.is_file():
                    continue
                if self._journal is not None and path == self._journal.path or self._superseded(path):
                    continue
                off = self._streams.get(path, 0)
                try:
                    size = path.stat().st_size
                except FileNotFoundError:
                    continue
                if size <= off:
                    continue
                recs, new_off = read_stream(path, off)
                if off == 0 and recs and recs[0].get("k") == "header":
                    try:
                        check_schema(recs[0], path, journal_mod.JOURNAL_SCHEMA)
                    except StoreError:
                        self._streams[path] = 1 << 62
                        continue
                self._streams[path] = new_off
                if recs:
                    client_id = path.name.split(".")[0]
                    self._ingest_records(recs, client_id)
                    changed = True
            if self.cache.changed_on_disk():
                self.cache.refresh()
                self.overlay.invalidate()
                self._restatus(list(self._ops))
                changed = True
            if self.cache.problems and not self.read_only:
                # a damaged document found while reading: rebuild (pending work is untouched)
                self.rebuild_cache(reason=list(self.cache.problems))
                changed = True
            return changed

    def _maybe_refresh(self) -> None:
        if time.monotonic() - self._last_refresh >= self.refresh_interval:
            self.refresh()

    def subscribe(self, callback: Callable[[StoreChange], None]) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(callback)
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._watch, name="store-watch", daemon=True)
                self._watcher.start()

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            try:
                self.refresh(force=True)
            except Exception:  # noqa: BLE001
                log.exception("store watcher")

    def _notify(self, change: StoreChange) -> None:
        for cb in list(self._subscribers):
            try:
                cb(change)
            except Exception:  # noqa: BLE001
                log.exception("store subscriber failed")

    # ------------------------------------------------------------------ saving

    def save(self, ops: list[dict]) -> list[dict]:
        """Append ``ops`` as one journal record and fsync; returns the saved ops.

        Raises StoreError (Persian) when nothing could be made durable; then nothing
        was acknowledged and the caller keeps its form data.
        """
        if not ops:
            return []
        if self.read_only or self._journal is None:
            if self._read_only_error is not None:
                raise self._read_only_error
            raise StoreError(
                "این پنجره فقط‌خواندنی است (پروفایل در برنامهٔ دیگری باز است)؛ ثبت انجام نشد.",
                code="read_only_store",
            )
        with self._lock:
            if self._closed:
                raise StoreError("حافظهٔ محلی بسته شده است؛ ثبت انجام نشد.", code="closed")
            prepared = []
            seq = self._next_seq
            seen_codes = set()
            for op in ops:
                if not isinstance(op, dict) or not op.get("op_id") or not op.get("type"):
                    raise StoreError("عملیات نامعتبر است؛ ثبت انجام نشد.", code="invalid_op")
                o = dict(op)
                o["client_id"] = self.client_id
                o["client_seq"] = seq
                seq += 1
                if self.signer is not None:
                    o = self.signer(o)
                if o["type"] == "case.register":
                    code = (o.get("payload") or {}).get("tracking_code")
                    if code in seen_codes:
                        raise StoreError("کد رهگیری تکراری است؛ ثبت انجام نشد.", code="duplicate_code")
                    seen_codes.add(code)
                prepared.append(o)
            self._journal.append([{"k": "ops", "ops": prepared}])
            # durable from here on
            self._next_seq = seq
            self._ingest_records([{"k": "ops", "ops": prepared}], self.client_id)
            keys = frozenset((entity_of(o), o.get("entity_id")) for o in prepared)
        self._notify(StoreChange("saved", keys, tuple(o["op_id"] for o in prepared)))
        return [dict(o) for o in prepared]

    def save_bulk(self, ops: list[dict]) -> int:
        """Like :meth:`save` for imports: one record, one fsync, but the ops are not kept
        in this process's memory (other processes and the next open pick them up)."""
        if not ops:
            return 0
        if self.read_only or self._journal is None:
            raise StoreError("این پنجره فقط‌خواندنی است؛ ثبت انجام نشد.", code="read_only_store")
        with self._lock:
            seq = self._next_seq
            prepared = []
            for op in ops:
                o = dict(op)
                o["client_id"] = self.client_id
                o["client_seq"] = seq
                seq += 1
                prepared.append(self.signer(o) if self.signer is not None else o)
            self._journal.append([{"k": "ops", "ops": prepared}])
            self._next_seq = seq
            for o in prepared:
                self._tc_seen(o)
        return len(prepared)

    def next_tracking_code(self) -> str:
        """A tracking code unique for this desk; recorded when the op using it is saved."""
        from samad_desk.domain.tracking import make_tracking_code

        with self._lock:
            cno = self.client_no
            n = self._tc_next.get(cno, 1)
            self._tc_next[cno] = n + 1
            return make_tracking_code(cno, n)

    @property
    def client_no(self) -> int:
        return int(self._state.get("client_no") or 1)

    # ------------------------------------------------------------------ queries

    def get(self, entity: str, id: str) -> dict | None:  # noqa: A002
        self._maybe_refresh()
        with self._lock:
            doc = self.overlay.get(entity, id)
            return dict(doc) if doc is not None else None

    def case_by_tracking_code(self, code: str) -> dict | None:
        self._maybe_refresh()
        with self._lock:
            cid = self.overlay.tc.get(code)
            if cid is not None:
                doc = self.overlay.get("case", cid)
                if doc is not None and doc.get("tracking_code") == code:
                    return dict(doc)
            for cid in self.cache.lookup("case", "tc", code):
                doc = self.overlay.get("case", cid)
                if doc is not None and doc.get("tracking_code") == code:
                    return dict(doc)
            return None

    def cases_of_citizen(self, citizen_id: str) -> list[dict]:
        self._maybe_refresh()
        with self._lock:
            ids = list(dict.fromkeys([*self.cache.lookup("case", "cit", citizen_id), *self.overlay.cit.get(citizen_id, ())]))
            out = []
            for cid in ids:
                doc = self.overlay.get("case", cid)
                if doc is not None and doc.get("citizen_id") == citizen_id:
                    out.append(dict(doc))
            out.sort(key=lambda d: d.get("registered_at") or "", reverse=True)
            return out

    def cartable(self, agency_id: str, states: Iterable[str] | None = None) -> list[dict]:
        """Cases of an agency in ``states`` (default: referred, in_progress), earliest due first.

        The sorted result is memoized until the cache or the pending ops change, so a
        screen refreshing its cartable costs a list copy. The rows are shared, read-only
        :class:`FrozenRow` dicts (mutating one raises ``TypeError``; ``dict(row)`` copies).
        """
        self._maybe_refresh()
        want = tuple(states) if states is not None else CARTABLE_STATES
        with self._lock:
            ov = self.overlay
            memo_key = (agency_id, want)
            hit = self._cartable_memo.get(memo_key)
            if hit is not None and hit[0] == (ov.version, self.cache.version):
                return list(hit[1])
            base_hit = self._cartable_base.get(memo_key)
            if base_hit is None or base_hit[0] != self.cache.version:
                rows = {}
                for st in want:
                    for doc in self.cache.find("case", "cart", f"{agency_id}\x1f{st}"):
                        rows[doc["id"]] = doc if isinstance(doc, FrozenRow) else FrozenRow(doc)
                base = sorted((_cart_key(r), r) for r in rows.values())
                if len(self._cartable_base) > 64:
                    self._cartable_base.clear()
                self._cartable_base[memo_key] = (self.cache.version, base)
            else:
                base = base_hit[1]
            if ov.by_entity:
                if self._cached_agency[0] != self.cache.version:
                    self._cached_agency = (self.cache.version, {})
                agency_of = self._cached_agency[1]
                cands = set(ov.agency.get(agency_id, ()))
                for cid, ops in ov.by_entity.items():
                    if cid in cands:
                        continue
                    ag = agency_of.get(cid, _MISSING)
                    if ag is _MISSING:
                        cached = self.cache.get("case", cid) if entity_of(ops[0]) == "case" else None
                        ag = agency_of[cid] = cached.get("agency_id") if cached is not None else None
                    if ag == agency_id:
                        cands.add(cid)
                merged = list(base)
                if cands:
                    by_id = self._cartable_base_ids(memo_key, base)
                    for cid in cands:
                        key = by_id.get(cid)
                        if key is not None:
                            i = bisect.bisect_left(merged, (key,))
                            if i < len(merged) and merged[i][0] == key:
                                del merged[i]
                for cid in cands:
                    doc = ov.get("case", cid)
                    if doc is not None and doc.get("agency_id") == agency_id and doc.get("state") in want:
                        row = doc if isinstance(doc, FrozenRow) else FrozenRow(doc)
                        bisect.insort(merged, (_cart_key(row), row))
            else:
                merged = base
            items = [r for _, r in merged]
            if len(self._cartable_memo) > 64:
                self._cartable_memo.clear()
            self._cartable_memo[memo_key] = ((ov.version, self.cache.version), items)
            return list(items)

    def _cartable_base_ids(self, memo_key: tuple, base: list) -> dict:
        hit = self._cartable_base_index.get(memo_key)
        if hit is None or hit[0] is not base:
            hit = (base, {row["id"]: key for key, row in base})
            self._cartable_base_index[memo_key] = hit
        return hit[1]

    def preload(self, agency_ids: Iterable[str] | None = None) -> int:
        """Read the open cartables into memory (all agencies by default). Returns rows."""
        ids = list(agency_ids) if agency_ids is not None else [a["id"] for a in self.agencies()]
        return sum(len(self.cartable(a)) for a in ids)

    def citizen_by_national_id(self, nid: str) -> dict | None:
        self._maybe_refresh()
        with self._lock:
            doc = _ReaderShim(self).citizen_by_national_id(nid)
            return doc

    def citizens_by_mobile(self, mobile: str) -> list[dict]:
        self._maybe_refresh()
        from samad_desk.store.cache import _mobile_key

        key = _mobile_key({"mobile": mobile})
        if key is None:
            return []
        with self._lock:
            ids = list(dict.fromkeys([*self.cache.lookup("citizen", "mob", key), *self.overlay.mob.get(key, ())]))
            out = []
            for cid in ids:
                doc = self.overlay.get("citizen", cid)
                if doc is not None and _mobile_key(doc) == key:
                    out.append(dict(doc))
            return out

    def synced_case_history(self, case_id: str) -> dict[str, dict] | None:
        """The events of a case as the server sent them (no pending ops), by id; ``None``
        when the cache does not hold the case (its hash chain is checked against these:
        sync/chains.py)."""
        self._maybe_refresh()
        with self._lock:
            if self.cache.get("case", case_id) is None:
                return None
            out = {}
            for eid in self.cache.lookup("event", "case", case_id):
                doc = self.cache.get("event", eid)
                if doc is not None and doc.get("case_id") == case_id:
                    out[eid] = dict(doc)
            return out

    def events_of_case(self, case_id: str) -> list[dict]:
        self._maybe_refresh()
        with self._lock:
            evs: dict[str, dict] = {}
            for eid in self.cache.lookup("event", "case", case_id):
                doc = self.cache.get("event", eid)
                if doc is not None:
                    evs[eid] = dict(doc)
            for ev in self.overlay.events_of_case(case_id):
                evs[ev["id"]] = dict(ev)
        return sorted(evs.values(), key=_event_order)

    def events_of_citizen(self, citizen_id: str) -> list[dict]:
        """Citizen-level events (``citizen.upsert``, ``.merge``, ``.unmerge``) concerning
        ``citizen_id``, synced and pending, oldest first. One not yet synced carries
        ``"pending": True``. Read through the cache's ``event/cit`` index (one lookup)."""
        self._maybe_refresh()
        with self._lock:
            return _with_pending(self.cache.find("event", "cit", citizen_id),
                                 self.overlay.events_of_citizen(citizen_id))

    def citizen_events_of_kind(self, kind: str) -> list[dict]:
        """Every citizen-level event of one kind (``citizen.merge``, …), synced (the cache's
        ``event/ckind`` index) and pending (``"pending": True``), oldest first."""
        self._maybe_refresh()
        with self._lock:
            return _with_pending(self.cache.find("event", "ckind", kind), self.overlay.events_of_kind(kind))

    def agencies(self) -> list[dict]:
        self._maybe_refresh()
        with self._lock:
            return [dict(d) for d in self.cache.iter_docs("agency")]

    def iter_entities(self, entity: str) -> Iterator[dict]:
        """Every entity of a kind (cache + overlay), streamed; don't hold the lock long."""
        self._maybe_refresh()
        with self._lock:
            overlaid = {eid for eid, ops in self.overlay.by_entity.items() if any(entity_of(o) == entity for o in ops)}
        for doc in self.cache.iter_docs(entity):
            if doc["id"] in overlaid:
                continue
            yield dict(doc)
        for eid in overlaid:
            with self._lock:
                doc = self.overlay.get(entity, eid)
            if doc is not None:
                yield dict(doc)

    # ------------------------------------------------------------------ sync engine side

    def _unanswered(self, op: dict) -> bool:
        op_id = op["op_id"]
        return (self._ops.get(op_id) is op and op_id not in self._results and op_id not in self._dismissed
                and int(op.get("client_seq") or 0) > self._acks.get(op.get("client_id") or "", 0))

    def pending_ops(self, limit: int = 100, client_id: str | None = None) -> list[dict]:
        """Unacknowledged ops of this desk's client (or ``client_id``), in client_seq order."""
        self._maybe_refresh()
        cid = client_id or self.client_id
        with self._lock:
            cached = self._pending_lists.get(cid)
            if cached is None or cached[0] != self._ops_gen:
                ops = [o for o in self._ops.values() if o.get("client_id") == cid and self._unanswered(o)]
                ops.sort(key=lambda o: int(o["client_seq"]))
                cached = self._pending_lists[cid] = [self._ops_gen, ops, 0]
            ops, start = cached[1], cached[2]
            while start < len(ops) and not self._unanswered(ops[start]):
                start += 1  # answers come in order: the answered prefix is skipped for good
            cached[2] = start
            out: list[dict] = []
            for o in itertools.islice(ops, start, None):
                if len(out) >= limit:
                    break
                if self._unanswered(o):
                    out.append(dict(o))
            return out

    def pending_clients(self) -> list[str]:
        """Client ids in this data directory that have unpushed ops."""
        with self._lock:
            return sorted({o.get("client_id") for o in self._ops.values()
                           if o["op_id"] not in self._results and o["op_id"] not in self._dismissed
                           and int(o.get("client_seq") or 0) > self._acks.get(o.get("client_id") or "", 0)})

    def record_results(self, results: list[dict]) -> None:
        """Record push answers (applied / duplicate / rejected) durably."""
        recs = []
        for r in results:
            if r.get("status") not in FINAL or not r.get("op_id"):
                continue
            rec = {"k": "result", "at": _now_iso()}
            rec.update({k: v for k, v in r.items() if k != "k"})
            op = self._ops.get(r["op_id"])
            if op is not None:
                rec.setdefault("client_id", op.get("client_id"))
                rec.setdefault("client_seq", op.get("client_seq"))
            recs.append(rec)
        if not recs:
            return
        with self._lock:
            self._append_status(recs)
            ids = self._apply_status(recs)
            self._restatus(ids)
        self._notify(StoreChange("status", op_ids=tuple(ids)))

    def held_through(self, client_id: str) -> int:
        """The highest ``client_seq`` of ``client_id`` this desk holds as acknowledged
        (by a pull ack or a push result)."""
        with self._lock:
            return max(self._acks.get(client_id, 0), self._result_top.get(client_id, 0))

    def requeue_lost(self, client_id: str, through: int) -> int:
        """Re-push after a restore: the server holds ``client_id``'s ops only through
        ``through`` (restored from a backup). The ops after it that this desk holds as
        acknowledged become pending again, in ``client_seq`` order, by a durable ``lost``
        record in the status log; the server's ``op_id`` dedup makes re-sending safe.
        Dismissed ops stay dismissed. Returns how many ops are pending again (0: nothing
        was lost, or the journal no longer holds them)."""
        if self.read_only or self.held_through(client_id) <= through:
            return 0
        rec = {"k": "lost", "client_id": client_id, "through": int(through), "at": _now_iso()}
        before = {o["op_id"] for o in self.pending_ops(limit=10**9, client_id=client_id)}
        with self._lock:
            self._append_status([rec])
            ids = self._apply_status([rec])
            for path in self._segments(client_id):
                recs, _ = read_stream(path, 0)
                self._ingest_records(recs, client_id)
            self._restatus(ids)
        n = len({o["op_id"] for o in self.pending_ops(limit=10**9, client_id=client_id)} - before)
        self._notify(StoreChange("status", op_ids=tuple(ids)))
        log.warning("client %s: server holds ops only through %s; %d ops pending again", client_id, through, n)
        return n

    def needs_attention(self) -> list[dict]:
        self._maybe_refresh()
        with self._lock:
            out = []
            for op_id, op in self._ops.items():
                r = self._results.get(op_id)
                if r is None or op_id in self._dismissed or not self._is_rejected(r):
                    continue
                item = dict(op)
                item.update({"status": "rejected", "code": r.get("code"), "message": r.get("message"),
                             "current": r.get("current"), "result": r})
                out.append(item)
            out.sort(key=lambda o: (o.get("client_time") or "", o.get("client_seq") or 0))
            return out

    def dismiss(self, op_id: str) -> None:
        with self._lock:
            self._append_status([{"k": "dismiss", "op_id": op_id, "at": _now_iso()}])
            self._apply_status([{"k": "dismiss", "op_id": op_id}])
            self._restatus([op_id])
        self._notify(StoreChange("status", op_ids=(op_id,)))

    def cursor(self) -> str | None:
        self._maybe_refresh()
        return self.cache.meta.get("cursor")

    def apply_changes(self, changes: list[dict], next_cursor: str | None, acks: dict | None = None) -> None:
        """Write a pull page into the cache (under ``sync.lock``), cursor last, then acks."""
        self._write_cache(changes, {"cursor": next_cursor, "last_sync": _now_iso()}, acks)

    def put_entities(self, changes: list[dict]) -> None:
        """Write documents read outside the pull (a case another office holds, found for a
        follow-up call) into the cache, version-checked like a pull page, under
        ``sync.lock``. The cursor and the last-sync time are left alone: a lookup racing a
        pull never sets the cursor back, and it is not a sync."""
        self._write_cache(changes, {}, None)

    def _write_cache(self, changes: list[dict], meta: dict, acks: dict | None) -> None:
        if self.read_only:
            raise StoreError("این پنجره فقط‌خواندنی است؛ به‌روزرسانی حافظهٔ محلی انجام نشد.", code="read_only_store")
        with self._lock, self._sync_lock.held():
            self.cache.refresh()
            try:
                touched = self.cache.apply(changes)
                self.cache.commit_meta(**meta)
            except OSError as exc:
                self.cache.load()
                raise from_os_error(exc, "به‌روزرسانی حافظهٔ محلی") from exc
            if acks:
                recs = [{"k": "ack", "client_id": c, "through": int(n)} for c, n in acks.items()]
                self._append_status(recs)
                self._apply_status(recs)
            self.overlay.invalidate()
            self._restatus(list(self._ops))
        self._notify(StoreChange("synced", frozenset(touched)))

    def replace_from_snapshot(self, entities: Iterable[dict], cursor: str) -> None:
        """Swap the whole cache for a server snapshot (change-shaped records)."""
        if self.read_only:
            raise StoreError("این پنجره فقط‌خواندنی است.", code="read_only_store")

        def items():
            for rec in entities:
                if rec.get("op") == "delete":
                    continue
                data = rec.get("data") if "data" in rec else rec
                if not data or not rec.get("entity"):
                    continue
                d = dict(data)
                d.setdefault("id", rec.get("id"))
                if rec.get("version") is not None:
                    d["version"] = rec["version"]
                yield rec["entity"], d

        with self._lock, self._sync_lock.held():
            self.cache.build_new(items(), {"cursor": cursor, "last_sync": _now_iso(),
                                           "epoch": uuid.uuid4().hex})
            self.overlay.invalidate()
            self._restatus(list(self._ops))
        self._notify(StoreChange("synced"))

    def rebuild_cache(self, reason: Iterable[str] = ()) -> dict:
        """Rebuild the cache from every readable document; reset the cursor if data was lost."""
        reason = list(reason)
        with self._lock, self._sync_lock.held():
            old_meta = dict(self.cache.meta)
            problems = list(reason) or self.cache.load(full_check=True)
            count = {"documents": 0}

            def items():
                for entity, raw in self.cache.salvage_items():
                    count["documents"] += 1
                    yield entity, raw

            lost = bool(problems)
            meta = {"cursor": None if lost else old_meta.get("cursor"), "epoch": old_meta.get("epoch"),
                    "last_sync": old_meta.get("last_sync"), "rebuilt_at": _now_iso(),
                    "rebuild_reason": problems}
            try:
                self.cache.build_new(items(), meta)
            except StoreError:
                raise
            self.overlay.invalidate()
            self._restatus(list(self._ops))
            if lost:
                self.alarms.append(
                    "حافظهٔ محلی آسیب دیده بود و بازسازی شد؛ داده‌ها در همگام‌سازی بعدی دوباره از سرور دریافت"
                    " می‌شوند. هیچ ثبتی از دست نرفته است."
                )
                log.warning("cache rebuilt after problems: %s", problems)
            return {"problems": problems, "documents": count["documents"], "resync": lost}

    def reset_client(self) -> str:
        """New client_id; unacknowledged ops copied under it, renumbered from 1 (op_ids kept)."""
        if self.read_only:
            raise StoreError("این پنجره فقط‌خواندنی است.", code="read_only_store")
        with self._lock:
            carry = self.pending_ops(limit=10**9)
            self._create_client(reset_from=self.client_id, carry=carry, retire_old=True)
            return self.client_id

    def client_state(self) -> dict:
        with self._lock:
            st = dict(self._state)
            st["client_id"] = self.client_id
            st["client_no"] = self.client_no
            st["next_seq"] = self._next_seq
            st["profile"] = self.profile
            st.setdefault("last_sync", self.cache.meta.get("last_sync"))
            return st

    def set_client_state(self, **values) -> None:
        """Merge values into the client state file (e.g. ``client_no`` from the server)."""
        if self.read_only:
            raise StoreError("این پنجره فقط‌خواندنی است.", code="read_only_store")
        with self._lock:
            if "client_no" in values:
                values["client_no"] = int(values["client_no"])
                values.setdefault("client_no_source", "server")
            self._state.update(values)
            self._write_state()

    def stats(self) -> dict:
        self._maybe_refresh()
        with self._lock:
            pend = [o for o in self._ops.values() if o["op_id"] not in self._results
                    and o["op_id"] not in self._dismissed
                    and int(o.get("client_seq") or 0) > self._acks.get(o.get("client_id") or "", 0)]
            oldest = None
            for o in pend:
                t = o.get("client_time")
                if t and (oldest is None or t < oldest):
                    oldest = t
            age = None
            if oldest:
                with contextlib.suppress(ValueError):
                    age = max(0.0, time.time() - datetime.fromisoformat(oldest.replace("Z", "+00:00")).timestamp())
            own = sum(1 for o in pend if o.get("client_id") == self.client_id)
            return {
                "pending": own,
                "pending_all": len(pend),
                "oldest_pending_age_s": age,
                "attention": len(self.needs_attention()),
                "last_sync": self.cache.meta.get("last_sync"),
                "cases": self.cache.count("case"),
                "citizens": self.cache.count("citizen"),
                "read_only": self.read_only,
                "alarms": list(self.alarms),
            }

    # ------------------------------------------------------------------ leadership

    def try_lead(self) -> bool:
        """Try to become this host's sync leader (non-blocking, kept until close)."""
        return self._leader_lock.acquire(blocking=False)

    @property
    def is_leader(self) -> bool:
        return self._leader_lock.fd is not None

    def release_leadership(self) -> None:
        self._leader_lock.release()

    # ------------------------------------------------------------------ closing

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        if self._watcher is not None and self._watcher is not threading.current_thread():
            self._watcher.join(timeout=2)
        with self._lock:
            if self._journal is not None:
                self._journal.close()
                self._journal = None
            cache = getattr(self, "cache", None)
            if cache is not None:
                cache.close()
            if self._profile_lock is not None:
                self._profile_lock.release()
            for lk in (getattr(self, "_leader_lock", None), getattr(self, "_sync_lock", None)):
                if lk is not None:
                    lk.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _ReaderShim:
    def __init__(self, store: Store) -> None:
        self.store = store

    def citizen_by_national_id(self, nid: str) -> dict | None:
        from samad_desk.store.overlay import _Reader

        return _Reader(self.store.overlay).citizen_by_national_id(nid)


def _tail_is_whole(path: Path, size: int, chunk: int = 1 << 20) -> bool:
    """True when the file ends with a complete, CRC-valid record and a newline."""
    with open(path, "rb") as fh:
        n = min(size, chunk)
        fh.seek(size - n)
        tail = fh.read(n)
    if not tail.endswith(b"\n"):
        return False
    start = tail.rfind(b"\n", 0, len(tail) - 1) + 1
    if start == 0 and n < size:
        return False  # a last line longer than the chunk: let the full scan decide
    return fileio.parse_crc_line(tail[start:-1]) is not None
