"""Queries: pending ops overlaid on the cache; push results, acks, indexes after pulls."""

from __future__ import annotations

import random
import threading

from samad_desk.store import Store, StoreChange
from tests.support.store import AGENCIES, agency_changes, call_ops


def _server_case(case: dict, **changes) -> dict:
    doc = dict(case)
    doc.update(changes)
    doc["version"] = int(case.get("version") or 0) + 1
    return {"entity": "case", "id": doc["id"], "version": doc["version"], "op": "put", "data": doc}


def test_pending_call_is_visible_everywhere(seeded):
    s = seeded
    ops = s.save(call_ops(s, random.Random(1), agency_id="ag-2"))
    citizen_id, case_id = ops[0]["entity_id"], ops[1]["entity_id"]
    code = ops[1]["payload"]["tracking_code"]
    case = s.get("case", case_id)
    assert case["state"] == "referred" and case["agency_id"] == "ag-2" and case["tracking_code"] == code
    assert s.case_by_tracking_code(code)["id"] == case_id
    assert [c["id"] for c in s.cartable("ag-2")] == [case_id]
    assert s.cartable("ag-1") == []
    assert s.cartable("ag-2", states=["registered"]) == []
    assert [c["id"] for c in s.cases_of_citizen(citizen_id)] == [case_id]
    assert s.citizen_by_national_id(ops[0]["payload"]["national_id"])["id"] == citizen_id
    assert [c["id"] for c in s.citizens_by_mobile(ops[0]["payload"]["mobile"])] == [citizen_id]
    assert [e["kind"] for e in s.events_of_case(case_id)] == ["register", "refer"]
    assert s.stats()["pending"] == 3
    assert {a["id"] for a in s.agencies()} == {a["id"] for a in AGENCIES}
    assert {c["id"] for c in s.iter_entities("case")} == {case_id}


def test_push_results_acks_and_pull_replace_the_overlay(seeded):
    s = seeded
    rng = random.Random(2)
    ops = s.save(call_ops(s, rng))
    case_id = ops[1]["entity_id"]
    local = s.get("case", case_id)
    s.record_results([{"op_id": o["op_id"], "client_seq": o["client_seq"], "status": "applied",
                       "seq": 100 + i, "entity_version": 1 + (i == 2)} for i, o in enumerate(ops)])
    assert s.pending_ops() == []
    assert s.get("case", case_id)["state"] == "referred"  # still overlaid until the pull
    server_doc = dict(local, version=2, due_date="2030-01-01")
    citizen = s.get("citizen", ops[0]["entity_id"])
    s.apply_changes(
        [{"entity": "case", "id": case_id, "version": 2, "op": "put", "data": server_doc},
         {"entity": "citizen", "id": citizen["id"], "version": 1, "op": "put", "data": dict(citizen, version=1)}],
        "cur-2", {s.client_id: ops[-1]["client_seq"]},
    )
    assert s.cursor() == "cur-2"
    assert not s.overlay.by_entity  # nothing overlaid any more
    assert s.get("case", case_id)["due_date"] == "2030-01-01"
    assert s.case_by_tracking_code(local["tracking_code"])["version"] == 2
    assert s.stats()["pending"] == 0
    s.close()
    s2 = Store.open(s.data_dir, profile="op1")
    try:
        assert s2.pending_ops() == [] and s2.cursor() == "cur-2"
        assert s2.get("case", case_id)["due_date"] == "2030-01-01"
    finally:
        s2.close()


def test_rejected_op_needs_attention_until_dismissed(seeded):
    s = seeded
    ops = s.save(call_ops(s, random.Random(3)))
    refer = ops[2]
    s.record_results([
        {"op_id": ops[0]["op_id"], "client_seq": 1, "status": "applied", "seq": 1},
        {"op_id": ops[1]["op_id"], "client_seq": 2, "status": "applied", "seq": 2},
        {"op_id": refer["op_id"], "client_seq": 3, "status": "rejected", "code": "invalid_transition",
         "message": "پرونده بسته شده است", "current": {"state": "closed", "version": 9}},
    ])
    att = s.needs_attention()
    assert [a["op_id"] for a in att] == [refer["op_id"]]
    assert att[0]["code"] == "invalid_transition" and att[0]["current"]["state"] == "closed"
    assert s.get("case", ops[1]["entity_id"])["state"] == "registered"  # refer left the overlay
    assert s.stats()["attention"] == 1 and s.pending_ops() == []
    s.close()
    s2 = Store.open(s.data_dir, profile="op1")
    try:
        assert [a["op_id"] for a in s2.needs_attention()] == [refer["op_id"]]
        s2.dismiss(refer["op_id"])
        assert s2.needs_attention() == []
    finally:
        s2.close()
    s3 = Store.open(s.data_dir, profile="op1")
    try:
        assert s3.needs_attention() == []
    finally:
        s3.close()


def test_indexes_follow_applied_changes(seeded):
    s = seeded
    base = {"tracking_code": "000010000012", "citizen_id": "cit-1", "agency_id": "ag-1", "state": "referred",
            "due_date": "2030-01-05"}
    s.apply_changes([{"entity": "case", "id": "k1", "version": 1, "op": "put", "data": dict(base, id="k1")},
                     {"entity": "case", "id": "k2", "version": 1, "op": "put",
                      "data": dict(base, id="k2", tracking_code="000010000020", due_date="2030-01-01")}], "c1", {})
    assert [c["id"] for c in s.cartable("ag-1")] == ["k2", "k1"]  # earliest due first
    k1 = s.get("case", "k1")
    s.apply_changes([_server_case(k1, agency_id="ag-3", state="in_progress")], "c2", {})
    assert [c["id"] for c in s.cartable("ag-1")] == ["k2"]
    assert [c["id"] for c in s.cartable("ag-3")] == ["k1"]
    assert s.cartable("ag-3", states=["referred"]) == []
    # an older version arriving late is ignored
    s.apply_changes([{"entity": "case", "id": "k1", "version": 1, "op": "put", "data": dict(base, id="k1")}], "c3", {})
    assert s.get("case", "k1")["agency_id"] == "ag-3"
    # citizen moves, tracking code lookup, deletion
    s.apply_changes([_server_case(s.get("case", "k2"), citizen_id="cit-9")], "c4", {})
    assert s.cases_of_citizen("cit-1") == [s.get("case", "k1")]
    assert [c["id"] for c in s.cases_of_citizen("cit-9")] == ["k2"]
    s.apply_changes([{"entity": "case", "id": "k2", "version": 3, "op": "delete"}], "c5", {})
    assert s.get("case", "k2") is None and s.case_by_tracking_code("000010000020") is None
    assert s.cases_of_citizen("cit-9") == []
    # a pending local op on a cached case is overlaid on the new server state
    from samad_desk.domain import ops as domain_ops
    from tests.support.store import AGENT

    officer = dict(AGENT, role="officer", agency_id="ag-3", operator_id="op-9")
    s.save([domain_ops.case_answer(s.get("case", "k1"), "مشکل برطرف شد و به شهروند اطلاع داده شد.", officer)])
    assert s.get("case", "k1")["state"] == "answered"
    assert s.cartable("ag-3") == []
    assert [c["id"] for c in s.cartable("ag-3", states=["answered"])] == ["k1"]


def test_other_process_saves_and_pulls_are_seen(seeded, open_store):
    a = seeded
    b = open_store("op2")
    b.refresh_interval = 0
    changes: list[StoreChange] = []
    got = threading.Event()
    unsub = b.subscribe(lambda ch: (changes.append(ch), got.set()))
    ops = a.save(call_ops(a, random.Random(4)))
    assert b.get("case", ops[1]["entity_id"])["state"] == "referred"  # another journal, overlaid
    assert got.wait(5)
    a.apply_changes([{"entity": "case", "id": "z1", "version": 1, "op": "put",
                      "data": {"id": "z1", "tracking_code": "000020000017", "agency_id": "ag-5", "state": "referred"}}],
                    "cur-z", {})
    assert b.case_by_tracking_code("000020000017")["id"] == "z1"
    assert b.cursor() == "cur-z"
    unsub()
    assert any(c.kind == "external" for c in changes)


def test_reset_client_renumbers_and_keeps_op_ids(seeded, data_dir):
    s = seeded
    rng = random.Random(5)
    first = s.save(call_ops(s, rng))
    s.record_results([{"op_id": o["op_id"], "status": "applied", "seq": i} for i, o in enumerate(first)])
    second = s.save(call_ops(s, rng))
    old = s.client_id
    new = s.reset_client()
    assert new != old and s.client_id == new
    pend = s.pending_ops()
    assert [o["op_id"] for o in pend] == [o["op_id"] for o in second]
    assert [o["client_seq"] for o in pend] == [1, 2, 3] and {o["client_id"] for o in pend} == {new}
    third = s.save(call_ops(s, rng))
    assert third[0]["client_seq"] == 4
    s.close()
    s2 = Store.open(data_dir, profile="op1")
    try:
        assert s2.client_id == new
        assert [o["op_id"] for o in s2.pending_ops()] == [o["op_id"] for o in second + third]
        assert s2.get("case", second[1]["entity_id"])["state"] == "referred"
        assert s2.pending_ops(client_id=old) == []
    finally:
        s2.close()


def test_snapshot_replaces_cache_and_keeps_pending(seeded):
    s = seeded
    ops = s.save(call_ops(s, random.Random(6)))
    snap = agency_changes() + [
        {"entity": "case", "id": f"s{i}", "version": 4, "data": {"id": f"s{i}", "tracking_code": f"{i:012d}",
                                                                   "agency_id": "ag-4", "state": "in_progress"}}
        for i in range(50)
    ]
    s.replace_from_snapshot(snap, "snap-cursor")
    assert s.cursor() == "snap-cursor"
    assert len(s.cartable("ag-4")) == 50
    assert s.get("case", ops[1]["entity_id"])["state"] == "referred"
    assert len(s.pending_ops()) == 3


def test_stats_and_client_state(seeded):
    s = seeded
    s.save(call_ops(s, random.Random(7)))
    st = s.stats()
    assert st["pending"] == 3 and st["oldest_pending_age_s"] is not None and st["attention"] == 0
    cs = s.client_state()
    assert cs["client_id"] == s.client_id and cs["client_no"] == 1 and cs["next_seq"] == 4
    s.set_client_state(last_login="2026-01-01")
    assert s.client_state()["last_login"] == "2026-01-01"


def test_cartable_rows_are_read_only_and_refreshed_on_change(seeded):
    import json

    import orjson
    import pytest

    s = seeded
    s.save(call_ops(s, random.Random(8), agency_id="ag-5"))
    rows = s.cartable("ag-5")
    with pytest.raises(TypeError):
        rows[0]["state"] = "closed"
    assert dict(rows[0])["state"] == "referred" and json.loads(json.dumps(rows[0]))["state"] == "referred"
    assert orjson.loads(orjson.dumps(rows))[0]["agency_id"] == "ag-5"
    s.save(call_ops(s, random.Random(9), agency_id="ag-5"))
    assert len(s.cartable("ag-5")) == 2  # memo invalidated by the save


def test_returned_documents_are_private_copies(seeded):
    s = seeded
    ops = s.save(call_ops(s, random.Random(10)))
    case = s.get("case", ops[1]["entity_id"])
    case["state"] = "closed"
    agency = s.get("agency", "ag-1")
    agency["name"] = "x"
    assert s.get("case", ops[1]["entity_id"])["state"] == "referred"
    assert s.get("agency", "ag-1")["name"] == "دستگاه 1"
    assert s.case_by_tracking_code(case["tracking_code"])["state"] == "referred"


def test_pending_merge_and_unmerge_are_overlaid(seeded):
    from samad_desk.domain import ops as domain_ops
    from tests.support.store import AGENT

    s = seeded
    a = s.save(call_ops(s, random.Random(11)))
    b = s.save(call_ops(s, random.Random(12)))
    ida, idb = a[0]["entity_id"], b[0]["entity_id"]
    sup = dict(AGENT, role="supervisor", operator_id="op-sup")
    merge = s.save([domain_ops.citizen_merge(ida, [idb], {"city": "تاکستان"}, sup)])[0]
    assert s.get("citizen", ida)["city"] == "تاکستان"  # the survivor's chosen values, before sync
    assert s.get("citizen", idb)["merged_into"] == ida
    assert s.get("event", merge["op_id"]) is None  # only by its derived id
    s.save([domain_ops.citizen_unmerge(ida, merge["op_id"], sup)])
    assert s.get("citizen", idb)["merged_into"] is None
    assert s.get("citizen", ida)["city"] == "قزوین"
    assert s.citizen_by_national_id(b[0]["payload"]["national_id"])["id"] == idb


def test_put_entities_leaves_the_cursor_and_last_sync_alone(seeded):
    """A case read through the server's lookup (another office's) is written like a pull
    page, but it is not a sync: the cursor never moves back, the last-sync time stays."""
    s = seeded
    meta_before = dict(s.cache.meta)
    case = {"id": "case-remote", "tracking_code": "000990000017", "citizen_id": "cit-remote",
            "state": "referred", "agency_id": "ag-1", "version": 3}
    s.put_entities([{"entity": "case", "id": case["id"], "op": "put", "version": 3, "data": case}])
    assert s.get("case", "case-remote")["version"] == 3
    assert s.cursor() == meta_before["cursor"] and s.cache.meta.get("last_sync") == meta_before.get("last_sync")
    s.put_entities([{"entity": "case", "id": case["id"], "op": "put", "version": 2, "data": dict(case, version=2)}])
    assert s.get("case", "case-remote")["version"] == 3  # version-checked like a pull
    s.put_entities([{"entity": "case", "id": case["id"], "op": "delete"}])
    assert s.get("case", "case-remote") is None


def test_push_result_and_dismiss_notices_name_the_ops_entities(seeded):
    """A push result (or a dismissal) can take an op's effect out of the overlay: its
    "status" notice names the entities of the answered ops, so a reader (the reports'
    FactsCache) re-reads those instead of everything."""
    s = seeded
    ops = s.save(call_ops(s, random.Random(4)))
    citizen_id, case_id = ops[0]["entity_id"], ops[1]["entity_id"]
    changes: list[StoreChange] = []
    s.subscribe(changes.append)
    s.record_results([{"op_id": ops[2]["op_id"], "client_seq": 3, "status": "rejected", "code": "x"}])
    assert [(c.kind, c.keys) for c in changes] == [("status", frozenset({("case", case_id)}))]
    s.record_results([{"op_id": ops[0]["op_id"], "client_seq": 1, "status": "applied", "seq": 1}])
    assert changes[-1].keys == frozenset({("citizen", citizen_id)})
    s.dismiss(ops[2]["op_id"])
    assert changes[-1].kind == "status" and changes[-1].keys == frozenset({("case", case_id)})
