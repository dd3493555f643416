"""The server's reach rule (``central/reach.py``) at its edges, found by mutation testing
(issue 19, docs/mutation.md): a merge chain checked as far as the reducer follows it, and
a citizen's reach through their cases (another province's case, an agency's case).

Chains and provinces are arranged in the database: no province role can merge across
provinces or register a case for another province's citizen today (a profile from an
older server, or a future national role). Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from samad_desk.central.testing import Desk
from samad_desk.domain import ops as O
from samad_desk.domain.ids import uuid7
from samad_desk.domain.permissions import MSG_OUT_OF_REACH
from tests.support.merge import merge_in_the_database

Z_NID = "0084575948"
ROLE_REFUSAL = "ثبت و ویرایش مشخصات شهروند با اپراتور ۱۱۱ است."  # reducer: agency roles


@pytest.fixture
def world(server):
    central = server.app.state.central
    central.add_agency({"id": "water-zanjan", "name": "آب و فاضلاب زنجان", "manager_name": "مدیر",
                        "province": "zanjan", "city": "زنجان"})
    central.add_user("zagent", "zagent", "agent", province="zanjan")
    za = Desk(server, "zagent")
    ops, z_case, z_cit, _ = za.new_call(agency_id="water-zanjan", nid=Z_NID, mobile="09357778899")
    assert {r["status"] for r in za.push(*ops)["results"]} == {"applied"}
    return {"http": server, "central": central, "agent1": Desk(server, "agent1"), "z_cit": z_cit,
            "z_case": z_case}


def _qazvin_profiles(agent: Desk, n: int) -> list[str]:
    ids = [uuid7() for _ in range(n)]
    res = agent.push(*(O.citizen_upsert({"id": i, "first_name": "قزوینی", "last_name": "بی‌کد",
                                         "no_national_id": True}, agent.actor) for i in ids))["results"]
    assert {r["status"] for r in res} == {"applied"}, res
    return ids


def _sql(central, sql: str, **params) -> None:
    with central.engine.begin() as conn:
        conn.execute(text(sql), params)


def _merge_chain(central, ids: list[str]) -> None:
    """``ids[0]`` merged into ``ids[1]``, that one into ``ids[2]`` … (the last stands)."""
    for merged_id, survivor_id in zip(ids, ids[1:], strict=False):
        merge_in_the_database(central, merged_id, survivor_id)


def _edit_and_register(agent: Desk, cit: str) -> list[dict]:
    return [O.citizen_upsert({"id": cit, "mobile": "09124445566"}, agent.actor),
            O.case_register(uuid7(), tracking_code=agent.tracking_code(), citizen_id=cit, type="complaint",
                            subject="water.outage", city="قزوین", description="شرح کافی برای این تماس",
                            actor=agent.actor)]


def _entities(central) -> list:
    with central.engine.connect() as conn:
        return sorted(conn.execute(text("SELECT entity, id, version, deleted, data FROM entities")).all())


@pytest.mark.parametrize("hops", [1, 9, 10])
def test_a_merge_chain_is_checked_as_far_as_the_reducer_follows_it(world, hops):
    """The reducer resolves a merged profile through up to 10 redirects
    (``reducer.context.resolve_citizen``); the reach rule must check every profile on that way. A chain of
    ``hops`` Qazvin profiles ending in a Zanjan citizen: editing the first, or registering
    a case for it, would act on the Zanjan citizen, and is refused. (Before: the reach rule
    stopped after 10 profiles, so at 10 hops the Zanjan citizen was edited and given a
    Qazvin case, which then put them in Qazvin's reach.)"""
    central, agent = world["central"], world["agent1"]
    chain = [*_qazvin_profiles(agent, hops), world["z_cit"]]
    _merge_chain(central, chain)
    before = _entities(central)
    res = agent.push(*_edit_and_register(agent, chain[0]))["results"]
    assert [(r["status"], r.get("code")) for r in res] == [("rejected", "forbidden")] * 2, res
    assert _entities(central) == before


def test_a_merge_chain_within_the_province_is_followed_to_its_end(world):
    """The same 11-profile chain all in Qazvin: in reach, the edit lands on the profile the
    reducer resolves to."""
    central, agent = world["central"], world["agent1"]
    chain = _qazvin_profiles(agent, 11)
    _merge_chain(central, chain)
    res = agent.push(*_edit_and_register(agent, chain[0]))["results"]
    assert [r["status"] for r in res] == ["applied"] * 2, res


def test_a_merge_cycle_ends_the_walk(world):
    """Two profiles merged into each other (no merge makes that; a damaged database could):
    the reach rule stops instead of walking forever."""
    central, agent = world["central"], world["agent1"]
    a, b = _qazvin_profiles(agent, 2)
    _merge_chain(central, [a, b, a])
    res = agent.push(O.citizen_upsert({"id": a, "mobile": "09124445566"}, agent.actor))["results"]
    assert res[0]["status"] in {"applied", "rejected"}
    assert res[0].get("code") != "forbidden", res


def test_another_provinces_citizen_with_a_case_here_is_in_reach(world):
    """A citizen's reach is their profile's province plus their cases' provinces: a profile
    registered in Zanjan with a case registered in Qazvin may be edited from Qazvin (and
    not from a third province)."""
    http, central, agent = world["http"], world["central"], world["agent1"]
    ops, _case, cit, _code = agent.new_call(agency_id=None, nid="0013542419")
    assert {r["status"] for r in agent.push(*ops)["results"]} == {"applied"}
    _sql(central, "UPDATE entities SET province='zanjan' WHERE entity='citizen' AND id=:i", i=cit)
    res = agent.push(O.citizen_upsert({"id": cit, "mobile": "09124445566"}, agent.actor))["results"][0]
    assert res["status"] == "applied", res
    central.add_user("kagent", "kagent", "agent", province="kurdistan")
    other = Desk(http, "kagent")
    res = other.push(O.citizen_upsert({"id": cit, "mobile": "09127778899"}, other.actor))["results"][0]
    assert (res["status"], res["code"]) == ("rejected", "forbidden"), res


def test_an_officer_reaches_the_citizens_of_their_agencys_cases_only(world):
    """Agency roles reach a citizen through the agency of the citizen's cases. An officer
    may not edit citizens at all (the reducer's role rule), so the refusal tells which rule
    spoke: the role rule for a citizen of the officer's own agency's case, the reach rule
    (naming nothing) for anyone else's."""
    http, agent = world["http"], world["agent1"]
    ops, _case, q_cit, _code = agent.new_call(agency_id="water-qazvin")
    assert {r["status"] for r in agent.push(*ops)["results"]} == {"applied"}
    water = Desk(http, "water1")
    own, other = water.push(O.citizen_upsert({"id": q_cit, "mobile": "09124445566"}, water.actor),
                            O.citizen_upsert({"id": world["z_cit"], "mobile": "09124445566"},
                                             water.actor))["results"]
    assert (own["status"], own["code"], own["message"]) == ("rejected", "forbidden", ROLE_REFUSAL), own
    assert (other["status"], other["code"], other["message"]) == ("rejected", "forbidden", MSG_OUT_OF_REACH)


def test_a_merge_taking_another_provinces_national_id_is_refused(world):
    """A merge may set the surviving profile's fields: given a Zanjan citizen's national ID
    (typed in Persian digits), it would fold two Qazvin profiles into that citizen; refused
    by the reach rule, naming nobody. (The push pre-parses only ``citizen.upsert``'s IDs:
    this is the path where the reach rule parses the ID itself.)"""
    http, central, agent = world["http"], world["central"], world["agent1"]
    a, b = _qazvin_profiles(agent, 2)
    sup = Desk(http, "super1")
    before = _entities(central)
    typed = Z_NID.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    res = sup.push(O.citizen_merge(a, [b], {"national_id": typed}, sup.actor))["results"][0]
    assert (res["status"], res["code"], res["message"]) == ("rejected", "forbidden", MSG_OUT_OF_REACH), res
    assert world["z_cit"] not in repr(res)
    assert _entities(central) == before


# -- op shapes the reach rule meets before the reducer's envelope check -----------------------


@pytest.mark.parametrize("shape", ["payload-list", "payload-text", "id-object", "id-list", "id-number"])
@pytest.mark.parametrize("kind", ["case.note", "citizen.upsert", "citizen.merge"])
def test_a_malformed_op_is_refused_as_malformed_not_as_a_server_error(world, kind, shape):
    """The reach rule runs first and reads only what is well-formed: an op whose payload is
    no object or whose entity id is no string gets the reducer's ``invalid_payload``, and the
    push answers (no crash on ``payload.get`` or on a lookup by a dict id)."""
    agent = world["agent1"]
    sup = Desk(world["http"], "super1")
    desk = sup if kind == "citizen.merge" else agent
    ops, case_id, cit, _code = agent.new_call(agency_id=None, nid="0013542419")
    agent.push(*ops)
    op = {"case.note": lambda: O.case_note(case_id, "یادداشت", desk.actor),
          "citizen.upsert": lambda: O.citizen_upsert({"id": cit, "mobile": "09124445566"}, desk.actor),
          "citizen.merge": lambda: O.citizen_merge(cit, _qazvin_profiles(agent, 1), {}, desk.actor)}[kind]()
    bad = {"payload-list": {"payload": [1, 2]}, "payload-text": {"payload": "x"},
           "id-object": {"entity_id": {"id": case_id}}, "id-list": {"entity_id": [case_id]},
           "id-number": {"entity_id": 12345}}[shape]
    res = desk.push(dict(op, **bad))["results"][0]
    assert (res["status"], res["code"]) == ("rejected", "invalid_payload"), res


def test_a_stray_agency_in_a_note_is_not_a_referral(world):
    """Only ``case.refer`` moves a case to an agency, so only it meets the rule on the
    agency's province: a note carrying some other province's agency id is just a note."""
    agent = world["agent1"]
    ops, case_id, _cit, _code = agent.new_call(agency_id=None, nid="0013542419")
    agent.push(*ops)
    note = O.case_note(case_id, "یادداشت", agent.actor)
    note["payload"]["agency_id"] = "water-zanjan"
    res = agent.push(note)["results"][0]
    assert res["status"] == "applied", res


def test_a_merge_is_judged_by_the_survivor_its_payload_names(world):
    """The reducer merges into the payload's ``survivor_id`` (the entity id is only its
    fallback): an op whose entity id is a Qazvin profile but whose payload names a Zanjan
    citizen as the survivor is refused, and changes nothing."""
    http, central, agent = world["http"], world["central"], world["agent1"]
    a, b = _qazvin_profiles(agent, 2)
    sup = Desk(http, "super1")
    op = O.citizen_merge(a, [b], {}, sup.actor)
    op["payload"]["survivor_id"] = world["z_cit"]
    before = _entities(central)
    res = sup.push(op)["results"][0]
    assert (res["status"], res["code"], res["message"]) == ("rejected", "forbidden", MSG_OUT_OF_REACH), res
    assert _entities(central) == before


def test_a_merge_with_malformed_fields_is_refused_as_malformed(world):
    agent = world["agent1"]
    a, b = _qazvin_profiles(agent, 2)
    sup = Desk(world["http"], "super1")
    op = O.citizen_merge(a, [b], {}, sup.actor)
    op["payload"]["fields"] = "national_id"
    res = sup.push(op)["results"][0]
    assert (res["status"], res["code"]) == ("rejected", "invalid_payload"), res


def test_an_unmerge_is_judged_by_the_merge_it_undoes(world):
    """An unmerge undoes the merge its payload names, whatever its entity id says: one
    addressed to a Qazvin profile but naming a Zanjan merge is refused. A malformed merge
    op id is ``invalid_payload``."""
    http, central, agent = world["http"], world["central"], world["agent1"]
    central.add_user("zsuper", "zsuper", "supervisor", province="zanjan")
    zs = Desk(http, "zsuper")
    z2 = uuid7()
    zs.push(O.citizen_upsert({"id": z2, "first_name": "زنجانی", "last_name": "دوم", "no_national_id": True},
                             zs.actor))
    merge = O.citizen_merge(world["z_cit"], [z2], {}, zs.actor)
    assert zs.push(merge)["results"][0]["status"] == "applied"
    (a,) = _qazvin_profiles(agent, 1)
    sup = Desk(http, "super1")
    before = _entities(central)
    res = sup.push(O.citizen_unmerge(a, merge["op_id"], sup.actor))["results"][0]
    assert (res["status"], res["code"], res["message"]) == ("rejected", "forbidden", MSG_OUT_OF_REACH), res
    assert _entities(central) == before
    bad = O.citizen_unmerge(a, merge["op_id"], sup.actor)
    bad["payload"]["merge_op_id"] = {"op_id": merge["op_id"]}
    res = sup.push(bad)["results"][0]
    assert (res["status"], res["code"]) == ("rejected", "invalid_payload"), res


def test_a_distinct_decision_is_judged_by_both_profiles_and_its_entity(world):
    """``citizen.distinct`` names two profiles (its entity id must be the first): a Qazvin
    supervisor's decision that a Qazvin profile and a Zanjan citizen are different people
    (an event naming the Zanjan citizen) is refused whichever comes first. An op addressed
    to a Zanjan citizen but naming two Qazvin profiles is refused by the reach rule, before
    the reducer would find its entity id is not the first profile (``invalid_payload``).
    Within the province the decision is applied."""
    http, central, agent = world["http"], world["central"], world["agent1"]
    a, b = _qazvin_profiles(agent, 2)
    z = world["z_cit"]
    sup = Desk(http, "super1")
    addressed_to_z = O.citizen_distinct([a, b], sup.actor)
    addressed_to_z["entity_id"] = z
    before = _entities(central)
    res = sup.push(O.citizen_distinct([a, z], sup.actor), O.citizen_distinct([z, a], sup.actor),
                   addressed_to_z)["results"]
    assert [(r["status"], r.get("code"), r.get("message")) for r in res] == [
        ("rejected", "forbidden", MSG_OUT_OF_REACH)] * 3, res
    assert _entities(central) == before
    res = sup.push(O.citizen_distinct([a, b], sup.actor))["results"][0]
    assert res["status"] == "applied", res


def test_an_op_kind_the_rule_does_not_name_is_judged_by_its_entity(world):
    """The push refuses op types it does not know before the reach rule (``unknown_op``), so
    the rule's last branch serves a type added later without a rule of its own: it is
    judged by its entity id, like a citizen edit."""
    from samad_desk.central.entities import Repo
    from samad_desk.central.reach import guard

    central, agent = world["central"], world["agent1"]
    (a,) = _qazvin_profiles(agent, 1)
    actor = {"operator_id": "op-x", "name": "x", "role": "agent", "agency_id": None,
             "office_id": None, "province": "qazvin"}
    with central.engine.begin() as conn:
        repo = Repo(conn, lock=False)
        verdicts = [guard(repo, actor, {"type": "citizen.later", "entity_id": eid, "payload": {}})
                    for eid in (world["z_cit"], a)]
    assert verdicts == [("forbidden", MSG_OUT_OF_REACH), None]
