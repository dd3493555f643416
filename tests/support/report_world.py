"""A small fixed province for hand-computed report answers (tests/unit/reports, and the
SQL check in tests/integration/reports).

The office has Thursdays and Fridays off; the holidays are Nowruz 1404 (1404/01/01–04)
and 1404/01/12–13, from an override file. Six cases around two Jalali month boundaries
(times are UTC; the Jalali day is Tehran's):

====  ======  =====================  =========  ============  ================================
case  agency  registered (Tehran)    state      due           answered (working days), events
====  ======  =====================  =========  ============  ================================
A     water   1403/12/29             answered   2025-04-09    03-26 (2), in time
B     water   1404/01/01 00:30       answered   2025-04-09    04-05 (6), in time; follow-up: satisfied
C     water   1404/01/05             referred   2025-04-12    — overdue on 04-30; one extension
D     power   1404/01/12 (holiday)   answered   2025-04-16    04-20 (12), late; referred twice;
                                                              follow-up: not satisfied (objection)
E     —       1404/01/31 23:30       returned   —             — one return event
F     power   1404/02/01 00:01       in_prog.   2025-05-05    — 3 working days left on 04-30
====  ======  =====================  =========  ============  ================================

Citizen merges (the *duplicate citizens found* measure), by operator op-1 (Qazvin) unless
said otherwise:

====  ==============================  =======================================  ==========
merge  at (Tehran)                    profiles folded                          counts
====  ==============================  =======================================  ==========
M1    1404/01/01 00:10                2 (c2, c3)                               2 in 1404/01
M2    1403/12/30 23:30 (leap Esfand)  1 (c4), undone by U2                     0
M3    1404/01/21                      1 (c5), by op-z of Zanjan                Zanjan only
M4    1404/02/05                      1 (c6 named twice)                       1 in 1404/02
====  ==============================  =======================================  ==========
"""

from __future__ import annotations

from datetime import date

from samad_desk.domain.models import new_case
from samad_desk.domain.sla import WorkingCalendar, parse_holiday_file
from samad_desk.reports.facts import build_facts

TODAY = date(2025, 4, 30)  # 1404/02/10
HOLIDAYS = "1404/01/01\n1404/01/02\n1404/01/03\n1404/01/04\n1404/01/12\n1404/01/13\n"


def calendar() -> WorkingCalendar:
    return WorkingCalendar(weekend=(3, 4), official=False, overrides=parse_holiday_file(HOLIDAYS))


AGENCIES = [
    {"id": "water-qazvin", "name": "آب قزوین", "manager_name": "مدیر آب", "province": "qazvin"},
    {"id": "power-qazvin", "name": "برق قزوین", "manager_name": "مدیر برق", "province": "qazvin"},
]


def _ev(case: str, n: int, kind: str, **data) -> dict:
    return {"id": f"{case}-{n}", "case_id": case, "kind": kind, "actor": {"operator_id": "op-1"},
            "at": "2025-01-01T00:00:00Z", "data": data}


def cases() -> list[dict]:
    return [
        new_case(id="A", agency_id="water-qazvin", type="complaint", state="answered",
                 registered_at="2025-03-19T06:00:00Z", referred_at="2025-03-19T06:00:00Z",
                 due_date="2025-04-09", answered_at="2025-03-26T06:00:00Z"),
        new_case(id="B", agency_id="water-qazvin", type="request", state="answered",
                 registered_at="2025-03-20T21:00:00Z", referred_at="2025-03-20T21:00:00Z",
                 due_date="2025-04-09", answered_at="2025-04-05T08:00:00Z"),
        new_case(id="C", agency_id="water-qazvin", type="complaint", state="referred",
                 registered_at="2025-03-25T05:00:00Z", referred_at="2025-03-25T05:00:00Z",
                 due_date="2025-04-12"),
        new_case(id="D", agency_id="power-qazvin", type="complaint", state="answered",
                 registered_at="2025-04-01T06:00:00Z", referred_at="2025-04-01T06:00:00Z",
                 due_date="2025-04-16", answered_at="2025-04-20T06:00:00Z"),
        new_case(id="E", agency_id=None, type="request", state="returned",
                 registered_at="2025-04-20T20:00:00Z"),
        new_case(id="F", agency_id="power-qazvin", type="request", state="in_progress",
                 registered_at="2025-04-20T20:31:00Z", referred_at="2025-04-21T05:00:00Z",
                 due_date="2025-05-05"),
    ]


def events() -> list[dict]:
    return [
        _ev("B", 1, "followup", satisfied=True, objection=False),
        _ev("C", 1, "extend", days=5),
        _ev("D", 1, "refer"), _ev("D", 2, "refer"),
        _ev("D", 3, "followup", satisfied=False, objection=True),
        _ev("E", 1, "return"),
    ]


def facts() -> list[dict]:
    return build_facts(cases(), events(), AGENCIES, calendar(), provinces={c["id"]: "qazvin" for c in cases()})


OPERATOR_PROVINCES = {"op-1": "qazvin", "op-z": "zanjan"}


def _merge(n: str, at: str, merged: list[str], op: str = "op-1") -> dict:
    return {"id": f"ev-{n}", "case_id": None, "kind": "citizen.merge", "op_id": f"op-{n}",
            "actor": {"operator_id": op, "role": "supervisor"}, "at": at,
            "data": {"citizen_id": "c1", "survivor_id": "c1", "merged_ids": merged}}


def merge_events() -> list[dict]:
    return [
        _merge("M1", "2025-03-20T20:40:00Z", ["c2", "c3"]),
        _merge("M2", "2025-03-20T20:00:00Z", ["c4"]),
        {"id": "ev-U2", "case_id": None, "kind": "citizen.unmerge", "op_id": "op-U2",
         "actor": {"operator_id": "op-1", "role": "supervisor"}, "at": "2025-03-22T08:00:00Z",
         "data": {"citizen_id": "c1", "merge_op_id": "op-M2", "restored_ids": ["c4"]}},
        _merge("M3", "2025-04-10T08:00:00Z", ["c5"], op="op-z"),
        _merge("M4", "2025-04-25T08:00:00Z", ["c6", "c6"]),
    ]


def dups() -> list[dict]:
    from samad_desk.reports.facts import duplicate_facts

    return duplicate_facts(merge_events(),
                           lambda ev: OPERATOR_PROVINCES.get((ev.get("actor") or {}).get("operator_id")))
