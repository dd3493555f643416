"""``POST /v1/reports/run`` through the real app (SQLite and PostgreSQL): the scope comes
from the operator's account — a manager never sees another agency's numbers, whatever
the request asks — and a bad spec is a 400 with a Persian message naming the field."""

from __future__ import annotations

import warnings

import pytest

warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
from starlette.testclient import TestClient  # noqa: E402

from samad_desk.central.app import create_app  # noqa: E402
from samad_desk.central.seed import seed_demo  # noqa: E402
from samad_desk.central.testing import Desk  # noqa: E402
from samad_desk.reports import synth  # noqa: E402

SPEC = {"name": "همه", "rows": ["agency"], "measures": ["cases", "overdue", "in_time_pct"]}


@pytest.fixture
def server(db_url):
    app = create_app(db_url)
    central = app.state.central
    seed_demo(central, full=False)
    items = []
    for case, events, province in synth.generate(120, 4):
        if case["agency_id"]:  # onto the demo agencies: water or power of Qazvin, or Zanjan's water
            kind = case["agency_id"].split("-")[0]
            case["agency_id"] = ("water-qazvin" if kind in ("water", "gas") else "power-qazvin") \
                if province == "qazvin" else "water-zanjan"
        items.append((case, events, province))
    synth.load_central(central.engine, items, agency_docs=[
        {"id": "water-zanjan", "name": "آب زنجان", "province": "zanjan", "manager_name": "م"}])
    client = TestClient(app)
    yield client, items
    client.close()
    central.close()


def _run(client, desk, body):
    return client.post("/v1/reports/run", json=body, headers=desk.headers)


def test_manager_sees_only_own_agency(server):
    client, items = server
    desk = Desk(client, "watermgr")
    mine = sum(1 for c, _, _ in items if c["agency_id"] == desk.operator["agency_id"])
    assert mine > 0
    r = _run(client, desk, {"spec": SPEC, "today": "2025-06-01",
                            # whatever the body claims, the account decides the scope
                            "actor": {"role": "supervisor", "province": "qazvin"}})
    assert r.status_code == 400  # unknown body keys are refused, nothing is read from them
    r = _run(client, desk, {"spec": SPEC, "today": "2025-06-01"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [row["key"] for row in body["rows"]] == [[desk.operator["agency_id"]]]
    assert body["total"]["cases"] == mine
    # a filter naming another agency gives nothing, not that agency's numbers
    other = dict(SPEC, filters={"agency": ["power-qazvin", "water-zanjan"]})
    body = _run(client, desk, {"spec": other, "today": "2025-06-01"}).json()
    assert body["rows"] == [] and body["total"]["cases"] == 0


def test_supervisor_sees_own_province(server):
    client, items = server
    desk = Desk(client, "super1")
    qazvin = sum(1 for _, _, p in items if p == "qazvin")
    body = _run(client, desk, {"spec": dict(SPEC, rows=["province"]), "today": "2025-06-01"}).json()
    assert body["total"]["cases"] == qazvin
    assert [row["key"] for row in body["rows"]] == [["qazvin"]]


def test_bad_spec_is_a_persian_400(server):
    client, _ = server
    desk = Desk(client, "super1")
    r = _run(client, desk, {"spec": dict(SPEC, measures=["speed"])})
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_spec"
    assert "«speed»" in r.json()["message"] and "measures" in r.json()["message"]
    r = _run(client, desk, {"spec": dict(SPEC, period="1404/13")})
    assert r.status_code == 400 and "ماه" in r.json()["message"]
    assert client.post("/v1/reports/run", json={"spec": SPEC}).status_code == 401


def test_a_push_folds_into_the_report_tables(server):
    """Once a server has run a report, a push that applied ops folds the change log into
    the report tables after answering: the next report finds nothing left to fold."""
    from samad_desk.central import db
    from samad_desk.central.reports import META_KEY
    from samad_desk.domain import ops as O
    from samad_desk.domain.ids import uuid7

    client, _ = server
    central = client.app.state.central
    agent = Desk(client, "agent1")
    supervisor = Desk(client, "super1")

    def folded_through() -> int | None:
        with central.engine.connect() as conn:
            v = db.get_meta(conn, META_KEY)
            top = conn.execute(db.changes.select().with_only_columns(db.changes.c.seq)
                               .order_by(db.changes.c.seq.desc()).limit(1)).scalar()
        return None if v is None else int(v) - int(top or 0)

    spec = {"spec": {"name": "n", "rows": ["type"], "measures": ["cases"]}, "today": "2026-06-01"}
    cit = str(uuid7())
    res = agent.push(O.citizen_upsert({"id": cit, "first_name": "علی", "last_name": "رضایی", "mobile": "09120000000",
                                             "no_national_id": True}, agent.actor))
    assert res["results"][0]["status"] == "applied", res
    assert folded_through() is None  # no report yet: the push leaves the tables alone
    before = _run(client, supervisor, spec).json()["total"]["cases"]
    assert folded_through() == 0
    res = agent.push(O.case_register(str(uuid7()), tracking_code=agent.tracking_code(), citizen_id=cit,
                                     type="complaint", subject="water.outage", city="قزوین",
                                     description="شرح کافی برای این تماس", actor=agent.actor))
    assert res["results"][0]["status"] == "applied", res
    assert folded_through() == 0  # folded by the push (the test client runs its background task)
    after = _run(client, supervisor, spec).json()["total"]["cases"]
    assert after == before + 1


def test_a_push_asks_for_the_report_tables_in_its_own_transaction(server):
    """Whether the report tables follow the log (``report_seq``) is read inside the push's
    transaction: a push that applied ops takes no more connections than one that applied
    none while the server has never reported (no fold), and one more, the fold's, once it
    has (there was one more per push for the question, and one for the fold's look)."""
    from sqlalchemy import event

    from samad_desk.domain import ops as O
    from samad_desk.domain.ids import uuid7

    client, _ = server
    central = client.app.state.central
    agent = Desk(client, "agent1")
    supervisor = Desk(client, "super1")
    taken: list[int] = []

    def checkout(*_args) -> None:
        taken.append(1)

    def connections(ops: list[dict], status: str) -> int:
        """Connections taken by one push of ``ops`` (and the fold the answer schedules)."""
        taken.clear()
        r = agent.push_raw(ops)
        assert r.status_code == 200 and r.json()["results"][0]["status"] == status, r.text
        return len(taken)

    def citizen() -> list[dict]:
        return agent.number([O.citizen_upsert({"id": str(uuid7()), "first_name": "علی", "last_name": "رضایی",
                                               "mobile": "09120000000", "no_national_id": True}, agent.actor)])

    first = citizen()
    assert agent.push_raw(first).json()["results"][0]["status"] == "applied"
    event.listen(central.engine.pool, "checkout", checkout)
    try:
        idle = connections(first, "duplicate")  # applied nothing: no fold, either way
        assert connections(citizen(), "applied") == idle
        spec = {"spec": {"name": "n", "rows": ["type"], "measures": ["cases"]}, "today": "2026-06-01"}
        assert _run(client, supervisor, spec).status_code == 200  # the report tables from now on
        assert connections(citizen(), "applied") == idle + 1  # the fold's own transaction
        assert connections(first, "duplicate") == idle
    finally:
        event.remove(central.engine.pool, "checkout", checkout)
