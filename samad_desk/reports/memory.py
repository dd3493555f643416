"""The desk's report executor: plain Python over the facts of the cached cases.

Scope (one rule, ``domain/permissions.py``): an agency's officer or manager sees the
facts of their agency's cases, a province role (agent, supervisor, admin) those of their
province — a fact whose province the cache does not know counts as the operator's own,
as for :func:`~samad_desk.domain.permissions.may_see_case`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from samad_desk.domain.permissions import may_see_case
from samad_desk.domain.sla import WorkingCalendar
from samad_desk.reports.engine import Parts, Plan, Result, run
from samad_desk.reports.facts import SUM_COLS, build_facts
from samad_desk.reports.period import Period
from samad_desk.reports.spec import ReportSpec


def scoped(facts: Iterable[dict], actor: dict) -> list[dict]:
    """The facts ``actor`` may read."""
    return [f for f in facts
            if may_see_case(actor, {"agency_id": f["agency"] or None}, province=f["province"] or None)]


def memory_parts(facts: list[dict], p: Plan, period: Period | None) -> Parts:
    """Group ``facts`` by ``p.group`` (the same parts the SQL executor returns)."""
    start = period.start_iso if period else None
    end = period.end_iso if period else None
    filters = [(d, frozenset(v)) for d, v in p.filters.items()]
    group = p.group
    cols = SUM_COLS
    ncols = len(cols)
    parts: Parts = {}
    for f in facts:
        if start is not None:
            reg = f["reg_date"]
            if not reg or reg < start or reg > end:
                continue
        if filters and not all(f[d] in allowed for d, allowed in filters):
            continue
        key = tuple([f[g] for g in group])
        acc = parts.get(key)
        if acc is None:
            acc = parts[key] = [0] * ncols
        for i in range(ncols):
            acc[i] += f[cols[i]]
    return parts


def run_memory(
    spec: ReportSpec,
    facts: list[dict],
    *,
    actor: dict,
    today: date,
    calendar: WorkingCalendar,
    names: dict[str, dict[str, str]] | None = None,
) -> Result:
    """Run ``spec`` over the facts ``actor`` may read."""
    mine = scoped(facts, actor)
    return run(spec, lambda p, period: memory_parts(mine, p, period), today=today, calendar=calendar, names=names)


def store_facts(store, calendar: WorkingCalendar) -> list[dict]:
    """Facts of every case in a desk :class:`~samad_desk.store.Store` (cache + pending)."""
    agencies = store.agencies()
    events = (e for e in store.iter_entities("event") if e.get("case_id"))
    return build_facts(list(store.iter_entities("case")), events, agencies, calendar)


def store_names(store) -> dict[str, dict[str, str]]:
    """Display names of agencies and operators for labels."""
    agencies = {a["id"]: str(a.get("name") or a["id"]) for a in store.agencies()}
    operators = {o["id"]: str(o.get("name") or o.get("username") or o["id"])
                 for o in store.iter_entities("operator")}
    return {"agency": agencies, "operator": operators}
