"""The desk's report executor: plain Python over the facts of the cached cases.

Scope (one rule, ``domain/permissions.py``): an agency's officer or manager sees the
facts of their agency's cases, a province role (agent, supervisor, admin) those of their
province — a fact whose province the cache does not know counts as the operator's own,
as for :func:`~samad_desk.domain.permissions.may_see_case`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from operator import itemgetter

from samad_desk.domain.permissions import may_see_case
from samad_desk.domain.sla import WorkingCalendar
from samad_desk.reports.engine import Hist, Parts, Plan, Result, run
from samad_desk.reports.facts import SUM_COLS, build_facts
from samad_desk.reports.period import Period
from samad_desk.reports.spec import ReportSpec


class Facts:
    """Facts kept in registration-day order, so a period is a slice (two bisects)."""

    __slots__ = ("rows", "days")

    def __init__(self, facts: Iterable[dict], *, ordered: bool = False) -> None:
        self.rows = list(facts) if ordered else sorted(facts, key=itemgetter("reg_date"))
        self.days = [f["reg_date"] for f in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def between(self, start: str | None, end: str | None) -> list[dict]:
        if start is None:
            return self.rows
        lo = bisect_left(self.days, start)
        hi = bisect_right(self.days, end)
        return self.rows[lo:hi]


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
    """Group ``facts`` by ``p.group`` (the same parts the SQL executor returns)."""
    rows = facts.between(period.start_iso if period else None, period.end_iso if period else None)
    if p.filters:
        filters = [(d, frozenset(v)) for d, v in p.filters.items()]
        rows = [f for f in rows if all(f[d] in allowed for d, allowed in filters)]
    groups: dict[tuple, list[dict]] = defaultdict(list)
    if p.group:
        keyf = itemgetter(*p.group)
        if len(p.group) == 1:
            for f in rows:
                groups[(keyf(f),)].append(f)
        else:
            for f in rows:
                groups[keyf(f)].append(f)
    elif rows:
        groups[()] = rows
    # only the sums the measures read (SUM_COLS[0] is n: the group's length)
    getters = [itemgetter(c) if c in p.sums else None for c in SUM_COLS[1:]]
    today = p.today
    parts: Parts = {}
    hist: Hist = {}
    for key, fs in groups.items():
        overdue = sum(1 for f in fs if f["open"] and f["due"] and f["due"] < today) if p.need_overdue else 0
        parts[key] = [len(fs), *(sum(map(g, fs)) if g is not None else 0 for g in getters), overdue]
        if p.need_hist:
            for days, n in Counter(f["answer_days"] for f in fs if f["answer_days"] is not None).items():
                hist[(*key, days)] = n
    return parts, hist


class DeskReports:
    """The facts one operator may read, scoped and ordered once (at load); each report
    then only slices and groups them."""

    def __init__(self, facts: Iterable[dict] | Facts, actor: dict) -> None:
        self.actor = actor
        self.facts = scoped(facts, actor)

    def run(self, spec: ReportSpec, *, today: date, calendar: WorkingCalendar,
            names: dict[str, dict[str, str]] | None = None) -> Result:
        return run(spec, lambda p, periods: [memory_parts(self.facts, p, per) for per in periods], today=today,
                   calendar=calendar, names=names)


def run_memory(
    spec: ReportSpec,
    facts: Iterable[dict] | Facts,
    *,
    actor: dict,
    today: date,
    calendar: WorkingCalendar,
    names: dict[str, dict[str, str]] | None = None,
) -> Result:
    """Run ``spec`` over the facts ``actor`` may read (scoping them first)."""
    return DeskReports(facts, actor).run(spec, today=today, calendar=calendar, names=names)


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


def store_facts(store, calendar: WorkingCalendar) -> Facts:
    """Facts of every case in a desk :class:`~samad_desk.store.Store` (cache + pending)."""
    agencies = store.agencies()
    events = (e for e in store.iter_entities("event") if e.get("case_id"))
    return Facts(build_facts(list(store.iter_entities("case")), events, agencies, calendar))


def store_names(store) -> dict[str, dict[str, str]]:
    """Display names of agencies and operators for labels."""
    agencies = {a["id"]: str(a.get("name") or a["id"]) for a in store.agencies()}
    operators = {o["id"]: str(o.get("name") or o.get("username") or o["id"])
                 for o in store.iter_entities("operator")}
    return {"agency": agencies, "operator": operators}
