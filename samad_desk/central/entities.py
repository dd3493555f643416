"""Entity rows, scope keys and the change buffer of one push transaction.

Every synced entity lives in ``entities`` (current state as JSON plus a few extracted
columns for lookups and scoping). Every change also becomes a ``changes`` row with a
global ``seq`` and one ``change_scopes`` row per scope key:

- ``*``            lookups everyone receives (agencies, operators)
- ``a:<agency>``   the agency a case is referred to (officers, managers)
- ``o:<office>``   the office that registered the case or citizen (agents)
- ``u:<operator>`` the operator who registered it
- ``p:<province>`` the province (supervisors)

Seq numbers are not known while ops are applied: changes are buffered in
:class:`ChangeBuffer` and stamped by :func:`flush` as the last step before COMMIT
(store-and-sync.md §3.6).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection

from samad_desk.central import db

PUBLIC = "*"
PUBLIC_ENTITIES = ("agency", "operator")


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def loads(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


@dataclass
class Ctx:
    """Who causes the writes (stored on inserted rows for scoping)."""

    operator_id: str | None = None
    office_id: str | None = None
    province: str | None = None


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


def for_update(engine_is_sqlite: bool, stmt):
    return stmt if engine_is_sqlite else stmt.with_for_update()


class Repo:
    """Reads and writes entity rows on one connection (inside the push transaction).

    Implements the reducer's ``Reader`` protocol (``get``, ``citizen_by_national_id``,
    ``agency``). On PostgreSQL reads lock the row (``FOR UPDATE``) so two concurrent
    pushes touching one case apply one after the other, never on the same version.
    """

    def __init__(self, conn: Connection, *, lock: bool):
        self.conn = conn
        self.lock = lock

    # -- Reader protocol --------------------------------------------------------------
    def _row(self, entity: str, id_: str):
        t = db.entities
        stmt = select(t).where(and_(t.c.entity == entity, t.c.id == id_))
        if self.lock:
            stmt = stmt.with_for_update()
        return self.conn.execute(stmt).first()

    def get(self, entity: str, id: str) -> dict | None:
        if not isinstance(id, str):
            return None
        row = self._row(entity, id)
        if row is None or row.deleted:
            return None
        return loads(row.data)

    def citizen_by_national_id(self, nid: str) -> dict | None:
        t = db.entities
        rows = self.conn.execute(
            select(t.c.data).where(
                and_(t.c.entity == "citizen", t.c.national_id == nid, t.c.deleted.is_(False))
            )
        ).all()
        found = [loads(r.data) for r in rows]
        live = [c for c in found if not c.get("merged_into")]
        pick = live or found
        return pick[0] if pick else None

    def agency(self, id: str) -> dict | None:
        return self.get("agency", id)

    # -- extras ---------------------------------------------------------------------------
    def row(self, entity: str, id_: str):
        return self._row(entity, id_)

    def case_scope(self, case_id: str | None) -> set[str]:
        if not case_id:
            return set()
        row = self._row("case", case_id)
        return scope_of_case_row(row) if row is not None else set()

    def events_of_case(self, case_id: str) -> list[Any]:
        t = db.entities
        return self.conn.execute(
            select(t).where(and_(t.c.entity == "event", t.c.case_id == case_id))
        ).all()

    def cases_of_citizen(self, citizen_id: str) -> list[Any]:
        t = db.entities
        return self.conn.execute(
            select(t).where(and_(t.c.entity == "case", t.c.citizen_id == citizen_id))
        ).all()

    def scope_of(self, entity: str, row: Any) -> set[str]:
        if entity in PUBLIC_ENTITIES:
            return {PUBLIC}
        if entity == "case":
            return scope_of_case_row(row)
        if entity == "citizen":
            keys = creator_keys(row)
            for case in self.cases_of_citizen(row.id):
                keys |= scope_of_case_row(case)
            return keys
        if row.case_id:
            return self.case_scope(row.case_id) or creator_keys(row)
        return creator_keys(row)

    def put(self, entity: str, id_: str, data: dict, ctx: Ctx, old: Any = None) -> Any:
        """Insert or replace the entity; returns the new row."""
        cols = extract(entity, id_, data)
        version = int(data.get("version") or 0)
        payload = dumps(data)
        t = db.entities
        if old is None:
            self.conn.execute(
                insert(t).values(
                    entity=entity,
                    id=id_,
                    version=version,
                    deleted=False,
                    data=payload,
                    office_id=ctx.office_id,
                    operator_id=ctx.operator_id,
                    province=cols.pop("province", None) or ctx.province,
                    **cols,
                )
            )
        else:
            self.conn.execute(
                update(t)
                .where(and_(t.c.entity == entity, t.c.id == id_))
                .values(version=version, deleted=False, data=payload, **cols)
            )
        return self._row(entity, id_)

    def delete(self, entity: str, id_: str, old: Any) -> int:
        version = (old.version if old is not None else 0) + 1
        t = db.entities
        self.conn.execute(
            update(t)
            .where(and_(t.c.entity == entity, t.c.id == id_))
            .values(version=version, deleted=True, data=None)
        )
        return version


def extract(entity: str, id_: str, data: dict) -> dict[str, Any]:
    cols: dict[str, Any] = {}
    if entity == "case":
        cols["case_id"] = id_
        cols["citizen_id"] = data.get("citizen_id")
        cols["agency_id"] = data.get("agency_id")
        cols["tracking_code"] = data.get("tracking_code")
    elif entity == "citizen":
        cols["citizen_id"] = id_
        cols["national_id"] = data.get("national_id")
    elif entity == "agency":
        cols["agency_id"] = id_
        cols["province"] = data.get("province")
    elif entity == "operator":
        cols["agency_id"] = data.get("agency_id")
        cols["province"] = data.get("province")
    else:
        if data.get("case_id"):
            cols["case_id"] = data.get("case_id")
        if data.get("citizen_id"):
            cols["citizen_id"] = data.get("citizen_id")
    return cols


def creator_keys(row: Any) -> set[str]:
    keys = set()
    if row.office_id:
        keys.add(f"o:{row.office_id}")
    if row.operator_id:
        keys.add(f"u:{row.operator_id}")
    if row.province:
        keys.add(f"p:{row.province}")
    return keys


def scope_of_case_row(row: Any) -> set[str]:
    keys = creator_keys(row)
    if row.agency_id:
        keys.add(f"a:{row.agency_id}")
    return keys


def principal_keys(op: dict) -> set[str] | None:
    """Scope keys an operator may read (from the token's operator, never the request)."""
    role = op["role"]
    keys = {PUBLIC}
    if role == "admin":
        # everything of the province; not the "left this agency" tombstones (a:…)
        keys.add(f"p:{op['province']}")
        return keys
    if role == "agent":
        if op.get("office_id"):
            keys.add(f"o:{op['office_id']}")
        keys.add(f"u:{op['id']}")
    elif role in ("officer", "manager"):
        if op.get("agency_id"):
            keys.add(f"a:{op['agency_id']}")
    elif role == "supervisor":
        keys.add(f"p:{op['province']}")
    return keys


def visible(keys: set[str] | None, scopes: set[str]) -> bool:
    return keys is None or bool(keys & scopes)


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
    rows = []
    scope_rows = []
    for i, p in enumerate(buf.items):
        seq = first + i
        rows.append(
            {
                "seq": seq,
                "entity": p.entity,
                "id": p.id,
                "op": p.op,
                "version": p.version,
                "data": p.data,
                "op_id": p.op_id,
            }
        )
        scope_rows.extend({"key": k, "seq": seq} for k in sorted(p.scopes))
    conn.execute(insert(db.changes), rows)
    if scope_rows:
        conn.execute(insert(db.change_scopes), scope_rows)
    return first, top
