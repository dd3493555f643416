"""Exact outcomes of the citizen ops (tests/unit/domain/test_reducer_citizens_*.py): an op
applied to a reader, the Changes it must yield written out in full (``to_dict()`` form),
a refusal checked to its code, message and ``current``, and a stored profile."""

from __future__ import annotations

from samad_desk.domain.models import event_actor, new_citizen
from samad_desk.domain.reducer import MemoryReader, apply_op, event_id_for
from tests.support.domain import NOW

AT = "2025-05-03T06:00:00Z"  # NOW as the reducer writes it
CREATED = "2025-01-01T08:00:00Z"
NID = "0499370899"
NID2 = "0013542419"
NID3 = "0084575948"
NID_FA, NID2_FA, NID3_FA = "۰۴۹۹۳۷۰۸۹۹", "۰۰۱۳۵۴۲۴۱۹", "۰۰۸۴۵۷۵۹۴۸"
MOBILE = "09121234567"


def apply(reader, cal, op: dict):
    """``apply_op`` at NOW; the outcome is stored in ``reader``."""
    out = apply_op(op, reader, now=NOW, calendar=cal)
    reader.apply(out)
    return out


def put(entity: str, doc: dict) -> dict:
    return {"entity": entity, "id": doc["id"], "op": "put", "data": doc}


def event_put(op: dict, kind: str, data: dict, *, concurrent: bool = False) -> dict:
    """The Change storing ``op``'s event (no case: citizen events have none)."""
    return put("event", {
        "id": event_id_for(op["op_id"]), "case_id": None, "kind": kind,
        "actor": event_actor(op["actor"]), "at": AT, "data": data, "op_id": op["op_id"],
        "concurrent": concurrent, "version": 1,
    })


def assert_applied(out, expected: list[dict]) -> None:
    assert (out.status, out.code, out.message, out.current, out.duplicate) == ("applied", None, None, None, False)
    assert [c.to_dict() for c in out.changes] == expected


def assert_refused(out, code: str, message: str, current: dict | None = None) -> None:
    assert (out.status, out.code, out.message, out.current, out.changes) == ("rejected", code, message, current, [])


def citizen(id_: str, **fields) -> dict:
    """A stored profile (version 2, national ID ``NID`` unless given)."""
    doc = {"national_id": NID, "first_name": "فاطمه", "last_name": "محمدی", "created_at": CREATED, "version": 2}
    return new_citizen(id=id_, **{**doc, **fields})


class ServerLikeReader(MemoryReader):
    """A :class:`MemoryReader` whose national-ID look-up also finds a merged profile when no
    live one holds the ID, as the server's ``Repo`` (``central/entities.py``: ``live or
    found``) and the desk overlay's reader do; ``MemoryReader`` indexes live profiles only."""

    def citizen_by_national_id(self, nid: str) -> dict | None:
        found = sorted((d for d in self.entities.get("citizen", {}).values() if d.get("national_id") == nid),
                       key=lambda d: d["id"])
        live = [d for d in found if not d.get("merged_into")]
        return (live or found or [None])[0]
