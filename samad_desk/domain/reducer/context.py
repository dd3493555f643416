"""The state one op is applied in (:class:`OpContext`: the op, the reader, the clock, the
changes so far, the op's one event) and the two steps every op family shares: a new
version of an entity dict, and a citizen found through its ``merged_into`` redirects."""

from __future__ import annotations

from datetime import datetime

from samad_desk.domain.models import Role, event_actor, iso_datetime
from samad_desk.domain.readers import Reader
from samad_desk.domain.reducer.outcome import Change, Outcome
from samad_desk.domain.sla import WorkingCalendar


class OpContext:
    __slots__ = ("op", "reader", "now", "now_iso", "cal", "actor", "role", "payload", "changes", "event_id")

    def __init__(self, op: dict, reader: Reader, now: datetime, cal: WorkingCalendar, event_id: str) -> None:
        self.event_id = event_id
        self.op = op
        self.reader = reader
        self.now = now
        self.now_iso = iso_datetime(now)
        self.cal = cal
        self.actor = op["actor"]
        self.role = Role.parse(self.actor.get("role"))
        self.payload = op["payload"]
        self.changes: list[Change] = []

    def put(self, entity: str, doc: dict) -> None:
        self.changes.append(Change(entity, doc["id"], "put", doc))

    def event(self, kind: str, case_id: str | None, data: dict, *, concurrent: bool = False) -> dict:
        ev = {
            "id": self.event_id, "case_id": case_id, "kind": kind,
            "actor": event_actor(self.actor), "at": self.now_iso, "data": data,
            "op_id": self.op["op_id"], "concurrent": concurrent, "version": 1,
        }
        self.put("event", ev)
        return ev

    def done(self) -> Outcome:
        return Outcome("applied", self.changes)


# -- helpers ---------------------------------------------------------------------------


def bump(doc: dict) -> dict:
    # citizen and case dicts are flat: a shallow copy never aliases the reader's data
    new = dict(doc)
    new["version"] = int(doc.get("version") or 0) + 1
    return new


def resolve_citizen(reader: Reader, citizen_id: str) -> dict | None:
    """The citizen, following ``merged_into`` redirects (at most 10 hops)."""
    doc = reader.get("citizen", citizen_id)
    hops = 0
    while doc is not None and doc.get("merged_into") and hops < 10:
        nxt = reader.get("citizen", doc["merged_into"])
        if nxt is None:
            break
        doc = nxt
        hops += 1
    return doc

