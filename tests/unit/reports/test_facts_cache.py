"""The desk's FactsCache: the facts of a store's cases built once, then only the cases a
store-change notice names are rebuilt; a notice that names nothing rebuilds them all;
the duplicate-citizen facts are re-read after any change."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest

from samad_desk.domain.sla import WorkingCalendar
from samad_desk.reports import synth
from samad_desk.reports.memory import DeskReports, FactsCache, facts_cache
from samad_desk.reports.spec import spec_from_dict
from samad_desk.store.store import StoreChange

CAL = WorkingCalendar()
TODAY = date(2026, 1, 10)


class FakeStore:
    """The part of the desk Store the cache reads."""

    def __init__(self, items, merges=()) -> None:
        self.cases = {c["id"]: c for c, _, _ in items}
        self.events = {e["id"]: e for _, evs, _ in items for e in evs}
        self.merges = list(merges)
        self.subscribers = []

    def subscribe(self, cb):
        self.subscribers.append(cb)
        return lambda: None

    def notify(self, *keys, kind="saved"):
        for cb in self.subscribers:
            cb(StoreChange(kind, frozenset(keys)))

    def agencies(self):
        return synth.agencies()

    def iter_entities(self, entity):
        if entity == "case":
            return iter([dict(c) for c in self.cases.values()])
        if entity == "event":
            return iter([dict(e) for e in self.events.values()])
        if entity == "operator":
            return iter(synth.operators())
        return iter(())

    def get(self, entity, eid):
        return {"case": self.cases, "event": self.events}[entity].get(eid)

    def events_of_case(self, cid):
        return [e for e in self.events.values() if e.get("case_id") == cid]

    def citizen_events_of_kind(self, kind):
        return [e for e in self.merges if e["kind"] == kind]


def total(cache: FactsCache, measures=("cases", "answered", "followups", "duplicates")) -> dict:
    desk = DeskReports(cache.facts(), {"role": "admin", "province": "qazvin"}, cache.dups())
    return desk.run(spec_from_dict({"name": "t", "measures": list(measures)}), today=TODAY, calendar=CAL).to_json()["total"]


def test_built_once_then_kept_up_case_by_case():
    items = list(synth.generate(60, 5))
    store = FakeStore(items, synth.merges(6, 2))
    cache = facts_cache(store, CAL)
    assert facts_cache(store, CAL) is cache  # one cache per store
    before = total(cache)
    assert cache.builds == 1 and before["cases"] > 0 and before["duplicates"] > 0
    assert total(cache) == before and cache.builds == 1 and cache.updates == 0  # nothing changed: no work
    admin = {"role": "admin", "province": "qazvin"}
    desk = cache.desk(admin)
    assert cache.desk(admin) is desk  # scoped once while nothing changes
    assert cache.desk({"role": "manager", "agency_id": "water-qazvin"}) is not desk
    # a saved case: answered now, with a follow-up event (named by the event's key only)
    cid = next(c["id"] for c, _, p in items if p == "qazvin" and not c.get("answered_at")
               and c.get("agency_id"))
    store.cases[cid] = dict(store.cases[cid], state="answered", answered_at="2026-01-05T08:00:00+00:00")
    store.notify(("case", cid))
    assert total(cache)["answered"] == before["answered"] + 1
    store.events["new-f"] = {"id": "new-f", "case_id": cid, "kind": "followup", "actor": {}, "at": None,
                             "data": {"satisfied": True}}
    store.notify(("event", "new-f"))
    after = total(cache)
    assert after["answered"] == before["answered"] + 1 and after["followups"] == before["followups"] + 1
    assert cache.builds == 1 and cache.updates == 2  # one case rebuilt per notice
    assert cache.desk(admin) is not desk
    # a case gone from the store leaves the facts
    del store.cases[cid]
    store.notify(("case", cid))
    assert total(cache)["cases"] == before["cases"] - 1 and cache.builds == 1
    # a notice naming nothing (another process wrote the store): everything again
    store.notify(kind="external")
    assert total(cache)["cases"] == before["cases"] - 1 and cache.builds == 2
    # a merge undone: the duplicates count follows on the next read
    merge = next(e for e in store.merges if e["kind"] == "citizen.merge" and synth.operator_province(e) == "qazvin"
                 and not any(u["kind"] == "citizen.unmerge" and u["data"]["merge_op_id"] == e["op_id"]
                             for u in store.merges))
    dups = total(cache)["duplicates"]
    store.merges.append({"id": "u-x", "case_id": None, "kind": "citizen.unmerge", "op_id": "u-x",
                         "actor": merge["actor"], "at": merge["at"], "data": {"merge_op_id": merge["op_id"]}})
    store.notify(("event", "u-x"))
    assert total(cache)["duplicates"] == dups - len(merge["data"]["merged_ids"])


def test_push_results_rebuild_only_the_cases_they_name():
    items = list(synth.generate(40, 7))
    store = FakeStore(items)
    cache = FactsCache(store, CAL)
    before = total(cache)
    assert cache.builds == 1
    store.notify(kind="status")  # a push result of ops no longer held: nothing changed
    assert total(cache) == before and cache.builds == 1 and cache.updates == 0
    cid = next(c["id"] for c, _, p in items if p == "qazvin" and not c.get("answered_at") and c.get("agency_id"))
    store.cases[cid] = dict(store.cases[cid], state="answered", answered_at="2026-01-05T08:00:00+00:00")
    store.notify(("case", cid), kind="status")  # e.g. a rejected op left the overlay
    assert total(cache)["answered"] == before["answered"] + 1
    assert cache.builds == 1 and cache.updates == 1


class SlowStore(FakeStore):
    """A store whose full read blocks until released (a build in progress)."""

    def __init__(self, items) -> None:
        super().__init__(items)
        self.reading = threading.Event()
        self.release = threading.Event()

    def agencies(self):
        self.reading.set()
        assert self.release.wait(10)
        return super().agencies()


def test_a_reader_during_the_build_waits_for_it_and_never_builds_twice():
    store = SlowStore(list(synth.generate(30, 3)))
    cache = FactsCache(store, CAL)
    admin = {"role": "admin", "province": "qazvin"}
    first = threading.Thread(target=cache.desk, args=(admin,))
    first.start()  # the desk's pre-build at start
    assert store.reading.wait(10)
    got = []
    second = threading.Thread(target=lambda: got.append(cache.desk(admin)))
    second.start()  # the first Shift+F2, while the pre-build runs
    time.sleep(0.3)  # let it reach the cache (where it must wait), then end the read
    store.release.set()
    first.join(10)
    second.join(10)
    assert cache.builds == 1 and got and got[0] is cache.desk(admin)


def test_prebuild_only_for_roles_that_open_reports():
    from types import SimpleNamespace

    from samad_desk.services.reports import ReportService

    store = FakeStore(list(synth.generate(10, 2)))
    cache = facts_cache(store, CAL)
    for role, wants, builds in (("agent", False, 0), ("officer", False, 0), ("manager", True, 1),
                                ("supervisor", True, 1)):
        actions = SimpleNamespace(store=store, calendar=CAL, today=lambda: TODAY,
                                  operator={"role": role, "province": "qazvin", "agency_id": "water-qazvin"})
        assert ReportService(actions).prebuild() is wants
        assert cache.builds == builds, role  # built once, for the first role that reports


def test_a_stopped_build_keeps_nothing_and_the_next_reader_builds(monkeypatch):
    """The pre-build at start breaks every few ms and gives up when its worker is
    cancelled (the desk quitting): nothing half-built is kept, and the next reader
    builds everything, also after an earlier build (a notice that named nothing)."""
    from samad_desk.reports import memory
    from samad_desk.reports.memory import BuildStopped

    monkeypatch.setattr(memory, "BREAK_AFTER_S", 0.0)  # a break every BREAK_EVERY items
    slept = []
    monkeypatch.setattr(memory.time, "sleep", slept.append)
    items = list(synth.generate(3 * memory.BREAK_EVERY, 4))
    store = FakeStore(items)
    cache = FactsCache(store, CAL)
    admin = {"role": "admin", "province": "qazvin"}
    asked = []
    with pytest.raises(BuildStopped):
        cache.desk(admin, stop=lambda: asked.append(1) or len(asked) > 2)
    assert len(asked) == 3 and slept == [0, 0] and cache.builds == 0  # two breaks, then stopped
    assert total(cache) == total(FactsCache(FakeStore(items), CAL)) and cache.builds == 1
    slept.clear()
    assert cache.desk(admin, stop=lambda: False).facts.rows  # a build nobody stops: breaks only
    store.cases.pop(next(c["id"] for c, _, p in items if p == "qazvin"))
    store.notify(kind="external")  # another process wrote the store: everything again
    with pytest.raises(BuildStopped):
        cache.facts(stop=lambda: True)
    fresh = FactsCache(store, CAL)
    assert total(cache) == total(fresh) != total(FactsCache(FakeStore(items), CAL)) and cache.builds == 2


def test_prebuild_said_stopped_when_the_desk_quits():
    from types import SimpleNamespace

    from samad_desk.services.reports import ReportService, first_spec

    store = FakeStore(list(synth.generate(2000, 2)))
    actions = SimpleNamespace(store=store, calendar=CAL, today=lambda: TODAY,
                              operator={"role": "supervisor", "province": "qazvin"})
    assert ReportService(actions).prebuild(stop=lambda: True) is False
    cache = facts_cache(store, CAL)
    assert cache.builds == 0
    assert ReportService(actions).prebuild(stop=lambda: False) is True
    assert cache.builds == 1
    # the report the screen shows first is run too, and kept
    kept = cache.ready(actions.operator).cached(first_spec(), today=TODAY, calendar=CAL, names=cache.names())
    assert kept is not None and kept["spec"]["rows"] == ["agency"]


def test_ready_never_builds_and_results_are_kept_per_facts():
    """``ready`` (the report screen asks it on the UI thread) answers only a desk built,
    scoped and current, and never waits for a build; ``DeskReports.result`` keeps its
    answers, and a change (a new DeskReports) or other names never see them."""
    items = list(synth.generate(80, 9))
    store = FakeStore(items)
    cache = FactsCache(store, CAL)
    admin = {"role": "admin", "province": "qazvin"}
    assert cache.ready(admin) is None and cache.builds == 0
    desk = cache.desk(admin)
    assert cache.ready(admin) is desk
    assert cache.ready({"role": "manager", "agency_id": "water-qazvin"}) is None  # not scoped for them yet
    names = cache.names()
    assert cache.names() is names and names["agency"]
    spec = spec_from_dict({"name": "t", "rows": ["agency"], "measures": ["cases", "in_time_pct"]})
    other = spec_from_dict({"name": "t", "rows": ["type"], "measures": ["cases", "in_time_pct"]})
    got = desk.result(spec, today=TODAY, calendar=CAL, names=names)
    assert got == desk.run(spec, today=TODAY, calendar=CAL, names=names).to_json()
    assert desk.result(spec, today=TODAY, calendar=CAL, names=names) is got
    assert desk.cached(spec, today=TODAY, calendar=CAL, names=names) is got
    assert desk.cached(other, today=TODAY, calendar=CAL, names=names) is None
    assert desk.cached(spec, today=date(2026, 1, 11), calendar=CAL, names=names) is None
    assert desk.cached(spec, today=TODAY, calendar=CAL, names={}) is None
    cid = next(c["id"] for c, _, p in items if p == "qazvin")
    store.notify(("case", cid))
    cache.dups()  # the merges read again: still the case's change is not applied
    assert cache.ready(admin) is None
    assert cache.names() is not names
    new = cache.desk(admin)
    assert new is not desk and cache.ready(admin) is new
    assert new.cached(spec, today=TODAY, calendar=CAL, names=cache.names()) is None
    # while a build holds the cache, ready says so at once instead of waiting
    holding, done = threading.Event(), threading.Event()

    def hold():
        with cache._building:
            holding.set()
            done.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    assert holding.wait(10)
    assert cache.ready(admin) is None
    done.set()
    t.join(10)
    assert cache.ready(admin) is new
