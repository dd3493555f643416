"""The cartable: an agency's open cases, earliest due first, memoized per cache and
overlay version (a screen refreshing its cartable costs a list copy).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from samad_desk.store.cache import FrozenRow
from samad_desk.store.overlay import entity_of
from samad_desk.store.state import CARTABLE_STATES, StoreState

_MISSING = object()


def _cart_key(row: dict) -> tuple:
    return (row.get("due_date") or "9999", row.get("referred_at") or "", row.get("id") or "")


class CartableMixin(StoreState):
    """``cartable`` and ``preload`` of a :class:`Store`."""

    def cartable(self, agency_id: str, states: Iterable[str] | None = None) -> list[dict]:
        """Cases of an agency in ``states`` (default: referred, in_progress), earliest due first.

        The sorted result is memoized until the cache or the pending ops change, so a
        screen refreshing its cartable costs a list copy. The rows are shared, read-only
        :class:`FrozenRow` dicts (mutating one raises ``TypeError``; ``dict(row)`` copies).
        """
        self._maybe_refresh()
        want = tuple(states) if states is not None else CARTABLE_STATES
        with self._lock:
            ov = self.overlay
            memo_key = (agency_id, want)
            hit = self._cartable_memo.get(memo_key)
            if hit is not None and hit[0] == (ov.version, self.cache.version):
                return list(hit[1])
            base_hit = self._cartable_base.get(memo_key)
            if base_hit is None or base_hit[0] != self.cache.version:
                rows = {}
                for st in want:
                    for doc in self.cache.find("case", "cart", f"{agency_id}\x1f{st}"):
                        rows[doc["id"]] = doc if isinstance(doc, FrozenRow) else FrozenRow(doc)
                base = sorted((_cart_key(r), r) for r in rows.values())
                if len(self._cartable_base) > 64:
                    self._cartable_base.clear()
                self._cartable_base[memo_key] = (self.cache.version, base)
            else:
                base = base_hit[1]
            if ov.by_entity:
                if self._cached_agency[0] != self.cache.version:
                    self._cached_agency = (self.cache.version, {})
                agency_of = self._cached_agency[1]
                cands = set(ov.agency.get(agency_id, ()))
                for cid, ops in ov.by_entity.items():
                    if cid in cands:
                        continue
                    ag = agency_of.get(cid, _MISSING)
                    if ag is _MISSING:
                        cached = self.cache.get("case", cid) if entity_of(ops[0]) == "case" else None
                        ag = agency_of[cid] = cached.get("agency_id") if cached is not None else None
                    if ag == agency_id:
                        cands.add(cid)
                merged = list(base)
                if cands:
                    by_id = self._cartable_base_ids(memo_key, base)
                    for cid in cands:
                        key = by_id.get(cid)
                        if key is not None:
                            i = bisect.bisect_left(merged, (key,))
                            if i < len(merged) and merged[i][0] == key:
                                del merged[i]
                for cid in cands:
                    seen = ov.get("case", cid)
                    if seen is not None and seen.get("agency_id") == agency_id and seen.get("state") in want:
                        row = seen if isinstance(seen, FrozenRow) else FrozenRow(seen)
                        bisect.insort(merged, (_cart_key(row), row))
            else:
                merged = base
            items = [r for _, r in merged]
            if len(self._cartable_memo) > 64:
                self._cartable_memo.clear()
            self._cartable_memo[memo_key] = ((ov.version, self.cache.version), items)
            return list(items)

    def _cartable_base_ids(self, memo_key: tuple, base: list) -> dict:
        hit = self._cartable_base_index.get(memo_key)
        if hit is None or hit[0] is not base:
            hit = (base, {row["id"]: key for key, row in base})
            self._cartable_base_index[memo_key] = hit
        return hit[1]

    def preload(self, agency_ids: Iterable[str] | None = None) -> int:
        """Read the open cartables into memory (all agencies by default). Returns rows."""
        ids = list(agency_ids) if agency_ids is not None else [a["id"] for a in self.agencies()]
        return sum(len(self.cartable(a)) for a in ids)

