"""The push half of a sync round: send every pending op in bounded batches, in order.

At most one push is in flight per client (the engine's round lock). Each answer's
outcomes go to the store at once; a ``gap`` below the first op sent means the server lost
ops (restored from a backup) and they are queued again; a client reset (a cloned desk, a
damaged journal) continues under a fresh client id. Pure core.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from samad_desk.sync.backoff import Aimd
from samad_desk.sync.errors import Cancelled, ClientResetRequired, SyncError, TransientError

log = logging.getLogger("samad_desk.sync")

#: store-and-sync.md §3.8 batch limits
PUSH_MAX_OPS = 100
PUSH_MAX_BYTES = 256 * 1024
MAX_RESETS_PER_ROUND = 3


class PushMixin:
    """Pushing and the acknowledgements of :class:`~samad_desk.sync.engine.SyncEngine`."""

    store: Any
    client: Any
    reporter: Any
    counters: dict[str, int]
    push_size: Aimd
    _round_counts: dict[str, int]
    _stop: Any
    _runner: Any

    def _check_cancel(self) -> None:
        """Between two requests of a round: stop when the engine's thread is told to (a
        quitting desk); an op sent and not answered is simply sent again next time."""
        if self._stop.is_set() and threading.current_thread() is self._runner:
            raise Cancelled()

    if TYPE_CHECKING:  # provided by the engine's other parts
        def _note_server_time(self) -> None: ...  # StatusMixin

    def _resolve_acked(self, acks: dict) -> None:
        """Before a pull page's acks retire pending ops, learn their outcomes.

        ``acks`` say the server has an op but not whether it was applied or rejected; a
        rejected op must reach "needs attention", never vanish (§3.1.5). Normally the
        push answer told us already; this covers a lost answer followed by a pull.
        """
        through = acks.get(self.store.client_id)
        if not through:
            return
        unknown = [
            op["op_id"] for op in self.store.pending_ops(limit=10**9)
            if int(op.get("client_seq") or 0) <= int(through)
        ]
        for start in range(0, len(unknown), 1000):
            answer = self.client.status(unknown[start : start + 1000])
            known = [r for r in answer.get("results") or [] if r.get("status") in ("applied", "rejected", "duplicate")]
            if known:
                self.store.record_results(known)
                self._count(known)
                if any(self._rejected(r) for r in known):
                    self.reporter.needs_attention(self.store.needs_attention())

    def _requeue_lost(self, acks: dict) -> bool:
        """Re-push after a restore. ``acks`` (the server's "I have client X up to seq N")
        below what this desk holds as acknowledged mean the server lost those ops (restored
        from a backup): the store queues them again and the next push re-sends each once
        (the server's ``op_id`` dedup answers ``duplicate`` for any it still has). True when
        the server's next expected op is pending again."""
        requeue = getattr(self.store, "requeue_lost", None)
        client_id = getattr(self.store, "client_id", None)
        if requeue is None or not client_id or client_id not in acks:
            return False
        through = int(acks[client_id] or 0)
        n = requeue(client_id, through)
        if not n:
            return False
        self.counters["requeued"] += n
        log.warning("server holds client %s only through seq %s: %d ops queued again", client_id, through, n)
        first = self.store.pending_ops(limit=1)
        return bool(first) and int(first[0].get("client_seq") or 0) == through + 1

    def _has_pending(self) -> bool:
        return bool(self.store.pending_ops(limit=1))

    def _push_all(self) -> None:
        resets = 0
        answered: set[str] = set()  # op ids answered in this round (under this client id)
        while True:
            self._check_cancel()
            ops = self.store.pending_ops(limit=self.push_size.size)
            if not ops:
                return
            ops = self._fit(ops)
            if ops[0].get("op_id") in answered:
                # the store did not move on after the last answer; don't spin
                raise SyncError("پاسخ سرور برای عملیات در صف ثبت نشد؛ بعداً دوباره تلاش می‌شود.")
            try:
                response = self.client.push(self.store.client_id, ops)
            except ClientResetRequired:
                resets += 1
                self.counters["resets"] += 1
                if resets > MAX_RESETS_PER_ROUND:
                    raise
                new_id = self.store.reset_client()
                log.warning("client reset required; new client_id %s", new_id)
                answered.clear()
                continue
            except TransientError as exc:
                if exc.timeout:
                    self.push_size.timeout()
                raise
            self._note_server_time()
            results = response.get("results") or []
            outcomes = [r for r in results if r.get("status") in ("applied", "duplicate", "rejected")]
            if outcomes:
                self.store.record_results(outcomes)
            self.push_size.success()
            self._count(outcomes)
            self.reporter.progress(self._round_counts["pushed"], self._round_counts["pulled"])
            if any(self._rejected(r) for r in outcomes):
                self.reporter.needs_attention(self.store.needs_attention())
            gap = next((r for r in results if r.get("status") == "gap"), None)
            if gap is not None:
                expected = gap.get("expected_seq")
                first = ops[0].get("client_seq")
                if expected is not None and first is not None and expected < first:
                    # The server lost ops we hold as acknowledged (restored from a backup):
                    # send them again from the journal; only if the journal no longer
                    # holds them (compacted) continue under a fresh client id.
                    if self._requeue_lost({self.store.client_id: expected - 1}):
                        answered.clear()
                        continue
                    log.warning("gap: server expects %s, first pending is %s; resetting", expected, first)
                    self.store.reset_client()
                    self.counters["resets"] += 1
                    answered.clear()
                    continue
            if not outcomes:
                # nothing accepted (e.g. only a gap at our first op): stop; the next round retries
                raise SyncError("سرور هیچ‌یک از عملیات ارسالی را نپذیرفت؛ بعداً دوباره تلاش می‌شود.")
            answered.update(r.get("op_id") for r in outcomes if r.get("op_id"))

    def _fit(self, ops: list[dict]) -> list[dict]:
        """Shrink the batch until its compressed body fits the 256 KB limit."""
        while len(ops) > 1 and self.client.encoded_size(self.store.client_id, ops, PUSH_MAX_BYTES) > PUSH_MAX_BYTES:
            ops = ops[: len(ops) // 2]
        return ops

    @staticmethod
    def _rejected(result: dict) -> bool:
        return result.get("status") == "rejected" or (
            result.get("status") == "duplicate" and result.get("original") == "rejected"
        )

    def _count(self, outcomes: list[dict]) -> None:
        for r in outcomes:
            status = "rejected" if self._rejected(r) else str(r.get("status"))
            if status == "duplicate" and r.get("original") == "applied":
                status = "duplicate"
            for bucket in (self._round_counts, self.counters):
                bucket["pushed"] += 1
                bucket[status] = bucket.get(status, 0) + 1

