"""Demo seed: the Qazvin agencies and one user per role.

Agencies are the province's reference data (``domain/reference.py``; a built-in copy
here used to differ from it). Users (password = username):
agent1 (agent), water1 (officer, water company), watermgr (manager, water company),
power1 (officer, electricity), super1 (supervisor), admin (admin).
"""

from __future__ import annotations

from typing import Any


def demo_agencies() -> list[dict]:
    """The configured province's agencies (reference data, ``domain/reference.py``)."""
    from samad_desk.domain.reference import qazvin_agencies

    return [dict(a) for a in qazvin_agencies()]


def _find(agencies: list[dict], *words: str) -> str:
    for a in agencies:
        if any(w in a["id"] for w in words):
            return a["id"]
    for a in agencies:
        if any(w in a.get("name", "") for w in words):
            return a["id"]
    raise LookupError(f"no demo agency matching {words}")


#: the users every seed creates (password = username); the full seed adds the rest of
#: ``samad_desk.demo.demo_operators()`` (agent2…6, water2, gasmgr, super2, …)
CORE_USERS = ("agent1", "water1", "watermgr", "power1", "super1", "admin")


def demo_users() -> list[dict]:
    try:
        from samad_desk.demo import demo_operators

        users = [dict(o) for o in demo_operators()]
        if users:
            return users
    except (ImportError, AttributeError):
        pass
    agencies = demo_agencies()
    water = _find(agencies, "water", "آب و فاضلاب")
    power = _find(agencies, "power", "electric", "برق")
    return [
        {"id": "op-agent1", "username": "agent1", "name": "اپراتور یک ۱۱۱", "role": "agent", "agency_id": None},
        {"id": "op-water1", "username": "water1", "name": "کارشناس آب و فاضلاب", "role": "officer",
         "agency_id": water},
        {"id": "op-watermgr", "username": "watermgr", "name": "مدیر آب و فاضلاب", "role": "manager",
         "agency_id": water},
        {"id": "op-power1", "username": "power1", "name": "کارشناس توزیع برق", "role": "officer",
         "agency_id": power},
        {"id": "op-super1", "username": "super1", "name": "ناظر استانداری", "role": "supervisor",
         "agency_id": None},
        {"id": "op-admin", "username": "admin", "name": "مدیر سامانه", "role": "admin", "agency_id": None},
    ]


def seed_demo(central: Any, *, full: bool = True) -> list[str]:
    """Create the demo agencies and users; returns the usernames. ``full=False`` creates
    only :data:`CORE_USERS` (tests: each password hash costs tens of milliseconds)."""
    agencies = demo_agencies()
    for a in agencies:
        central.add_agency(a)
    province = agencies[0].get("province") or "qazvin"
    names = []
    for u in demo_users():
        if not full and u["username"] not in CORE_USERS:
            continue
        central.add_user(u["username"], u["username"], u["role"], name=u.get("name"),
                         agency_id=u.get("agency_id"), province=u.get("province") or province,
                         operator_id=u.get("id"))
        names.append(u["username"])
    return names


def load_demo_data(central: Any, *, seed: int = 1, citizens: int = 200, cases: int = 100) -> dict[str, int]:
    """Load generated citizens, cases and their events (``samad_desk.demo.generate``)
    straight into the database, as if they had been pushed. The cases' lives end at the
    server's clock, so a demo started today shows today's queue (deadlines due this week,
    a few overdue), not the generator's fixed reproducible date."""
    from samad_desk.demo import generate

    items = [(k, d) for k, d in generate(seed, citizens, cases, reference=False, now=central.clock())]
    return central.import_entities(items)


def has_cases(central: Any) -> bool:
    from sqlalchemy import select

    from samad_desk.central import db

    t = db.entities
    with central.engine.connect() as conn:
        return conn.execute(select(t.c.id).where(t.c.entity == "case").limit(1)).first() is not None
