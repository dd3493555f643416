"""The server's hash chains and signed checkpoints (docs/audit.md) on SQLite and PostgreSQL:
concurrent pushes never fork a chain, checkpoints are chained and signed, and editing
the checkpoints themselves is found too."""

from __future__ import annotations

import os
import stat
import time
from datetime import UTC, datetime
from functools import partial

import orjson
import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from samad_desk.central import audit
from samad_desk.central.audit_service import AuditError
from samad_desk.central.audit_verify import verify
from samad_desk.central.commands import central_group
from samad_desk.central.testing import Desk
from samad_desk.domain import ops as O
from tests.support.concurrent import at_once


def _links(central, case_id):
    with central.engine.connect() as conn:
        return conn.execute(text("SELECT n, event_id, hash FROM event_chain WHERE case_id = :c ORDER BY n"),
                            {"c": case_id}).all()


def _new_case(server):
    """(the central service, agent1's desk, a case it registered and referred)."""
    agent = Desk(server, "agent1")
    ops, case_id, _c, _t = agent.new_call()
    agent.push(*ops)
    return server.app.state.central, agent, case_id


def test_concurrent_pushes_to_one_case_make_one_chain(server):
    central, agent, case_id = _new_case(server)
    desks = [Desk(server, "agent1") for _ in range(6)]
    principals = {d: central.authenticate(f"Bearer {d.token}") for d in desks}
    for round_no in range(3):
        bodies = {d: {"client_id": d.client_id,
                      "ops": d.number([O.case_note(case_id, f"یادداشت {round_no}-{i}", d.actor)])}
                  for i, d in enumerate(desks)}
        results = at_once({d: partial(central.push, principals[d], bodies[d]) for d in desks})
        assert all(r["results"][0]["status"] == "applied" for r in results.values()), results
    links = _links(central, case_id)
    # register, refer, then 18 notes: one place each, no place twice, no gap
    assert [r.n for r in links] == list(range(1, 21))
    with central.engine.connect() as conn:
        events = conn.execute(text("SELECT count(*) FROM entities WHERE entity = 'event' AND case_id = :c"),
                              {"c": case_id}).scalar_one()
    assert events == 20 and len({r.event_id for r in links}) == 20
    assert central.chain_head(case_id) == links[-1].hash
    assert audit.chain_head_short(central, case_id) == links[-1].hash[:12]
    assert verify(central).ok


def test_a_second_link_at_one_place_is_refused_by_the_database(server):
    """What makes a fork impossible whatever the locks: (case_id, n) is the primary key."""
    central, agent, case_id = _new_case(server)
    with pytest.raises(IntegrityError), central.w.begin() as conn:
        conn.execute(text("INSERT INTO event_chain (case_id, n, event_id, hash, seq) "
                          "VALUES (:c, 2, 'another', :h, 999)"), {"c": case_id, "h": "0" * 64})


def test_checkpoints_are_signed_chained_and_checked(server, tmp_path):
    central, agent, case_id = _new_case(server)
    key_file = central.audit_key_path
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    first = central.checkpoint()
    assert first["checkpoint"]["id"] == 1 and first["checkpoint"]["changed"] == 1
    assert central.checkpoint() is None  # nothing moved
    agent.push(O.case_note(case_id, "یادداشت", agent.actor))
    second = central.checkpoint()
    assert second["checkpoint"]["prev"] == first["digest"] and second["checkpoint"]["changed"] == 1
    assert verify(central).ok

    out = tmp_path / "published.json"
    res = CliRunner().invoke(central_group, ["audit", "checkpoint", "--db", central.db_url, "--out", str(out)])
    assert res.exit_code == 0, res.output
    published = orjson.loads(out.read_bytes())
    assert published == second
    assert verify(central, published=published).ok

    # someone edits a checkpoint's body, then drops a signed head: both named
    with central.w.begin() as conn:
        body = orjson.loads(conn.execute(text("SELECT body FROM audit_checkpoints WHERE id = 2")).scalar_one())
        body["cases"] = 7
        conn.execute(text("UPDATE audit_checkpoints SET body = :b WHERE id = 2"),
                     {"b": orjson.dumps(body, option=orjson.OPT_SORT_KEYS).decode()})
        conn.execute(text("DELETE FROM audit_heads WHERE checkpoint_id = 1"))
    report = verify(central, published=published)
    problems = " | ".join(report.checkpoint_problems)
    assert not report.ok
    assert "2: امضای آن با کلید سرور نمی‌خواند" in problems
    assert "1: سرآمدهای آن کم یا زیاد شده‌اند" in problems
    assert "با نسخهٔ منتشرشده فرق دارد" in problems


def test_a_checkpoint_deleted_from_the_middle_is_named(server):
    central, agent, case_id = _new_case(server)
    central.checkpoint()
    agent.push(O.case_note(case_id, "یک", agent.actor))
    central.checkpoint()
    agent.push(O.case_note(case_id, "دو", agent.actor))
    central.checkpoint()
    with central.w.begin() as conn:
        conn.execute(text("DELETE FROM audit_heads WHERE checkpoint_id = 2"))
        conn.execute(text("DELETE FROM audit_checkpoints WHERE id = 2"))
    report = verify(central)
    assert any("حذف شده‌اند" in p for p in report.checkpoint_problems), report.lines()
    assert any("به نقطهٔ بازرسی پیشین نمی‌پیوندد" in p for p in report.checkpoint_problems)


def test_a_key_the_database_does_not_name_does_not_sign(server, tmp_path):
    central = server.app.state.central
    from samad_desk.central.service import Central

    other = Central(central.db_url, audit_key_file=tmp_path / "another.key")
    try:
        with pytest.raises(AuditError):
            other.checkpoint(force=True)
    finally:
        other.close()


def test_the_server_signs_on_its_own_at_the_interval(server):
    central, agent, case_id = _new_case(server)
    central.stop_checkpoints()
    central._audit_thread = None
    central.start_checkpoints(0.2)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with central.engine.connect() as conn:
            if audit.last_checkpoint(conn) is not None:
                break
        time.sleep(0.1)
    central.stop_checkpoints()
    with central.engine.connect() as conn:
        assert audit.signed_heads(conn)[case_id] == (2, central.chain_head(case_id))


def test_since_rechecks_only_recent_cases(server):
    central = server.app.state.central
    agent = Desk(server, "agent1")
    ops, old_case, _c, _t = agent.new_call()
    agent.push(*ops)
    clock = central.clock
    central.clock = lambda: datetime(2020, 1, 1, tzinfo=UTC)  # a checkpoint signed long ago
    central.checkpoint()
    central.clock = clock
    with central.w.begin() as conn:  # its unsigned column moved forward: the signed time counts
        conn.execute(text("UPDATE audit_checkpoints SET at = '2030-01-01T00:00:00Z'"))
    ops, new_case, _c, _t = agent.new_call()
    agent.push(*ops)
    report = verify(central, since="2021-01-01")
    assert report.cases == 1  # only the case that grew since
    assert verify(central).cases == 2


def test_imported_histories_are_chained(server):
    """Demo data and other imports go through ``import_entities``: chained as written."""
    from samad_desk.central.seed import load_demo_data

    central = server.app.state.central
    load_demo_data(central, citizens=12, cases=6)
    with central.engine.connect() as conn:
        per_case = dict(conn.execute(text(
            "SELECT case_id, count(*) FROM entities WHERE entity = 'event' AND case_id IS NOT NULL "
            "GROUP BY case_id")).all())
        links = dict(conn.execute(text("SELECT case_id, max(n) FROM event_chain GROUP BY case_id")).all())
    assert len(per_case) == 6 and links == per_case
    report = verify(central)
    assert report.ok and report.events == sum(per_case.values()), report.lines()
