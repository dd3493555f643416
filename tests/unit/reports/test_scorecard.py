"""The manager scorecard on the fixed province (hand-computed), by the desk's executor."""

from __future__ import annotations

from samad_desk.reports.memory import DeskReports
from samad_desk.reports.scorecard import desk_runner, month_key, scorecard, sparkline
from tests.support.report_world import TODAY, calendar, facts

SUPERVISOR = {"role": "supervisor", "province": "qazvin"}


def card(actor=SUPERVISOR, month="1404/01", back=1):
    runner = desk_runner(DeskReports(facts(), actor), today=TODAY, calendar=calendar(),
                         names={"agency": {"water-qazvin": "آب قزوین"}})
    return scorecard(runner, month=month, months_back=back, names={"agency": {"water-qazvin": "آب قزوین"}})


def test_scorecard_month_rank_and_trend():
    rows = card()
    assert [(r.rank, r.agency, r.manager) for r in rows] == [(1, "water-qazvin", "مدیر آب"),
                                                            (2, "power-qazvin", "مدیر برق")]
    water, power = rows
    assert water.name == "آب قزوین"
    # 1404/01: water B (answered in time, 6 days, satisfied) and C (open, overdue now)
    assert water.values == {"cases": 2, "in_time_pct": 100.0, "mean_days": 6.0, "returns": 0,
                            "satisfaction_pct": 100.0}
    assert water.overdue_now == 1 and power.overdue_now == 0
    # power: D answered late after 12 working days, the citizen not satisfied
    assert power.values == {"cases": 1, "in_time_pct": 0.0, "mean_days": 12.0, "returns": 0,
                            "satisfaction_pct": 0.0}
    assert water.trend == [100.0, 100.0] and power.trend == [None, 0.0]
    assert sparkline(water.trend) == "██" and sparkline(power.trend) == "·▁"


def test_scorecard_scope_and_empty_month():
    rows = card({"role": "manager", "agency_id": "power-qazvin", "province": "qazvin"})
    assert [r.agency for r in rows] == ["power-qazvin"]
    rows = card(month="1404/02", back=2)  # F only: open, nothing answered yet
    assert [r.agency for r in rows] == ["power-qazvin", "water-qazvin"]
    assert rows[0].values["cases"] == 1 and rows[0].values["in_time_pct"] is None
    assert rows[1].values["cases"] == 0 and rows[1].trend == [100.0, 100.0, None]  # A in 1403/12, B in 1404/01
    assert month_key(TODAY) == "1404/02" and month_key(TODAY, 2) == "1403/12"


def test_tied_managers_share_a_rank_standard_competition():
    """Hand-computed: A best; B and C equal on in-time %, mean days and cases (2, 2); D
    after two rows tied at 2 is 4th; E and F answered nothing (no in-time %): tied at 5."""
    from types import SimpleNamespace

    month = "1404/01"

    def row(agency, pct, days, cases):
        values = {"cases": cases, "in_time_pct": pct, "mean_days": days, "returns": 0, "satisfaction_pct": None}
        return {"key": [agency, f"مدیر {agency}"], "values": values, "cells": {month: values}}

    pivot = [row("d", 50.0, 4.0, 5), row("c", 80.0, 6.0, 2), row("a", 100.0, 5.0, 3), row("f", None, None, 0),
             row("b", 80.0, 6.0, 2), row("e", None, None, 0)]

    def runner(spec):
        if spec.columns:
            return SimpleNamespace(rows=pivot)
        return SimpleNamespace(rows=[{"key": r["key"], "values": {"overdue": 0}} for r in pivot])

    rows = scorecard(runner, month=month, months_back=1)
    assert [(r.agency, r.rank) for r in rows] == [("a", 1), ("b", 2), ("c", 2), ("d", 4), ("e", 5), ("f", 5)]


def test_overdue_now_is_on_the_current_managers_row_only():
    """Water had another manager when A and B came in (1403/12/29, 1404/01/01), its
    current one since C (1404/01/05, open and overdue now): in 1404/01 it has two rows.
    The cartable is in the current manager's name (domain.md), so C's overdue is theirs;
    the former manager's row shows 0, and the column sums to the province's overdue
    (it showed 1 on both rows: a sum counted C twice)."""
    former = "مدیر پیشین آب"
    rows = facts()
    for f in rows:
        if f["agency"] == "water-qazvin" and f["reg_date"] < "2025-03-25":  # A and B
            f["manager"] = former
    runner = desk_runner(DeskReports(rows, SUPERVISOR), today=TODAY, calendar=calendar())
    card_rows = scorecard(runner, month="1404/01", months_back=1)
    water = {r.manager: r for r in card_rows if r.agency == "water-qazvin"}
    assert set(water) == {former, "مدیر آب"}
    assert water[former].values["cases"] == 1 and water["مدیر آب"].values["cases"] == 1  # B, C
    assert (water[former].overdue_now, water["مدیر آب"].overdue_now) == (0, 1)
    assert water[former].cue.level == "ok" and water["مدیر آب"].cue.level == "overdue"
    assert sum(r.overdue_now for r in card_rows) == 1  # C: the province's only overdue case


def _refer(case: str, n: int, at: str, agency: str, manager: str | None) -> dict:
    data = {"agency_id": agency}
    if manager is not None:
        data["manager_name"] = manager
    return {"id": f"{case}-r{n}", "case_id": case, "kind": "refer", "actor": {"operator_id": "op-1"},
            "at": at, "data": data}


def test_a_case_counts_for_the_manager_it_was_referred_under():
    """The fact's manager is the one the referral named, not the agency's manager when the
    report runs (the scorecard credited a former manager's months to the new one). The
    last referral to the case's own agency decides; a referral recorded before events
    named a manager falls back to the agency's manager now."""
    from samad_desk.reports.facts import case_fact
    from tests.support.report_world import AGENCIES, cases

    c = next(x for x in cases() if x["id"] == "D")  # power-qazvin; its manager now: «مدیر برق»
    power = AGENCIES[1]
    cal = calendar()
    assert case_fact(c, [], power, cal)["manager"] == "مدیر برق"
    assert case_fact(c, [_refer("D", 1, "2025-04-01T06:00:00Z", "power-qazvin", None)], power, cal)["manager"] \
        == "مدیر برق"
    evs = [
        _refer("D", 2, "2025-04-02T06:00:00Z", "power-qazvin", "مدیر پیشین برق"),
        _refer("D", 1, "2025-04-01T06:00:00Z", "power-qazvin", "مدیر اسبق برق"),
        _refer("D", 3, "2025-04-03T06:00:00Z", "water-qazvin", "مدیر آب"),  # another agency's
    ]
    assert case_fact(c, evs, power, cal)["manager"] == "مدیر پیشین برق"
    assert case_fact(c, list(reversed(evs)), power, cal)["manager"] == "مدیر پیشین برق"  # any order
    assert case_fact(c, [_refer("D", 1, "2025-04-01T06:00:00Z", "power-qazvin", "")], power, cal)["manager"] == ""


def test_a_former_managers_month_stays_theirs_and_overdue_now_moves_to_the_current_one():
    """Water's cases A, B and C were all referred under «مدیر پیشین آب»; water's manager
    is «مدیر آب» now. 1404/01 (B, C) is the former manager's row with its numbers. C is
    open and overdue now: that is the current manager's (the cartable is in their name),
    whose row exists for it though they received nothing in the window."""
    from samad_desk.reports.facts import build_facts
    from tests.support.report_world import AGENCIES, cases, events

    former = "مدیر پیشین آب"
    evs = events() + [_refer(x, 9, "2025-03-19T06:00:00Z", "water-qazvin", former) for x in ("A", "B", "C")]
    rows = build_facts(cases(), evs, AGENCIES, calendar(), provinces={c["id"]: "qazvin" for c in cases()})
    names = {"agency": {"water-qazvin": "آب قزوین"},
             "agency_manager": {"water-qazvin": "مدیر آب", "power-qazvin": "مدیر برق"}}
    runner = desk_runner(DeskReports(rows, SUPERVISOR), today=TODAY, calendar=calendar(), names=names)
    card_rows = scorecard(runner, month="1404/01", months_back=1, names=names)
    water = {r.manager: r for r in card_rows if r.agency == "water-qazvin"}
    assert set(water) == {former, "مدیر آب"}
    assert water[former].values == {"cases": 2, "in_time_pct": 100.0, "mean_days": 6.0, "returns": 0,
                                    "satisfaction_pct": 100.0}
    assert water[former].trend == [100.0, 100.0] and water[former].overdue_now == 0
    now = water["مدیر آب"]
    assert now.values == {"cases": 0, "in_time_pct": None, "mean_days": None, "returns": 0,
                          "satisfaction_pct": None}
    assert now.overdue_now == 1 and now.trend == [None, None] and now.name == "آب قزوین"
    assert sum(r.overdue_now for r in card_rows) == 1
    # without the managers now, the overdue stays with the manager the case was referred under
    plain = scorecard(runner, month="1404/01", months_back=1)
    assert {(r.manager, r.overdue_now) for r in plain if r.agency == "water-qazvin"} == {(former, 1)}
