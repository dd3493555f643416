"""Saving: ops appended to this desk's journal as one record and fsynced before the
call returns (journal first; the cache is only ever derived).
"""

from __future__ import annotations

from samad_desk.store.errors import StoreError
from samad_desk.store.overlay import entity_of
from samad_desk.store.state import StoreChange, StoreState


class SavingMixin(StoreState):
    """``save`` and ``save_bulk`` of a :class:`Store`."""

    def _stamped(self, op: dict, seq: int) -> dict:
        """A copy of ``op`` as this client's op number ``seq``, signed when a signer is set."""
        o = dict(op)
        o["client_id"] = self.client_id
        o["client_seq"] = seq
        return self.signer(o) if self.signer is not None else o

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
            seen_codes = set()
            for seq, op in enumerate(ops, start=self._next_seq):
                if not isinstance(op, dict) or not op.get("op_id") or not op.get("type"):
                    raise StoreError("عملیات نامعتبر است؛ ثبت انجام نشد.", code="invalid_op")
                o = self._stamped(op, seq)
                if o["type"] == "case.register":
                    code = (o.get("payload") or {}).get("tracking_code")
                    if code in seen_codes:
                        raise StoreError("کد رهگیری تکراری است؛ ثبت انجام نشد.", code="duplicate_code")
                    seen_codes.add(code)
                prepared.append(o)
            self._journal.append([{"k": "ops", "ops": prepared}])
            # durable from here on
            self._next_seq += len(prepared)
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
            prepared = [self._stamped(op, seq) for seq, op in enumerate(ops, start=self._next_seq)]
            self._journal.append([{"k": "ops", "ops": prepared}])
            self._next_seq += len(prepared)
            for o in prepared:
                self._tc_seen(o)
        return len(prepared)

