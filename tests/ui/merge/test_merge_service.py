"""The merge service without screens: validation, the duplicates queue on demo data, and
what a merge not yet synced shows on this desk."""

from __future__ import annotations

import pytest

from samad_desk.domain.reducer import event_id_for
from samad_desk.services import DeskSession, ServiceError
from samad_desk.services.merges import MergeService
from tests.support.merge import AGENT, PEOPLE, SIBLING_1, SUPERVISOR, seed_ops, seed_snapshot

CASES = {"a": 1, "b": 2, "s1": 1}


def test_refusals(store) -> None:
    ids = seed_snapshot(store, AGENT, PEOPLE, CASES)
    svc = MergeService(DeskSession(store, SUPERVISOR))
    with pytest.raises(ServiceError, match="دست‌کم دو"):
        svc.load([ids["a"], ids["a"]])
    with pytest.raises(ServiceError):
        svc.merge(ids["a"], [ids["a"]], {})
    # a national ID that belongs to a third citizen: the reducer's check, before the journal
    with pytest.raises(ServiceError, match="متعلق به شهروند دیگری"):
        svc.merge(ids["a"], [ids["b"]], {"national_id": SIBLING_1["national_id"]})
    assert store.pending_ops() == []
    assert MergeService(DeskSession(store, AGENT)).refusal() is not None
    assert MergeService(DeskSession(store, {**SUPERVISOR, "role": "admin"})).refusal() is None


def test_duplicates_among_demo_citizens(tmp_path) -> None:
    """400 generated citizens with 600 cases plus the seeded people (saved as pending ops):
    only the one real duplicate pair is queued."""
    from samad_desk.services import seed_embedded_demo
    from samad_desk.store import Store

    store = Store.open(tmp_path / "data")
    try:
        assert seed_embedded_demo(store)
        assert sum(1 for _ in store.iter_entities("citizen")) == 400
        ids = seed_ops(store, AGENT, PEOPLE, CASES)
        groups = MergeService(DeskSession(store, SUPERVISOR)).duplicates()
        assert [sorted(g.ids) for g in groups] == [sorted([ids["a"], ids["b"]])]
        assert groups[0].band == "match" and "همان تاریخ تولد" in groups[0].reasons
    finally:
        store.close()


def test_pending_merge_on_this_desk(store) -> None:
    ids = seed_snapshot(store, AGENT, PEOPLE, CASES)
    a, b = ids["a"], ids["b"]
    svc = MergeService(DeskSession(store, SUPERVISOR))
    citizens = svc.load([a, b])
    fields = svc.chosen_fields(citizens, svc.default_choices(citizens))
    op = svc.merge(a, [b], {**fields, "city": "تاکستان"})
    assert op["client_seq"] == 1 and store.pending_ops() == [op]
    # the merged profile redirects at once, its cases show on the survivor, history has it
    assert store.get("citizen", b)["merged_into"] == a
    assert {c["citizen_id"] for c in svc.cases_of(a)} == {a, b} and len(svc.cases_of(a)) == 3
    [rec] = svc.history(a)
    assert rec.pending and not rec.undone and rec.merged_ids == [b]
    assert svc.duplicates() == []  # merged: no longer in the queue
    with pytest.raises(ServiceError):
        svc.merge(a, [b], fields)  # already merged
    undo = svc.unmerge(op["op_id"])
    assert undo["type"] == "citizen.unmerge" and undo["payload"] == {"merge_op_id": op["op_id"]}
    [rec] = svc.history(a)
    assert rec.undone and rec.undo_pending
    with pytest.raises(ServiceError, match="پیش‌تر لغو"):
        svc.unmerge(op["op_id"])


def test_pending_merge_values_show_before_sync(store) -> None:
    ids = seed_snapshot(store, AGENT, PEOPLE, CASES)
    MergeService(DeskSession(store, SUPERVISOR)).merge(ids["a"], [ids["b"]], {"city": "تاکستان"})
    assert store.get("citizen", ids["a"])["city"] == "تاکستان"


def test_pending_unmerge_shows_before_sync(store) -> None:
    ids = seed_snapshot(store, AGENT, PEOPLE, CASES)
    svc = MergeService(DeskSession(store, SUPERVISOR))
    op = svc.merge(ids["a"], [ids["b"]], {})
    svc.unmerge(op["op_id"])
    assert store.get("citizen", ids["b"])["merged_into"] is None


def test_every_merge_of_the_desk_synced_and_pending(store) -> None:
    """The duplicates queue's F3 lists every merge, not one profile's: a synced merge (in
    the cache, found through the event/ckind index) and a pending one, with an unmerge."""
    ids = seed_snapshot(store, AGENT, PEOPLE, CASES)
    svc = MergeService(DeskSession(store, SUPERVISOR))
    synced = svc.merge(ids["a"], [ids["b"]], {})
    # sync it: acknowledged, and the server's event and citizens pulled into the cache
    ev = dict(store.get("event", event_id_for(synced["op_id"])))
    changes = [{"entity": "event", "id": ev["id"], "version": 1, "op": "put", "data": ev}]
    for cid in (ids["a"], ids["b"]):
        doc = store.get("citizen", cid)
        changes.append({"entity": "citizen", "id": cid, "version": doc["version"], "op": "put", "data": dict(doc)})
    store.record_results([{"op_id": synced["op_id"], "client_seq": synced["client_seq"], "status": "applied",
                           "seq": 900, "entity_version": 2}])
    store.apply_changes(changes, "cur-merged", {store.client_id: synced["client_seq"]})
    assert store.pending_ops() == []
    pending = svc.merge(ids["s1"], [ids["s2"]], {})
    svc.unmerge(pending["op_id"])
    records = svc.history()
    assert [(r.op_id, r.pending, r.undone) for r in records] == [
        (pending["op_id"], True, True), (synced["op_id"], False, False)]
    assert [r.op_id for r in svc.history(ids["b"])] == [synced["op_id"]]
