"""Reads: documents as this desk sees them (the cache with the pending ops overlaid),
by id, tracking code, citizen, national id or mobile, and case and citizen histories.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from samad_desk.store.cache import mobile_key
from samad_desk.store.overlay import _Reader, entity_of
from samad_desk.store.state import StoreState


def _event_order(ev: dict) -> tuple:
    """Oldest first. ``at`` has whole seconds, so events of one save (a call's register and
    refer) tie; the op id (UUIDv7: millisecond time, then a per-process counter) orders
    them as they were made."""
    return (ev.get("at") or "", str(ev.get("op_id") or ""))


def _with_pending(synced: Iterable[dict], pending: Iterable[dict]) -> list[dict]:
    """Cached events plus the pending ops' ones not synced yet (``"pending": True``), in
    history order."""
    evs = {d["id"]: dict(d) for d in synced}
    for ev in pending:
        evs.setdefault(ev["id"], dict(ev, pending=True))
    return sorted(evs.values(), key=_event_order)


class QueriesMixin(StoreState):
    """The read methods of a :class:`Store` (the cartable is in ``cartable.py``)."""

    def get(self, entity: str, id: str) -> dict | None:  # noqa: A002
        self._maybe_refresh()
        with self._lock:
            doc = self.overlay.get(entity, id)
            return dict(doc) if doc is not None else None

    def _as_seen(self, entity: str, ids: Iterable[str], keep: Callable[[dict], bool]) -> Iterator[dict]:
        """The documents ``ids`` (cache candidates, then pending ones) as this desk sees them
        (overlay over cache), each once, those still matching ``keep``; caller holds the lock."""
        for eid in dict.fromkeys(ids):
            doc = self.overlay.get(entity, eid)
            if doc is not None and keep(doc):
                yield dict(doc)

    def case_by_tracking_code(self, code: str) -> dict | None:
        self._maybe_refresh()
        with self._lock:
            def match(doc: dict) -> bool:
                return doc.get("tracking_code") == code

            cid = self.overlay.tc.get(code)
            if cid is not None:
                doc = next(self._as_seen("case", [cid], match), None)
                if doc is not None:
                    return doc
            return next(self._as_seen("case", self.cache.lookup("case", "tc", code), match), None)

    def cases_of_citizen(self, citizen_id: str) -> list[dict]:
        self._maybe_refresh()
        with self._lock:
            ids = [*self.cache.lookup("case", "cit", citizen_id), *self.overlay.cit.get(citizen_id, ())]
            out = list(self._as_seen("case", ids, lambda d: d.get("citizen_id") == citizen_id))
            out.sort(key=lambda d: d.get("registered_at") or "", reverse=True)
            return out

    def citizen_by_national_id(self, nid: str) -> dict | None:
        self._maybe_refresh()
        with self._lock:
            return _Reader(self.overlay).citizen_by_national_id(nid)

    def citizens_by_mobile(self, mobile: str) -> list[dict]:
        self._maybe_refresh()
        key = mobile_key({"mobile": mobile})
        if key is None:
            return []
        with self._lock:
            ids = [*self.cache.lookup("citizen", "mob", key), *self.overlay.mob.get(key, ())]
            return list(self._as_seen("citizen", ids, lambda d: mobile_key(d) == key))

    def synced_case_history(self, case_id: str) -> dict[str, dict] | None:
        """The events of a case as the server sent them (no pending ops), by id; ``None``
        when the cache does not hold the case (its hash chain is checked against these:
        sync/chains.py)."""
        self._maybe_refresh()
        with self._lock:
            if self.cache.get("case", case_id) is None:
                return None
            return {d["id"]: dict(d) for d in self.cache.find("event", "case", case_id)}

    def events_of_case(self, case_id: str) -> list[dict]:
        self._maybe_refresh()
        with self._lock:
            evs = {d["id"]: dict(d) for d in self.cache.find("event", "case", case_id)}
            for ev in self.overlay.events_of_case(case_id):
                evs[ev["id"]] = dict(ev)
        return sorted(evs.values(), key=_event_order)

    def events_of_citizen(self, citizen_id: str) -> list[dict]:
        """Citizen-level events (``citizen.upsert``, ``.merge``, ``.unmerge``) concerning
        ``citizen_id``, synced and pending, oldest first. One not yet synced carries
        ``"pending": True``. Read through the cache's ``event/cit`` index (one lookup)."""
        self._maybe_refresh()
        with self._lock:
            return _with_pending(self.cache.find("event", "cit", citizen_id),
                                 self.overlay.events_of_citizen(citizen_id))

    def citizen_events_of_kind(self, kind: str) -> list[dict]:
        """Every citizen-level event of one kind (``citizen.merge``, …), synced (the cache's
        ``event/ckind`` index) and pending (``"pending": True``), oldest first."""
        self._maybe_refresh()
        with self._lock:
            return _with_pending(self.cache.find("event", "ckind", kind), self.overlay.events_of_kind(kind))

    def agencies(self) -> list[dict]:
        self._maybe_refresh()
        with self._lock:
            return [dict(d) for d in self.cache.iter_docs("agency")]

    def iter_entities(self, entity: str) -> Iterator[dict]:
        """Every entity of a kind (cache + overlay), streamed; don't hold the lock long."""
        self._maybe_refresh()
        with self._lock:
            overlaid = {eid for eid, ops in self.overlay.by_entity.items() if any(entity_of(o) == entity for o in ops)}
        for doc in self.cache.iter_docs(entity):
            if doc["id"] in overlaid:
                continue
            yield dict(doc)
        for eid in overlaid:
            with self._lock:
                pending = self.overlay.get(entity, eid)
            if pending is not None:
                yield dict(pending)

