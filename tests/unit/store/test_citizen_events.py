"""The store's citizen-level events: the ``event/cit`` index and the pending overlay.

The profile's contact-details history and the merge history read them
(``Store.events_of_citizen``), so they must be complete — synced and pending, through
aliases and merges — and an older cache without the index must be upgraded in place.
"""

from __future__ import annotations

import random

from samad_desk.domain import ops as domain_ops
from samad_desk.domain.ids import uuid7
from samad_desk.store import Store
from samad_desk.store import cache as cache_mod
from tests.support.store import AGENT, call_ops


def _citizen_op(store, rng):
    return store.save(call_ops(store, rng))[0]


def _pull_everything(s: Store, before_apply=None) -> None:
    """Acknowledge every pending op and pull what it produced, as a sync would."""
    pending = s.pending_ops(limit=10_000)
    changes = []
    seen = set()
    for op in pending:
        ids = {op["entity_id"], *((op.get("payload") or {}).get("merged_ids") or [])}
        for eid in ids:
            for entity in ("citizen", "case"):
                doc = s.get(entity, eid)
                if doc is not None and (entity, eid) not in seen:
                    seen.add((entity, eid))
                    changes.append({"entity": entity, "id": eid, "version": doc.get("version") or 1,
                                    "op": "put", "data": dict(doc)})
        for cid in ids:
            for ev in s.events_of_citizen(cid):
                if ("event", ev["id"]) not in seen:
                    seen.add(("event", ev["id"]))
                    data = {k: v for k, v in ev.items() if k != "pending"}
                    changes.append({"entity": "event", "id": ev["id"], "version": 1, "op": "put", "data": data})
    if before_apply is not None:
        before_apply()
    s.record_results([{"op_id": o["op_id"], "client_seq": o["client_seq"], "status": "applied",
                       "seq": 1000 + i, "entity_version": 1} for i, o in enumerate(pending)])
    s.apply_changes(changes, f"cur-{len(changes)}", {s.client_id: pending[-1]["client_seq"]})


def test_edits_are_listed_pending_then_synced(seeded):
    s = seeded
    created = _citizen_op(s, random.Random(1))
    cid = created["entity_id"]
    before = s.get("citizen", cid)
    s.save([domain_ops.citizen_upsert({"id": cid, "version": before["version"], "mobile": "09351234567"},
                                      AGENT, base={"mobile": before["mobile"]})])
    events = s.events_of_citizen(cid)
    assert [e["kind"] for e in events] == ["citizen.upsert", "citizen.upsert"]
    assert all(e["pending"] for e in events)
    assert events[0]["data"]["created"] is True
    assert events[1]["data"]["changed"] == {"mobile": "09351234567"}
    assert events[1]["data"]["previous"] == {"mobile": before["mobile"]}

    _pull_everything(s)
    assert not s.overlay.ops
    synced = s.events_of_citizen(cid)
    assert [e["id"] for e in synced] == [e["id"] for e in events]
    assert not any(e.get("pending") for e in synced)
    # a case's events are not a citizen's
    assert all(e["case_id"] is None for e in synced)


def test_a_new_profile_with_a_known_id_folds_into_the_existing_one(seeded):
    s = seeded
    created = _citizen_op(s, random.Random(2))
    cid, nid = created["entity_id"], created["payload"]["national_id"]
    _pull_everything(s)
    alias = uuid7()
    s.save([domain_ops.citizen_upsert({"id": alias, "national_id": nid, "first_name": "علی",
                                       "last_name": "رضایی", "mobile": "09121111111"}, AGENT)])
    fold = [e for e in s.events_of_citizen(cid) if e.get("pending")]
    assert len(fold) == 1
    assert fold[0]["data"]["alias_id"] == alias and fold[0]["data"]["citizen_id"] == cid
    assert "mobile" in fold[0]["data"]["conflicts"]  # a different number was heard, kept for review
    assert s.events_of_citizen(alias) == fold


def test_merge_and_unmerge_belong_to_every_profile_involved(seeded):
    s = seeded
    a = _citizen_op(s, random.Random(3))["entity_id"]
    b = _citizen_op(s, random.Random(4))["entity_id"]
    sup = dict(AGENT, role="supervisor", operator_id="op-sup")
    merge = s.save([domain_ops.citizen_merge(a, [b], {"city": "تاکستان"}, sup)])[0]
    s.save([domain_ops.citizen_unmerge(a, merge["op_id"], sup)])
    for who in (a, b):
        kinds = [e["kind"] for e in s.events_of_citizen(who)]
        assert kinds.count("citizen.merge") == 1 and kinds.count("citizen.unmerge") == 1
    _pull_everything(s)
    for who in (a, b):
        kinds = [e["kind"] for e in s.events_of_citizen(who)]
        assert kinds == ["citizen.upsert", "citizen.merge", "citizen.unmerge"]


def test_an_older_cache_without_the_index_is_upgraded_keeping_the_cursor(seeded, data_dir, monkeypatch):
    s = seeded
    cid = _citizen_op(s, random.Random(5))["entity_id"]
    # write the pull with a cache encoder that does not know the citizen index yet
    _pull_everything(s, lambda: monkeypatch.setitem(cache_mod.INDEXES, "event",
                                                    {"case": cache_mod.INDEXES["event"]["case"]}))
    cursor = s.cursor()
    s.close()
    monkeypatch.undo()
    told: list[int] = []
    old = Store.open(data_dir, profile="op1", on_reindex=told.append)
    try:
        assert len(told) == 1 and told[0] > 0  # the desk says so before the seconds it takes
        assert old.cursor() == cursor  # nothing re-pulled
        assert not old.cache.missing_indexes()
        assert [e["kind"] for e in old.events_of_citizen(cid)] == ["citizen.upsert"]
    finally:
        old.close()


def test_missing_indexes_names_the_old_shards(seeded, monkeypatch):
    s = seeded
    _citizen_op(s, random.Random(6))
    _pull_everything(s, lambda: monkeypatch.setitem(cache_mod.INDEXES, "event",
                                                    {"case": cache_mod.INDEXES["event"]["case"]}))
    monkeypatch.undo()
    missing = s.cache.missing_indexes()
    assert missing and all(m.startswith("event.") and m.endswith(": cit, ckind") for m in missing)


def test_two_pending_profiles_with_one_id_fold_in_op_order(seeded):
    """As the server applies them: the later profile folds into the earlier one — before,
    the overlay's national-ID lookup saw the later profile while applying the earlier op
    and folded the earlier one into it."""
    s = seeded
    first = _citizen_op(s, random.Random(7))
    cid, nid = first["entity_id"], first["payload"]["national_id"]
    later = uuid7()
    s.save([domain_ops.citizen_upsert({"id": later, "national_id": nid, "first_name": "علی",
                                       "last_name": "رضایی", "mobile": "09187654321"}, AGENT)])
    assert s.get("citizen", cid)["merged_into"] is None
    assert s.get("citizen", later)["merged_into"] == cid
    assert s.citizen_by_national_id(nid)["id"] == cid
    assert [e["data"].get("created", False) for e in s.events_of_citizen(cid)] == [True, False]
