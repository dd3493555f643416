"""The optimistic overlay: pending local ops applied on top of the cache, lazily.

Nothing is materialized up front, so a large backlog (an outage, an import) costs only
the ops themselves: an entity's overlaid state is computed on the first query that
needs it, by replaying the ops on that entity with ``domain.reducer.apply_op`` (the same
effect logic the server runs), and memoized until the pending set or the cache changes.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from samad_desk.store.cache import Cache, FrozenRow, mobile_key

_MISSING = object()


def entity_of(op: dict) -> str:
    return str(op.get("type", "")).split(".", 1)[0]


def op_order(op: dict) -> tuple:
    # UUIDv7's first 13 characters hold the millisecond timestamp; within a client the
    # client_seq decides (ops of one save share a millisecond).
    return (str(op.get("op_id", ""))[:13], str(op.get("client_id") or ""), int(op.get("client_seq") or 0))


def _event_id(op_id: str) -> str:
    from samad_desk.domain.reducer import event_id_for

    return event_id_for(op_id)


def _parse_time(text: str | None) -> datetime:
    if text:
        try:
            dt = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
            return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


class Overlay:
    def __init__(self, cache: Cache, calendar_factory) -> None:
        self.cache = cache
        self._calendar_factory = calendar_factory
        self._calendar = None
        self.lock = threading.RLock()
        self.ops: dict[str, dict] = {}           # op_id -> op (only ops to overlay)
        self.by_entity: dict[str, list[dict]] = {}
        self.tc: dict[str, str] = {}
        self.nid: dict[str, str] = {}
        self.mob: dict[str, set[str]] = {}
        self.cit: dict[str, set[str]] = {}
        self.nid_ops: dict[str, set[str]] = {}   # national ID -> citizen.upsert op ids naming it
        self.agency: dict[str, set[str]] = {}
        self._memo: dict[tuple[str, str], object] = {}
        self._events: dict[str, dict[str, dict]] = {}
        self._computing: dict[tuple[str, str], dict | None] = {}
        self._computing_op: dict[tuple[str, str], dict] = {}  # the op being applied to that state
        self.rejected_locally: dict[str, str] = {}
        self.version = 0  # bumped on every change (memo keys of derived views)
        self._dependents: dict[str, set[str]] = {}  # entity id -> ids whose state read it
        self._dep_stack: list[set[str]] = []
        self._collect_events = False
        self._op_targets: dict[str, list[str]] = {}
        self.event_op: dict[str, dict] = {}   # event id an op produces -> the pending op
        self._op_stack: list[dict] = []        # the op being applied (reads of its other targets see "before")

    @property
    def calendar(self):
        if self._calendar is None:
            self._calendar = self._calendar_factory()
        return self._calendar

    # ---- maintenance ----

    def invalidate(self) -> None:
        with self.lock:
            self.version += 1
            self._memo.clear()
            self._events.clear()
            self._dependents.clear()

    def _invalidate_ids(self, ids) -> None:
        """Forget memoized states of ``ids`` and of everything computed from them."""
        stack = list(ids)
        seen: set[str] = set()
        while stack:
            eid = stack.pop()
            if eid in seen:
                continue
            seen.add(eid)
            for entity in ("case", "citizen", "event", "agency", "operator"):
                self._memo.pop((entity, eid), None)
            self._events.pop(eid, None)
            stack.extend(self._dependents.pop(eid, ()))

    def add(self, op: dict) -> None:
        with self.lock:
            op_id = op["op_id"]
            if op_id in self.ops:
                return
            self.ops[op_id] = op
            self.version += 1
            targets = self._op_targets[op_id] = self._targets(op)
            self.event_op[_event_id(op_id)] = op
            for target in targets:
                lst = self.by_entity.setdefault(target, [])
                lst.append(op)
                if len(lst) > 1 and op_order(lst[-2]) > op_order(op):
                    lst.sort(key=op_order)
            p = op.get("payload") or {}
            t = op.get("type")
            eid = op.get("entity_id")
            if not isinstance(eid, str):
                pass  # no entity to index (the reducer refuses such an op)
            elif t == "case.register":
                if p.get("tracking_code"):
                    self.tc[p["tracking_code"]] = eid
                if p.get("citizen_id"):
                    self.cit.setdefault(p["citizen_id"], set()).add(eid)
            elif t == "case.refer" and p.get("agency_id"):
                self.agency.setdefault(p["agency_id"], set()).add(eid)
            elif t == "citizen.upsert":
                if p.get("national_id"):
                    self.nid[p["national_id"]] = eid
                    self.nid_ops.setdefault(str(p["national_id"]), set()).add(op_id)
                mk = mobile_key(p)
                if mk:
                    self.mob.setdefault(mk, set()).add(eid)
            self._invalidate_ids(self._keys_of(op))

    def remove(self, op_id: str) -> None:
        with self.lock:
            op = self.ops.pop(op_id, None)
            if op is None:
                return
            self.version += 1
            self.event_op.pop(_event_id(op_id), None)
            nid = (op.get("payload") or {}).get("national_id")
            if nid and op_id in self.nid_ops.get(str(nid), ()):
                self.nid_ops[str(nid)].discard(op_id)
                if not self.nid_ops[str(nid)]:
                    del self.nid_ops[str(nid)]
            for eid in self._op_targets.pop(op_id, ()):
                lst = self.by_entity.get(eid)
                if lst:
                    lst[:] = [o for o in lst if o.get("op_id") != op_id]
                    if not lst:
                        del self.by_entity[eid]
            # secondary indexes are candidate sets: stale entries are filtered at query time
            self._invalidate_ids(self._keys_of(op))

    def _keys_of(self, op: dict) -> list[str]:
        p = op.get("payload") or {}
        keys = list(self._op_targets.get(op["op_id"]) or self._targets(op))
        keys.append(_event_id(op["op_id"]))
        if p.get("national_id"):
            keys.append("nid:" + str(p["national_id"]))
        if p.get("tracking_code"):
            keys.append("tc:" + str(p["tracking_code"]))
        return keys

    def _targets(self, op: dict) -> list[str]:
        """Every entity an op changes (merge: the merged profiles; unmerge: the restored)."""
        out = [op.get("entity_id")]
        p = op.get("payload") or {}
        if op.get("type") == "citizen.merge":
            out.extend(p.get("merged_ids") or [])
        elif op.get("type") == "citizen.distinct":
            ids = p.get("citizen_ids")
            out.extend(x for x in (ids if isinstance(ids, list) else []) if isinstance(x, str))
        elif op.get("type") == "citizen.unmerge" and p.get("merge_op_id"):
            merge = self.ops.get(p["merge_op_id"])
            if merge is not None:
                out.extend((merge.get("payload") or {}).get("merged_ids") or [])
            else:
                ev = self.cache.get("event", _event_id(p["merge_op_id"]))
                out.extend(((ev or {}).get("data") or {}).get("merged_ids") or [])
        return list(dict.fromkeys(x for x in out if x))

    def touches(self, entity_id: str) -> bool:
        return entity_id in self.by_entity

    # ---- computing overlaid state ----

    def get(self, entity: str, entity_id: str) -> dict | None:
        with self.lock:
            ops = self.by_entity.get(entity_id)
            if not ops:
                if entity == "event" and entity_id in self.event_op:
                    op = self.event_op[entity_id]
                    if not any(o is op for o in self._op_stack):  # not the op's own dedup check
                        return self._pending_event(entity_id)
                return self.cache.get(entity, entity_id)
            key = (entity, entity_id)
            if key in self._computing:
                return self._computing[key]
            hit = self._memo.get(key, _MISSING)
            if hit is not _MISSING:
                return hit  # type: ignore[return-value]
            self._dep_stack.append(set())
            try:
                doc = self._compute(entity, entity_id, ops)
            finally:
                deps = self._dep_stack.pop()
            for d in deps:
                if d != entity_id:
                    self._dependents.setdefault(d, set()).add(entity_id)
            if doc is not None and not isinstance(doc, FrozenRow):
                doc = FrozenRow(doc)
            self._memo[key] = doc
            return doc

    def _pending_event(self, event_id: str) -> dict | None:
        """The event a pending op produces (e.g. a merge's, read by its unmerge)."""
        key = ("event", event_id)
        hit = self._memo.get(key, _MISSING)
        if hit is not _MISSING:
            return hit  # type: ignore[return-value]
        cached = self.cache.get("event", event_id)
        if cached is not None:
            return cached
        op = self.event_op[event_id]
        self._dep_stack.append(set())
        try:
            outcome = self._apply(op, _Reader(self))
        finally:
            deps = self._dep_stack.pop()
        for d in deps:
            self._dependents.setdefault(d, set()).add(event_id)
        doc = None
        if outcome is not None:
            for ch in outcome.changes:
                if ch.entity == "event" and ch.id == event_id and ch.data:
                    doc = FrozenRow(ch.data)
        self._memo[key] = doc
        return doc

    def _apply(self, op: dict, reader):
        from samad_desk.domain.reducer import apply_op

        self._op_stack.append(op)
        try:
            outcome = apply_op(op, reader, now=_parse_time(op.get("client_time")), calendar=self.calendar)
        except Exception as exc:  # a bad op must never break reading
            self.rejected_locally[op["op_id"]] = f"{type(exc).__name__}: {exc}"
            return None
        finally:
            self._op_stack.pop()
        if outcome.status != "applied":
            self.rejected_locally[op["op_id"]] = outcome.message or outcome.code or "rejected"
            return None
        return outcome

    def state_before(self, entity: str, entity_id: str, op: dict) -> dict | None:
        """``entity_id`` with only its pending ops that come before ``op`` applied."""
        key = (entity, entity_id)
        if key in self._computing and self._computing_op.get(key) is op:
            return self._computing[key]
        ops = self.by_entity.get(entity_id) or []
        prior = []
        for o in ops:
            if o is op or o.get("op_id") == op.get("op_id"):
                break
            prior.append(o)
        if not prior:
            return self.cache.get(entity, entity_id)
        return self._compute(entity, entity_id, prior)

    def _note_read(self, entity_id: str) -> None:
        if self._dep_stack:
            self._dep_stack[-1].add(entity_id)

    def _compute(self, entity: str, entity_id: str, ops: list[dict]) -> dict | None:
        key = (entity, entity_id)
        base = self.cache.get(entity, entity_id)
        state = dict(base) if base is not None else None
        # an entity computed inside its own computation (a reader's nested query): restore
        had_state, prev_state = key in self._computing, self._computing.get(key)
        prev_op = self._computing_op.get(key)
        self._computing[key] = state
        reader = _Reader(self)
        events = self._events.setdefault(entity_id, {}) if entity == "case" and self._collect_events else None
        try:
            for op in ops:
                if entity_of(op) != entity:
                    continue
                self._computing_op[key] = op
                outcome = self._apply(op, reader)
                if outcome is None:
                    continue
                for ch in outcome.changes:
                    if ch.entity == entity and ch.id == entity_id:
                        state = None if ch.op == "delete" else dict(ch.data or {})
                        self._computing[key] = state
                    elif ch.entity == "event" and events is not None and ch.data:
                        events[ch.id] = dict(ch.data)
        finally:
            if had_state:
                self._computing[key] = prev_state
            else:
                self._computing.pop(key, None)
            if prev_op is not None:
                self._computing_op[key] = prev_op
            else:
                self._computing_op.pop(key, None)
        return state

    def events_of_case(self, case_id: str) -> list[dict]:
        """Events the pending ops of a case produce (computed on demand, not memoized)."""
        with self.lock:
            ops = self.by_entity.get(case_id)
            if not ops:
                return []
            self._collect_events = True
            try:
                self._events.pop(case_id, None)
                self._dep_stack.append(set())
                try:
                    self._compute("case", case_id, ops)
                finally:
                    self._dep_stack.pop()
                return list(self._events.pop(case_id, {}).values())
            finally:
                self._collect_events = False

    def events_of_citizen(self, citizen_id: str) -> list[dict]:
        """Events the pending citizen ops concerning ``citizen_id`` produce: its own
        upserts, merges and unmerges, and upserts that fold into it by national ID."""
        from samad_desk.domain.models import event_citizen_ids

        with self.lock:
            ops = [o for o in self.by_entity.get(citizen_id, ()) if entity_of(o) == "citizen"]
            doc = self.get("citizen", citizen_id)
            nid = doc.get("national_id") if doc is not None else None
            if nid:
                ops.extend(self.ops[i] for i in self.nid_ops.get(str(nid), ()) if i in self.ops)
            out: dict[str, dict] = {}
            for op in ops:
                eid = _event_id(op["op_id"])
                if eid in out:
                    continue
                ev = self.get("event", eid)
                if ev is not None and citizen_id in event_citizen_ids(ev):
                    out[eid] = dict(ev)
            return list(out.values())

    def events_of_kind(self, kind: str) -> list[dict]:
        """Events of the pending ops of one citizen-level type (its event kind is the op
        type: ``citizen.merge``, …)."""
        with self.lock:
            evs = (self.get("event", _event_id(op["op_id"])) for op in list(self.ops.values())
                   if op.get("type") == kind)
            return [dict(ev) for ev in evs if ev is not None]

    def citizen_by_nid(self, nid: str) -> str | None:
        return self.nid.get(nid)


class _Reader:
    """domain.reducer.Reader over overlay + cache."""

    def __init__(self, overlay: Overlay) -> None:
        self.o = overlay

    def _doc(self, entity: str, id: str) -> dict | None:  # noqa: A002
        """The entity as the op being applied must see it: its own targets as they were
        before it (an op replayed alone, e.g. for its event, must not see later ops)."""
        o = self.o
        if o._op_stack and entity != "event":
            op = o._op_stack[-1]
            if id in o._op_targets.get(op["op_id"], ()):
                return o.state_before(entity, id, op)
        return o.get(entity, id)

    def get(self, entity: str, id: str) -> dict | None:  # noqa: A002
        self.o._note_read(id)
        doc = self._doc(entity, id)
        return dict(doc) if doc is not None else None

    def _as_of(self, entity: str, id: str) -> dict | None:  # noqa: A002
        """Like :meth:`_doc`, and an entity the op being applied does not change is seen
        with only its pending ops that come before that op (the server applies them in
        that order: a citizen created by a later op does not exist yet)."""
        o = self.o
        if not o._op_stack or id in o._op_targets.get(o._op_stack[-1]["op_id"], ()):
            return self._doc(entity, id)
        op = o._op_stack[-1]
        ops = o.by_entity.get(id) or []
        key = op_order(op)
        prior = [x for x in ops if op_order(x) < key]
        if len(prior) == len(ops):
            return o.get(entity, id)
        if not prior:
            return o.cache.get(entity, id)
        return o._compute(entity, id, prior)

    def citizen_by_national_id(self, nid: str) -> dict | None:
        o = self.o
        o._note_read("nid:" + nid)
        # every pending profile that named this ID (oldest op first), then the cache
        pending = sorted((o.ops[i] for i in o.nid_ops.get(nid, ()) if i in o.ops), key=op_order)
        cands = [str(x.get("entity_id")) for x in pending] + o.cache.lookup("citizen", "nid", nid)
        merged = None
        for c in dict.fromkeys(cands):
            doc = self._as_of("citizen", c)
            if doc is not None and doc.get("national_id") == nid:
                if not doc.get("merged_into"):
                    return dict(doc)
                merged = merged or doc
        # only merged profiles hold it: the first (a live one wins, as on the server)
        return dict(merged) if merged is not None else None

    def agency(self, id: str) -> dict | None:  # noqa: A002
        return self.get("agency", id)

    def case_by_tracking_code(self, code: str) -> dict | None:
        self.o._note_read("tc:" + code)
        cid = self.o.tc.get(code)
        cands = ([cid] if cid else []) + self.o.cache.lookup("case", "tc", code)
        for c in cands:
            doc = self.o.get("case", c)
            if doc is not None and doc.get("tracking_code") == code:
                return dict(doc)
        return None
