"""The server's scope check of one op: every case and citizen the op touches, refers
to or folds into must be within the actor's reach (``domain/permissions.py``).

Runs before the reducer, so a refused op has read nothing into its answer: the refusal
names no entity and carries no ``current``. Ids that do not exist are left to the
reducer (``not_found``).
"""

from __future__ import annotations

from typing import Any

from samad_desk.central.entities import Repo
from samad_desk.domain.ids import MAX_OP_ID, is_safe_id
from samad_desk.domain.ops import dict_or_empty
from samad_desk.domain.permissions import (
    MSG_AGENCY_OUT_OF_REACH,
    MSG_NID_OUT_OF_REACH,
    MSG_OUT_OF_REACH,
    Reach,
    may_act,
    may_refer_to,
)
from samad_desk.domain.reducer import event_id_for

FORBIDDEN = "forbidden"


def _ids(value: Any) -> list[str]:
    """The plausible ids in ``value`` (one or a list). Anything else (NUL, controls, not a
    string) never reaches the database: the reducer rejects it as ``invalid_payload``."""
    values = value if isinstance(value, list) else [value]
    return [v for v in values if is_safe_id(v)]


def case_in_reach(actor: dict, row: Any) -> bool:
    return may_act(actor, Reach.of([row.province], [row.agency_id]))


def citizen_in_reach(repo: Repo, actor: dict, row: Any) -> bool:
    """The citizen's own province first (no query); then the reach of their cases."""
    if may_act(actor, Reach.of([row.province])):
        return True
    cases = repo.cases_of_citizen(row.id)
    return may_act(actor, Reach.of([row.province, *(c.province for c in cases)], [c.agency_id for c in cases]))


def _citizens_in_reach(repo: Repo, actor: dict, ids: list[str]) -> bool:
    """Every existing citizen of ``ids``, and whoever they were merged into, to the end of
    the chain: at least as far as the reducer follows it (``reducer.context.resolve_citizen``: 10
    redirects; a walk stopped after 10 profiles let an op on the first of 11 act on the
    11th unchecked). Stops at a profile seen before (a cycle no merge makes)."""
    for cid in ids:
        seen: set[str] = set()
        row = repo.row("citizen", cid)
        while row is not None and row.id not in seen:
            seen.add(row.id)
            if not row.deleted and not citizen_in_reach(repo, actor, row):
                return False
            # (rows are compact JSON written by the server: most say "merged_into":null
            # and need no parse)
            merged = row.data is not None and '"merged_into":null' not in row.data
            nxt = (repo.get("citizen", row.id) or {}).get("merged_into") if merged else None
            row = repo.row("citizen", nxt) if is_safe_id(nxt) else None
    return True


def _national_id(repo: Repo, payload: dict) -> str | None:
    """The canonical national ID of a payload (the push parsed the batch's already)."""
    from samad_desk.text.national_id import parse_national_id

    raw = payload.get("national_id")
    if not isinstance(raw, str) or not raw:
        return None
    if raw in repo.canonical_nids:
        return repo.canonical_nids[raw]
    parsed = parse_national_id(raw)
    return parsed.value if parsed.ok and parsed.value else None


def guard(repo: Repo, actor: dict, op: dict) -> tuple[str, str] | None:
    """``(code, Persian message)`` when the op reaches outside the actor's scope."""
    kind = op["type"]
    eid = op.get("entity_id")
    payload = dict_or_empty(op.get("payload"))
    if kind.startswith("case."):
        row = repo.row("case", eid) if is_safe_id(eid) else None
        if row is not None and not row.deleted and not case_in_reach(actor, row):
            return FORBIDDEN, MSG_OUT_OF_REACH
        if kind == "case.register" and not _citizens_in_reach(repo, actor, _ids(payload.get("citizen_id"))):
            return FORBIDDEN, MSG_OUT_OF_REACH
        if kind == "case.refer" and is_safe_id(payload.get("agency_id")):
            agency = repo.row("agency", payload["agency_id"])
            if agency is not None and not may_refer_to(actor, agency.province):
                return FORBIDDEN, MSG_AGENCY_OUT_OF_REACH
        return None
    if kind == "citizen.upsert":
        if not _citizens_in_reach(repo, actor, _ids(eid)):
            return FORBIDDEN, MSG_OUT_OF_REACH
        nid = _national_id(repo, payload)
        holder = repo.citizen_by_national_id(nid) if nid else None
        if holder is not None and not _citizens_in_reach(repo, actor, [holder["id"]]):
            # a fold into (or a clash with) someone the actor may not read: refused
            # without naming them; the message is the same for a fold and an edit
            return FORBIDDEN, MSG_NID_OUT_OF_REACH
        return None
    if kind == "citizen.merge":
        ids = _ids(payload.get("survivor_id") or eid) + _ids(payload.get("merged_ids"))
        fields = dict_or_empty(payload.get("fields"))
        nid = _national_id(repo, fields)
        holder = repo.citizen_by_national_id(nid) if nid else None
        if holder is not None:
            ids.append(holder["id"])
    elif kind == "citizen.unmerge":
        merge_op = payload.get("merge_op_id")
        ev = repo.get("event", event_id_for(merge_op)) if is_safe_id(merge_op, MAX_OP_ID) else None
        data = (ev or {}).get("data") or {}
        ids = _ids(data.get("survivor_id")) + _ids(data.get("merged_ids"))
    elif kind == "citizen.distinct":
        ids = _ids(eid) + _ids(payload.get("citizen_ids"))
    else:
        ids = _ids(eid)
    if not _citizens_in_reach(repo, actor, ids):
        return FORBIDDEN, MSG_OUT_OF_REACH
    return None
