"""Compaction seen from the store: a second process follows a compacted status log, and
the ops a compaction keeps are exactly the ones that still matter. (SIGKILLs during a
compaction: tests/integration/sync/test_compaction.py, with a real server.)"""

from __future__ import annotations

import random

from samad_desk.store import compaction
from tests.support.store import call_ops


def _answer(store, ops, status="applied"):
    store.record_results([{"op_id": o["op_id"], "client_seq": o["client_seq"], "status": status,
                           "entity_version": 1} for o in ops])


def test_another_process_follows_a_compacted_status_log(open_store, monkeypatch):
    monkeypatch.setattr(compaction, "STATUS_SLACK", 0)  # rewrite even this small log
    rng = random.Random(5)
    a, b = open_store("op1"), open_store("op2")
    for _ in range(30):
        a.save(call_ops(a, rng))
    ops = a.pending_ops(limit=1000)
    _answer(a, ops[:60])
    a.apply_changes([], None, {a.client_id: ops[59]["client_seq"]})
    b.refresh(force=True)
    assert [o["op_id"] for o in b.pending_ops(limit=1000, client_id=a.client_id)] == [o["op_id"] for o in ops[60:]]
    res = a.compact(0.0)
    assert res["folded"] == 60 and res["status_records"] and res["bytes_after"] < res["bytes_before"]
    _answer(a, ops[60:70])  # appended to the new, shorter status log
    b.refresh(force=True)
    assert [o["op_id"] for o in b.pending_ops(limit=1000, client_id=a.client_id)] == [o["op_id"] for o in ops[70:]]
    b.save(call_ops(b, rng))  # b's own results land in the same log; a sees them
    refused = b.pending_ops(limit=10)
    _answer(b, refused, status="rejected")
    a.refresh(force=True)
    assert sorted(o["op_id"] for o in a.needs_attention()) == sorted(o["op_id"] for o in refused)
    assert len(b.pending_ops(limit=10, client_id=a.client_id)) == 10


def test_compaction_keeps_pending_refused_and_unacknowledged_ops(open_store, data_dir):
    rng = random.Random(6)
    s = open_store("op1")
    for _ in range(20):
        s.save(call_ops(s, rng))
    ops = s.pending_ops(limit=1000)
    _answer(s, ops[:40])                       # answered ...
    s.apply_changes([], None, {s.client_id: ops[29]["client_seq"]})  # ... 30 of them acked
    _answer(s, ops[40:41], status="rejected")  # needs attention
    code = s.next_tracking_code()
    res = s.compact(0.0)
    assert res["folded"] == 30 and res["kept"] == len(ops) - 30
    assert s.compact(3600.0)["folded"] == 0  # nothing new, and the horizon protects the rest
    s.close()
    again = open_store("op1")
    assert [o["op_id"] for o in again.pending_ops(limit=1000)] == [o["op_id"] for o in ops[41:]]
    assert [o["op_id"] for o in again.needs_attention()] == [ops[40]["op_id"]]
    assert again.next_tracking_code() > code
