"""The change log of one push transaction: changes are buffered (:class:`ChangeBuffer`)
while ops apply, because their ``seq`` numbers are not known yet, and :func:`flush` stamps
them from the one-row counter as the last step before COMMIT (store-and-sync.md §3.6)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import update
from sqlalchemy.engine import Connection

from samad_desk.central import db
from samad_desk.central.bulk import insert_many
from samad_desk.central.scopes import scopes_text


@dataclass
class Pending:
    entity: str
    id: str
    op: str
    version: int | None
    data: str | None
    op_id: str | None
    scopes: set[str]


@dataclass
class ChangeBuffer:
    items: list[Pending] = field(default_factory=list)

    def mark(self) -> int:
        return len(self.items)

    def rollback_to(self, mark: int) -> None:
        del self.items[mark:]


CHANGE_COLS = ("seq", "entity", "id", "op", "version", "data", "op_id", "scopes")


def flush(conn: Connection, buf: ChangeBuffer) -> tuple[int, int]:
    """Allocate the seq range from the one-row counter and write the buffered changes.

    The counter row stays locked until COMMIT, so transactions commit in seq order and
    a puller never sees seq N+1 before seq N. Returns (first_seq, last_seq); (0, 0) when
    nothing is buffered.
    """
    n = len(buf.items)
    if n == 0:
        return 0, 0
    c = db.change_counter
    top = conn.execute(
        update(c).where(c.c.id == 1).values(v=c.c.v + n).returning(c.c.v)
    ).scalar_one()
    first = top - n + 1
    rows = [
        {
            "seq": first + i,
            "entity": p.entity,
            "id": p.id,
            "op": p.op,
            "version": p.version,
            "data": p.data,
            "op_id": p.op_id,
            "scopes": scopes_text(p.scopes),
        }
        for i, p in enumerate(buf.items)
    ]
    insert_many(conn, "changes", CHANGE_COLS, rows)
    return first, top
