"""What the store knows of each op: read from the journals (``ops`` and ``checkpoint``
records) and from the status log (push results, pull acks, dismissals, ``lost``).

An op is *held* while it is not done; a held op is *overlaid* on the cache while
the server's answer is not yet in the cache.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from samad_desk.store import fileio
from samad_desk.store import journal as journal_mod
from samad_desk.store.errors import StoreError
from samad_desk.store.journal import (
    STATUS_SCHEMA,
    AppendFile,
    check_schema,
    read_stream,
    read_stream_of,
    scan_bytes,
)
from samad_desk.store.locks import Flock
from samad_desk.store.overlay import entity_of
from samad_desk.store.state import StoreState, now_iso


class OpStatusMixin(StoreState):
    """Ingesting journal records and status records; which ops stay held and overlaid."""

    def _done(self, op: dict) -> bool:
        r = self._results.get(op["op_id"])
        if op["op_id"] in self._dismissed:
            return True
        if r is not None and self._is_rejected(r):
            return False  # stays for "needs attention" until dismissed
        return self._acked(op)

    @staticmethod
    def _is_rejected(r: dict) -> bool:
        return r.get("status") == "rejected" or (r.get("status") == "duplicate" and r.get("original") == "rejected")

    def _acked(self, op: dict) -> bool:
        """Covered by a pull ack of its client (the server holds it)."""
        return int(op.get("client_seq") or 0) <= self._acks.get(op.get("client_id") or "", 0)

    def _unpushed(self, op: dict) -> bool:
        """No push answer, not dismissed, not acknowledged: still to be pushed."""
        op_id = op["op_id"]
        return op_id not in self._results and op_id not in self._dismissed and not self._acked(op)

    def _unanswered(self, op: dict) -> bool:
        """``op`` is the held copy and still to be pushed."""
        return self._ops.get(op["op_id"]) is op and self._unpushed(op)

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
        return not self._acked(op)

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

    def _apply_status(self, recs: Iterable[dict]) -> set[str]:
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
        lock = Flock(self.outbox / "status.lock")
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
                    recs = [{"k": "header", "schema": STATUS_SCHEMA, "created_at": now_iso()}, *recs]
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
