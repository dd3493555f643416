"""Role scoping: an officer never reads or changes another agency's case, through any
endpoint; agents see their office, supervisors their province; public tracking shows
state and answer only."""

from __future__ import annotations

from samad_desk.central.testing import Desk
from samad_desk.domain import ops as O


def water_case(server):
    agent = Desk(server, "agent1")
    ops, case_id, cit_id, code = agent.new_call(agency_id="water-qazvin")
    agent.push(*ops)
    return agent, case_id, cit_id, code


def test_officer_cannot_read_another_agencys_case_anywhere(server):
    agent, case_id, cit_id, code = water_case(server)
    water = Desk(server, "water1")
    accept = O.case_accept(case_id, water.actor)
    water.push(accept)
    power = Desk(server, "power1")
    # pull
    power.pull_all()
    assert case_id not in power.visible("case")
    assert cit_id not in power.visible("citizen")
    assert not [e for e in power.visible("event").values() if e["case_id"] == case_id]
    # snapshot
    snap = server.get("/v1/sync/snapshot", headers=power.headers).text
    assert case_id not in snap and cit_id not in snap and "0013542419" not in snap
    # lookup by tracking code or national ID
    for params in ({"tracking_code": code}, {"national_id": "0013542419"}):
        r = server.get("/v1/cases/lookup", headers=power.headers, params=params).json()
        assert r == {"cases": [], "citizens": [], "events": []}
    # status of another device's ops
    st = server.post("/v1/sync/status", headers=power.headers,
                     json={"op_ids": [accept["op_id"]]}).json()
    assert st["results"] == [{"op_id": accept["op_id"], "status": "unknown"}]
    # the water officer does see it
    water.pull_all()
    assert case_id in water.visible("case")
    r = server.get("/v1/cases/lookup", headers=water.headers, params={"tracking_code": code}).json()
    assert [c["id"] for c in r["cases"]] == [case_id]


def test_officer_cannot_change_another_agencys_case_whatever_the_request_says(server):
    agent, case_id, _cit, _code = water_case(server)
    power = Desk(server, "power1")
    # claims in the op (role, agency) are ignored: the server uses the token's operator
    claimed = dict(power.actor, agency_id="water-qazvin")
    attempts = [
        O.case_accept(case_id, claimed),
        O.case_answer(case_id, "پاسخ جعلی", claimed),
        O.case_return(case_id, "مربوط به ما نیست", claimed),
        O.case_extend(case_id, 3, "تمدید", claimed),
        O.case_close(case_id, claimed, reason="بستن"),
        O.case_note(case_id, "یادداشت", claimed),
    ]
    res = power.push(*attempts)["results"]
    assert [r["status"] for r in res] == ["rejected"] * len(attempts)
    assert {r["code"] for r in res} == {"forbidden"}
    assert all("current" not in r for r in res)  # no peek at the case through a rejection
    agent.pull_all()
    case = agent.visible("case")[case_id]
    assert case["state"] == "referred" and case["version"] == 2


def test_agents_see_their_office_supervisors_their_province(server):
    central = server.app.state.central
    central.add_user("agent2", "agent2", "agent", office_id="111-takestan")
    _agent, case_id, _cit, code = water_case(server)
    other = Desk(server, "agent2")
    other.pull_all()
    assert case_id not in other.visible("case")
    # but an agent can look up any case of the province to answer a follow-up call
    r = server.get("/v1/cases/lookup", headers=other.headers, params={"tracking_code": code}).json()
    assert [c["id"] for c in r["cases"]] == [case_id]
    sup = Desk(server, "super1")
    sup.pull_all()
    assert case_id in sup.visible("case")
    # the supervisor may not answer (the reducer's rule, applied on the server)
    res = sup.push(O.case_answer(case_id, "پاسخ ناظر", sup.actor))["results"][0]
    assert res["status"] == "rejected" and res["code"] == "forbidden"


def test_public_tracking_reveals_state_and_answer_only(server):
    agent, case_id, _cit, code = water_case(server)
    water = Desk(server, "water1")
    water.push(O.case_accept(case_id, water.actor), O.case_answer(case_id, "شیر فلکه تعمیر شد.", water.actor))
    r = server.get(f"/v1/track/{code}", params={"mobile_tail": "۴۵۶۷"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"state", "state_label", "answer"}
    assert body["state"] == "answered" and body["answer"] == "شیر فلکه تعمیر شد."
    text = r.text
    for secret in ("0013542419", "رضایی", "09121234567", "water-qazvin", case_id):
        assert secret not in text
    wrong_tail = server.get(f"/v1/track/{code}", params={"mobile_tail": "1111"})
    no_tail = server.get(f"/v1/track/{code}")
    unknown = server.get("/v1/track/000000000000", params={"mobile_tail": "4567"})
    assert wrong_tail.status_code == no_tail.status_code == unknown.status_code == 404
    assert wrong_tail.json() == unknown.json()


def test_public_tracking_is_rate_limited(make_server):
    http = make_server(track_limit=(3, 60.0))
    for _ in range(3):
        assert http.get("/v1/track/000000000000", params={"mobile_tail": "4567"}).status_code == 404
    r = http.get("/v1/track/000000000000", params={"mobile_tail": "4567"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
