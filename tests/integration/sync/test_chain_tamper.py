"""Tamper-evident histories end to end (docs/audit.md): a real server process on SQLite and
PostgreSQL, real desks; the database edited behind the server's back five ways, each
found by ``audit verify`` and by a fresh desk that pulls the cases."""

from __future__ import annotations

import random

import orjson
from click.testing import CliRunner
from sqlalchemy import text

from samad_desk.central import db
from samad_desk.central.audit_verify import verify
from samad_desk.central.service import Central
from samad_desk.domain import chain
from samad_desk.domain import ops as O

TAMPERS = ("edited", "deleted", "inserted", "reordered", "rewritten")


def _links(conn, case_id: str) -> list:
    return conn.execute(text("SELECT n, event_id, hash FROM event_chain WHERE case_id = :c ORDER BY n"),
                        {"c": case_id}).all()


def _data(conn, event_id: str) -> dict:
    return orjson.loads(conn.execute(text("SELECT data FROM entities WHERE entity = 'event' AND id = :i"),
                                     {"i": event_id}).scalar_one())


def _set_data(conn, event_id: str, data: dict) -> None:
    """What someone editing the database does: the event and the change rows serving it."""
    raw = orjson.dumps(data).decode()
    conn.execute(text("UPDATE entities SET data = :d WHERE entity = 'event' AND id = :i"), {"d": raw, "i": event_id})
    conn.execute(text("UPDATE changes SET data = :d WHERE entity = 'event' AND id = :i AND data IS NOT NULL"),
                 {"d": raw, "i": event_id})


def tamper(engine, kind: str, case_id: str) -> None:
    with engine.begin() as conn:
        links = _links(conn, case_id)
        first, last = links[0], links[-1]
        if kind == "edited":  # the referral's note says something else now
            data = _data(conn, last.event_id)
            data["data"] = {**data.get("data", {}), "note": "نیازی به رسیدگی نیست"}
            _set_data(conn, last.event_id, data)
        elif kind == "deleted":  # the last event of the history removed
            conn.execute(text("DELETE FROM entities WHERE entity = 'event' AND id = :i"), {"i": last.event_id})
            conn.execute(text("DELETE FROM changes WHERE entity = 'event' AND id = :i"), {"i": last.event_id})
        elif kind == "inserted":  # a forged event slipped into the history
            forged = {**_data(conn, last.event_id), "id": "forged-" + last.event_id[:20], "kind": "answer",
                      "data": {"text": "پاسخ داده شد"}, "op_id": "forged-op"}
            raw = orjson.dumps(forged).decode()
            conn.execute(text(
                "INSERT INTO entities (entity, id, version, deleted, data, case_id, agency_id, province) "
                "SELECT 'event', :i, 1, :f, :d, case_id, agency_id, province FROM entities "
                "WHERE entity = 'case' AND id = :c"), {"i": forged["id"], "d": raw, "c": case_id, "f": False})
        elif kind == "reordered":  # the chain's first two places swapped
            conn.execute(text("UPDATE event_chain SET n = -1 WHERE case_id = :c AND n = :n"),
                         {"c": case_id, "n": first.n})
            conn.execute(text("UPDATE event_chain SET n = :a WHERE case_id = :c AND n = :b"),
                         {"c": case_id, "a": first.n, "b": links[1].n})
            conn.execute(text("UPDATE event_chain SET n = :b WHERE case_id = :c AND n = -1"),
                         {"c": case_id, "b": links[1].n})
        elif kind == "rewritten":  # the first event edited and every hash recomputed, without the key
            data = _data(conn, first.event_id)
            data["data"] = {**data.get("data", {}), "subject": "موضوع دیگر"}
            _set_data(conn, first.event_id, data)
            prev = chain.GENESIS
            for link in links:
                prev = chain.link_hash(prev, _data(conn, link.event_id))
                conn.execute(text("UPDATE event_chain SET hash = :h WHERE case_id = :c AND n = :n"),
                             {"h": prev, "c": case_id, "n": link.n})
        else:  # pragma: no cover
            raise AssertionError(kind)


def _kinds(breaks) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for b in breaks:
        out.setdefault(b.case_id, set()).add(b.kind)
    return out


def test_tampered_histories_are_named_by_audit_and_by_a_pulling_desk(central, desk_factory):
    agent = desk_factory("agent", "agent1", central.url)
    rng = random.Random(17)
    cases = {}
    for kind in (*TAMPERS, "untouched"):
        _cit, case_id = agent.register_call(rng, agency_id="water-qazvin")
        agent.save([O.case_note({"id": case_id, "version": 2}, "تماس دوباره گرفته شد", agent.actor)])
        cases[kind] = case_id
    agent.sync_until_quiet()

    server = Central(central.db_url)  # an admin on the server host (same key file)
    try:
        assert server.checkpoint() is not None  # the heads signed, as the timer would
        clean = verify(server)
        assert clean.ok, clean.lines()
        assert clean.cases == len(cases) and clean.events == 3 * len(cases)
        fresh = desk_factory("before", "water1", central.url)
        assert fresh.engine.chains.breaks == [] and fresh.engine.problem is None

        for kind in TAMPERS:
            tamper(server.engine, kind, cases[kind])

        report = verify(server)
        assert not report.ok
        found = _kinds(report.breaks)
        assert set(found) == {cases[k] for k in TAMPERS}, report.lines()
        for kind in TAMPERS:
            assert kind in found[cases[kind]], (kind, report.lines())

        # the command: Persian lines, exit 1, and the JSON names the same cases
        from samad_desk.central.commands import central_group

        res = CliRunner().invoke(central_group, ["audit", "verify", "--db", central.db_url, "--json"])
        assert res.exit_code == 1, res.output
        assert sorted(orjson.loads(res.output)["broken_cases"]) == sorted(cases[k] for k in TAMPERS)
        res = CliRunner().invoke(central_group, ["audit", "verify", "--db", central.db_url])
        assert res.exit_code == 1 and "تاریخچهٔ دست‌خورده" in res.output

        # a desk that pulls these cases now: each broken one in F10's problem, the clean one not
        desk = desk_factory("after", "water1", central.url)
        seen = _kinds(desk.engine.chains.breaks)
        assert set(seen) == {cases[k] for k in TAMPERS}, desk.engine.chains.breaks
        for kind in TAMPERS:
            assert kind in seen[cases[kind]], (kind, desk.engine.chains.breaks)
        problem = desk.engine.problem
        assert problem is not None and problem.kind == "history"
        assert desk.engine.status()["problem"]["kind"] == "history"
        # still listed after the desk restarts, before it syncs again
        desk.restart()
        assert _kinds(desk.engine.chains.breaks) == seen and desk.engine.problem.kind == "history"
    finally:
        server.close()


def test_migration_chains_the_history_already_there(central, desk_factory):
    """A database from before migration 6: its events get chained when it is upgraded."""
    agent = desk_factory("agent", "agent1", central.url)
    _cit, case_id = agent.register_call(random.Random(3), agency_id="water-qazvin")
    agent.sync_until_quiet()
    server = Central(central.db_url)
    try:
        with server.w.begin() as conn:
            before = [r.hash for r in _links(conn, case_id)]
            conn.execute(text("DELETE FROM event_chain"))
            conn.execute(db.schema_version.update().values(version=5))
        db.migrate(server.engine)
        with server.engine.connect() as conn:
            assert [r.hash for r in _links(conn, case_id)] == before
        assert verify(server).ok
    finally:
        server.close()

