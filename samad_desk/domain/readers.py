"""The reducer's view of the world: THE :class:`Reader` protocol and the readers of the
desk side (the server's is ``central/entities.py`` ``Repo``; the desk overlay's is
``store/overlay.py``; the importer's ``store/importer.py``).

Every reader passes one suite, ``tests/support/reader_contract.py`` (as every Kinto
storage backend passes ``kinto/core/storage/testing.py``): what ``get`` returns for a
missing or deleted entity, which profile holds a national ID (never a merged one when a
live one does), which case holds a tracking code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from samad_desk.domain.reducer import Outcome


class Reader(Protocol):
    """What the reducer reads. Every method answers None for what does not exist (or
    was deleted); the dicts returned are the reader's to give away (the reducer copies
    before it changes one)."""

    def get(self, entity: str, id: str) -> dict | None: ...  # noqa: A002

    def citizen_by_national_id(self, nid: str) -> dict | None:
        """The profile holding this canonical national ID: a live one (not merged into
        another) when there is one."""
        ...

    def case_by_tracking_code(self, code: str) -> dict | None:
        """The case given this canonical tracking code (codes are unique)."""
        ...

    def agency(self, id: str) -> dict | None: ...  # noqa: A002


class MemoryReader:
    """A dict-backed :class:`Reader` (tests, the demo, simulations). ``apply(outcome)``
    stores an outcome's changes."""

    def __init__(self, entities: dict[str, dict[str, dict]] | None = None) -> None:
        self.entities: dict[str, dict[str, dict]] = {k: dict(v) for k, v in (entities or {}).items()}
        self._nid: dict[str, str] = {}
        self._codes: dict[str, str] = {}
        for doc in self.entities.get("citizen", {}).values():
            self._index(("citizen"), doc)
        for doc in self.entities.get("case", {}).values():
            self._index("case", doc)

    def _index(self, entity: str, doc: dict) -> None:
        if entity == "citizen" and doc.get("national_id") and not doc.get("merged_into"):
            self._nid[doc["national_id"]] = doc["id"]
        if entity == "case" and doc.get("tracking_code"):
            self._codes[doc["tracking_code"]] = doc["id"]

    def put(self, entity: str, doc: dict) -> None:
        old = self.entities.setdefault(entity, {}).get(doc["id"])
        if entity == "citizen" and old and old.get("national_id"):
            if self._nid.get(old["national_id"]) == old["id"]:
                del self._nid[old["national_id"]]
        self.entities[entity][doc["id"]] = doc
        self._index(entity, doc)

    def apply(self, outcome: Outcome) -> Outcome:
        for ch in outcome.changes:
            if ch.op == "put" and ch.data is not None:
                self.put(ch.entity, ch.data)
            elif ch.op == "delete":
                self.entities.get(ch.entity, {}).pop(ch.id, None)
        return outcome

    def get(self, entity: str, id: str) -> dict | None:
        return self.entities.get(entity, {}).get(id)

    def citizen_by_national_id(self, nid: str) -> dict | None:
        cid = self._nid.get(nid)
        return None if cid is None else self.get("citizen", cid)

    def case_by_tracking_code(self, code: str) -> dict | None:
        cid = self._codes.get(code)
        return None if cid is None else self.get("case", cid)

    def agency(self, id: str) -> dict | None:
        return self.get("agency", id)

    def events_of_case(self, case_id: str) -> list[dict]:
        return sorted((e for e in self.entities.get("event", {}).values() if e.get("case_id") == case_id),
                      key=lambda e: (e["at"] or "", e.get("op_id") or "", e["id"]))


class StoreReader:
    """The :class:`Reader` over a desk store's queries (its cache with the pending ops
    applied), for dry runs of an op before it is saved: ``agency(id)`` is
    ``get("agency", id)``, the rest is forwarded."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def get(self, entity: str, id: str) -> dict | None:  # noqa: A002
        return self.store.get(entity, id)

    def citizen_by_national_id(self, nid: str) -> dict | None:
        return self.store.citizen_by_national_id(nid)

    def case_by_tracking_code(self, code: str) -> dict | None:
        return self.store.case_by_tracking_code(code)

    def agency(self, id: str) -> dict | None:  # noqa: A002
        return self.store.get("agency", id)


class LayeredReader:
    """A base reader with the changes of earlier ops of the same save laid over it
    (``dry_run``)."""

    def __init__(self, base: Reader) -> None:
        self.base = base
        self.local = MemoryReader()

    def get(self, entity: str, id: str) -> dict | None:  # noqa: A002
        return self.local.get(entity, id) or self.base.get(entity, id)

    def citizen_by_national_id(self, nid: str) -> dict | None:
        return self.local.citizen_by_national_id(nid) or self.base.citizen_by_national_id(nid)

    def case_by_tracking_code(self, code: str) -> dict | None:
        return self.local.case_by_tracking_code(code) or self.base.case_by_tracking_code(code)

    def agency(self, id: str) -> dict | None:  # noqa: A002
        return self.get("agency", id)
