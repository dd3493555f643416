"""Compaction of the outbox: the journal and the status log stop growing forever.

**Journal.** Acknowledged operations older than a horizon fold into a *checkpoint*: the
owner writes a new segment of its journal (``<client_id>.0002.jsonl``, then ``.0003`` …)
holding a header, one checkpoint record and every op that must stay (pending, refused and
not dismissed, answered but not yet covered by a pull ack, or acknowledged within the
horizon), then deletes the old segment. The checkpoint keeps what the folded ops still
meant to the desk: the next ``client_seq`` and the tracking-code counters (codes are
recomputed from the journals at open; without it a code could be handed out twice).

The horizon is the server's backup RPO (store-and-sync.md §2.2, §3.10): an op older than
that is in every backup the server could be restored from, so it never needs re-pushing
(``requeue_lost``). Default 14 days (:data:`COMPACT_HORIZON_S`).

**Status log.** ``status.jsonl`` is rewritten to the outcome of every op still held by a
journal of this data directory (results, dismissals) plus one ack per client; results of
folded ops are dropped. Other processes notice the new inode and read it again.

**Crash safety**, whatever the moment of a SIGKILL or power cut:

1. the new segment is written to a temp file, fsynced, renamed, directory fsynced
   (``fileio.atomic_write``): it exists whole or not at all;
2. only then the old segment is deleted. Until it is, both exist and the highest segment
   of a client wins (readers ignore lower ones; the owner deletes them at open);
3. the status log is replaced the same way, after the journal: a crash between leaves
   extra status records for folded ops, which are harmless.

Everything runs under the store lock and ``status.lock``, so no save, result or ack
interleaves with it.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

from samad_desk.store import fileio
from samad_desk.store.errors import StoreError, from_os_error
from samad_desk.store.journal import AppendFile, encode, read_stream, scan_bytes
from samad_desk.store.locks import Flock
from samad_desk.store.state import StoreState, now_iso

#: acknowledged ops younger than this stay in the journal (the server's backup RPO)
COMPACT_HORIZON_S = 14 * 24 * 3600.0
#: the status log is rewritten only when that drops at least half of it plus this many lines
STATUS_SLACK = 1000


def segment_of(path: Path) -> int:
    """``c-….0003.jsonl`` -> 3 (0 when the name has no segment number)."""
    parts = path.name.split(".")
    return int(parts[1]) if len(parts) >= 3 and parts[1].isdigit() else 0


def segment_path(outbox: Path, client_id: str, segment: int) -> Path:
    return outbox / f"{client_id}.{segment:04d}.jsonl"


def _epoch(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


class CompactionMixin(StoreState):
    """``Store.compact()``; mixed into :class:`samad_desk.store.store.Store`."""

    def compact(self, horizon_s: float = COMPACT_HORIZON_S, *, now: float | None = None) -> dict:
        """Fold acknowledged ops older than ``horizon_s`` into a checkpoint and compact the
        status log. Returns what it did (ops folded and kept, bytes before and after)."""
        if self.read_only or self._journal is None:
            raise StoreError("این پنجره فقط‌خواندنی است؛ فشرده‌سازی انجام نشد.", code="read_only_store")
        cutoff = (time.time() if now is None else now) - horizon_s
        with self._lock, Flock(self.outbox / "status.lock").held():
            self._refresh(force=True)
            before = self._outbox_bytes()
            try:
                folded, kept = self._fold_journal(cutoff)
                status_records = self._compact_status()
            except OSError as exc:
                raise from_os_error(exc, "فشرده‌سازی دفتر") from exc
            return {"folded": folded, "kept": kept, "status_records": status_records,
                    "bytes_before": before, "bytes_after": self._outbox_bytes()}

    # --- journal --------------------------------------------------------------------------
    def _outbox_bytes(self) -> int:
        return sum(_size(p) for p in self.outbox.glob("*.jsonl"))

    def _foldable(self, op: dict, cutoff: float) -> bool:
        if not self._done(op):
            return False  # pending, refused and not dismissed, or answered but not yet acked
        result = self._results.get(op.get("op_id") or "") or {}
        when = _epoch(result.get("at")) or _epoch(op.get("client_time"))
        return when is not None and when < cutoff

    def _fold_journal(self, cutoff: float) -> tuple[int, int]:
        assert self._journal is not None
        path = self._journal.path
        scan = scan_bytes(path.read_bytes())
        if scan.header is None or scan.corrupt_at is not None or scan.torn_tail:
            return 0, 0  # damage is the next open's business, never compaction's
        folded = kept = 0
        through = 0
        previous: dict = {}
        keep: list[dict] = []
        for rec in scan.records[1:]:
            kind = rec.get("k")
            if kind == "checkpoint":
                previous = rec
                continue
            if kind != "ops":
                keep.append(rec)
                continue
            ops = []
            for op in rec.get("ops") or []:
                if self._foldable(op, cutoff):
                    folded += 1
                    through = max(through, int(op.get("client_seq") or 0))
                else:
                    ops.append(op)
            kept += len(ops)
            if ops:
                keep.append({**rec, "ops": ops})
        if not folded:
            return 0, kept
        segment = max(segment_of(path), 1) + 1
        header = {**scan.header, "segment": segment, "compacted_at": now_iso(), "compacted_from": path.name}
        checkpoint = {
            "k": "checkpoint",
            "through_seq": max(through, int(previous.get("through_seq") or 0)),
            "next_seq": self._next_seq,
            "folded": folded + int(previous.get("folded") or 0),
            "tc_next": {str(k): v for k, v in sorted(self._tc_next.items())},
            "at": now_iso(),
        }
        new_path = segment_path(self.outbox, self.client_id, segment)
        fileio.atomic_write(new_path, [encode(r) for r in (header, checkpoint, *keep)])
        fileio.IO.crash_point("compact_after_new_segment")
        self._journal.close()
        self._journal = AppendFile(new_path)
        self._streams[new_path] = self._journal.size
        self._streams.pop(path, None)
        os.unlink(path)
        fileio.IO.fsync_dir(self.outbox)
        fileio.IO.crash_point("compact_after_old_segment")
        return folded, kept

    # --- status log ----------------------------------------------------------------------
    def _held_op_ids(self) -> set[str]:
        """Op ids in every live journal segment of this data directory (all profiles)."""
        ids: set[str] = set()
        for path in self.outbox.glob("*.jsonl"):
            if path.name == "status.jsonl" or self._superseded(path):
                continue
            recs, _ = read_stream(path, 0)
            for rec in recs:
                if rec.get("k") == "ops":
                    ids.update(op.get("op_id") for op in rec.get("ops") or [] if op.get("op_id"))
        return ids

    def _compact_status(self) -> int:
        """Rewrite ``status.jsonl`` to the outcomes of ops still held (caller holds
        ``status.lock``, and the in-memory status is up to date); only when that at least
        halves it (1,000 lines of slack). Returns the records written (0: left alone)."""
        from samad_desk.store.journal import STATUS_SCHEMA

        held = self._held_op_ids()
        records: list[dict] = [{"k": "header", "schema": STATUS_SCHEMA, "created_at": now_iso(),
                                "compacted_at": now_iso()}]
        records += [{"k": "ack", "client_id": c, "through": n} for c, n in sorted(self._acks.items())]
        records += [r for op_id, r in self._results.items() if op_id in held]
        records += [{"k": "dismiss", "op_id": op_id} for op_id in sorted(self._dismissed) if op_id in held]
        path = self.outbox / "status.jsonl"
        try:
            lines = path.read_bytes().count(b"\n")
        except FileNotFoundError:
            lines = 0
        if lines < 2 * len(records) + STATUS_SLACK:
            return 0  # not worth a rewrite (and every other process re-reading it)
        fileio.atomic_write(path, [encode(r) for r in records])
        fileio.IO.crash_point("compact_after_status")
        for op_id in [i for i in self._results if i not in held]:
            del self._results[op_id]
        self._dismissed.intersection_update(held)
        st = path.stat()
        self._status_offset = st.st_size
        self._status_ino = st.st_ino
        self._status_known = (st.st_ino, st.st_size)
        return len(records)
