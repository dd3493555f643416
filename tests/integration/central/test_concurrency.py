"""Concurrent pushes from different clients on one case: no lost update (row locks on
PostgreSQL, the single writer on SQLite), and a seeded random schedule of duplicate,
out-of-order and lost-response deliveries that must end with every op applied once."""

from __future__ import annotations

import random
from functools import partial

from samad_desk.central.testing import Desk
from samad_desk.domain import ops as O
from tests.support.concurrent import at_once


def test_concurrent_changes_to_one_case_are_serialized(server):
    for _ in range(3):  # a race: several rounds make a lost update (if any) show
        _one_case_race(server)


def _one_case_race(server):
    central = server.app.state.central
    agent = Desk(server, "agent1")
    ops, case_id, _c, _t = agent.new_call()
    agent.push(*ops)
    water = Desk(server, "water1")
    water.push(O.case_accept(case_id, water.actor))
    mgr, sup = Desk(server, "watermgr"), Desk(server, "super1")
    desks = [water, mgr, agent, sup]
    batches = {
        water: [O.case_extend(case_id, 2, "نیاز به بازدید میدانی", water.actor)],
        mgr: [O.case_assign(case_id, water.operator["id"], mgr.actor)],
        agent: [O.case_followup(case_id, agent.actor, note="شهروند پیگیری کرد")],
        sup: [O.case_escalate(case_id, "تأخیر در رسیدگی", sup.actor)],
    }
    principals = {d: central.authenticate(f"Bearer {d.token}") for d in desks}
    bodies = {d: {"client_id": d.client_id, "ops": d.number(batches[d])} for d in desks}
    results = at_once({d: partial(central.push, principals[d], bodies[d]) for d in desks})
    statuses = {d.operator["username"]: results[d]["results"][0]["status"] for d in desks}
    changed_case = sum(1 for d in (water, mgr, sup) if results[d]["results"][0]["status"] == "applied")
    sup.pull_all()
    case = sup.visible("case")[case_id]
    # register=1, refer=2, accept=3; every applied case-changing op adds exactly one version
    assert case["version"] == 3 + changed_case, statuses
    assert case["extended_days"] == 2 and case["assigned_to"] == water.operator["id"] and case["escalated"]
    kinds = sorted(e["kind"] for e in sup.visible("event").values() if e["case_id"] == case_id)
    assert kinds == sorted(["register", "refer", "accept", "extend", "assign", "followup", "escalate"])


def test_seeded_faulty_delivery_applies_every_op_exactly_once(server):
    """Three desks; each round a desk sends a batch that may be a fresh one, a resend of an
    old one (duplicate), a later one before an earlier one (gap), or a batch whose answer
    is lost. In the end all ops are resent in order; every op must be applied once."""
    rng = random.Random(1111)
    agent_a, agent_b = Desk(server, "agent1"), Desk(server, "agent1")
    water = Desk(server, "water1")
    journals: dict[Desk, list[dict]] = {agent_a: [], agent_b: [], water: []}
    cases: list[str] = []
    for _round in range(40):
        desk = rng.choice(list(journals))
        j = journals[desk]
        if desk is water:
            if not cases:
                continue
            new = [rng.choice([O.case_note(rng.choice(cases), f"یادداشت {_round}", water.actor),
                               O.case_accept(rng.choice(cases), water.actor)])]
        else:
            new, case_id, _c, _t = desk.new_call(mobile=f"0912{rng.randrange(10**7):07d}")
            cases.append(case_id)
        j.extend(desk.number(new))
        action = rng.random()
        if action < 0.3 and len(j) > len(new):  # resend an old stretch (lost answer earlier)
            start = rng.randrange(len(j))
            desk.push_raw(j[start:])
        elif action < 0.45 and len(j) > 2:  # a later batch first: gap, nothing applied
            r = desk.push_raw(j[-1:]).json()
            assert all(x["status"] in ("gap", "duplicate", "applied", "rejected") for x in r["results"])
        elif action < 0.6:
            pass  # never sent (the desk was offline)
        else:
            desk.push_raw(j[-len(new):])
    # heal: every desk resends its whole journal in order, twice
    for desk, j in journals.items():
        for _ in range(2):
            for i in range(0, len(j), 25):
                r = desk.push_raw(j[i : i + 25])
                assert r.status_code == 200, r.text
                assert all(x["status"] != "gap" for x in r.json()["results"]), r.text
    all_ops = [op for j in journals.values() for op in j]
    st = {}
    for desk, j in journals.items():
        body = server.post("/v1/sync/status", headers=desk.headers,
                           json={"op_ids": [o["op_id"] for o in j]}).json()
        st.update({x["op_id"]: x for x in body["results"]})
    assert all(st[o["op_id"]]["status"] in ("applied", "rejected") for o in all_ops)
    applied = {o["op_id"] for o in all_ops if st[o["op_id"]]["status"] == "applied"}
    sup = Desk(server, "super1")
    sup.pull_all()
    event_ops = [e["op_id"] for e in sup.visible("event").values()]
    assert sorted(event_ops) == sorted(applied)  # one event per applied op, none per rejection
    agent_a.pull_all()
    assert agent_a.acks[agent_a.client_id] == len(journals[agent_a])
    assert agent_b.client_id not in agent_a.acks  # another device


def test_old_and_reset_client_racing_with_the_same_ops_apply_them_once(server):
    """A reset desk re-sends under a new client_id while the old client's push of the same
    ops is still in flight: the two transactions lock different client rows, so the race
    is settled by the unique op_id / entity keys and a retry, never by a double effect."""
    from samad_desk.central import db
    from samad_desk.domain.ids import uuid7

    central = server.app.state.central
    agent = Desk(server, "agent1")
    principal = central.authenticate(f"Bearer {agent.token}")
    ops, case_id, _c, _t = agent.new_call()
    agent.number(ops)
    old_body = {"client_id": agent.client_id, "ops": [dict(o) for o in ops]}
    new_id = f"c-{uuid7()}"
    new_body = {"client_id": new_id, "ops": [dict(o, client_id=new_id) for o in ops]}
    answers = at_once({"old": partial(central.push, principal, old_body),
                       "new": partial(central.push, principal, new_body)})
    statuses = sorted(r["status"] for a in answers.values() for r in a["results"])
    assert statuses == ["applied"] * 3 + ["duplicate"] * 3
    with central.engine.connect() as conn:
        assert conn.execute(db.poison_ops.select()).first() is None
    agent.pull_all()
    assert len([e for e in agent.visible("event").values() if e["case_id"] == case_id]) == 2


def test_two_first_upserts_of_one_national_id_at_once_make_one_citizen(server):
    """F18 with no time between the two offices: both pushes look the national ID up
    before either has committed. The natural key must still give one person."""
    from samad_desk.domain.ids import uuid7
    from samad_desk.text.national_id import is_valid_national_id

    central = server.app.state.central
    rng = random.Random(18)
    for _round in range(4):
        while True:
            nid = f"{rng.randrange(10**9):09d}"
            nid += str(next(d for d in range(10) if is_valid_national_id(nid + str(d))))
            if len(set(nid)) > 1:
                break
        a, b = Desk(server, "agent1"), Desk(server, "agent1")  # two offices' devices
        bodies = {}
        for d in (a, b):
            op = O.citizen_upsert({"id": uuid7(), "national_id": nid, "first_name": "مریم",
                                   "last_name": "احمدی", "city": "قزوین"}, d.actor)
            bodies[d] = {"client_id": d.client_id, "ops": d.number([op])}
        principals = {d: central.authenticate(f"Bearer {d.token}") for d in (a, b)}
        results = at_once({d: partial(central.push, principals[d], bodies[d]) for d in (a, b)})
        assert all(results[d]["results"][0]["status"] == "applied" for d in (a, b)), results
        sup = Desk(server, "super1")
        sup.pull_all()
        people = [c for c in sup.visible("citizen").values()
                  if c.get("national_id") == nid and not c.get("merged_into")]
        assert len(people) == 1, people
