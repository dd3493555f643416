"""What every part of :class:`samad_desk.store.store.Store` shares: the constants, the
``StoreChange`` notification, and ``StoreState``, the in-memory state of one open store.

``Store`` is assembled from one mixin per job (``opening``, ``client``, ``op_status``,
``refreshing``, ``saving``, ``queries``, ``cartable``, ``push_queue``, ``cache_writes``,
``compaction``), each a subclass of ``StoreState``. The methods one part calls on another
are declared here for the type checker only (``TYPE_CHECKING``); the mixin that owns one
defines it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from samad_desk.domain.models import ANSWER_DUE_STATES
from samad_desk.store.cache import Cache
from samad_desk.store.errors import StoreError
from samad_desk.store.journal import AppendFile
from samad_desk.store.locks import Flock
from samad_desk.store.overlay import Overlay

STATE_SCHEMA = 1
CASE_STATES = ("registered", "referred", "in_progress", "answered", "closed", "returned")
#: ``cartable(agency)`` without ``states``: what is in the agency's inbox to work on.
CARTABLE_STATES = ANSWER_DUE_STATES
FINAL = ("applied", "duplicate", "rejected")


@dataclass(frozen=True)
class StoreChange:
    """What changed: ``kind`` is "saved" (own save), "synced" (cache written by this
    process), "status" (push results / dismiss: ``keys`` are the entities of the answered
    ops still held, empty when none is) or "external" (another process)."""

    kind: str
    keys: frozenset = field(default_factory=frozenset)   # {(entity, id)} when known
    op_ids: tuple[str, ...] = ()


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class StoreState:
    """The state of one open store (set up by ``Store.open``)."""

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
        self._profile_lock: Flock | None = None
        self._sync_lock: Flock
        self._leader_lock: Flock
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
    def _refuse_if_read_only(self, message: str = "این پنجره فقط‌خواندنی است.") -> None:
        if self.read_only:
            raise StoreError(message, code="read_only_store")

    if TYPE_CHECKING:  # defined by the mixins; declared for the ones calling across
        def _read_json(self, path: Path) -> dict | None: ...
        def _journal_path(self, client_id: str) -> Path: ...
        def _segments(self, client_id: str) -> list[Path]: ...
        def _superseded(self, path: Path) -> bool: ...
        def _create_journal_file(self, path: Path, client_id: str, reset_from: str | None,
                                 ops: list[dict] | None = None) -> None: ...
        def _create_client(self, *, reset_from: str | None, carry: list[dict],
                           retire_old: bool = False) -> None: ...
        def _allocate_client_no(self) -> int: ...
        def _write_state(self) -> None: ...
        def _state_path(self, client_id: str) -> Path: ...
        @property
        def client_no(self) -> int: ...
        def _done(self, op: dict) -> bool: ...
        def _unanswered(self, op: dict) -> bool: ...
        def _unpushed(self, op: dict) -> bool: ...
        def _reload_status(self) -> set[str]: ...
        @staticmethod
        def _is_rejected(r: dict) -> bool: ...
        def _tc_seen(self, op: dict) -> None: ...
        def _ingest_checkpoint(self, rec: dict, own: bool) -> None: ...
        def _ingest_records(self, records: list[dict], client_id: str) -> None: ...
        def _forget_op(self, op_id: str) -> None: ...
        def _load_status(self) -> None: ...
        def _load_streams(self) -> None: ...
        def _apply_status(self, recs: Iterable[dict]) -> set[str]: ...
        def _restatus(self, op_ids: Iterable[str]) -> None: ...
        def _append_status(self, recs: list[dict]) -> None: ...
        def _remove_superseded(self, client_id: str) -> None: ...
        def _refresh(self, force: bool) -> bool: ...
        def _maybe_refresh(self) -> None: ...
        def _notify(self, change: StoreChange) -> None: ...
        def rebuild_cache(self, reason: Iterable[str] = ()) -> dict: ...
        def pending_ops(self, limit: int = 100, client_id: str | None = None) -> list[dict]: ...
        def needs_attention(self) -> list[dict]: ...
        def agencies(self) -> list[dict]: ...
        def cartable(self, agency_id: str, states: Iterable[str] | None = None) -> list[dict]: ...
        def close(self) -> None: ...
