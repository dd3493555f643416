"""Who may see what (domain.md, Roles). The server scopes every pull with its own
equivalent; desks use this to hide what an operator may not act on.

- agent (111 unit): any case, to answer follow-up calls; every citizen.
- officer / manager: the cases whose ``agency_id`` is their agency (a returned case
  leaves their cartable); citizens of those cases.
- supervisor: every case of their province; admin: everything.
"""

from __future__ import annotations

from samad_desk.domain.models import Role
from samad_desk.domain.workflow import ACTION_ROLES


def may_see_case(actor: dict, case: dict, *, province: str | None = None) -> bool:
    """``province``: the case's province when known (cases inherit it from their agency or
    the registering office); supervisors see only their own province's cases."""
    role = Role.parse(actor.get("role"))
    if role is None:
        return False
    if role in (Role.agent, Role.admin):
        return True
    if role is Role.supervisor:
        mine = actor.get("province")
        return province is None or mine is None or province == mine
    return bool(actor.get("agency_id")) and case.get("agency_id") == actor.get("agency_id")


def may(role: Role | str, action: str) -> bool:
    """May this role ever do ``action`` (``"answer"``, ``"refer"`` …), whatever the case?"""
    r = Role.parse(role)
    return r is not None and r in ACTION_ROLES.get(action, frozenset())


def may_edit_citizens(role: Role | str) -> bool:
    return Role.parse(role) in (Role.agent, Role.supervisor, Role.admin)
