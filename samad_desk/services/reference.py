"""Reference data for the call form: subjects, cities and agencies as choice lists (the
province's reference data, ``domain/reference.py``; agencies as the store has them)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from samad_desk.domain import reference
from samad_desk.services.core import ServiceBase
from samad_desk.services.forms import Choice, filter_choices


def _flatten_subjects(tree: Any, parents: tuple[str, ...] = ()) -> Iterable[Choice]:
    """Flatten the subject tree (``domain/reference.py``): dicts with ``children``."""
    if isinstance(tree, dict):
        if "children" in tree or "key" in tree or "id" in tree:
            nodes: Iterable[Any] = [tree]
        else:
            nodes = tree.values()
    else:
        nodes = tree
    for node in nodes:
        if not isinstance(node, dict):
            continue
        key = str(node.get("key") or node.get("id") or node.get("code") or node.get("name"))
        label = str(node.get("label") or node.get("name") or node.get("title") or key)
        children = node.get("children") or []
        agency = node.get("agency_id") or node.get("suggested_agency") or node.get("agency")
        if children:
            yield from _flatten_subjects(children, (*parents, label))
        else:
            yield Choice(key, label, " › ".join(parents), {"agency_id": agency})


class ReferenceMixin(ServiceBase):
    """Choice lists and their labels."""

    _subjects: list[Choice] | None
    _cities: list[Choice] | None

    def agency_name(self, agency_id: str | None) -> str:
        if not agency_id:
            return ""
        agency = self.store.get("agency", agency_id)
        return str(agency.get("name", agency_id)) if agency else str(agency_id)

    # -- choice lists
    def subjects(self) -> list[Choice]:
        if self._subjects is None:
            self._subjects = list(_flatten_subjects(reference.subject_tree()))
        return self._subjects

    def cities(self) -> list[Choice]:
        if self._cities is None:
            names = list(reference.qazvin_cities())
            for agency in self.store.agencies():
                city = agency.get("city")
                if city and city not in names:
                    names.append(city)
            self._cities = [Choice(n, n) for n in names]
        return self._cities

    def agencies(self) -> list[Choice]:
        out = []
        for a in self.store.agencies():
            if a.get("active", True) is False:
                continue
            out.append(Choice(str(a["id"]), str(a.get("name", a["id"])), str(a.get("city") or "")))
        return out

    filter_choices = staticmethod(filter_choices)

    def subject_label(self, key: str | None) -> str:
        """Persian title of a subject key (cases store the key); unknown keys unchanged."""
        if not key:
            return ""
        for s in self.subjects():
            if s.key == key:
                return s.label
        return str(key)

    def suggested_agency(self, subject_key: str) -> str | None:
        for s in self.subjects():
            if s.key == subject_key:
                agency = s.extra.get("agency_id")
                return str(agency) if agency else None
        return None
