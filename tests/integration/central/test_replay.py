"""The server's state equals the shared reducer's, replayed in server order.

Several desks push a seeded random mix of case work in batches (so that the server's
per-transaction row cache, prefetch and savepoints are exercised across ops of one batch).
Replaying every applied op, in seq order, through ``apply_op`` on a ``MemoryReader``
with the same clock must give exactly the entities the server holds.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import orjson
from sqlalchemy import select

from samad_desk.central import db
from samad_desk.central.testing import Desk
from samad_desk.domain import ops as O
from samad_desk.domain.reducer import MemoryReader, apply_op
from samad_desk.domain.sla import WorkingCalendar

NOW = datetime(2025, 3, 2, 8, 30, tzinfo=UTC)


def test_server_state_equals_reducer_replay(make_server):
    cal = WorkingCalendar(official=False)
    http = make_server(clock=lambda: NOW, calendar=cal)
    central = http.app.state.central
    rng = random.Random(20251)
    agent = Desk(http, "agent1")
    water, mgr, power, sup = (Desk(http, u) for u in ("water1", "watermgr", "power1", "super1"))
    sent: dict[str, dict] = {}
    cases: list[str] = []
    nids = ["0013542419", "0084575948", "1234567891"]
    for _round in range(12):
        batches: dict[Desk, list[dict]] = {}
        for _ in range(rng.randrange(2, 5)):  # a call: citizen + case (+ refer)
            ops, case_id, _c, _t = agent.new_call(agency_id=rng.choice(["water-qazvin", "power-qazvin", None]),
                                                  nid=rng.choice(nids), mobile=f"0912{rng.randrange(10**7):07d}")
            batches.setdefault(agent, []).extend(ops)
            cases.append(case_id)
        for _ in range(rng.randrange(3, 9)):
            case_id = rng.choice(cases)
            who = rng.choice([water, mgr, power, sup, agent])
            a = who.actor
            op = rng.choice({
                "agent1": [O.case_note(case_id, "یادداشت اپراتور", a), O.case_refer(case_id, "water-qazvin", a),
                           O.case_followup(case_id, a, note="پیگیری", satisfied=rng.choice([None, False, True]))],
                "water1": [O.case_accept(case_id, a), O.case_answer(case_id, "پاسخ دستگاه", a),
                           O.case_extend(case_id, 2, "بازدید لازم است", a),
                           O.case_return(case_id, "مربوط به برق است", a, suggested_agency_id="power-qazvin")],
                "watermgr": [O.case_assign(case_id, water.operator["id"], a), O.case_close(case_id, a, reason="پایان")],
                "power1": [O.case_accept(case_id, a), O.case_answer(case_id, "برق وصل شد", a)],
                "super1": [O.case_escalate(case_id, "تأخیر زیاد", a), O.case_reopen(case_id, "اعتراض شهروند", a),
                           O.case_close(case_id, a, reason="ناظر")],
            }[who.operator["username"]])
            batches.setdefault(who, []).append(op)
        for desk, ops in batches.items():
            res = desk.push(*ops)
            for op, r in zip(ops, res["results"], strict=True):
                assert r["status"] in ("applied", "rejected")
                sent[op["op_id"]] = op
    # the server's order of application
    with central.engine.connect() as conn:
        rows = conn.execute(select(db.sync_ops.c.op_id, db.sync_ops.c.status, db.sync_ops.c.seq)).all()
        server = {(r.entity, r.id): orjson.loads(r.data)
                  for r in conn.execute(select(db.entities)).all() if not r.deleted}
        operators = {r.id: r for r in conn.execute(select(db.operators)).all()}
    applied = sorted((r for r in rows if r.status == "applied"), key=lambda r: r.seq)
    assert len(applied) > 40 and any(r.status == "rejected" for r in rows)
    reader = MemoryReader({kind: {k[1]: v for k, v in server.items() if k[0] == kind}
                           for kind in ("agency", "operator")})
    for r in applied:
        op = dict(sent[r.op_id])
        o = operators[op["actor"]["operator_id"]]
        op["actor"] = {"operator_id": o.id, "name": o.name, "role": o.role, "agency_id": o.agency_id,
                       "office_id": o.office_id, "province": o.province}
        outcome = apply_op(op, reader, now=NOW, calendar=cal)
        assert outcome.status == "applied", (op["type"], outcome.message)
        reader.apply(outcome)
    replayed = {(entity, id_): doc for entity, docs in reader.entities.items() for id_, doc in docs.items()}
    assert replayed.keys() == server.keys()
    for key, doc in replayed.items():
        assert server[key] == doc, key
