"""The server's rollup (``report_rollup``, ``report_rollup_hist``): a spec grouped and
filtered by the agency's and the registration day's dimensions is answered from it, with
the same numbers as from the facts, for every scope; and the change log keeps it equal
to a rollup rebuilt from scratch, day by day."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from samad_desk.central import db
from samad_desk.central import reports as central_reports
from samad_desk.central.reports import (
    dups_table,
    refresh_facts,
    rollup_hist_table,
    rollup_table,
    run_sql,
    uses_rollup,
)
from samad_desk.domain.sla import WorkingCalendar
from samad_desk.reports import synth
from samad_desk.reports.engine import plan
from samad_desk.reports.spec import spec_from_dict

CAL = WorkingCalendar()
TODAY = date(2025, 9, 1)
SPECS = [
    {"name": "a", "rows": ["agency"], "measures": ["cases", "overdue", "in_time_pct", "mean_days"], "period": "1404"},
    {"name": "b", "rows": ["agency"], "columns": ["month"], "period": "1404", "compare": True,
     "measures": ["cases", "overdue", "in_time_pct", "median_days", "open", "satisfaction_pct"]},
    {"name": "c", "rows": ["deadline_band"], "measures": ["cases", "overdue", "median_days"]},
    {"name": "d", "rows": ["manager", "week"], "measures": ["cases", "returns"],
     "filters": {"deadline_band": ["overdue", "soon", "ok"], "year": ["1404"]}},
    {"name": "e", "rows": ["agency_kind"], "measures": ["extensions", "rereferrals", "followups", "objection_pct"],
     "filters": {"agency": ["water-qazvin", "gas-qazvin", "power-zanjan"]}, "period": "1403/12/20..1404/02/15",
     "compare": True, "top": 2},
    {"name": "f", "rows": [], "measures": ["cases", "median_days", "overdue"], "period": "last_30_days"},
    # the dense days (seed 6): many open cases of one agency, day and due day in a rollup row
    {"name": "g", "rows": ["agency", "day"], "measures": ["overdue", "cases", "median_days"], "period": "1403"},
]
ACTORS = [
    {"role": "supervisor", "province": "qazvin"},
    {"role": "admin", "province": "zanjan"},
    {"role": "manager", "province": "qazvin", "agency_id": "water-qazvin"},
    {"role": "officer", "province": "qazvin", "agency_id": None},
]


def central_province(central) -> str:
    """The province ``import_entities`` writes its rows in (no operator: the default)."""
    with central.engine.connect() as conn:
        return conn.execute(select(db.entities.c.province).where(db.entities.c.entity == "event",
                                                                 db.entities.c.case_id.is_(None))).scalar()


def _rollup_rows(engine) -> dict:
    out = {}
    with engine.connect() as conn:
        for table in (rollup_table, rollup_hist_table, dups_table):
            out[table.name] = sorted(tuple(r) for r in conn.execute(select(table)))
    return out


def test_rollup_specs_agree_with_the_facts(db_url, monkeypatch):
    engine = db.open_engine(db_url)
    db.migrate(engine)
    try:
        items = [it for seed in (4, 5) for it in synth.generate(300, seed)] + list(synth.generate(400, 6, days=12))
        synth.load_central(engine, items)
        refresh_facts(engine, CAL)
        for data in SPECS:
            spec = spec_from_dict(data)
            assert uses_rollup(plan(spec, TODAY)), data["name"]
            for actor in ACTORS:
                rolled = run_sql(engine, spec, actor, today=TODAY, calendar=CAL, refresh=False).to_json()
                with monkeypatch.context() as m:
                    m.setattr(central_reports, "uses_rollup", lambda p: False)
                    flat = run_sql(engine, spec, actor, today=TODAY, calendar=CAL, refresh=False).to_json()
                assert rolled == flat, (data["name"], actor)
                if actor["role"] == "officer":  # no agency: nothing at all
                    assert rolled["total"].get("cases", 0) in (0, None)
        # a spec grouped by a case's own field is not rolled up
        assert not uses_rollup(plan(spec_from_dict({"name": "t", "rows": ["type"], "measures": ["cases"]}), TODAY))
        assert not uses_rollup(plan(spec_from_dict({"name": "t", "rows": ["agency"], "measures": ["cases"],
                                                    "filters": {"channel": ["call"]}}), TODAY))
        # the manager sees their agency's cases only, from the rollup too
        spec = spec_from_dict(SPECS[0])
        mine = run_sql(engine, spec, ACTORS[2], today=TODAY, calendar=CAL, refresh=False).to_json()
        assert [r["key"] for r in mine["rows"]] == [["water-qazvin"]]
    finally:
        engine.dispose()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_change_log_keeps_the_rollup_equal_to_a_rebuild(db_url):
    """Writes folded in day by day leave the same rollup rows as a rebuild from scratch;
    an older rollup layout is rebuilt on the next report."""
    from samad_desk.central.service import Central

    central = Central(db_url)
    try:
        items = list(synth.generate(120, 8))
        merges = [e for e in synth.merges(12, 3) if e["kind"] == "citizen.merge"]
        unmerge = {"id": "ev-u", "case_id": None, "kind": "citizen.unmerge", "op_id": "u", "at": merges[0]["at"],
                   "actor": merges[0]["actor"], "data": {"merge_op_id": merges[0]["op_id"]}}
        docs = [("agency", a) for a in synth.agencies()] + [("event", e) for e in merges[:8]]
        for case, events, _ in items[:80]:
            docs.append(("case", case))
            docs.extend(("event", e) for e in events)
        central.import_entities(docs)
        refresh_facts(central.engine, CAL)
        spec = spec_from_dict({"name": "d", "measures": ["duplicates"]})
        admin = {"role": "admin", "province": central_province(central)}
        found = run_sql(central.engine, spec, admin, today=TODAY, calendar=CAL).to_json()["total"]["duplicates"]
        assert found == sum(len(e["data"]["merged_ids"]) for e in merges[:8])
        more = []
        for case, events, _ in items[80:]:
            more.append(("case", case))
            more.extend(("event", e) for e in events)
        # edits: a state change, a new registration day, an agency's new manager
        moved = dict(items[0][0], state="referred", registered_at="2025-02-02T08:00:00+00:00", version=5)
        agency = dict(synth.agencies()[0], manager_name="مدیر تازه", version=5)
        central.import_entities([*more, ("case", moved), ("agency", agency), *(("event", e) for e in merges[8:]),
                                 ("event", unmerge)])
        assert refresh_facts(central.engine, CAL) > 0
        assert run_sql(central.engine, spec, admin, today=TODAY, calendar=CAL).to_json()["total"]["duplicates"] == \
            found - len(merges[0]["data"]["merged_ids"]) + sum(len(e["data"]["merged_ids"]) for e in merges[8:])
        folded = _rollup_rows(central.engine)
        assert folded[rollup_table.name]
        with db.writer(central.engine).begin() as conn:
            db.set_meta(conn, central_reports.ROLLUP_KEY, "0")  # an older layout
        refresh_facts(central.engine, CAL)
        assert _rollup_rows(central.engine) == folded
        with db.writer(central.engine).begin() as conn:
            db.set_meta(conn, central_reports.META_KEY, "-1")  # below min_seq: rebuild everything
            db.set_meta(conn, "min_seq", "0")
        refresh_facts(central.engine, CAL)
        assert _rollup_rows(central.engine) == folded
    finally:
        central.close()


def test_a_fold_of_merges_costs_the_same_queries_for_one_or_many(db_url):
    """The duplicates table takes a fold's merges and unmerges at once (it ran three
    queries per merge event): a fold of seven merges and an unmerge runs as many
    statements as a fold of one and an unmerge, and leaves the rows a rebuild leaves."""
    from sqlalchemy import event

    from samad_desk.central.service import Central

    def unmerge(merge: dict) -> dict:
        return {"id": f"ev-u-{merge['op_id']}", "case_id": None, "kind": "citizen.unmerge",
                "op_id": f"u-{merge['op_id']}", "at": merge["at"], "actor": merge["actor"],
                "data": {"merge_op_id": merge["op_id"]}}

    central = Central(db_url)
    try:
        merges = [e for e in synth.merges(12, 3) if e["kind"] == "citizen.merge"]
        central.import_entities([("agency", a) for a in synth.agencies()] + [("event", e) for e in merges[:2]])
        refresh_facts(central.engine, CAL)

        def fold(events: list[dict]) -> int:
            central.import_entities([("event", e) for e in events])
            statements: list[str] = []

            def seen(_conn, _cursor, statement, *_args) -> None:
                statements.append(statement)

            event.listen(central.engine, "before_cursor_execute", seen)
            try:
                refresh_facts(central.engine, CAL)
            finally:
                event.remove(central.engine, "before_cursor_execute", seen)
            assert any("report_dups" in s for s in statements)  # (the listener sees the fold)
            return len(statements)

        one = fold([merges[2], unmerge(merges[0])])
        many = fold([*merges[3:10], unmerge(merges[1])])
        assert many == one
        folded = _rollup_rows(central.engine)[dups_table.name]
        assert len(folded) == 8  # merges 2..9
        with db.writer(central.engine).begin() as conn:
            central_reports._dups(conn, None)  # the rebuild from every merge event
        assert _rollup_rows(central.engine)[dups_table.name] == folded
    finally:
        central.close()


@pytest.mark.parametrize("db_url", ["pg"], indirect=True)
def test_a_rebuild_leaves_planner_statistics(db_url):
    """PostgreSQL: the report tables are analyzed after a rebuild (without statistics the
    planner took a 340,000-row slice of 1,000,000 facts for 25 rows and sorted it on disk)."""
    from sqlalchemy import text

    engine = db.open_engine(db_url)
    db.migrate(engine)
    try:
        synth.load_central(engine, list(synth.generate(200, 9)))
        refresh_facts(engine, CAL)
        with engine.connect() as conn:
            stats = dict(conn.execute(text(
                "SELECT c.relname, c.reltuples FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace "
                "WHERE s.nspname = current_schema() AND c.relname IN ('report_facts', 'report_rollup')")).all())
        assert stats["report_facts"] == 200 and stats["report_rollup"] > 0
    finally:
        engine.dispose()
