"""Candidates for the caller as the agent types: exact keys from the store, the matching
engine's as-you-type index, and the civil registry (via the server) for a new ID."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from samad_desk.domain.models import UNCLOSED_STATES
from samad_desk.services.core import ServiceBase
from samad_desk.text.digits import to_ascii_digits
from samad_desk.text.national_id import parse_national_id
from samad_desk.text.phone import parse_mobile


@dataclass
class Candidate:
    citizen: dict[str, Any]
    reasons: list[str]
    score: float = 0.0
    open_cases: int = 0
    source: str = "local"  # "local" | "registry"

    @property
    def citizen_id(self) -> str:
        return str(self.citizen.get("id", ""))


class CandidatesMixin(ServiceBase):
    """The citizens of the cache and the search index over them."""

    _index: Any
    _index_lock: threading.Lock
    _index_stale: set[str]
    _registry_cache: dict[str, dict[str, Any] | None]

    # -- citizens
    def citizen(self, citizen_id: str) -> dict[str, Any] | None:
        return self.store.get("citizen", citizen_id)

    def person_cases(self, citizen_id: str) -> list[dict[str, Any]]:
        """The citizen's cases and those of every profile merged into it, newest first."""
        from samad_desk.services.merges import MergeService

        return MergeService(self.session).cases_of(citizen_id)

    def citizen_cases(self, citizen_id: str) -> list[dict[str, Any]]:
        cases = self.store.cases_of_citizen(citizen_id)
        return sorted(cases, key=lambda c: str(c.get("registered_at") or ""), reverse=True)

    def lookup(self, query: dict[str, str], limit: int = 8) -> list[Candidate]:
        """Candidates for what the agent has typed so far, best first.

        Exact keys from the store first (ID, its one-digit neighbours, mobile: always
        current, including calls saved a second ago), then the matching engine's
        as-you-type search (names, Finglish, prefixes) once its index is built.
        """
        found = {c.citizen_id: c for c in self._lookup_exact(query, limit)}
        exact_ids = set(found)
        index = self._index
        if index is not None and any(str(v).strip() for v in query.values()):
            self._refresh_index()
            with self._index_lock:
                hits = index.search(dict(query), k=limit)
            for hit in hits:
                if hit.record_id in found:
                    extra = [r for r in hit.reasons if r not in found[hit.record_id].reasons]
                    found[hit.record_id].reasons.extend(extra)
                    continue
                citizen = self.store.get("citizen", hit.record_id)
                if citizen is None:
                    continue
                found[hit.record_id] = self._candidate(citizen, list(hit.reasons), float(hit.score))
        if not exact_ids:
            person = self.registry_person(query.get("national_id", ""))
            if person is not None:
                registry = Candidate(person, ["ثبت احوال (سرور مرکزی)"], 0.5, 0, source="registry")
                found[f"registry:{person.get('national_id')}"] = registry
        ranked = sorted(found.values(), key=lambda c: (c.citizen_id not in exact_ids, -c.score))
        out: list[Candidate] = []
        seen: set[str] = set()
        for c in ranked:
            if c.citizen_id not in seen:  # a merged record shows as its survivor, once
                seen.add(c.citizen_id)
                out.append(c)
        return out[:limit]

    def registry_person(self, text: str) -> dict[str, Any] | None:
        """When online: the civil registry's record of a valid national ID (via the server).

        Shown beside the local candidates when no local citizen has this ID, so a new
        citizen is entered with the registry's spelling. Any failure just means no
        registry candidate (the call goes on)."""
        if self.client is None or not self.online():
            return None
        parsed = parse_national_id(text) if len(to_ascii_digits(text).strip()) == 10 else None
        if parsed is None or not parsed.ok or not parsed.value:
            return None
        nid = parsed.value
        if nid not in self._registry_cache:
            from samad_desk.sync.errors import SyncError

            try:
                person = self.client.registry_citizen(nid)
            except SyncError:  # offline, no registry on the server, session expired …
                return None  # not cached: asked again on the next keystroke
            self._registry_cache[nid] = dict(person, national_id=nid) if person else None
        return self._registry_cache[nid]

    def build_index(self) -> int:
        """Build the as-you-type index over every cached citizen (run it in a worker)."""
        from samad_desk.matching.index import CitizenIndex

        citizens = (c for c in self.store.iter_entities("citizen") if not c.get("merged_into"))
        index = CitizenIndex(citizens)
        with self._index_lock:
            self._index = index
        return len(index)

    def citizens_changed(self, ids: Iterable[str]) -> None:
        """Store callback (any thread): these citizens changed; re-index on next search."""
        with self._index_lock:
            self._index_stale.update(ids)

    def _refresh_index(self) -> None:
        with self._index_lock:
            stale, self._index_stale = self._index_stale, set()
            index = self._index
        if index is None or not stale:
            return
        for cid in stale:
            citizen = self.store.get("citizen", cid)
            with self._index_lock:
                if citizen is None or citizen.get("merged_into"):
                    index.remove(cid)
                else:
                    index.add(citizen)

    def _lookup_exact(self, query: dict[str, str], limit: int) -> list[Candidate]:
        """Exact keys only (ID, its one-edit neighbours, mobile): used until the engine lands."""
        from samad_desk.text.national_id import national_id_neighbours

        found: dict[str, Candidate] = {}
        nid_text = "".join(ch for ch in to_ascii_digits(query.get("national_id", "")) if ch.isdigit())
        if len(nid_text) >= 8:
            parsed = parse_national_id(nid_text)
            if parsed.ok and parsed.value:
                c = self.store.citizen_by_national_id(parsed.value)
                if c:
                    found[c["id"]] = self._candidate(c, ["کد ملی یکسان"], 1.0)
            if len(nid_text) == 10:
                for nb in national_id_neighbours(nid_text):
                    c = self.store.citizen_by_national_id(nb)
                    if c and c["id"] not in found:
                        found[c["id"]] = self._candidate(c, ["کد ملی یک رقم متفاوت"], 0.8)
        mobile = parse_mobile(query.get("mobile", "")) if query.get("mobile") else None
        if mobile is not None and mobile.ok and mobile.value:
            for c in self.store.citizens_by_mobile(mobile.value):
                if c["id"] in found:
                    found[c["id"]].reasons.append("شماره همراه یکسان")
                else:
                    found[c["id"]] = self._candidate(c, ["شماره همراه یکسان"], 0.6)
        ranked = sorted(found.values(), key=lambda c: -c.score)
        return ranked[:limit]

    def _candidate(self, citizen: dict[str, Any], reasons: list[str], score: float) -> Candidate:
        if citizen.get("merged_into"):
            survivor = self.store.get("citizen", citizen["merged_into"])
            if survivor:
                citizen = survivor
        open_cases = sum(
            1 for c in self.store.cases_of_citizen(citizen["id"]) if c.get("state") in UNCLOSED_STATES
        )
        return Candidate(citizen, reasons, score, open_cases)
