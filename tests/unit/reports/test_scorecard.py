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
