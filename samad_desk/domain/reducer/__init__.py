"""THE shared effect logic of every op: the server applies ops with it, the desk overlays
its pending ops on its cache with it, so both sides always agree.

``apply_op(op, reader, now=, calendar=)`` is pure and deterministic given the op, the
state visible through ``reader`` and ``now``: it validates the payload, checks role,
agency scope and transition, and returns an :class:`Outcome` with the full new entity
dicts (``version + 1``) plus one ``event`` per op, or a rejection with a code, a Persian
message and the current state. It never writes anything.

The event of an op has the id ``derived_id(op_id, "event")``; if the reader already has
that event the op was applied before, and ``apply_op`` answers ``applied`` with no
changes and ``duplicate=True`` (re-applying is harmless).

Rejection codes: ``invalid_payload`` (bad or missing field), ``invalid_transition``
(the state does not allow it), ``forbidden`` (role or agency scope), ``not_found``,
``conflict`` (a national ID that belongs to another citizen), ``unknown_op``.

The package, by job: ``outcome`` (Outcome, Change, Rejected, the event id), ``context``
(the state one op is applied in), ``values`` (payload values checked and made canonical),
``citizens`` and ``cases`` (one handler per op, by op family); this module checks the
envelope and dispatches through the one table :data:`HANDLERS`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from samad_desk.domain.fields import MAX_ADDRESS, MAX_NAME, MAX_SUBJECT, MAX_TEXT
from samad_desk.domain.ids import MAX_OP_ID, is_safe_id
from samad_desk.domain.models import Role
from samad_desk.domain.ops import OP_TYPES
from samad_desk.domain.permissions import CITIZEN_ROLES, MERGE_ROLES
from samad_desk.domain.readers import LayeredReader, MemoryReader, Reader, StoreReader
from samad_desk.domain.reducer import cases, citizens
from samad_desk.domain.reducer.context import OpContext
from samad_desk.domain.reducer.outcome import Change, Outcome, Rejected, event_id_for
from samad_desk.domain.sla import WorkingCalendar

__all__ = [
    "CITIZEN_ROLES", "HANDLERS", "MAX_ADDRESS", "MAX_NAME", "MAX_SUBJECT", "MAX_TEXT", "MERGE_ROLES",
    "Change", "MemoryReader", "Outcome", "Rejected", "StoreReader", "apply_op", "dry_run",
    "event_id_for",
]


def apply_op(op: dict, reader: Reader, *, now: datetime, calendar: WorkingCalendar) -> Outcome:
    try:
        _check_envelope(op)
        event_id = event_id_for(op["op_id"])
        if reader.get("event", event_id) is not None:
            return Outcome("applied", [], duplicate=True)
        handler = HANDLERS[op["type"]]
        ctx = OpContext(op, reader, now, calendar, event_id)
        return handler(ctx)
    except Rejected as r:
        return Outcome("rejected", [], r.code, r.message, r.current)


def _check_envelope(op: Any) -> None:
    if not isinstance(op, dict):
        raise Rejected("invalid_payload", "عملیات نامعتبر است.")
    kind = op.get("type")
    if not isinstance(kind, str) or kind not in OP_TYPES:
        raise Rejected("unknown_op", f"نوع عملیات «{str(kind)[:40]}» شناخته‌شده نیست.")
    if not is_safe_id(op.get("op_id"), MAX_OP_ID):
        raise Rejected("invalid_payload", "شناسه عملیات ندارد.")
    if not isinstance(op.get("entity_id"), str) or not op["entity_id"]:
        raise Rejected("invalid_payload", "شناسه موجودیت عملیات ندارد.")
    if not is_safe_id(op["entity_id"]):  # ids are stored, logged and shown: no controls, bidi, paths
        raise Rejected("invalid_payload", "شناسه موجودیت عملیات نامعتبر است.")
    if not isinstance(op.get("payload"), dict):
        raise Rejected("invalid_payload", "اطلاعات عملیات ناقص است.")
    actor = op.get("actor")
    if not isinstance(actor, dict) or Role.parse(actor.get("role")) is None:
        raise Rejected("forbidden", "نقش کاربر معلوم نیست؛ دوباره وارد شوید.")


#: op type -> its handler: THE dispatch table (``ops.OP_TYPES`` names the same set)
HANDLERS = {
    "citizen.upsert": citizens.citizen_upsert,
    "citizen.merge": citizens.citizen_merge,
    "citizen.unmerge": citizens.citizen_unmerge,
    "citizen.distinct": citizens.citizen_distinct,
    "case.register": cases.case_register,
    "case.refer": cases.case_refer,
    "case.accept": cases.case_accept,
    "case.assign": cases.case_assign,
    "case.answer": cases.case_answer,
    "case.return": cases.case_return,
    "case.extend": cases.case_extend,
    "case.close": cases.case_close,
    "case.reopen": cases.case_reopen,
    "case.note": cases.case_note,
    "case.followup": cases.case_followup,
    "case.escalate": cases.case_escalate,
}


def dry_run(ops: list[dict], reader: Any, *, now: datetime, calendar: Any) -> Outcome | None:
    """Apply ``ops`` in order over ``reader`` without writing anything; the first
    rejection, or None when every op would apply. A desk runs its save through this
    first: an op the shared reducer would refuse must never reach the journal as if
    it were fine (it would vanish from the overlay with no word to the operator)."""
    layered = LayeredReader(reader)
    for op in ops:
        outcome = apply_op(op, layered, now=now, calendar=calendar)
        if not outcome.ok:
            return outcome
        layered.local.apply(outcome)
    return None
