"""Entity rows: :class:`Repo` reads and writes them on one connection inside a push
transaction (the reducer's ``Reader`` on the server).

Every synced entity lives in ``entities`` (current state as JSON plus a few extracted
columns for lookups and scoping). Every change also becomes a ``changes`` row with a
global ``seq`` and its scope keys: the keys are ``scopes.py``'s, the buffered change rows
and their seq stamping ``changes.py``'s, the bulk statements ``bulk.py``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.engine import Connection

from samad_desk.central.bulk import driver_cursor
from samad_desk.central.scopes import PUBLIC, PUBLIC_ENTITIES, creator_keys, scope_of_case_row

#: entities ops modify: read with FOR UPDATE inside a push (agencies, operators and
#: append-only events are only read, and locking them would serialize every push)
LOCKED_ENTITIES = frozenset({"case", "citizen"})


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


COLS = ("entity", "id", "version", "deleted", "data", "case_id", "citizen_id", "agency_id",
        "office_id", "operator_id", "province", "national_id", "tracking_code")
_SELECT = "SELECT " + ", ".join(COLS) + " FROM entities"
NID = COLS.index("national_id")


@dataclass
class ERow:
    """One ``entities`` row (also what the push transaction caches)."""

    entity: str
    id: str
    version: int
    deleted: bool
    data: str | None
    case_id: str | None = None
    citizen_id: str | None = None
    agency_id: str | None = None
    office_id: str | None = None
    operator_id: str | None = None
    province: str | None = None
    national_id: str | None = None
    tracking_code: str | None = None


class Repo:
    """Reads and writes entity rows on one connection (inside the push transaction).

    Implements the reducer's ``Reader`` protocol (``domain/readers.py``: ``get``,
    ``citizen_by_national_id``, ``case_by_tracking_code``, ``agency``; the shared suite
    ``tests/support/reader_contract.py`` checks it on SQLite and PostgreSQL). On PostgreSQL, cases and citizens are read ``FOR UPDATE`` so two
    concurrent pushes touching one case apply one after the other, never on the same
    version. Rows are cached for the transaction (``prefetch`` loads a batch's rows in
    one query), and the hot statements are plain SQL: building SQLAlchemy expressions
    per op cost more than the database work.

    ``deferred=True`` (the push transaction): ``put``/``delete`` only update the cache and
    mark the row dirty; :meth:`flush_writes` writes every dirty row's final state in one
    multi-row INSERT and one multi-row UPDATE (a row written by several ops of the batch
    is written once). Every lookup by something other than the primary key flushes
    first, so the database always answers with this transaction's writes in it. A
    database error while flushing is raised as :class:`FlushError`.
    """

    def __init__(self, conn: Connection, *, lock: bool, deferred: bool = False):
        self.conn = conn
        self.lock = lock
        self.deferred = deferred
        self.pg = conn.dialect.name != "sqlite"
        self.cache: dict[tuple[str, str], ERow | None] = {}
        self.inserted: set[tuple[str, str]] = set()
        self.new_cases: dict[str, set[str]] = {}  # citizen id -> cases written here
        self.new_events: dict[str, set[str]] = {}  # case id -> events written here
        # deferred writes: row key -> True when the row is not in the database yet
        self.dirty: dict[tuple[str, str], bool] = {}
        # national ID -> ids of the citizens holding it, for IDs already looked up (kept
        # complete: puts of citizens add to it)
        self.nid_index: dict[str, set[str]] = {}
        #: national IDs as an op carries them -> canonical (parsed once per batch)
        self.canonical_nids: dict[str, str] = {}
        #: client id -> its device (duplicate answers tell the outcome only to that device)
        self.client_devices: dict[str, str | None] = {}
        #: tracking code -> cases written in this transaction with it (maybe not flushed)
        self.codes: dict[str, set[str]] = {}
        #: tracking code -> cases the database held with it (codes looked up in one query
        #: per batch by :meth:`prefetch_tracking_codes`)
        self.code_index: dict[str, set[str]] = {}
        #: events of cases written here, in order: (change buffer index, case id, event
        #: id, event) — chained once the change rows have their seqs (central/audit.py)
        self.chain_new: list[tuple[int, str, str, dict]] = []
        self.cur: Any = None

    def _sql(self, sql: str, params: tuple = ()):
        """Run on the driver's own cursor, inside the connection's transaction (the
        SQLAlchemy execution machinery cost more than these small statements)."""
        if self.pg:
            sql = sql.replace("?", "%s")
        cur = self._cursor()
        cur.execute(sql, params)
        return cur

    def _cursor(self) -> Any:
        """The driver cursor of this transaction (opened once)."""
        if self.cur is None:
            self.cur = driver_cursor(self.conn)
        return self.cur

    def raw(self, sql: str) -> None:
        """A statement without parameters (savepoints)."""
        self._sql(sql)

    @staticmethod
    def _erow(r: Any) -> ERow:
        return ERow(r[0], r[1], r[2], bool(r[3]), *r[4:])

    def prefetch(self, keys: list[tuple[str, str]]) -> None:
        """Load (and on PostgreSQL lock) these rows in one query per entity kind."""
        by_kind: dict[str, set[str]] = {}
        for entity, id_ in keys:
            if isinstance(id_, str) and (entity, id_) not in self.cache:
                by_kind.setdefault(entity, set()).add(id_)
        for entity, ids in by_kind.items():
            ordered = sorted(ids)  # a fixed lock order avoids deadlocks between pushes
            if self.pg:
                # one primary-key probe per id, in this order, whatever the planner
                # believes about the table (``entity = … AND id IN (…)`` without
                # statistics scanned every row of the kind)
                lock = " FOR UPDATE" if self.lock and entity in LOCKED_ENTITIES else ""
                rows = self._sql(
                    f"SELECT e.* FROM unnest(%s::text[]) AS k(id) CROSS JOIN LATERAL "
                    f"({_SELECT} WHERE entity = %s AND id = k.id OFFSET 0{lock}) AS e",
                    (ordered, entity)).fetchall()
                for r in rows:
                    self.cache[(entity, r[1])] = self._erow(r)
                for id_ in ordered:
                    self.cache.setdefault((entity, id_), None)
                continue
            for i in range(0, len(ordered), 500):
                part = ordered[i : i + 500]
                marks = ", ".join("?" * len(part))
                sql = f"{_SELECT} WHERE entity = ? AND id IN ({marks})"
                for r in self._sql(sql, (entity, *part)).fetchall():
                    self.cache[(entity, r[1])] = self._erow(r)
                for id_ in part:
                    self.cache.setdefault((entity, id_), None)

    def prefetch_national_ids(self, nids: list[str]) -> None:
        """Look up (and on PostgreSQL lock) the citizens of these national IDs in one
        query, after the per-ID advisory locks of :meth:`citizen_by_national_id`."""
        todo = sorted({n for n in nids if isinstance(n, str) and n and n not in self.nid_index})
        if not todo:
            return
        self.flush_writes()
        if self.pg and self.lock:
            # in hash order, so two pushes take them in the same order
            self._sql("SELECT count(pg_advisory_xact_lock(h)) FROM (SELECT hashtext(k) AS h "
                      "FROM unnest(%s::text[]) AS u(k) ORDER BY 1) AS s",
                      ([f"citizen-nid:{n}" for n in todo],))
        found: dict[str, set[str]] = {n: set() for n in todo}
        # (only citizen rows carry a national_id; naming the entity as well made the
        # planner intersect with every citizen in the primary key)
        if self.pg:
            lock = " FOR UPDATE" if self.lock else ""
            rows = self._sql(
                f"SELECT e.* FROM unnest(%s::text[]) AS k(n) CROSS JOIN LATERAL "
                f"({_SELECT} WHERE national_id = k.n OFFSET 0{lock}) AS e", (todo,)).fetchall()
        else:
            rows = []
            for i in range(0, len(todo), 500):
                part = todo[i : i + 500]
                rows += self._sql(f"{_SELECT} WHERE national_id IN ({', '.join('?' * len(part))})",
                                  tuple(part)).fetchall()
        for r in rows:
            if r[0] != "citizen":
                continue
            key = ("citizen", r[1])
            if self.cache.get(key) is None:
                self.cache[key] = self._erow(r)
            found[r[NID]].add(r[1])
        self.nid_index.update(found)

    def prefetch_tracking_codes(self, codes: list[str]) -> None:
        """Look up the cases holding these tracking codes in one query (a batch's
        ``case.register`` ops each ask for theirs; nearly always nobody holds it). No
        flush: a code never changes, and this transaction's cases are in :attr:`codes`."""
        todo = sorted({c for c in codes if isinstance(c, str) and c and c not in self.code_index})
        if not todo:
            return
        found: dict[str, set[str]] = {c: set() for c in todo}
        # (only cases carry a tracking_code; naming the entity as well would let a planner
        # without statistics intersect with every case in the primary key)
        if len(todo) == 1:
            rows = self._sql("SELECT entity, id, tracking_code FROM entities WHERE tracking_code = ?",
                             (todo[0],)).fetchall()
        elif self.pg:
            rows = self._sql("SELECT e.entity, e.id, e.tracking_code FROM unnest(%s::text[]) AS k(c) "
                             "CROSS JOIN LATERAL (SELECT entity, id, tracking_code FROM entities "
                             "WHERE tracking_code = k.c OFFSET 0) AS e", (todo,)).fetchall()
        else:
            rows = []
            for i in range(0, len(todo), 500):
                part = todo[i : i + 500]
                rows += self._sql("SELECT entity, id, tracking_code FROM entities WHERE tracking_code IN "
                                  f"({', '.join('?' * len(part))})", tuple(part)).fetchall()
        for entity, id_, code in rows:
            if entity == "case" and code in found:
                found[code].add(id_)
        self.code_index.update(found)

    # -- Reader protocol --------------------------------------------------------------
    def _row(self, entity: str, id_: str) -> ERow | None:
        key = (entity, id_)
        if key in self.cache:
            return self.cache[key]
        sql = f"{_SELECT} WHERE entity = ? AND id = ?"
        if self.lock and entity in LOCKED_ENTITIES:
            sql += " FOR UPDATE"
        r = self._sql(sql, (entity, id_)).fetchone()
        row = self._erow(r) if r is not None else None
        self.cache[key] = row
        return row

    def get(self, entity: str, id: str) -> dict | None:
        if not isinstance(id, str):
            return None
        row = self._row(entity, id)
        if row is None or row.deleted:
            return None
        return loads(row.data)

    def citizen_by_national_id(self, nid: str) -> dict | None:
        if nid in self.nid_index:
            ids = sorted(self.nid_index[nid])
        else:
            if self.pg and self.lock:
                # The national ID is the natural key, but two first upserts of one ID in
                # concurrent transactions would both find nobody (no row to lock yet) and
                # create two people. A transaction-scoped advisory lock on the ID makes the
                # second wait for the first to commit, then see its citizen and fold into it.
                self._sql("SELECT pg_advisory_xact_lock(hashtext(?))", (f"citizen-nid:{nid}",))
            self.flush_writes()
            # no ORDER BY: SQLite would walk the whole primary key in id order instead of
            # using the national_id index
            # (only citizens carry a national_id: naming the entity too made PostgreSQL
            # without statistics intersect with every citizen in the primary key)
            ids = sorted(id_ for (entity, id_) in self._sql(
                "SELECT entity, id FROM entities WHERE national_id = ?", (nid,)
            ).fetchall() if entity == "citizen")
            self.nid_index[nid] = set(ids)
        found = []
        for id_ in ids:
            row = self._row("citizen", id_)  # locked on PostgreSQL: the reducer may fold into it
            if row is not None and not row.deleted and row.national_id == nid:
                found.append(loads(row.data))
        live = [c for c in found if not c.get("merged_into")]
        pick = live or found
        return pick[0] if pick else None

    def case_by_tracking_code(self, code: str) -> dict | None:
        """The case carrying this tracking code. A code never changes once given, so no
        flush: the database by its index, and this transaction's unflushed cases from
        :attr:`codes`."""
        if not isinstance(code, str) or not code:
            return None
        if code not in self.code_index:
            self.prefetch_tracking_codes([code])
        ids = self.codes.get(code, set()) | self.code_index[code]
        for id_ in sorted(ids):
            row = self._row("case", id_)
            if row is not None and not row.deleted and row.tracking_code == code:
                return loads(row.data)
        return None

    def agency(self, id: str) -> dict | None:
        return self.get("agency", id)

    # -- extras ---------------------------------------------------------------------------
    def row(self, entity: str, id_: str) -> ERow | None:
        return self._row(entity, id_)

    def case_scope(self, case_id: str | None) -> set[str]:
        if not case_id:
            return set()
        row = self._row("case", case_id)
        return scope_of_case_row(row) if row is not None else set()

    def events_of_case(self, case_id: str) -> list[ERow]:
        if ("case", case_id) in self.inserted:
            # created in this transaction: its events, if any, were written in it too
            ev = (self.cache.get(("event", eid)) for eid in sorted(self.new_events.get(case_id, ())))
            return [r for r in ev if r is not None and r.case_id == case_id]
        self.flush_writes()
        # the entity is filtered here: in SQL it made PostgreSQL without statistics
        # intersect the case_id index with every event in the primary key
        rows = sorted((r for r in self._sql(f"{_SELECT} WHERE case_id = ?", (case_id,)).fetchall()
                       if r[0] == "event"), key=lambda r: r[1])
        return [self.cache.get(("event", r[1])) or self._erow(r) for r in rows]

    def cases_of_citizen(self, citizen_id: str) -> list[ERow]:
        if ("citizen", citizen_id) in self.inserted:
            # created in this transaction: its cases, if any, were written in it too
            cached = (self.cache.get(("case", cid)) for cid in self.new_cases.get(citizen_id, ()))
            return [r for r in cached if r is not None and r.citizen_id == citizen_id]
        self.flush_writes()
        rows = sorted((r for r in self._sql(f"{_SELECT} WHERE citizen_id = ?", (citizen_id,)).fetchall()
                       if r[0] == "case"), key=lambda r: r[1])
        return [self.cache.get(("case", r[1])) or self._erow(r) for r in rows]

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

    def put(self, entity: str, id_: str, data: dict, ctx: Ctx, old: Any = None) -> ERow:
        """Insert or replace the entity; returns the new row."""
        cols = extract(entity, id_, data)
        version = int(data.get("version") or 0)
        payload = dumps(data)
        if old is None:
            row = ERow(entity, id_, version, False, payload, office_id=ctx.office_id,
                       operator_id=ctx.operator_id, province=cols.pop("province", None) or ctx.province,
                       **cols)
            if self.deferred:
                self.dirty.setdefault((entity, id_), True)
            else:
                self._sql(
                    f"INSERT INTO entities ({', '.join(COLS)}) VALUES ({', '.join('?' * len(COLS))})",
                    tuple(getattr(row, c) for c in COLS),
                )
            self.inserted.add((entity, id_))
        else:
            row = ERow(**{c: getattr(old, c) for c in COLS})
            row.version, row.deleted, row.data = version, False, payload
            for k, v in cols.items():
                setattr(row, k, v)
            if self.deferred:
                self.dirty.setdefault((entity, id_), False)
            else:
                sets = ["version", "deleted", "data", *cols]
                self._sql(
                    f"UPDATE entities SET {', '.join(f'{k} = ?' for k in sets)} WHERE entity = ? AND id = ?",
                    (*(getattr(row, k) for k in sets), entity, id_),
                )
        self.cache[(entity, id_)] = row
        if entity == "citizen" and row.national_id in self.nid_index:
            self.nid_index[row.national_id].add(id_)
        if entity == "case" and row.tracking_code:
            self.codes.setdefault(row.tracking_code, set()).add(id_)
        if entity == "case" and row.citizen_id:
            self.new_cases.setdefault(row.citizen_id, set()).add(id_)
        elif entity == "event" and row.case_id:
            self.new_events.setdefault(row.case_id, set()).add(id_)
        return row

    def delete(self, entity: str, id_: str, old: Any) -> int:
        version = (old.version if old is not None else 0) + 1
        if not self.deferred:
            self._sql("UPDATE entities SET version = ?, deleted = ?, data = NULL WHERE entity = ? AND id = ?",
                      (version, True, entity, id_))
        elif old is not None:  # (without a row the UPDATE would touch nothing)
            self.dirty.setdefault((entity, id_), False)
        if old is not None:
            row = ERow(**{c: getattr(old, c) for c in COLS})
            row.version, row.deleted, row.data = version, True, None
            self.cache[(entity, id_)] = row
        return version

    def flush_writes(self) -> None:
        """Write the deferred rows: one multi-row INSERT for rows new to the database,
        one multi-row UPDATE for the others (each with the row's final state)."""
        if not self.dirty:
            return
        dirty, self.dirty = self.dirty, {}
        # a dirty key always has its row in the cache (put/delete wrote it there)
        new = [r for k in sorted(dirty) if dirty[k] and (r := self.cache[k]) is not None]
        old = [r for k in sorted(dirty) if not dirty[k] and (r := self.cache[k]) is not None]
        try:
            if self.pg:
                casts = ", ".join(f"%b::{t}[]" for t in ENTITY_PG_TYPES)
                if new:
                    self._sql(f"INSERT INTO entities ({', '.join(COLS)}) SELECT * FROM unnest({casts})",
                              tuple([getattr(r, c) for r in new] for c in COLS))
                if old:
                    sets = ", ".join(f"{c} = u.{c}" for c in COLS[2:])
                    self._sql(f"UPDATE entities AS e SET {sets} FROM unnest({casts}) AS u({', '.join(COLS)}) "
                              "WHERE e.entity = u.entity AND e.id = u.id",
                              tuple([getattr(r, c) for r in old] for c in COLS))
            else:
                cur = self._cursor()
                if new:
                    cur.executemany(
                        f"INSERT INTO entities ({', '.join(COLS)}) VALUES ({', '.join('?' * len(COLS))})",
                        [tuple(getattr(r, c) for c in COLS) for r in new])
                if old:
                    cur.executemany(
                        f"UPDATE entities SET {', '.join(f'{c} = ?' for c in COLS[2:])} WHERE entity = ? AND id = ?",
                        [(*(getattr(r, c) for c in COLS[2:]), r.entity, r.id) for r in old])
        except Exception as exc:
            raise FlushError(exc) from exc


class FlushError(Exception):
    """A database error while writing deferred rows (``exc``: the driver's exception);
    which op caused it is not known."""

    def __init__(self, exc: BaseException):
        super().__init__(repr(exc))
        self.exc = exc


#: PostgreSQL array types of ``COLS`` (bulk writes of entity rows)
ENTITY_PG_TYPES = ("text", "text", "int", "boolean", "text", "text", "text", "text", "text", "text",
                   "text", "text", "text")


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

