"""Random report data for the executors' agreement test and ``python -m bench reports``:
agencies in two provinces, cases in every state with their events (register, refer,
extend, return, answer, follow-up), and a loader that writes them straight into a
central database's ``entities`` table (as a push would have left them)."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import orjson

from samad_desk.domain.models import CaseState, CaseType, Channel, Urgency, iso_datetime, new_case
from samad_desk.domain.sla import WorkingCalendar, due_date

PROVINCES = ("qazvin", "zanjan")
KINDS = ("water", "power", "gas", "health")
CITIES = ("قزوین", "تاکستان", "زنجان", "ابهر")
SUBJECTS = ("water.outage", "water.bill", "power.outage", "gas.leak", "health.clinic", "roads.pothole")
START = datetime(2025, 1, 1, 4, 0, tzinfo=UTC)  # 1403/10/12


def agencies() -> list[dict]:
    out = []
    for p in PROVINCES:
        for k in KINDS:
            out.append({"id": f"{k}-{p}", "name": f"{k} {p}", "manager_name": f"مدیر {k} {p}",
                        "province": p, "city": "", "sla_days": 10, "sla_max_days": 15, "active": True})
    return out


def operators() -> list[dict]:
    return [{"id": f"op-{p}-{i}", "name": f"اپراتور {i} {p}", "province": p} for p in PROVINCES for i in range(3)]


def generate(n: int, seed: int = 1, *, days: int = 540,
             cal: WorkingCalendar | None = None) -> Iterator[tuple[dict, list[dict], str]]:
    """``n`` (case, its events, province) triples, registered over ``days`` days from
    :data:`START`."""
    rng = random.Random(seed)
    cal = cal or WorkingCalendar()
    ags = agencies()
    ops = operators()
    states = [s.value for s in CaseState]
    for i in range(n):
        province = rng.choice(PROVINCES)
        op = rng.choice([o for o in ops if o["province"] == province])
        reg = START + timedelta(minutes=rng.randrange(days * 24 * 60))
        state = rng.choice(states)
        cid = f"case-{seed}-{i:07d}"
        case = new_case(id=cid, type=rng.choice(list(CaseType)).value, subject=rng.choice(SUBJECTS),
                        city=rng.choice(CITIES), channel=rng.choice(list(Channel)).value,
                        urgency=rng.choice(list(Urgency)).value, state=state,
                        registered_at=iso_datetime(reg), version=1)
        actor = {"operator_id": op["id"], "role": "agent"}
        events = [{"id": f"{cid}-e0", "case_id": cid, "kind": "register", "actor": actor,
                   "at": case["registered_at"], "data": {}}]
        if state != CaseState.registered.value:
            agency = rng.choice([a for a in ags if a["province"] == province])
            referred = reg + timedelta(hours=rng.randrange(1, 72))
            case["agency_id"] = agency["id"]
            case["referred_at"] = iso_datetime(referred)
            case["due_date"] = due_date(referred, 10, cal).isoformat()
            for k in range(1 + (rng.random() < 0.15)):
                events.append({"id": f"{cid}-r{k}", "case_id": cid, "kind": "refer", "actor": actor,
                               "at": case["referred_at"], "data": {}})
            if rng.random() < 0.1:
                events.append({"id": f"{cid}-x", "case_id": cid, "kind": "extend", "actor": actor,
                               "at": case["referred_at"], "data": {}})
            if state == CaseState.returned.value or rng.random() < 0.05:
                events.append({"id": f"{cid}-t", "case_id": cid, "kind": "return", "actor": actor,
                               "at": case["referred_at"], "data": {}})
            if state in (CaseState.answered.value, CaseState.closed.value):
                answered = referred + timedelta(hours=rng.randrange(2, 24 * 25))
                case["answered_at"] = iso_datetime(answered)
                for k in range(rng.randrange(3)):
                    satisfied = rng.choice([True, False, None])
                    events.append({"id": f"{cid}-f{k}", "case_id": cid, "kind": "followup", "actor": actor,
                                   "at": case["answered_at"],
                                   "data": {"satisfied": satisfied, "objection": satisfied is False}})
        yield case, events, province


def merges(n: int, seed: int = 1, *, days: int = 540) -> list[dict]:
    """``n`` citizen merges (``citizen.merge`` events by the operators of :func:`operators`,
    one to three profiles each) and an unmerge of about every fifth, over ``days`` days
    from :data:`START`: the *duplicate citizens found* measure's data."""
    rng = random.Random(seed * 7919)
    ops = operators()
    out = []
    for i in range(n):
        op = rng.choice(ops)
        at = START + timedelta(minutes=rng.randrange(days * 24 * 60))
        actor = {"operator_id": op["id"], "role": "supervisor"}
        mid = f"m-{seed}-{i}"
        out.append({"id": f"ev-{mid}", "case_id": None, "kind": "citizen.merge", "op_id": mid, "actor": actor,
                    "at": iso_datetime(at), "data": {"citizen_id": f"cit-{mid}", "survivor_id": f"cit-{mid}",
                                                     "merged_ids": [f"cit-{mid}-{k}" for k in range(rng.randint(1, 3))]}})
        if rng.random() < 0.2:
            out.append({"id": f"ev-u-{mid}", "case_id": None, "kind": "citizen.unmerge", "op_id": f"u-{mid}",
                        "actor": actor, "at": iso_datetime(at + timedelta(days=1)),
                        "data": {"citizen_id": f"cit-{mid}", "merge_op_id": mid}})
    return out


def operator_province(event: dict) -> str | None:
    """The province of the :func:`operators` operator who wrote ``event``."""
    op = (event.get("actor") or {}).get("operator_id")
    return next((o["province"] for o in operators() if o["id"] == op), None)


def load_central(engine, items: list[tuple[dict, list[dict], str]], agency_docs: list[dict] | None = None,
                 chunk: int = 5000, citizen_events: Sequence[dict] = ()) -> None:
    """Write agencies, cases and events into ``entities`` (no change rows: the report
    facts are then built by a full rebuild); ``citizen_events`` (merges, :func:`merges`)
    in the province of their operator (:func:`operator_province`), as a push from that
    operator's desk would."""
    from sqlalchemy import insert

    from samad_desk.central import db

    t = db.entities

    def row(entity: str, doc: dict, province: str | None = None) -> dict:
        return {"entity": entity, "id": doc["id"], "version": 1, "deleted": False,
                "data": orjson.dumps(doc).decode(), "case_id": doc.get("case_id") if entity == "event" else
                (doc["id"] if entity == "case" else None),
                "citizen_id": None, "agency_id": doc.get("agency_id") if entity == "case" else
                (doc["id"] if entity == "agency" else None), "office_id": None, "operator_id": None,
                "province": province, "national_id": None, "tracking_code": None}

    with db.writer(engine).begin() as conn:
        docs = agency_docs if agency_docs is not None else agencies()
        if docs:
            conn.execute(insert(t), [row("agency", a, a.get("province")) for a in docs])
        batch: list[dict] = [row("event", e, operator_province(e)) for e in citizen_events]
        for case, events, province in items:
            batch.append(row("case", case, province))
            batch.extend(row("event", e) for e in events)
            if len(batch) >= chunk:
                conn.execute(insert(t), batch)
                batch = []
        if batch:
            conn.execute(insert(t), batch)
