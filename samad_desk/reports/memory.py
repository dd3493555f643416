"""The desk's report executor: plain Python over the facts of the cached cases.

Scope (one rule, ``domain/permissions.py``): an agency's officer or manager sees the
facts of their agency's cases, a province role (agent, supervisor, admin) those of their
province — a fact whose province the cache does not know counts as the operator's own,
as for :func:`~samad_desk.domain.permissions.may_see_case`.
"""

from __future__ import annotations

import threading
import time
import weakref
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from itertools import compress
from operator import and_, itemgetter
from typing import Any

from samad_desk.domain.permissions import may_see_case
from samad_desk.domain.sla import WorkingCalendar
from samad_desk.reports.engine import Hist, Parts, Plan, Result, add_dups, run
from samad_desk.reports.facts import SUM_COLS, build_facts, case_fact, duplicate_facts
from samad_desk.reports.period import Period
from samad_desk.reports.spec import ReportSpec

#: SUM_COLS that are 0 or 1 per case: counted with ``Counter(compress(keys, column))``
BINARY_COLS = frozenset({"open", "answered", "in_time", "days_n", "objected"})


class Facts:
    """Facts kept in registration-day order, so a period is a slice (two bisects), with
    each field also as a column (a list, built on first use) that a report groups with
    C-speed ``Counter`` objects instead of a Python loop per fact."""

    __slots__ = ("rows", "days", "_columns")

    def __init__(self, facts: Iterable[dict], *, ordered: bool = False) -> None:
        self.rows = list(facts) if ordered else sorted(facts, key=itemgetter("reg_date"))
        self.days = [f["reg_date"] for f in self.rows]
        self._columns: dict[str, list] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def bounds(self, start: str | None, end: str | None) -> tuple[int, int]:
        if start is None:
            return 0, len(self.rows)
        return bisect_left(self.days, start), bisect_right(self.days, end)

    def between(self, start: str | None, end: str | None) -> list[dict]:
        lo, hi = self.bounds(start, end)
        return self.rows[lo:hi]

    def column(self, name: str) -> list:
        """One field of every fact, in order; ``odue``: the due day of an open case, else
        None (all overdue and the deadline band read)."""
        col = self._columns.get(name)
        if col is None:
            if name == "odue":
                col = [f["due"] or None if f["open"] else None for f in self.rows]
            else:
                col = list(map(itemgetter(name), self.rows))
            self._columns[name] = col
        return col


def scoped(facts: Iterable[dict] | Facts, actor: dict) -> Facts:
    """The facts ``actor`` may read (:func:`may_see_case`, asked once per distinct
    agency and province: a province has a few dozen)."""
    rows = facts.rows if isinstance(facts, Facts) else sorted(facts, key=itemgetter("reg_date"))
    memo: dict[tuple[str, str], bool] = {}
    out = []
    for f in rows:
        k = (f["agency"], f["province"])
        ok = memo.get(k)
        if ok is None:
            ok = memo[k] = may_see_case(actor, {"agency_id": k[0] or None}, province=k[1] or None)
        if ok:
            out.append(f)
    return Facts(out, ordered=True)


def memory_parts(facts: Facts, p: Plan, period: Period | None) -> tuple[Parts, Hist]:
    """Group ``facts`` by ``p.group`` (the same parts the SQL executor returns), column
    by column: the group keys once, then one ``Counter`` per sum the measures read."""
    lo, hi = facts.bounds(period.start_iso if period else None, period.end_iso if period else None)
    mask: list | None = None
    for d, allowed in p.filters.items():
        ok = frozenset(allowed).__contains__
        m = list(map(ok, facts.column(d)[lo:hi]))
        mask = m if mask is None else list(map(and_, mask, m))

    def col(name: str) -> list:
        c = facts.column(name)[lo:hi]
        return c if mask is None else list(compress(c, mask))

    group = ["odue" if g == "due" else g for g in p.group]  # a closed case's due day is never read
    if len(group) == 1:
        keys: list = col(group[0])  # plain values: (k,) only for the few distinct keys
    elif group:
        keys = list(zip(*map(col, group), strict=True))
    else:
        keys = [()] * (hi - lo if mask is None else sum(mask))
    counts = Counter(keys)
    if not counts:
        return {}, {}
    index = {k: i for i, k in enumerate(counts)}
    width = len(SUM_COLS) + 1
    sums = [[n] + [0] * (width - 1) for n in counts.values()]
    for i, name in enumerate(SUM_COLS):
        if i == 0 or name not in p.sums:
            continue
        if name in BINARY_COLS:
            for k, n in Counter(compress(keys, col(name))).items():
                sums[index[k]][i] = n
        else:
            for (k, v), n in Counter(zip(keys, col(name), strict=True)).items():
                sums[index[k]][i] += v * n
    if p.need_overdue:
        today = p.today
        late = [d is not None and d < today for d in col("odue")]
        for k, n in Counter(compress(keys, late)).items():
            sums[index[k]][-1] = n
    hist: Hist = {}
    if p.need_hist:
        for (k, days), n in Counter(zip(keys, col("answer_days"), strict=True)).items():
            if days is not None:
                hist[((k,) if len(group) == 1 else k) + (days,)] = n
    if len(group) == 1:
        return {(k,): sums[i] for k, i in index.items()}, hist
    return {k: sums[i] for k, i in index.items()}, hist


def dup_parts(dups: Facts, p: Plan, period: Period | None) -> dict[tuple, int]:
    """Duplicate citizens found per group key (``facts.duplicate_facts``: merges are few,
    a plain loop)."""
    out: Counter[tuple] = Counter()
    for f in dups.between(period.start_iso if period else None, period.end_iso if period else None):
        if all(f[d] in allowed for d, allowed in p.filters.items()):
            out[tuple(f[g] for g in p.group)] += f["dups"]
    return out


class DeskReports:
    """The facts one operator may read, scoped and ordered once (at load); each report
    then only slices and groups them. ``dups``: the duplicate-citizen facts
    (:func:`~samad_desk.reports.facts.duplicate_facts`), scoped the same way."""

    def __init__(self, facts: Iterable[dict] | Facts, actor: dict, dups: Iterable[dict] | Facts = ()) -> None:
        self.facts_of: Facts | None = None  # the unscoped facts it was made from (FactsCache.desk)
        self.actor = actor
        self.facts = scoped(facts, actor)
        self.dups = scoped(dups, actor)
        #: results (``to_json()``) already run over these facts, newest last: see :meth:`result`
        self._results: dict[tuple, tuple[Any, dict]] = {}

    def parts(self, p: Plan, period: Period | None) -> tuple[Parts, Hist]:
        parts, hist = memory_parts(self.facts, p, period)
        if p.need_dups:
            add_dups(parts, dup_parts(self.dups, p, period))
        return parts, hist

    def run(self, spec: ReportSpec, *, today: date, calendar: WorkingCalendar,
            names: dict[str, dict[str, str]] | None = None) -> Result:
        return run(spec, lambda p, periods: [self.parts(p, per) for per in periods], today=today,
                   calendar=calendar, names=names)

    def result(self, spec: ReportSpec, *, today: date, calendar: WorkingCalendar,
               names: dict[str, dict[str, str]] | None = None) -> dict:
        """``run(...).to_json()``, kept for the last :data:`KEPT_RESULTS` specs: these
        facts never change (a store change makes a new DeskReports), so a screen opened
        again, or a dimension cycled back to, shows its report without running it. The
        answer is shared: read it, never change it."""
        hit = self.cached(spec, today=today, calendar=calendar, names=names)
        if hit is not None:
            return hit
        out = self.run(spec, today=today, calendar=calendar, names=names).to_json()
        key = _result_key(spec, today, calendar)
        self._results.pop(key, None)
        self._results[key] = (names, out)
        while len(self._results) > KEPT_RESULTS:
            self._results.pop(next(iter(self._results)))
        return out

    def cached(self, spec: ReportSpec, *, today: date, calendar: WorkingCalendar,
               names: dict[str, dict[str, str]] | None = None) -> dict | None:
        """The kept answer of :meth:`result` for these arguments, or None (never runs)."""
        hit = self._results.get(_result_key(spec, today, calendar))
        return hit[1] if hit is not None and hit[0] is names else None


#: results a DeskReports keeps (:meth:`DeskReports.result`)
KEPT_RESULTS = 16


def _result_key(spec: ReportSpec, today: date, calendar: WorkingCalendar) -> tuple:
    d = spec.to_dict()
    return (repr(sorted(d.items())), today, id(calendar))


def run_memory(
    spec: ReportSpec,
    facts: Iterable[dict] | Facts,
    *,
    actor: dict,
    today: date,
    calendar: WorkingCalendar,
    names: dict[str, dict[str, str]] | None = None,
    dups: Iterable[dict] | Facts = (),
) -> Result:
    """Run ``spec`` over the facts ``actor`` may read (scoping them first)."""
    return DeskReports(facts, actor, dups).run(spec, today=today, calendar=calendar, names=names)


def drill_ids(facts: Facts, spec: ReportSpec, key: tuple, *, today: date,
              calendar: WorkingCalendar) -> list[str]:
    """The case ids behind one result row: the spec's period and filters, and the row's
    dimension values (``key`` in ``spec.rows`` order; ``()`` for the total)."""
    from samad_desk.reports.engine import deadline_band, plan
    from samad_desk.reports.period import resolve_period

    p = plan(spec, today)
    period = resolve_period(spec.period, today) if spec.period else None
    rows = facts.between(period.start_iso if period else None, period.end_iso if period else None)
    want = dict(zip(spec.rows, key, strict=False))
    bands = set(spec.filters.get("deadline_band") or ())
    if "deadline_band" in want:
        band = want.pop("deadline_band")
        bands = {band} if not bands or band in bands else {"-"}  # "-": no band, nothing
    out = []
    for f in rows:
        if any(f[d] not in allowed for d, allowed in p.filters.items()):
            continue
        if any(f[d] != v for d, v in want.items()):
            continue
        if bands and deadline_band(f["due"], f["open"], today, calendar) not in bands:
            continue
        out.append(f["id"])
    return out


class BuildStopped(Exception):
    """A facts build given up because its ``stop`` said so (the desk is quitting)."""


#: a build between breaks: items read or built, then the wall time it may hold the GIL
BREAK_EVERY = 256
BREAK_AFTER_S = 0.002


def breaks(items: Iterable, stop: Callable[[], bool] | None = None) -> Iterator:
    """``items``, with a break every few milliseconds: ``time.sleep(0)`` lets the UI
    thread take the GIL (a pure-Python build otherwise keeps it for its whole switch
    interval each time: the UI got a slice every ~5 ms and typing stuttered for seconds),
    and ``stop()`` is asked (true: :class:`BuildStopped`, so quitting never waits for
    the rest of a build)."""
    clock = time.perf_counter
    last = clock()
    for i, item in enumerate(items, 1):
        yield item
        if i % BREAK_EVERY == 0 and clock() - last >= BREAK_AFTER_S:
            if stop is not None and stop():
                raise BuildStopped
            time.sleep(0)
            last = clock()


def store_facts(store, calendar: WorkingCalendar) -> Facts:
    """Facts of every case in a desk :class:`~samad_desk.store.Store` (cache + pending)."""
    return Facts(_all_facts(store, calendar).values())


def _all_facts(store, calendar: WorkingCalendar, stop: Callable[[], bool] | None = None) -> dict[str, dict]:
    agencies = store.agencies()
    events = (e for e in breaks(store.iter_entities("event"), stop) if e.get("case_id"))
    cases = list(breaks(store.iter_entities("case"), stop))
    return {f["id"]: f for f in build_facts(breaks(cases, stop), events, agencies, calendar)}


def store_dups(store) -> Facts:
    """The duplicate-citizen facts of a desk store: its ``citizen.merge`` and
    ``citizen.unmerge`` events, each merge in its operator's province (the operator
    entity's; unknown: "", which counts as the reader's own)."""
    provinces = {o["id"]: o.get("province") or "" for o in store.iter_entities("operator")}
    events = [*store.citizen_events_of_kind("citizen.merge"), *store.citizen_events_of_kind("citizen.unmerge")]
    return Facts(duplicate_facts(events, lambda ev: provinces.get((ev.get("actor") or {}).get("operator_id"))))


class FactsCache:
    """The facts of one store's cases, built once and then kept up from the store's
    change notices: a save or a sync that names its cases (or their events) rebuilds the
    facts of those cases only; an agency change, a push result or another process's
    write (which name no cases) rebuilds them all; a push result ("status") rebuilds the
    cases its ops touch, and one that names nothing changes no case. Thread-safe: the
    report screens read it from their load workers and the desk pre-builds it at start
    (:meth:`facts` builds under one lock, so a second reader waits and never builds
    twice)."""

    def __init__(self, store, calendar: WorkingCalendar) -> None:
        self.store = store
        self.calendar = calendar
        self._lock = threading.Lock()
        self._building = threading.RLock()  # held by the one reader that builds or scopes
        self._by_id: dict[str, dict] | None = None
        self._facts: Facts | None = None
        self._dups: Facts | None = None
        self._names: dict[str, dict[str, str]] | None = None
        self._desk: tuple[tuple, DeskReports] | None = None
        self._gen = 0
        self._cases: set[str] = set()
        self._events: set[str] = set()
        self._all = True
        #: full builds and per-case rebuilds so far (tests and the benchmark read them)
        self.builds = 0
        self.updates = 0
        subscribe = getattr(store, "subscribe", None)
        if subscribe is not None:
            subscribe(self._changed)

    def _changed(self, change) -> None:
        keys = getattr(change, "keys", None)
        if not keys and getattr(change, "kind", "") == "status":
            return  # a push result of ops no longer held: no case, event or merge changed
        with self._lock:
            self._dups = self._names = None  # merges and names are few: re-read on any change
            self._gen += 1
            if not keys:
                self._all = True
                return
            for entity, eid in keys:
                if entity == "case":
                    self._cases.add(eid)
                elif entity == "event":
                    self._events.add(eid)
                elif entity == "agency":
                    self._all = True

    def facts(self, stop: Callable[[], bool] | None = None) -> Facts:
        """The current facts (in registration-day order); a reader that comes while
        another builds them waits for that build. A full build breaks every few ms
        (:func:`breaks`); ``stop()`` true at a break gives it up (:class:`BuildStopped`,
        nothing kept: the next reader builds)."""
        with self._building:
            return self._facts_now(stop)

    def _facts_now(self, stop: Callable[[], bool] | None = None) -> Facts:
        with self._lock:
            full, cases, events = self._all or self._by_id is None, self._cases, self._events
            self._all, self._cases, self._events = False, set(), set()
        if full:
            try:
                by_id = _all_facts(self.store, self.calendar, stop)
            except BaseException:
                with self._lock:  # given up (or failed): the next reader builds them all
                    self._all = True
                raise
            with self._lock:
                self._by_id, self._facts = by_id, Facts(by_id.values())
                self.builds += 1
                return self._facts
        for eid in events:
            ev = self.store.get("event", eid)
            if ev is not None and ev.get("case_id"):
                cases.add(ev["case_id"])
        if cases:
            agencies = {a["id"]: a for a in self.store.agencies()}
            new = {}
            for cid in cases:
                case = self.store.get("case", cid)
                new[cid] = None if case is None else case_fact(
                    case, self.store.events_of_case(cid), agencies.get(case.get("agency_id")), self.calendar)
            with self._lock:
                assert self._by_id is not None
                for cid, fact in new.items():
                    if fact is None:
                        self._by_id.pop(cid, None)
                    else:
                        self._by_id[cid] = fact
                self._facts = Facts(self._by_id.values())
                self.updates += len(new)
        with self._lock:
            assert self._facts is not None
            return self._facts

    def desk(self, actor: dict, stop: Callable[[], bool] | None = None) -> DeskReports:
        """:class:`DeskReports` of ``actor`` over the current facts, scoped once per change
        (a screen opened again, or by the same operator, reuses it); ``stop``: as for
        :meth:`facts` (the pre-build at start passes its worker's cancellation)."""
        with self._building:  # a screen's load that comes during the pre-build waits for it
            return self._desk_now(actor, stop)

    def _desk_now(self, actor: dict, stop: Callable[[], bool] | None = None) -> DeskReports:
        facts, dups = self.facts(stop), self.dups()
        key = (id(facts), id(dups), actor.get("role"), actor.get("province"), actor.get("agency_id"))
        with self._lock:
            hit = self._desk
        if hit is not None and hit[0] == key and hit[1].facts_of is facts:
            return hit[1]
        desk = DeskReports(facts, actor, dups)
        desk.facts_of = facts
        with self._lock:
            self._desk = (key, desk)
        return desk

    def ready(self, actor: dict) -> DeskReports | None:
        """``actor``'s :class:`DeskReports` if it is built, scoped and current, else None;
        never builds nor waits (the UI thread asks it: a report screen over ready facts
        shows its first report without a worker hop)."""
        if not self._building.acquire(blocking=False):
            return None  # a build is under way
        try:
            with self._lock:
                if self._all or self._cases or self._events or self._facts is None or self._dups is None:
                    return None
                key = (id(self._facts), id(self._dups), actor.get("role"), actor.get("province"),
                       actor.get("agency_id"))
                hit = self._desk
            return hit[1] if hit is not None and hit[0] == key and hit[1].facts_of is self._facts else None
        finally:
            self._building.release()

    def names(self) -> dict[str, dict[str, str]]:
        """:func:`store_names`, read again after any change (the same dict until then, so
        :meth:`DeskReports.result` can keep results labelled with it)."""
        with self._lock:
            names, gen = self._names, self._gen
        if names is None:
            names = store_names(self.store)
            with self._lock:
                if self._gen == gen:
                    self._names = names
        return names

    def dups(self) -> Facts:
        """The duplicate-citizen facts (:func:`store_dups`), re-read after any change."""
        with self._lock:
            dups, gen = self._dups, self._gen
        if dups is None:
            dups = store_dups(self.store)
            with self._lock:
                if self._gen == gen:  # no change came in while reading
                    self._dups = dups
        return dups


_CACHES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def facts_cache(store, calendar: WorkingCalendar) -> FactsCache:
    """The one :class:`FactsCache` of ``store`` (made on first use)."""
    with _CACHE_LOCK:
        cache = _CACHES.get(store)
        if cache is None or cache.calendar is not calendar:
            cache = _CACHES[store] = FactsCache(store, calendar)
        return cache


_CACHE_LOCK = threading.Lock()


def store_names(store) -> dict[str, dict[str, str]]:
    """Display names of agencies and operators for labels, and each agency's manager now."""
    rows = store.agencies()
    agencies = {a["id"]: str(a.get("name") or a["id"]) for a in rows}
    operators = {o["id"]: str(o.get("name") or o.get("username") or o["id"])
                 for o in store.iter_entities("operator")}
    # not a label: each agency's manager now (the scorecard's overdue-now row)
    managers = {a["id"]: str(a.get("manager_name") or "") for a in rows}
    return {"agency": agencies, "operator": operators, "agency_manager": managers}
