"""What applying an op yields: :class:`Outcome` (applied with its :class:`Change` list, or
rejected with a code, a Persian message and the current state), the :class:`Rejected`
exception every rule raises, and the deterministic id of an op's event."""

from __future__ import annotations

from dataclasses import dataclass, field

from samad_desk.domain.ids import derived_id


@dataclass
class Change:
    entity: str
    id: str
    op: str  # "put" | "delete"
    data: dict | None

    def to_dict(self) -> dict:
        return {"entity": self.entity, "id": self.id, "op": self.op, "data": self.data}


@dataclass
class Outcome:
    status: str  # "applied" | "rejected"
    changes: list[Change] = field(default_factory=list)
    code: str | None = None
    message: str | None = None
    current: dict | None = None
    #: the op had been applied before (its event exists): no changes
    duplicate: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "applied"

    def get(self, entity: str, id: str | None = None) -> dict | None:
        """The new dict of an entity in the changes (first of its kind if id is None)."""
        for ch in self.changes:
            if ch.entity == entity and (id is None or ch.id == id):
                return ch.data
        return None

    @property
    def event(self) -> dict | None:
        return self.get("event")


class Rejected(Exception):
    def __init__(self, code: str, message: str, current: dict | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.current = current




def event_id_for(op_id: str) -> str:
    """The id of the event an op produces (deterministic, see module docstring)."""
    return derived_id(op_id, "event")

