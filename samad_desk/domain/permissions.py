"""Who may see and act on what (domain.md, Roles): THE role and scope rules, one copy for
the desk, the server (``central/reach.py``, ``central/push.py``) and the reducer.

Role sets: :data:`ACTION_ROLES` (who may ever do each case action; the workflow adds the
state), :data:`AGENCY_ROLES` (officers and managers, scoped by agency),
:data:`PROVINCE_OVERSIGHT_ROLES` (supervisor and admin: close, reopen, escalate, merge),
:data:`CITIZEN_ROLES` (who edits citizens' details), :data:`MERGE_ROLES`,
:data:`REPORT_ROLES`. Nothing else
in the project spells out a set of roles.

Every case and citizen has a *reach*: the provinces and agencies it belongs to.

- a case: the province it was registered in, and the agency it is referred to;
- a citizen: the province their profile was registered in, plus the provinces and
  agencies of all their cases.

Province roles (the 111 agents, supervisors, the admin) act on what reaches their
province; agency roles (officers, managers) on what reaches their agency. The server
applies :func:`may_act` to every entity an op touches or folds into (``central/push.py``
``_guard``) and to what a lookup returns; the desk uses the same functions to hide
what its operator may not do. An entity out of reach is never named or echoed: the
refusal is the same whether the entity exists or not (:data:`MSG_OUT_OF_REACH`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from samad_desk.domain.models import Role

#: every operator role (the citizen role of the public tracking page is no operator
#: account: the server acts in it, and only to record a follow-up)
_ALL = frozenset(Role) - {Role.citizen}
#: every operator role's name, in the order forms and the API list them
ROLE_NAMES: tuple[str, ...] = tuple(r.value for r in Role if r in _ALL)
#: officers and managers: they act on what is referred to their own agency
AGENCY_ROLES = frozenset({Role.officer, Role.manager})
#: the province's oversight (domain.md: "read every queue of the province … escalate, close")
PROVINCE_OVERSIGHT_ROLES = frozenset({Role.supervisor, Role.admin})
#: who registers and edits citizens' details (the 111 unit and its oversight)
CITIZEN_ROLES = frozenset({Role.agent}) | PROVINCE_OVERSIGHT_ROLES
#: issue 6: "a supervisor merges"; the 111 agent only proposes (lookup, duplicates queue)
MERGE_ROLES = PROVINCE_OVERSIGHT_ROLES
#: who opens the report builder and the scorecards (the supervision view's Shift+F2; the
#: desk pre-builds the report facts at start for them)
REPORT_ROLES = PROVINCE_OVERSIGHT_ROLES | {Role.manager}
#: action → roles that may ever perform it (the workflow adds state and agency scope)
ACTION_ROLES: dict[str, frozenset[Role]] = {
    "register": frozenset({Role.agent, Role.admin}),
    "refer": frozenset({Role.agent}) | PROVINCE_OVERSIGHT_ROLES,
    "accept": AGENCY_ROLES,
    "assign": frozenset({Role.manager}),
    "answer": AGENCY_ROLES,
    "return": AGENCY_ROLES,
    "extend": AGENCY_ROLES,
    "close": AGENCY_ROLES | PROVINCE_OVERSIGHT_ROLES,
    "reopen": PROVINCE_OVERSIGHT_ROLES,
    "note": _ALL,
    "followup": frozenset({Role.agent, Role.citizen}) | PROVINCE_OVERSIGHT_ROLES,
    "escalate": PROVINCE_OVERSIGHT_ROLES,
}

MSG_OUT_OF_REACH = "این پرونده یا شهروند در حوزه دسترسی شما نیست."
MSG_NID_OUT_OF_REACH = (
    "این کد ملی به شهروندی خارج از حوزه دسترسی شما تعلق دارد؛ برای ثبت، با ناظر استان هماهنگ کنید."
)
MSG_AGENCY_OUT_OF_REACH = "دستگاه مقصد ارجاع در حوزه دسترسی شما نیست."


@dataclass(frozen=True, slots=True)
class Reach:
    """The provinces and agencies an entity belongs to."""

    provinces: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()

    @classmethod
    def of(cls, provinces: Iterable[str | None] = (), agencies: Iterable[str | None] = ()) -> Reach:
        return cls(tuple(p for p in provinces if p), tuple(a for a in agencies if a))


def may_act(actor: dict, reach: Reach) -> bool:
    """May ``actor`` (an operator or op actor: ``role``, ``province``, ``agency_id``)
    act on, or read, an entity of this reach?"""
    role = Role.parse(actor.get("role"))
    if role is None:
        return False
    if role in AGENCY_ROLES:
        agency = actor.get("agency_id")
        return bool(agency) and agency in reach.agencies
    province = actor.get("province")
    return bool(province) and province in reach.provinces


def read_scope(actor: dict) -> tuple[str, str] | None:
    """:func:`may_act` as a filter for a query over many entities: ``("agency", id)``
    for agency roles, ``("province", name)`` for province roles; None when the actor may
    read nothing (no role, or the agency or province it needs is missing). An entity of
    reach ``Reach.of([p], [a])`` passes exactly when ``may_act`` says so."""
    role = Role.parse(actor.get("role"))
    if role is None:
        return None
    if role in AGENCY_ROLES:
        agency = actor.get("agency_id")
        return ("agency", agency) if agency else None
    province = actor.get("province")
    return ("province", province) if province else None


def may_refer_to(actor: dict, agency_province: str | None) -> bool:
    """Cases go only to agencies of the actor's province (a case moved to another
    province's agency would leave its reach, with the citizen's data). Unknown on either
    side (an agency without a province, a desk operator record without one): allowed;
    on the server every operator has a province."""
    mine = actor.get("province")
    return not agency_province or not mine or agency_province == mine


def may_see_case(actor: dict, case: dict, *, province: str | None = None) -> bool:
    """``province``: the case's province when known; unknown (the desk's cache does not
    always have it, nor an embedded desk's operator) counts as the actor's own, since
    the server sent the case."""
    role = Role.parse(actor.get("role"))
    if role is None:
        return False
    if role in AGENCY_ROLES:
        return may_act(actor, Reach.of(agencies=[case.get("agency_id")]))
    return province is None or not actor.get("province") or may_act(actor, Reach.of([province]))


def may(role: Role | str | None, action: str) -> bool:
    """May this role ever do ``action`` (``"answer"``, ``"refer"`` …), whatever the case?"""
    r = Role.parse(role)
    return r is not None and r in ACTION_ROLES.get(action, frozenset())


def may_edit_citizens(role: Role | str | None) -> bool:
    return Role.parse(role) in CITIZEN_ROLES


def may_merge(role: Role | str | None) -> bool:
    """May this role merge and unmerge citizen profiles?"""
    return Role.parse(role) in MERGE_ROLES


def is_agency_role(role: Role | str | None) -> bool:
    return Role.parse(role) in AGENCY_ROLES


def is_oversight_role(role: Role | str | None) -> bool:
    return Role.parse(role) in PROVINCE_OVERSIGHT_ROLES


def may_open_reports(role: Role | str | None) -> bool:
    """May this role open the report builder (and so want its facts built early)?"""
    return Role.parse(role) in REPORT_ROLES
