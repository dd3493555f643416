"""One flat *fact* per case: the values of every stored dimension and the numbers each
measure adds up. Both executors read facts: the desk builds them from its cache, the
central server keeps them in its ``report_facts`` table (``central/reports.py``), built
by this same function, so a case counts the same way everywhere.

Stored dimensions are text ("" when unknown). Jalali keys use ASCII digits so they sort:
day ``1404/01/05``, week ``1404/01/02`` (its Saturday), month ``1404/01``, season
``1404/1`` (بهار), year ``1404``. Working days come from ``domain/sla.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from functools import lru_cache

import jdatetime

from samad_desk.domain.models import ANSWER_DUE_STATES, parse_iso_datetime
from samad_desk.domain.sla import WorkingCalendar, answered_in_time, iran_date
from samad_desk.reports.responsiveness import answer_days

#: dimensions kept on each fact (the rest, DERIVED_DIMENSIONS, are computed per run)
STORED_DIMS = (
    "province", "agency", "agency_kind", "manager", "type", "subject", "subject_group", "city",
    "channel", "operator", "state", "urgency", "day", "week", "month", "season", "year",
)
#: the numbers a fact adds to its group (``n`` is 1 per case)
SUM_COLS = (
    "n", "open", "answered", "in_time", "days_sum", "days_n", "extensions", "returns",
    "rereferrals", "followups", "sat_yes", "sat_asked", "objected",
)
#: the other per-case values an aggregation may group by
AUX_COLS = ("due", "answer_days")


def jalali_keys(day: date | None) -> dict[str, str]:
    """day/week/month/season/year keys of an Iran-local date ("" for none); memoized per
    day (a desk's 100,000 cases span a few hundred days: the Jalali conversion was most of
    building their facts)."""
    return dict(_jalali_keys(day))


@lru_cache(maxsize=8192)
def _jalali_keys(day: date | None) -> dict[str, str]:
    if day is None:
        return {"day": "", "week": "", "month": "", "season": "", "year": ""}
    j = jdatetime.date.fromgregorian(date=day)
    sat = day - timedelta(days=(day.weekday() - 5) % 7)  # weeks start on Saturday
    w = jdatetime.date.fromgregorian(date=sat)
    return {
        "day": f"{j.year:04d}/{j.month:02d}/{j.day:02d}",
        "week": f"{w.year:04d}/{w.month:02d}/{w.day:02d}",
        "month": f"{j.year:04d}/{j.month:02d}",
        "season": f"{j.year:04d}/{(j.month - 1) // 3 + 1}",
        "year": f"{j.year:04d}",
    }


def agency_kind(agency: dict | None) -> str:
    """The agency's ``kind`` when the agency record has one, else the first part of its
    id (``water-qazvin`` → ``water``): agencies of one kind across provinces."""
    if not agency:
        return ""
    kind = agency.get("kind")
    if kind:
        return str(kind)
    return str(agency.get("id") or "").split("-", 1)[0]


def case_fact(
    case: dict,
    events: Iterable[dict],
    agency: dict | None,
    calendar: WorkingCalendar,
    *,
    province: str | None = None,
) -> dict:
    """The fact of one case. ``events``: the case's events (any order); ``agency``: the
    agency it is referred to (None when not referred); ``province``: the case's province
    when known (the server's entity row), else the agency's."""
    registered = parse_iso_datetime(case.get("registered_at")) or parse_iso_datetime(case.get("referred_at"))
    day = iran_date(registered) if registered is not None else None
    subject = str(case.get("subject") or "")
    operator = ""
    refers = extensions = returns = followups = sat_yes = sat_asked = 0
    objected = 0
    agency_id = case.get("agency_id")
    referred: tuple[str, str] | None = None  # (at, manager) of the last referral to the agency
    for ev in events:
        kind = ev.get("kind")
        if kind == "register":
            operator = str((ev.get("actor") or {}).get("operator_id") or "")
        elif kind == "refer":
            refers += 1
            data = ev.get("data") or {}
            at = str(ev.get("at") or "")
            if data.get("agency_id") == agency_id and "manager_name" in data and \
                    (referred is None or at >= referred[0]):
                referred = (at, str(data.get("manager_name") or ""))
        elif kind == "extend":
            extensions += 1
        elif kind == "return":
            returns += 1
        elif kind == "followup":
            followups += 1
            data = ev.get("data") or {}
            if data.get("satisfied") is not None:
                sat_asked += 1
                sat_yes += data.get("satisfied") is True
            if data.get("objection"):
                objected = 1
    answered = 1 if case.get("answered_at") else 0
    days = answer_days(case, calendar) if answered else None
    fact = {
        "id": str(case["id"]),
        "province": str(province or (agency or {}).get("province") or ""),
        "agency": str(case.get("agency_id") or ""),
        "agency_kind": agency_kind(agency),
        # the manager named when the case was referred to its agency (whose cartable it
        # reached); a referral recorded before events named one: the agency's manager now
        "manager": referred[1] if referred is not None else str((agency or {}).get("manager_name") or ""),
        "type": str(case.get("type") or ""),
        "subject": subject,
        "subject_group": subject.split(".", 1)[0] if "." in subject else subject,
        "city": str(case.get("city") or ""),
        "channel": str(case.get("channel") or ""),
        "operator": operator,
        "state": str(case.get("state") or ""),
        "urgency": str(case.get("urgency") or ""),
        **jalali_keys(day),
        "due": (str(case.get("due_date"))[:10] or None) if case.get("due_date") else None,
        "answer_days": days,
        "n": 1,
        "open": 1 if case.get("state") in ANSWER_DUE_STATES else 0,
        "answered": answered,
        "in_time": 1 if answered and answered_in_time(case) else 0,
        "days_sum": days or 0,
        "days_n": 1 if days is not None else 0,
        "extensions": extensions,
        "returns": returns,
        "rereferrals": max(0, refers - 1),
        "followups": followups,
        "sat_yes": sat_yes,
        "sat_asked": sat_asked,
        "objected": objected,
    }
    fact["reg_date"] = day.isoformat() if day is not None else ""
    return fact


def build_facts(
    cases: Iterable[dict],
    events: Iterable[dict],
    agencies: Iterable[dict],
    calendar: WorkingCalendar,
    *,
    provinces: dict[str, str] | None = None,
) -> list[dict]:
    """Facts of ``cases``; ``events`` of any cases (others are ignored); ``provinces``:
    case id → province where known."""
    by_case: dict[str, list[dict]] = {}
    for ev in events:
        cid = ev.get("case_id")
        if cid:
            by_case.setdefault(cid, []).append(ev)
    agency_by_id = {a["id"]: a for a in agencies}
    provinces = provinces or {}
    return [
        case_fact(c, by_case.get(c["id"], ()), agency_by_id.get(c.get("agency_id")), calendar,
                  province=provinces.get(c["id"]))
        for c in cases
    ]


def duplicate_facts(events: Iterable[dict], province_of: Callable[[dict], str | None]) -> list[dict]:
    """The *duplicate citizens found* measure's facts: one per ``citizen.merge`` event not
    undone by a ``citizen.unmerge`` of it, ``dups`` = the profiles it folded into the
    survivor, on the Iran day of the merge (``reg_date`` and the Jalali keys), in the
    province ``province_of(event)`` names (the merging operator's), under ``operator``
    (who merged). A merge belongs to no case or agency: every other dimension is "",
    ``due`` None and ``open`` 0 (deadline band "none"). ``events``: citizen-level events
    of any kinds, in any order."""
    merges: dict[str, dict] = {}
    undone: set[str] = set()
    for ev in events:
        kind = ev.get("kind")
        if kind == "citizen.merge":
            merges[str(ev.get("op_id") or ev.get("id"))] = ev
        elif kind == "citizen.unmerge":
            undone.add(str((ev.get("data") or {}).get("merge_op_id")))
    out = []
    for op_id, ev in merges.items():
        n = len({m for m in (ev.get("data") or {}).get("merged_ids") or () if m})
        if op_id in undone or not n:
            continue
        at = parse_iso_datetime(ev.get("at"))
        day = iran_date(at) if at is not None else None
        fact: dict = dict.fromkeys(STORED_DIMS, "")
        fact.update(jalali_keys(day))
        fact.update(id=str(ev.get("id") or op_id), op_id=op_id, province=str(province_of(ev) or ""),
                    operator=str((ev.get("actor") or {}).get("operator_id") or ""),
                    reg_date=day.isoformat() if day is not None else "", due=None, open=0, dups=n)
        out.append(fact)
    return out
