"""The push side of sync: which ops wait to be pushed, the server's answers to them,
the refused ones that need attention, and re-pushing after a server restore.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import time
from datetime import datetime
from typing import Any

from samad_desk.store.journal import read_stream
from samad_desk.store.overlay import entity_of
from samad_desk.store.state import FINAL, StoreChange, StoreState, now_iso

log = logging.getLogger(__name__)

class PushQueueMixin(StoreState):
    """Pending ops, push results and needs-attention of a :class:`Store`."""

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
            return sorted({cid for o in self._ops.values() if (cid := o.get("client_id")) and self._unpushed(o)})

    def record_results(self, results: list[dict]) -> None:
        """Record push answers (applied / duplicate / rejected) durably."""
        recs = []
        for r in results:
            if r.get("status") not in FINAL or not r.get("op_id"):
                continue
            rec: dict[str, Any] = {"k": "result", "at": now_iso()}
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
            keys = self._keys_of_ops(ids)
            self._restatus(ids)
        self._notify(StoreChange("status", keys, tuple(ids)))

    def _keys_of_ops(self, op_ids) -> frozenset:
        """{(entity, id)} the ops ``op_ids`` touch (those still held): a push result or a
        dismissal can take an op's effect out of the overlay, so its notice names them
        (a reader such as the reports' FactsCache then re-reads only those)."""
        ops = (self._ops.get(i) for i in op_ids)
        return frozenset((entity_of(o), o.get("entity_id")) for o in ops if o is not None)

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
        rec = {"k": "lost", "client_id": client_id, "through": int(through), "at": now_iso()}
        before = {o["op_id"] for o in self.pending_ops(limit=10**9, client_id=client_id)}
        with self._lock:
            self._append_status([rec])
            ids = self._apply_status([rec])
            for path in self._segments(client_id):
                recs, _ = read_stream(path, 0)
                self._ingest_records(recs, client_id)
            keys = self._keys_of_ops(ids)
            self._restatus(ids)
        n = len({o["op_id"] for o in self.pending_ops(limit=10**9, client_id=client_id)} - before)
        self._notify(StoreChange("status", keys, tuple(ids)))
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
            self._append_status([{"k": "dismiss", "op_id": op_id, "at": now_iso()}])
            self._apply_status([{"k": "dismiss", "op_id": op_id}])
            keys = self._keys_of_ops([op_id])
            self._restatus([op_id])
        self._notify(StoreChange("status", keys, (op_id,)))

    def stats(self) -> dict:
        self._maybe_refresh()
        with self._lock:
            pend = [o for o in self._ops.values() if self._unpushed(o)]
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

