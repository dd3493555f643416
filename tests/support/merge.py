"""Seed data of the merge tests (settling, typing and toasts: tests.support.pilot)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from samad_desk.domain import ops as O
from samad_desk.domain.ids import uuid7
from samad_desk.text.national_id import check_digit

SUPERVISOR = {"id": "op-super1", "username": "super1", "name": "ناظر یکم", "role": "supervisor",
              "agency_id": None, "province": "qazvin", "office_id": "test"}
AGENT = {"id": "op-agent1", "username": "agent1", "name": "اپراتور یکم", "role": "agent",
         "agency_id": None, "province": "qazvin", "office_id": "test"}

DUP_MOBILE = "09121234567"
SIB_MOBILE = "09351112233"


def nid(first9: str) -> str:
    """A valid national ID from nine digits (the checksum digit appended)."""
    return first9 + str(check_digit(first9))


#: the duplicate pair: one person registered twice (second time without ID, other spelling)
PERSON_A = dict(national_id=nid("431987654"), first_name="غلامرضا", last_name="کاظمی‌نژاد",
                father_name="", birth_date="1980-05-02", mobile=DUP_MOBILE, city="قزوین")
PERSON_B = dict(national_id=None, no_national_id=True, first_name="غلامرضا", last_name="کاظمی نژاد",
                father_name="اسماعیل", birth_date="1980-05-02", mobile=DUP_MOBILE, city="تاکستان")
#: siblings: same surname, father, mobile and city; different given names, IDs and birthdays
SIBLING_1 = dict(national_id=nid("431555111"), first_name="فرشته", last_name="برزگرزاده",
                 father_name="یدالله", birth_date="1990-01-01", mobile=SIB_MOBILE, city="قزوین")
SIBLING_2 = dict(national_id=nid("431555222"), first_name="مهدی", last_name="برزگرزاده",
                 father_name="یدالله", birth_date="1993-07-11", mobile=SIB_MOBILE, city="قزوین")
#: twins: the same birth date as well
TWIN_1 = dict(national_id=nid("431555333"), first_name="حسن", last_name="برزگرزاده",
              father_name="یدالله", birth_date="1995-03-03", mobile=SIB_MOBILE, city="قزوین")
TWIN_2 = dict(national_id=nid("431555444"), first_name="حسین", last_name="برزگرزاده",
              father_name="یدالله", birth_date="1995-03-03", mobile=SIB_MOBILE, city="قزوین")

#: everyone above, by the short key the tests seed them under
PEOPLE = {"a": PERSON_A, "b": PERSON_B, "s1": SIBLING_1, "s2": SIBLING_2, "t1": TWIN_1, "t2": TWIN_2}


def citizen_op(fields: dict[str, Any], actor: dict[str, Any]) -> dict[str, Any]:
    body = {"id": uuid7(), "sayyed": False, "no_national_id": False, **fields}
    return O.citizen_upsert(body, actor)


def case_ops(citizen_id: str, code: str, actor: dict[str, Any], agency: str = "water-qazvin") -> list[dict]:
    case_id = uuid7()
    register = O.make_op("case.register", case_id, {
        "tracking_code": code, "citizen_id": citizen_id, "type": "complaint",
        "subject": "water.outage", "city": "قزوین", "description": "سه روز است آب محله قطع است",
        "urgency": "normal", "channel": "call"}, actor)
    refer = O.make_op("case.refer", case_id, {"agency_id": agency, "note": ""}, actor)
    return [register, refer]


def seed(actor: dict[str, Any], people: dict[str, dict], cases: dict[str, int],
         next_code: Callable[[], str]) -> tuple[dict[str, str], list[dict]]:
    """The ops of citizens (name -> fields) and ``cases[name]`` cases each; the ids by name."""
    ids: dict[str, str] = {}
    ops: list[dict] = []
    for name, fields in people.items():
        op = citizen_op(fields, actor)
        ids[name] = op["entity_id"]
        ops.append(op)
    for name, n in cases.items():
        for _ in range(n):
            ops.extend(case_ops(ids[name], next_code(), actor))
    return ids, ops


def seed_ops(store: Any, actor: dict[str, Any], people: dict[str, dict], cases: dict[str, int]) -> dict[str, str]:
    """:func:`seed`, saved as this desk's ops; returns the ids."""
    ids, ops = seed(actor, people, cases, store.next_tracking_code)
    store.save(ops)
    return ids


def seed_snapshot(store: Any, actor: dict[str, Any], people: dict[str, dict], cases: dict[str, int]) -> dict[str, str]:
    """The same as synced data: applied with the reducer, then put in the cache."""
    from datetime import UTC, datetime

    from samad_desk.domain.reducer import MemoryReader, apply_op
    from samad_desk.domain.sla import WorkingCalendar
    from samad_desk.domain.tracking import make_tracking_code

    reader = MemoryReader({"agency": {a["id"]: a for a in store.agencies()}})
    counter = itertools.count(1)
    ids, ops = seed(actor, people, cases, lambda: make_tracking_code(99, next(counter)))
    now = datetime.now(UTC)
    for op in ops:
        outcome = apply_op(op, reader, now=now, calendar=WorkingCalendar())
        assert outcome.ok, outcome.message
        reader.apply(outcome)
    records = [{"entity": e, "id": i, "version": d.get("version") or 1, "data": d}
               for e, docs in reader.entities.items() for i, d in docs.items()]
    store.replace_from_snapshot(records, cursor="seeded")
    return ids



def merge_in_the_database(central: Any, merged_id: str, survivor_id: str) -> None:
    """Arrange, in the central's database, ``merged_id`` as merged into ``survivor_id`` (a
    merge no province role can make across provinces today: one made by an older server,
    or a future national role)."""
    import json

    from sqlalchemy import text

    with central.engine.begin() as conn:
        data = json.loads(conn.execute(text("SELECT data FROM entities WHERE entity='citizen' AND id=:i"),
                                       {"i": merged_id}).scalar_one())
        data["merged_into"] = survivor_id
        conn.execute(text("UPDATE entities SET data=:d WHERE entity='citizen' AND id=:i"),
                     {"d": json.dumps(data, ensure_ascii=False, separators=(",", ":")), "i": merged_id})
