"""Pull: cursor paging, acks, tombstones when a case leaves an agency, 410, snapshot."""

from __future__ import annotations

from samad_desk.central import pull as pull_mod
from samad_desk.central.testing import Desk
from samad_desk.domain import ops as O
from samad_desk.domain.ids import uuid7


def register_calls(agent: Desk, n: int, agency: str = "water-qazvin") -> list[str]:
    cases = []
    for i in range(n):
        ops, case_id, _c, _t = agent.new_call(agency_id=agency, nid=None or "0013542419",
                                              mobile=f"0912000{i:04d}")
        agent.push(*ops)
        cases.append(case_id)
    return cases


def test_pull_pages_with_opaque_cursor_until_has_more_is_false(server):
    agent = Desk(server, "agent1")
    cases = register_calls(agent, 4)
    water = Desk(server, "water1")
    pages = 0
    seen_seq: list[int] = []
    cursor = None
    while True:
        r = water.pull_page(cursor, limit=3)
        assert r.status_code == 200
        assert r.headers["cache-control"] == "no-store"
        body = r.json()
        pages += 1
        seen_seq += [c["seq"] for c in body["changes"]]
        assert len(body["changes"]) <= 3
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    assert pages > 3
    assert seen_seq == sorted(seen_seq) and len(set(seen_seq)) == len(seen_seq)
    water.cursor = None
    water.pull_all()
    assert set(water.visible("case")) == set(cases)
    # nothing new: an empty page with the same position
    r = water.pull_page(cursor).json()
    assert r["changes"] == [] and r["has_more"] is False


def test_acks_report_this_devices_clients_only(server):
    agent = Desk(server, "agent1")
    ops, *_ = agent.new_call()
    agent.push(*ops)
    agent.pull_all()
    assert agent.acks == {agent.client_id: 3}
    water = Desk(server, "water1")
    water.pull_all()
    assert agent.client_id not in water.acks


def test_case_leaving_an_agency_is_tombstoned_there_and_arrives_whole_at_the_next(server):
    agent = Desk(server, "agent1")
    ops, case_id, cit_id, _t = agent.new_call()
    agent.push(*ops)
    water = Desk(server, "water1")
    water.pull_all()
    assert case_id in water.visible("case")
    assert cit_id in water.visible("citizen")
    r = water.push(O.case_return(case_id, "این موضوع مربوط به شرکت برق است.", water.actor,
                                 suggested_agency_id="power-qazvin"))
    assert r["results"][0]["status"] == "applied"
    got = water.pull_all()
    assert {(c["entity"], c["op"]) for c in got if c["id"] == case_id} >= {("case", "delete")}
    assert case_id not in water.visible("case")
    assert not [e for e in water.visible("event").values() if e["case_id"] == case_id]
    # nor the citizen: water has no other case of theirs
    assert cit_id not in water.visible("citizen")
    # the registering agent still has it, now returned
    agent.pull_all()
    assert agent.visible("case")[case_id]["state"] == "returned"
    # re-referred to electricity: power1 receives the case, its citizen and its history
    agent.push(O.case_refer(case_id, "power-qazvin", agent.actor, note="ارجاع مجدد"))
    power = Desk(server, "power1")
    power.pull_all()
    assert power.visible("case")[case_id]["agency_id"] == "power-qazvin"
    assert cit_id in power.visible("citizen")
    kinds = sorted(e["kind"] for e in power.visible("event").values() if e["case_id"] == case_id)
    assert kinds == ["refer", "refer", "register", "return"]


def test_410_on_epoch_change_compaction_and_scope_change(server):
    central = server.app.state.central
    agent = Desk(server, "agent1")
    register_calls(agent, 2)
    water = Desk(server, "water1")
    water.pull_all()
    old_cursor = water.cursor
    assert water.pull_page("!!not-a-cursor").status_code == 400

    central.bump_epoch()
    r = water.pull_page(old_cursor)
    assert r.status_code == 410
    assert r.json() == {"error": "resync_required", "reason": "epoch_changed", "message": r.json()["message"]}

    water.cursor = None
    water.pull_all()
    stale = water.cursor
    register_calls(agent, 1)
    central.compact()
    r = water.pull_page(stale)
    assert r.status_code == 410 and r.json()["reason"] == "cursor_too_old"
    assert water.pull_page(None).status_code == 410  # a fresh desk must take a snapshot

    # water1 moves to the electricity company: its old cursor no longer fits its scope
    snap = server.get("/v1/sync/snapshot", headers=water.headers).text.strip().splitlines()
    cursor = [line for line in snap if '"done":true' in line]
    assert cursor
    central.add_user("water1", "water1", "officer", agency_id="power-qazvin")
    r = water.pull_page(pull_mod.orjson.loads(cursor[0])["cursor"])
    assert r.status_code == 410 and r.json()["reason"] == "scope_changed"


def test_snapshot_pages_cover_the_scope_and_end_with_a_cursor(server, monkeypatch):
    monkeypatch.setattr(pull_mod, "SNAPSHOT_PAGE", 5)
    agent = Desk(server, "agent1")
    cases = register_calls(agent, 3)
    register_calls(agent, 2, agency="power-qazvin")
    water = Desk(server, "water1")
    entities: dict[tuple[str, str], dict] = {}
    page = None
    control = {}
    n_pages = 0
    while True:
        params = {"page": page} if page else {}
        r = server.get("/v1/sync/snapshot", headers=water.headers, params=params)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/x-ndjson")
        lines = [pull_mod.orjson.loads(x) for x in r.text.strip().splitlines()]
        n_pages += 1
        control = lines[-1]
        for item in lines[:-1]:
            entities[(item["entity"], item["id"])] = item["data"]
        if control["done"]:
            break
        page = control["next_page"]
    assert n_pages > 2
    snap_cases = {k[1] for k in entities if k[0] == "case"}
    assert snap_cases == set(cases)
    # the same as what a full pull from the start shows
    water.pull_all()
    assert set(water.visible("case")) == snap_cases
    assert {k[1] for k in entities if k[0] == "citizen"} == set(water.visible("citizen"))
    # resume pulling from the snapshot's cursor: only what happened after
    new_cases = register_calls(agent, 1)
    r = water.pull_page(control["cursor"]).json()
    assert {c["id"] for c in r["changes"] if c["entity"] == "case"} == set(new_cases)


def test_citizen_stays_with_an_agency_that_still_has_another_of_their_cases(server):
    agent = Desk(server, "agent1")
    ops1, case1, cit_id, _t = agent.new_call()
    agent.push(*ops1)
    case2 = uuid7()
    agent.push(O.case_register(case2, tracking_code=agent.tracking_code(), citizen_id=cit_id,
                               type="request", subject="water.pressure", city="قزوین",
                               description="فشار آب طبقه دوم کم است.", actor=agent.actor),
               O.case_refer(case2, "water-qazvin", agent.actor, note="ارجاع"))
    water = Desk(server, "water1")
    water.pull_all()
    water.push(O.case_return(case1, "مربوط به برق است.", water.actor,
                             suggested_agency_id="power-qazvin"))
    water.pull_all()
    assert case1 not in water.visible("case") and case2 in water.visible("case")
    assert cit_id in water.visible("citizen")
