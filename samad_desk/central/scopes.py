"""Scope keys: who may read an entity row and its changes.

Every change row carries the scope keys of its entity (``changes.scopes``, ``|k1|k2|``);
a puller receives the rows sharing a key with :func:`principal_keys` of its operator:

- ``*``            lookups everyone receives (agencies, operators)
- ``a:<agency>``   the agency a case is referred to (officers, managers)
- ``o:<office>``   the office that registered the case or citizen (agents)
- ``u:<operator>`` the operator who registered it
- ``p:<province>`` the province (supervisors)
"""

from __future__ import annotations

from typing import Any

from samad_desk.domain.permissions import is_agency_role

PUBLIC = "*"
PUBLIC_ENTITIES = ("agency", "operator")


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


def principal_keys(op: dict) -> set[str]:
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
    elif is_agency_role(role):
        if op.get("agency_id"):
            keys.add(f"a:{op['agency_id']}")
    elif role == "supervisor":
        keys.add(f"p:{op['province']}")
    return keys


def visible(keys: set[str] | None, scopes: set[str]) -> bool:
    return keys is None or bool(keys & scopes)


def scopes_text(keys: set[str]) -> str:
    """``|k1|k2|``: a pull matches ``|key|`` inside it (exact, no wildcards)."""
    return "|" + "|".join(sorted(keys)) + "|"
