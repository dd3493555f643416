"""The server's reach rule for an unmerge names the merge by its op id, and must look up
every op id the reducer looks up: up to ``domain.ids.MAX_OP_ID`` (64) characters, the one
limit of the reducer (``reducer.citizens.citizen_unmerge``, ``reducer._check_envelope``),
the push and reach (mutation survivors ``guard`` 159/160 of ``central/reach.py``,
docs/mutation.md "Still owed"; the reducer took 100 until the limits were made one).

A merge event under a long op id is arranged in the database: at the limit the reducer
would undo it, and the reach rule must judge it by the profiles it names; over it the
op is malformed, whoever asks.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from samad_desk.central.testing import Desk
from samad_desk.domain import ops as O
from samad_desk.domain.ids import uuid7
from samad_desk.domain.permissions import MSG_OUT_OF_REACH
from samad_desk.domain.reducer import event_id_for
from tests.support.merge import merge_in_the_database

NO_MERGE = "ادغامی که باید لغو شود مشخص نشده است."  # reducer: a merge op id that is no id


def _entities(central) -> list:
    with central.engine.connect() as conn:
        return sorted(conn.execute(text("SELECT entity, id, version, deleted, data FROM entities")).all())


def _citizen(central, cid: str) -> dict:
    with central.engine.connect() as conn:
        return json.loads(conn.execute(text("SELECT data FROM entities WHERE entity='citizen' AND id=:i"),
                                       {"i": cid}).scalar_one())


def _rename_merge(central, op_id: str, new_op_id: str, **data_over) -> None:
    """The merge event of ``op_id`` stored as if its op had the id ``new_op_id`` (and
    ``data_over`` in its data)."""
    with central.engine.begin() as conn:
        old_id = event_id_for(op_id)
        data = json.loads(conn.execute(text("SELECT data FROM entities WHERE entity='event' AND id=:i"),
                                       {"i": old_id}).scalar_one())
        data["id"], data["op_id"] = event_id_for(new_op_id), new_op_id
        data["data"].update(data_over)
        conn.execute(text("UPDATE entities SET id=:n, data=:d WHERE entity='event' AND id=:i"),
                     {"n": data["id"], "d": json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                      "i": old_id})


def _qazvin_profile(server) -> str:
    """A Qazvin agent's new profile without a national ID: its id."""
    agent = Desk(server, "agent1")
    q = uuid7()
    assert agent.push(O.citizen_upsert({"id": q, "first_name": "قزوینی", "last_name": "بی‌کد",
                                        "no_national_id": True}, agent.actor))["results"][0]["status"] == "applied"
    return q


def _unmerge_is_out_of_reach(server, central, citizen_id: str, merge_op_id: str) -> None:
    """A Qazvin supervisor's unmerge is refused as out of reach, carrying nothing, changing nothing."""
    qs = Desk(server, "super1")
    before = _entities(central)
    res = qs.push(O.citizen_unmerge(citizen_id, merge_op_id, qs.actor))["results"][0]
    assert (res["status"], res.get("code"), res.get("message")) == ("rejected", "forbidden", MSG_OUT_OF_REACH), res
    assert "current" not in res or res["current"] is None
    assert _entities(central) == before


@pytest.fixture
def zanjan_merge(server):
    """Two Zanjan profiles merged by a Zanjan supervisor; the merge's op id."""
    central = server.app.state.central
    central.add_user("zsuper", "zsuper", "supervisor", province="zanjan")
    zs = Desk(server, "zsuper")
    z1, z2 = uuid7(), uuid7()
    res = zs.push(*(O.citizen_upsert({"id": z, "first_name": "زنجانی", "last_name": "بی‌کد",
                                      "no_national_id": True}, zs.actor) for z in (z1, z2)))["results"]
    assert {r["status"] for r in res} == {"applied"}, res
    merge = O.citizen_merge(z1, [z2], {}, zs.actor)
    assert zs.push(merge)["results"][0]["status"] == "applied"
    return {"central": central, "zsuper": zs, "z1": z1, "z2": z2, "op_id": merge["op_id"]}


@pytest.mark.parametrize("length", [63, 64])
def test_an_unmerge_of_a_merge_with_a_long_op_id_is_judged_by_its_profiles(server, zanjan_merge, length):
    central, zs = zanjan_merge["central"], zanjan_merge["zsuper"]
    long_id = "m" * length
    _rename_merge(central, zanjan_merge["op_id"], long_id)
    qs = Desk(server, "super1")
    q = uuid7()
    agent = Desk(server, "agent1")
    assert agent.push(O.citizen_upsert({"id": q, "first_name": "قزوینی", "last_name": "بی‌کد",
                                        "no_national_id": True}, agent.actor))["results"][0]["status"] == "applied"
    before = _entities(central)
    res = qs.push(O.citizen_unmerge(q, long_id, qs.actor))["results"][0]
    assert (res["status"], res.get("code"), res.get("message")) == ("rejected", "forbidden", MSG_OUT_OF_REACH), res
    assert _entities(central) == before
    # the arranged merge is one the reducer undoes: its own province's supervisor may
    res = zs.push(O.citizen_unmerge(zanjan_merge["z1"], long_id, zs.actor))["results"][0]
    assert res["status"] == "applied", res
    assert _citizen(central, zanjan_merge["z2"])["merged_into"] is None


@pytest.mark.parametrize("length", [65, 100])
def test_a_merge_op_id_over_64_characters_is_malformed_not_out_of_reach(server, zanjan_merge, length):
    """The reducer takes no merge op id over 64 characters (``invalid_payload``); the
    reach rule does not look one up, even where an event under it exists."""
    central = zanjan_merge["central"]
    long_id = "m" * length
    _rename_merge(central, zanjan_merge["op_id"], long_id)
    qs = Desk(server, "super1")
    before = _entities(central)
    res = qs.push(O.citizen_unmerge(zanjan_merge["z1"], long_id, qs.actor))["results"][0]
    assert (res["status"], res.get("code"), res.get("message")) == ("rejected", "invalid_payload", NO_MERGE), res
    assert _entities(central) == before


def test_an_unmerge_is_judged_by_the_survivor_its_merge_names(server, zanjan_merge):
    """guard 169/170: the merge event's ``survivor_id`` left out of the check. A merge event
    naming a Zanjan survivor and a Qazvin profile (arranged: no province role makes one)
    is out of a Qazvin supervisor's reach, though the profile it names is in it; refused
    before the reducer reads anything (the reducer would answer ``invalid_transition``
    with the profile as ``current``)."""
    central = zanjan_merge["central"]
    q = _qazvin_profile(server)
    _rename_merge(central, zanjan_merge["op_id"], zanjan_merge["op_id"], merged_ids=[q])
    _unmerge_is_out_of_reach(server, central, q, zanjan_merge["op_id"])


def test_an_unmerge_is_judged_by_the_profiles_its_merge_folded_in(server, zanjan_merge):
    """guard 170–173 (numbering of 6 December 23:03 UTC): the merge event's ``merged_ids``
    left out of the check. A Zanjan profile merged into a Qazvin one (arranged: no province
    role makes such a merge): its unmerge would give the Zanjan profile back its own life,
    so a Qazvin supervisor is refused, though the survivor is in reach."""
    central = zanjan_merge["central"]
    q = _qazvin_profile(server)
    _rename_merge(central, zanjan_merge["op_id"], zanjan_merge["op_id"], survivor_id=q)
    merge_in_the_database(central, zanjan_merge["z2"], q)
    _unmerge_is_out_of_reach(server, central, q, zanjan_merge["op_id"])


@pytest.mark.parametrize(("op_id", "ok"), [("o" * 64, True), ("o" * 65, False), ("op 1", False)])
def test_the_desk_and_the_push_take_the_same_op_ids(server, op_id, ok):
    """One limit (``domain.ids.MAX_OP_ID``): an op id the desk's reducer applies is one the
    push accepts, and one the push refuses the desk never queues. The reducer took 65–100
    characters and spaces, the push refused them with a 400 for the whole batch, and the
    queue behind such an op stuck."""
    from samad_desk.domain.readers import MemoryReader
    from samad_desk.domain.reducer import apply_op
    from samad_desk.domain.sla import WorkingCalendar
    from tests.support.domain import NOW as DESK_NOW

    agent = Desk(server, "agent1")
    op = O.citizen_upsert({"id": uuid7(), "first_name": "سارا", "last_name": "نوری", "no_national_id": True},
                          agent.actor)
    op["op_id"] = op_id
    desk = apply_op(dict(op), MemoryReader(), now=DESK_NOW, calendar=WorkingCalendar())
    assert (desk.status == "applied") is ok, (desk.code, desk.message)
    r = agent.push_raw(agent.number([op]))
    if ok:
        assert r.status_code == 200 and r.json()["results"][0]["status"] == "applied", r.text
    else:
        assert r.status_code == 400 and "op_id" in r.text, r.text
