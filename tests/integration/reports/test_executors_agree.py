"""The desk's in-memory executor and the server's SQL executor give identical reports:
random specs (hypothesis) over random data (three seeds), each run through both, on
SQLite and on PostgreSQL. Also: the server's facts follow the change log."""

from __future__ import annotations

from datetime import date

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samad_desk.central import db
from samad_desk.central.reports import names as sql_names
from samad_desk.central.reports import refresh_facts, run_sql
from samad_desk.domain.sla import WorkingCalendar
from samad_desk.reports import synth
from samad_desk.reports.facts import build_facts, duplicate_facts
from samad_desk.reports.memory import run_memory
from samad_desk.reports.spec import DIMENSIONS, MEASURES, spec_from_dict

CAL = WorkingCalendar()
PERIODS = [None, "1404", "1403", "1404/01", "1403/12", "last_30_days", "this_month",
           "1403/12/20..1404/01/15", "last_month", "this_year"]
DIMS = list(DIMENSIONS)


def _filter_values(dim: str) -> list[str]:
    return {
        "province": ["qazvin", "zanjan"], "type": ["complaint", "request"], "state": ["referred", "answered"],
        "deadline_band": ["overdue", "none", "ok"], "year": ["1403", "1404"], "subject_group": ["water", "gas"],
        "agency": ["water-qazvin", "power-zanjan"], "channel": ["call", "web"], "month": ["1404/01"],
    }.get(dim, ["", "x"])


@st.composite
def specs(draw):
    dims = draw(st.lists(st.sampled_from(DIMS), max_size=3, unique=True))
    ncol = draw(st.integers(0, min(1, len(dims))))
    rows, columns = dims[: len(dims) - ncol], dims[len(dims) - ncol:]
    measures = draw(st.lists(st.sampled_from(list(MEASURES)), min_size=1, max_size=5, unique=True))
    fdims = draw(st.lists(st.sampled_from(["province", "type", "state", "deadline_band", "year",
                                           "subject_group", "agency", "channel", "month", "city"]),
                          max_size=2, unique=True))
    filters = {d: draw(st.lists(st.sampled_from(_filter_values(d)), min_size=1, max_size=2, unique=True))
               for d in fdims}
    period = draw(st.sampled_from(PERIODS))
    data = {"name": "r", "rows": rows, "columns": columns, "measures": measures, "filters": filters}
    if period:
        data["period"] = period
        data["compare"] = draw(st.booleans())
    if draw(st.booleans()):
        data["top"] = draw(st.integers(1, 6))
    return spec_from_dict(data)


AGENCY_IDS = [a["id"] for a in synth.agencies()]
actors = st.one_of(
    st.builds(lambda r, p: {"role": r, "province": p, "agency_id": None},
              st.sampled_from(["agent", "supervisor", "admin"]), st.sampled_from(["qazvin", "zanjan", "tehran"])),
    st.builds(lambda r, a: {"role": r, "province": "qazvin", "agency_id": a},
              st.sampled_from(["officer", "manager"]), st.sampled_from([*AGENCY_IDS, "nowhere", None])),
)
todays = st.dates(date(2025, 3, 1), date(2026, 7, 1))


@pytest.fixture
def world(db_url):
    engine = db.open_engine(db_url)
    db.migrate(engine)
    items = [it for seed in (1, 2, 3) for it in synth.generate(150, seed)]
    merges = synth.merges(40, 1)
    synth.load_central(engine, items, citizen_events=merges)
    refresh_facts(engine, CAL)
    facts = build_facts([c for c, _, _ in items], [e for _, evs, _ in items for e in evs], synth.agencies(), CAL,
                        provinces={c["id"]: p for c, _, p in items})
    with engine.connect() as conn:
        labels = sql_names(conn)
    yield engine, facts, labels, duplicate_facts(merges, synth.operator_province)
    engine.dispose()


def test_random_specs_agree(world):
    engine, facts, labels, dups = world
    seen_rows = []

    @settings(max_examples=60, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(spec=specs(), actor=actors, today=todays)
    def check(spec, actor, today):
        mem = run_memory(spec, facts, actor=actor, today=today, calendar=CAL, names=labels, dups=dups).to_json()
        sql = run_sql(engine, spec, actor, today=today, calendar=CAL, refresh=False).to_json()
        assert mem == sql, spec
        seen_rows.append(mem["total"].get(spec.measures[0]))

    check()
    # the examples were not all empty reports
    assert sum(1 for v in seen_rows if v) >= 20


def test_facts_follow_the_change_log(db_url):
    """Cases written with change rows after the first build are folded in on the next run."""
    from samad_desk.central.service import Central

    central = Central(db_url)
    try:
        items = list(synth.generate(40, 7))
        spec = spec_from_dict({"name": "n", "rows": ["state"], "measures": ["cases", "followups"]})
        actor = {"role": "supervisor", "province": "qazvin"}
        today = date(2025, 6, 1)
        first = run_sql(central.engine, spec, actor, today=today, calendar=CAL).to_json()
        assert first["total"]["cases"] == 0
        docs = [("agency", a) for a in synth.agencies()]
        for case, events, _ in items:
            docs.append(("case", case))
            docs.extend(("event", e) for e in events)
        central.import_entities(docs)  # with change rows; every case in the default province
        second = run_sql(central.engine, spec, actor, today=today, calendar=CAL).to_json()
        assert second["total"]["cases"] == 40
        assert second["total"]["followups"] == sum(
            1 for _, evs, _ in items for e in evs if e["kind"] == "followup")
        # an edit of one case moves it to another state on the next run
        case = dict(items[0][0], state="closed", version=5)
        before = {tuple(r["key"]): r["values"]["cases"] for r in second["rows"]}
        central.import_entities([("case", case)])
        third = run_sql(central.engine, spec, actor, today=today, calendar=CAL).to_json()
        after = {tuple(r["key"]): r["values"]["cases"] for r in third["rows"]}
        if items[0][0]["state"] != "closed":
            assert after[("closed",)] == before.get(("closed",), 0) + 1
        assert sum(after.values()) == 40
    finally:
        central.close()


def test_generated_cases_span_both_years():
    """The generator spreads registrations over 1403 and 1404 (the periods above need both)."""
    items = list(synth.generate(200, 1))
    regs = {c["registered_at"][:4] for c, _, _ in items}
    assert regs == {"2025", "2026"}
    assert min(c["registered_at"] for c, _, _ in items) >= "2025-01-01"


def test_fixed_province_by_sql(db_url):
    """The hand-computed answers of tests/unit/reports/test_measures.py, by SQL."""
    from tests.support import report_world as w

    engine = db.open_engine(db_url)
    db.migrate(engine)
    try:
        by_case: dict[str, list] = {}
        for e in w.events():
            by_case.setdefault(e["case_id"], []).append(e)
        synth.load_central(engine, [(c, by_case.get(c["id"], []), "qazvin") for c in w.cases()], w.AGENCIES)
        with db.writer(engine).begin() as conn:  # the merges, in their operators' provinces
            conn.execute(db.entities.insert(), [
                {"entity": "event", "id": e["id"], "version": 1, "deleted": False, "data": orjson.dumps(e).decode(),
                 "province": w.OPERATOR_PROVINCES[e["actor"]["operator_id"]]} for e in w.merge_events()])
        spec = spec_from_dict({"name": "t", "rows": ["month"], "measures": list(MEASURES)})
        r = run_sql(engine, spec, {"role": "supervisor", "province": "qazvin"}, today=w.TODAY,
                    calendar=w.calendar()).to_json()
        assert r["total"] == {
            "cases": 6, "open": 2, "overdue": 1, "answered": 3, "in_time_pct": 66.67, "mean_days": 6.67,
            "median_days": 6.0, "extensions": 1, "returns": 1, "rereferrals": 1, "followups": 2,
            "satisfaction_pct": 50.0, "objection_pct": 33.33, "duplicates": 3}
        assert [x["key"] for x in r["rows"]] == [["1404/01"], ["1403/12"], ["1404/02"]]
        assert [x["values"]["duplicates"] for x in r["rows"]] == [2, 0, 1]
        zanjan = run_sql(engine, spec, {"role": "supervisor", "province": "zanjan"}, today=w.TODAY,
                         calendar=w.calendar()).to_json()
        assert zanjan["total"]["duplicates"] == 1 and zanjan["total"]["cases"] == 0
    finally:
        engine.dispose()
