"""Intent operations (store-and-sync.md §3.4) and their builders.

An op is the journal record and the wire format at once::

    {"op_id", "client_id", "client_seq", "type", "v", "entity_id", "base_version",
     "payload", "actor", "client_time", "clock_offset_ms"}

``make_op`` fills ``op_id`` (UUIDv7), ``v`` and ``client_time``; the store fills
``client_id`` and ``client_seq``. The builders below take the fields of one action and
return a complete op; they do not validate (``reducer.apply_op`` does, on both sides).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from samad_desk.domain.ids import uuid7
from samad_desk.domain.models import iso_datetime

OP_TYPES = {
    "citizen.upsert", "citizen.merge", "citizen.unmerge", "citizen.distinct", "case.register", "case.refer",
    "case.accept", "case.assign", "case.answer", "case.return", "case.extend", "case.close",
    "case.reopen", "case.note", "case.followup", "case.escalate",
}
#: current version of each op's arguments (a change of arguments means a new ``v``)
OP_VERSIONS: dict[str, int] = {t: 1 for t in OP_TYPES}

ACTOR_KEYS = ("operator_id", "name", "role", "agency_id", "office_id")


def dict_or_empty(value: object) -> dict:
    """``value`` when it is a dict, else an empty one: the ``payload`` or ``actor`` of an op
    that came over the wire may be anything."""
    return value if isinstance(value, dict) else {}


def make_actor(operator: dict, office_id: str | None = None) -> dict:
    """The actor dict of an op from an operator dict (``id, name, role, agency_id``)."""
    return {
        "operator_id": operator.get("operator_id", operator.get("id")),
        "name": operator.get("name", ""),
        "role": operator.get("role"),
        "agency_id": operator.get("agency_id"),
        "office_id": office_id if office_id is not None else operator.get("office_id"),
    }


def make_op(
    type: str,
    entity_id: str,
    payload: dict,
    actor: dict,
    *,
    base_version: int | None = None,
    now: datetime | None = None,
    op_id: str | None = None,
    clock_offset_ms: int = 0,
) -> dict:
    if type not in OP_TYPES:
        raise ValueError(f"unknown op type {type!r}")
    now = now or datetime.now(UTC)
    return {
        "op_id": op_id or uuid7(int(now.timestamp() * 1000) if now.tzinfo else None),
        "client_id": None,
        "client_seq": None,
        "type": type,
        "v": OP_VERSIONS[type],
        "entity_id": entity_id,
        "base_version": base_version,
        "payload": dict(payload),
        "actor": {k: actor.get(k) for k in ACTOR_KEYS},
        "client_time": iso_datetime(now),
        "clock_offset_ms": int(clock_offset_ms),
    }


def _base(entity: dict | None) -> int | None:
    return None if entity is None else entity.get("version")


# citizens ---------------------------------------------------------------------------


def citizen_upsert(citizen: dict, actor: dict, *, base: dict | None = None, now=None) -> dict:
    """Create or edit a citizen. ``citizen`` holds ``id`` plus any editable fields.

    ``base``: the values the operator saw before editing (field → old value); on the
    server a field whose value changed meanwhile keeps the server value (both recorded).
    """
    payload = {k: v for k, v in citizen.items() if k not in ("id", "version", "created_at", "merged_into")}
    if base:
        payload["base"] = dict(base)
    return make_op("citizen.upsert", citizen["id"], payload, actor,
                   base_version=citizen.get("version") or None, now=now)


def citizen_merge(survivor_id: str, merged_ids: list[str], fields: dict, actor: dict, *, now=None) -> dict:
    return make_op("citizen.merge", survivor_id,
                   {"survivor_id": survivor_id, "merged_ids": list(merged_ids), "fields": dict(fields)},
                   actor, now=now)


def citizen_unmerge(survivor_id: str, merge_op_id: str, actor: dict, *, now=None) -> dict:
    return make_op("citizen.unmerge", survivor_id, {"merge_op_id": merge_op_id}, actor, now=now)


def citizen_distinct(citizen_ids: list[str], actor: dict, *, note: str = "", now=None) -> dict:
    """A supervisor's decision that two profiles the matching engine paired are different
    people (the duplicates queue stops offering the pair)."""
    return make_op("citizen.distinct", citizen_ids[0], {"citizen_ids": list(citizen_ids), "note": note},
                   actor, now=now)


# cases ------------------------------------------------------------------------------


def case_register(
    case_id: str,
    *,
    tracking_code: str,
    citizen_id: str,
    type: str,
    subject: str,
    city: str,
    description: str,
    actor: dict,
    urgency: str = "normal",
    channel: str = "call",
    now=None,
) -> dict:
    payload = {
        "tracking_code": tracking_code, "citizen_id": citizen_id, "type": type,
        "subject": subject, "city": city, "description": description, "urgency": urgency,
        "channel": channel,
    }
    return make_op("case.register", case_id, payload, actor, now=now)


def _case_op(type_: str, case: dict | str, payload: dict[str, Any], actor: dict, now) -> dict:
    if isinstance(case, dict):
        return make_op(type_, case["id"], payload, actor, base_version=_base(case), now=now)
    return make_op(type_, case, payload, actor, now=now)


def case_refer(case, agency_id: str, actor: dict, *, note: str = "", now=None) -> dict:
    return _case_op("case.refer", case, {"agency_id": agency_id, "note": note}, actor, now)


def case_accept(case, actor: dict, *, now=None) -> dict:
    return _case_op("case.accept", case, {}, actor, now)


def case_assign(case, operator_id: str, actor: dict, *, now=None) -> dict:
    return _case_op("case.assign", case, {"operator_id": operator_id}, actor, now)


def case_answer(case, text: str, actor: dict, *, now=None) -> dict:
    return _case_op("case.answer", case, {"text": text}, actor, now)


def case_return(case, reason: str, actor: dict, *, suggested_agency_id: str | None = None, now=None) -> dict:
    return _case_op("case.return", case, {"reason": reason, "suggested_agency_id": suggested_agency_id}, actor, now)


def case_extend(case, days: int, reason: str, actor: dict, *, now=None) -> dict:
    return _case_op("case.extend", case, {"days": days, "reason": reason}, actor, now)


def case_close(case, actor: dict, *, reason: str = "", now=None) -> dict:
    return _case_op("case.close", case, {"reason": reason}, actor, now)


def case_reopen(case, reason: str, actor: dict, *, now=None) -> dict:
    return _case_op("case.reopen", case, {"reason": reason}, actor, now)


def case_note(case, text: str, actor: dict, *, now=None) -> dict:
    return _case_op("case.note", case, {"text": text}, actor, now)


def case_followup(case, actor: dict, *, note: str = "", satisfied: bool | None = None, now=None) -> dict:
    return _case_op("case.followup", case, {"note": note, "satisfied": satisfied}, actor, now)


def case_escalate(case, reason: str, actor: dict, *, now=None) -> dict:
    return _case_op("case.escalate", case, {"reason": reason}, actor, now)
