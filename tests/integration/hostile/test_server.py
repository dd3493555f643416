"""Hostile input against every endpoint of the central server: never a 500, always a
JSON error with a Persian message, nothing hostile stored, nothing of another agency leaked."""

from __future__ import annotations

import base64
import gzip
import json
import re
import time

import jwt
import pytest
from sqlalchemy import select

from samad_desk.central import db
from samad_desk.central.testing import Desk
from samad_desk.domain import ops as O
from samad_desk.domain.ids import uuid7
from tests.support.hostile import EVIL, bad_strings

PERSIAN = re.compile("[\u0600-\u06ff]")

BODIES = [
    b"", b"{", b"[]", b"null", b"1", b'"x"', b"\xff\xfe\x00", b'{"a":"\\ud800"}',
    b"[" * 5000 + b"]" * 5000, b'{"a":1e999}', b'{"a":' + b"9" * 5000 + b"}",
    b'{"username": {"$ne": null}, "password": [], "refresh_token": 7, "op_ids": "x", "ops": {}}',
]
POSTS = ["/v1/auth/login", "/v1/auth/refresh", "/v1/sync/push", "/v1/sync/status"]


def assert_json_error(r, *statuses: int) -> dict:
    assert r.status_code < 500, (r.status_code, r.text[:300])
    if statuses:
        assert r.status_code in statuses, (r.status_code, r.text[:300])
    body = r.json()
    assert isinstance(body.get("error"), str), body
    assert PERSIAN.search(body.get("message", "")), body
    return body


def stored(server) -> list[tuple[str, str]]:
    """Every hostile string stored anywhere a desk or a person will read it."""
    bad = []
    with server.app.state.central.engine.connect() as conn:
        for r in conn.execute(select(db.entities.c.entity, db.entities.c.id, db.entities.c.data)):
            bad += bad_strings(r.id, f"{r.entity}.id")
            bad += bad_strings(json.loads(r.data) if r.data else None, f"{r.entity}:{r.id}")
        for r in conn.execute(select(db.changes.c.data)):
            bad += bad_strings(json.loads(r.data) if r.data else None, "changes")
        for r in conn.execute(select(db.sync_ops)):
            bad += bad_strings(dict(r._mapping), "sync_ops")
        for t in (db.devices, db.sync_clients, db.operators):
            for r in conn.execute(select(t)):
                bad += bad_strings(dict(r._mapping), t.name)
    return bad


def test_malformed_bodies_on_every_post(server):
    d = Desk(server, "agent1")
    for path in POSTS:
        for body in BODIES:
            r = server.post(path, content=body, headers=d.headers)
            assert_json_error(r, 400, 401)


def test_gzip_bomb_and_broken_gzip(server):
    d = Desk(server, "agent1")
    h = {**d.headers, "Content-Encoding": "gzip"}
    bomb = gzip.compress(b"0" * (40 * 1024 * 1024))  # 40 MB of zeros in ~40 kB
    assert_json_error(server.post("/v1/sync/push", content=bomb, headers=h), 413)
    assert_json_error(server.post("/v1/sync/push", content=b"\x1f\x8bgarbage", headers=h), 400)
    assert_json_error(server.post("/v1/sync/push", content=gzip.compress(b'{"ops": []}')[:-6], headers=h), 400)


def _b64(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def test_forged_missing_and_expired_tokens(server):
    d = Desk(server, "agent1")
    claims = {"sub": d.operator["id"], "dev": d.device_id, "typ": "access", "exp": int(time.time()) + 600}
    secret = server.app.state.central.secret
    tokens = [
        "", "x", "\x01\x02", "a.b.c",
        _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(claims) + ".",
        jwt.encode(claims, "another-secret-that-is-long-enough-123", algorithm="HS256"),
        jwt.encode({**claims, "exp": int(time.time()) - 10}, secret, algorithm="HS256"),
        jwt.encode({**claims, "typ": "refresh"}, secret, algorithm="HS256"),
        jwt.encode({**claims, "sub": "op-nobody"}, secret, algorithm="HS256"),
    ]
    for tok in tokens:
        for path in ("/v1/auth/me", "/v1/sync/pull"):
            assert_json_error(server.get(path, headers={"Authorization": f"Bearer {tok}"}), 401)
    assert_json_error(server.get("/v1/sync/pull"), 401)
    assert_json_error(server.post("/v1/auth/refresh", json={"refresh_token": "rt_forged\x00"}), 401)


def test_control_characters_in_ids_and_credentials(server):
    """NUL in a text column is an error on PostgreSQL: it must be a 4xx, never a 500,
    and no id with a control character, escape or bidi mark is ever stored."""
    for body in ({"username": "a\x00b", "password": "x"}, {"username": "agent1", "password": "p\x00"},
                 {"username": "x" * 100_000, "password": "y" * 100_000}):
        assert_json_error(server.post("/v1/auth/login", json=body), 400, 401)
    for device in ("\x00" * 10, "\u202e\x1b[31m", "../../etc/passwd", "d" * 129, 7):
        body = {"username": "agent1", "password": "agent1", "device_id": device}
        assert_json_error(server.post("/v1/auth/login", json=body), 400)
    d = Desk(server, "agent1")
    r = server.post("/v1/sync/status", json={"op_ids": ["\x00", "a\u202e"]}, headers=d.headers)
    assert r.status_code == 200 and r.json()["results"] == [], r.text  # not ops of anyone
    assert_json_error(server.get("/v1/cases/lookup", params={"national_id": "\x00"}, headers=d.headers), 400)
    assert_json_error(server.get("/v1/registry/citizens", params={"national_id": "'; DROP"}, headers=d.headers), 400)
    for cid in ("\x00", "c\u202e", "../x", "c" * 129):
        assert_json_error(d.push_raw([], client_id=cid), 400)
    base = {"type": "case.note", "entity_id": uuid7(), "payload": {"text": "x"}, "actor": d.actor}
    for bad in ({"op_id": "\x00"}, {"op_id": "o\x1b[31m"}, {"op_id": "x" * 65}):
        d2 = Desk(server, "agent1")
        op = {**base, "op_id": uuid7(), "client_seq": 1, **bad}
        assert_json_error(d2.push_raw([op]), 400)
    assert stored(server) == []


@pytest.mark.parametrize("entity_id", ["\x00", "e\u202e", "../../x", "x" * 65, "a b", "آ"])
def test_hostile_entity_ids_are_rejected_per_op(server, entity_id):
    d = Desk(server, "agent1")
    op = O.citizen_upsert({"id": entity_id, "national_id": "0084575948", "first_name": "علی",
                           "last_name": "رضایی"}, d.actor)
    res = d.push(op)["results"][0]
    assert res["status"] == "rejected" and res["code"] == "invalid_payload", res
    assert PERSIAN.search(res["message"])
    assert stored(server) == []


@pytest.mark.parametrize("operator_id", [{"a": 1}, ["op-agent1"], 7, "\x00", "op\u202e"])
def test_hostile_actor_is_rejected_not_poison(server, operator_id):
    d = Desk(server, "agent1")
    ops, *_ = d.new_call(agency_id=None)
    ops[0]["actor"] = {**d.actor, "operator_id": operator_id}
    r = d.push_raw(d.number(ops[:1]))
    assert r.status_code == 200, r.text
    res = r.json()["results"][0]
    assert res["status"] == "rejected" and res["code"] == "forbidden", res


def test_hostile_text_in_every_payload_field_is_stored_clean(server):
    agent, officer = Desk(server, "agent1"), Desk(server, "water1")
    manager, sup = Desk(server, "watermgr"), Desk(server, "super1")
    results: list[dict] = []

    def push(desk, op):
        results.append(desk.push(op)["results"][0] | {"type": op["type"]})

    ops, case_id, cit_id, _ = agent.new_call()
    for op in ops:
        push(agent, op)
    cit2, case2 = uuid7(), uuid7()
    line = EVIL[:60]
    push(agent, O.citizen_upsert({"id": cit2, "national_id": "0084575948", "first_name": line,
                                  "last_name": line, "father_name": line, "mobile": "09121112233",
                                  "city": line, "birth_date": "۱۳۶۰/۰۱/۰۱"}, agent.actor))
    # a stale edit whose `base` (the value the desk saw) is hostile: recorded as a conflict
    push(agent, O.citizen_upsert({"id": cit_id, "city": "تاکستان"}, agent.actor,
                                 base={"city": EVIL, "first_name": {"nested": [EVIL]}}))
    push(agent, O.case_register(case2, tracking_code=agent.tracking_code(), citizen_id=cit2,
                                # the subject must be a key of the reference tree: hostile bytes around one
                                type="request", subject="\x1b[31m\u202ewater.outage\u202c\ufeff",
                                city=line, description=EVIL,
                                actor=agent.actor))
    push(agent, O.case_refer(case2, "water-qazvin", agent.actor, note=EVIL))
    push(agent, O.case_note(case_id, EVIL, agent.actor))
    push(officer, O.case_accept(case_id, officer.actor))
    push(manager, O.case_assign(case2, "op-water1", manager.actor))
    push(manager, O.case_assign(case_id, "\x1b[31mop\u202e", manager.actor))
    push(officer, O.case_extend(case_id, 1, EVIL, officer.actor))
    push(officer, O.case_answer(case_id, EVIL, officer.actor))
    push(agent, O.case_followup(case_id, agent.actor, note=EVIL, satisfied=False))
    push(officer, O.case_return(case2, EVIL, officer.actor, suggested_agency_id="power-qazvin"))
    push(sup, O.case_escalate(case_id, EVIL, sup.actor))
    push(sup, O.case_close(case_id, sup.actor, reason=EVIL))
    push(sup, O.case_reopen(case_id, EVIL, sup.actor))
    merge = O.citizen_merge(cit_id, [cit2], {"first_name": line, "city": line, "evil\x1b": EVIL}, sup.actor)
    push(sup, merge)
    push(sup, O.citizen_unmerge(cit_id, merge["op_id"], sup.actor))
    note = O.case_note(case_id, "x", agent.actor)
    note["payload"] |= {"extra\x1b[31m": EVIL, "nested": {"a": [EVIL] * 3}}
    push(agent, note)
    by_type = {}
    for res in results:
        by_type.setdefault(res["type"], []).append(res)
    # every op type went through, except the assign to a hostile operator id
    assert all(r["status"] == "applied" for r in results if r["type"] != "case.assign"), results
    assigns = by_type["case.assign"]
    assert assigns[0]["status"] == "applied"
    assert assigns[1]["status"] == "rejected" and assigns[1]["code"] == "invalid_payload"
    assert stored(server) == []
    # the text itself survived, cleaned
    sup.pull_all()
    notes = [e for e in sup.visible("event").values() if e["kind"] == "note" and e["case_id"] == case_id]
    assert any("قرمز" in e["data"]["text"] and "ابک" in e["data"]["text"] for e in notes), notes


def test_other_agencys_cases_do_not_leak(server):
    agent, water, power = Desk(server, "agent1"), Desk(server, "water1"), Desk(server, "power1")
    ops, case_id, cit_id, code = agent.new_call(agency_id="water-qazvin")
    agent.push(*ops)
    power.pull_all()
    assert case_id not in power.visible("case") and cit_id not in power.visible("citizen")
    r = server.get("/v1/cases/lookup", params={"tracking_code": code}, headers=power.headers)
    assert r.status_code == 200 and r.json() == {"cases": [], "citizens": [], "events": []}
    # an op on the other agency's case: forbidden, and its state is not echoed back
    res = power.push(O.case_answer(case_id, "پاسخ جعلی", power.actor))["results"][0]
    assert res["status"] == "rejected" and res["code"] == "forbidden" and "current" not in res
    res = power.push(O.case_note(case_id, "x", {**power.actor, "agency_id": "water-qazvin",
                                                "role": "admin"}))["results"][0]
    assert res["status"] == "rejected" and "current" not in res
    water.pull_all()
    assert case_id in water.visible("case")


def test_request_id_is_not_echoed_when_hostile(server):
    for rid in ("\x1b[31mred", "\x7f", "a" * 500, "ok-id:1"):
        r = server.get("/v1/health", headers={"X-Request-Id": rid})
        assert r.status_code == 200
        echoed = r.headers["x-request-id"]
        assert echoed == rid if rid == "ok-id:1" else (echoed != rid and echoed.isalnum()), echoed


def test_numbers_out_of_range(server):
    d = Desk(server, "agent1")
    for q in ("-1", "0", "99999999999999999999", "1e3", "۵", "abc", "\u202e5"):
        r = server.get("/v1/sync/pull", params={"limit": q}, headers=d.headers)
        assert r.status_code in (200, 400), r.text
        if r.status_code == 400:
            assert_json_error(r)
    for page in ("-1", "abc", "9" * 30, "A" * 2000):
        assert_json_error(server.get("/v1/sync/snapshot", params={"page": page}, headers=d.headers), 400, 410)
    for seq in (0, -1, 2**64 + 1, 1.5, "1", True, None):
        op = {"op_id": uuid7(), "type": "case.note", "entity_id": uuid7(), "client_seq": seq,
              "payload": {"text": "x"}, "actor": d.actor}
        assert_json_error(d.push_raw([op]), 400)
    ops, case_id, *_ = d.new_call()
    d.push(*ops)
    water = Desk(server, "water1")
    for days in (0, -5, 10**18, 2**70, 1.5, "3", True):
        op = O.case_extend(case_id, 1, "دلیل کافی", water.actor)
        op["payload"]["days"] = days
        r = water.push_raw(water.number([op]))
        assert r.status_code == 200, r.text
        assert r.json()["results"][0]["status"] == "rejected"
    assert stored(server) == []


def test_admin_commands_refuse_hostile_ids_and_clean_names(tmp_path):
    from click.testing import CliRunner

    from samad_desk.cli import main

    db = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    run = CliRunner().invoke
    bad = [
        ["central", "add-agency", "--db", db, "--id", "../x\x1b[31m", "--name", "آب"],
        ["central", "add-agency", "--db", db, "--id", "ok", "--name", "آب", "--sla-days", "-3"],
        ["central", "add-agency", "--db", db, "--id", "ok", "--name", "\x1b[2J"],
        ["central", "add-user", "--db", db, "--username", "a\u202eb", "--password", "p", "--role", "agent"],
    ]
    for args in bad:
        r = run(main, args)
        assert r.exit_code != 0 and "Traceback" not in r.output and not isinstance(r.exception, ValueError), r.output
        assert PERSIAN.search(r.output), r.output
    r = run(main, ["central", "add-agency", "--db", db, "--id", "water-x", "--name", "\u202eآب\x1b[31m",
                   "--manager-name", "مدیر\x00", "--city", "قزوین\u2066"])
    assert r.exit_code == 0, r.output
    r = run(main, ["central", "add-user", "--db", db, "--username", "ali.r", "--password", "p", "--role",
                   "officer", "--agency", "water-x", "--name", "\x1b[31mعلی\u202e"])
    assert r.exit_code == 0, r.output
    from samad_desk.central.service import Central

    c = Central(db)
    try:
        with c.engine.connect() as conn:
            rows = [json.loads(r.data) for r in conn.execute(select(db_entities().c.data))]
    finally:
        c.close()
    assert bad_strings(rows) == [] and any(r.get("name") == "آب" for r in rows), rows


def db_entities():
    return db.entities


def test_lookup_by_national_id_stays_in_the_province(server):
    """An agent or supervisor of another province sees neither the cases nor the profile
    (name, mobile) of a Qazvin citizen; the Qazvin agent sees both."""
    central = server.app.state.central
    central.add_user("agent-teh", "p", "agent", province="tehran")
    central.add_user("sup-teh", "p", "supervisor", province="tehran")
    agent = Desk(server, "agent1")
    ops, case_id, cit_id, code = agent.new_call()
    agent.push(*ops)
    nid = ops[0]["payload"]["national_id"]
    for user in ("agent-teh", "sup-teh"):
        d = Desk(server, user, "p")
        for params in ({"national_id": nid}, {"tracking_code": code}):
            r = server.get("/v1/cases/lookup", params=params, headers=d.headers)
            assert r.status_code == 200 and r.json() == {"cases": [], "citizens": [], "events": []}, (
                user, r.json())
    r = server.get("/v1/cases/lookup", params={"national_id": nid}, headers=agent.headers).json()
    assert [c["id"] for c in r["cases"]] == [case_id] and [c["id"] for c in r["citizens"]] == [cit_id]
    # nor may they act on it, even knowing its id (before: an agent's push was not bounded)
    for user in ("agent-teh", "sup-teh"):
        d = Desk(server, user, "p")
        res = d.push(O.case_followup(case_id, d.actor, note="پیگیری جعلی"))["results"][0]
        assert res["status"] == "rejected" and res["code"] == "forbidden" and "current" not in res, res
    res = agent.push(O.case_followup(case_id, agent.actor, note="شهروند دوباره تماس گرفت"))["results"][0]
    assert res["status"] == "applied", res


def test_a_damaged_registry_file_is_not_a_500(tmp_path):
    from starlette.testclient import TestClient

    from samad_desk.central.app import create_app
    from samad_desk.central.seed import seed_demo

    reg = tmp_path / "registry.jsonl"
    reg.write_bytes(b'{not json\n[1, 2]\n{"national_id": {"x": 1}}\n'
                    + orjson_line({"national_id": "0013542419", "first_name": "\x1b[31mعلی\u202e",
                                   "last_name": "رضایی", "father_name": None, "birth_date": "\x1b[2J1360"})
                    + b"\xff\xfe\n")
    app = create_app(f"sqlite:///{tmp_path / 'c.sqlite3'}", registry_file=reg)
    seed_demo(app.state.central, full=False)
    http = TestClient(app, raise_server_exceptions=False)
    d = Desk(http, "agent1")
    r = http.get("/v1/registry/citizens", params={"national_id": "0013542419"}, headers=d.headers)
    assert r.status_code == 200, r.text
    assert r.json()["citizen"]["first_name"] == "علی" and r.json()["citizen"]["birth_date"] is None
    assert bad_strings(r.json()) == []
    reg.unlink()
    r = http.get("/v1/registry/citizens", params={"national_id": "0013542419"}, headers=d.headers)
    assert r.status_code == 503 and r.json()["error"] == "registry_unavailable", r.text  # not a 500
    app.state.central.close()


def orjson_line(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode() + b"\n"
