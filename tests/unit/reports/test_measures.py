"""Every measure against answers computed by hand on the fixed province of
``fixed_world.py`` (Jalali month boundaries in Tehran time, Nowruz holidays, an office
with Thursdays off), through the desk's executor."""

from __future__ import annotations

import pytest

from samad_desk.reports.memory import run_memory
from samad_desk.reports.spec import MEASURES, spec_from_dict
from tests.support.report_world import TODAY, calendar, dups, facts

SUPERVISOR = {"role": "supervisor", "province": "qazvin"}
ALL = list(MEASURES)


def report(actor=SUPERVISOR, **spec):
    data = {"name": "t", "measures": ALL, **spec}
    return run_memory(spec_from_dict(data), facts(), actor=actor, today=TODAY, calendar=calendar(),
                      dups=dups()).to_json()


def by_key(result) -> dict:
    return {tuple(r["key"]): r["values"] for r in result["rows"]}


def test_months_and_every_measure():
    r = report(rows=["month"])
    rows = by_key(r)
    # B registered 2025-03-20 21:00 UTC = 1404/01/01 00:30 in Tehran; E 1404/01/31 23:30; F 1404/02/01 00:01
    assert set(rows) == {("1403/12",), ("1404/01",), ("1404/02",)}
    assert rows[("1403/12",)] == {
        "cases": 1, "open": 0, "overdue": 0, "answered": 1, "in_time_pct": 100.0, "mean_days": 2.0,
        "median_days": 2.0, "extensions": 0, "returns": 0, "rereferrals": 0, "followups": 0,
        "satisfaction_pct": None, "objection_pct": 0.0, "duplicates": 0}
    assert rows[("1404/01",)] == {
        "cases": 4, "open": 1, "overdue": 1, "answered": 2, "in_time_pct": 50.0, "mean_days": 9.0,
        "median_days": 9.0, "extensions": 1, "returns": 1, "rereferrals": 1, "followups": 2,
        "satisfaction_pct": 50.0, "objection_pct": 50.0, "duplicates": 2}
    assert rows[("1404/02",)]["cases"] == 1 and rows[("1404/02",)]["open"] == 1
    assert rows[("1404/02",)]["overdue"] == 0 and rows[("1404/02",)]["answered"] == 0
    assert rows[("1404/02",)]["duplicates"] == 1
    assert r["total"] == {
        "cases": 6, "open": 2, "overdue": 1, "answered": 3, "in_time_pct": 66.67, "mean_days": 6.67,
        "median_days": 6.0, "extensions": 1, "returns": 1, "rereferrals": 1, "followups": 2,
        "satisfaction_pct": 50.0, "objection_pct": 33.33, "duplicates": 3}
    assert [r["labels"] for r in r["rows"]][0] == ["فروردین ۱۴۰۴"]  # most cases first


def test_deadline_bands_by_agency():
    r = report(rows=["agency"], columns=["deadline_band"], measures=["cases"])
    cells = {r_["key"][0]: {k: v["cases"] for k, v in r_["cells"].items()} for r_ in r["rows"]}
    # F: (04-30, 05-05] holds 05-03, 05-04, 05-05 (Thursday and Friday off): 3 days, "soon"
    assert cells == {"water-qazvin": {"none": 2, "overdue": 1}, "power-qazvin": {"none": 1, "soon": 1},
                     "": {"none": 1}}
    assert [c["id"] for c in r["columns"]] == ["none", "overdue", "soon"]


def test_period_and_previous_period():
    r = report(period="1404/01", compare=True, rows=["type"], measures=["cases", "answered"])
    assert r["period"] == {"start": "2025-03-21", "end": "2025-04-20", "label": "فروردین ۱۴۰۴"}
    assert r["previous_period"]["label"] == "اسفند ۱۴۰۳"
    assert r["total"] == {"cases": 4, "answered": 2}
    assert r["previous_total"] == {"cases": 1, "answered": 1}
    rows = {tuple(x["key"]): (x["values"]["cases"], x["previous"]["cases"]) for x in r["rows"]}
    assert rows == {("complaint",): (2, 1), ("request",): (2, 0)}


def test_top_n_and_filter():
    r = report(rows=["agency"], measures=["cases"], top=1, filters={"type": ["complaint"]})
    assert [x["key"] for x in r["rows"]] == [["water-qazvin"]]  # A, C against D
    assert r["total"]["cases"] == 3 and r["total_rows"] == 2
    r = report(rows=["agency"], measures=["cases"], filters={"deadline_band": ["overdue"]})
    assert by_key(r) == {("water-qazvin",): {"cases": 1}}


@pytest.mark.parametrize("actor,expected", [
    ({"role": "manager", "agency_id": "water-qazvin", "province": "qazvin"}, 3),
    ({"role": "officer", "agency_id": "power-qazvin", "province": "qazvin"}, 2),
    ({"role": "manager", "agency_id": None, "province": "qazvin"}, 0),
    ({"role": "supervisor", "province": "zanjan"}, 0),
    ({"role": "agent", "province": "qazvin"}, 6),
])
def test_scope(actor, expected):
    r = report(actor=actor, rows=["agency"], measures=["cases"])
    assert r["total"]["cases"] == expected
    if actor["role"] in ("manager", "officer"):
        assert all(x["key"] == [actor["agency_id"]] for x in r["rows"])


def test_overdue_shortcut_is_the_deadline_rule():
    """Both executors count overdue as ``open AND due < today``; that is exactly
    ``remaining_working_days < 0`` (weekends, Nowruz and all)."""
    from datetime import date, timedelta

    from samad_desk.reports.deadlines import remaining_days
    from samad_desk.reports.engine import is_overdue

    cal = calendar()
    for d in range(60):
        due = date(2025, 3, 10) + timedelta(days=d)
        for t in range(-10, 10):
            today = due + timedelta(days=t)
            r = remaining_days({"state": "referred", "due_date": due.isoformat()}, today, cal)
            assert is_overdue(1, due.isoformat(), today.isoformat()) == (r < 0)


def test_duplicate_citizens_found():
    """Merges not undone, on the Tehran day of the merge, in the merging operator's
    province; a merge belongs to no agency, so an agency's manager sees none."""
    r = report(rows=["month"], measures=["duplicates", "cases"])
    # M1 at 00:10 on 1404/01/01 counts in Farvardin; M2 (23:30 on 1403/12/30) was undone
    assert {tuple(x["key"]): x["values"]["duplicates"] for x in r["rows"]} == {
        ("1404/01",): 2, ("1403/12",): 0, ("1404/02",): 1}
    assert r["total"]["duplicates"] == 3
    # a month alone, and the previous month beside it
    r = report(period="1404/02", compare=True, measures=["duplicates"])
    assert r["total"] == {"duplicates": 1} and r["previous_total"] == {"duplicates": 2}
    # by agency: the merges sit in the "no agency" row, beside the unreferred case E
    r = report(rows=["agency"], measures=["cases", "duplicates"])
    assert {tuple(x["key"]): x["values"]["duplicates"] for x in r["rows"]} == {
        ("water-qazvin",): 0, ("power-qazvin",): 0, ("",): 3}
    # by operator (the cases have no register event: operator ""); a filter on a case's own field
    # leaves no merge
    r = report(rows=["operator"], measures=["duplicates"])
    assert {tuple(x["key"]): x["values"]["duplicates"] for x in r["rows"]} == {("op-1",): 3, ("",): 0}
    assert report(measures=["duplicates"], filters={"type": ["complaint"]})["total"] == {"duplicates": 0}
    # scope: Zanjan's supervisor sees M3 only; Qazvin's water manager none
    assert report(actor={"role": "supervisor", "province": "zanjan"}, measures=["duplicates"])["total"] == {
        "duplicates": 1}
    assert report(actor={"role": "manager", "province": "qazvin", "agency_id": "water-qazvin"},
                  measures=["duplicates"])["total"] == {"duplicates": 0}
