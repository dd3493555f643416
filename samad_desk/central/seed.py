"""Demo seed: the Qazvin agencies and one user per role.

Agencies come from ``samad_desk.demo.qazvin_agencies()`` when the demo package provides
it, otherwise from the short built-in list below (same ids). Users (password = username):
agent1 (agent), water1 (officer, water company), watermgr (manager, water company),
power1 (officer, electricity), super1 (supervisor), admin (admin).
"""

from __future__ import annotations

from typing import Any

FALLBACK_AGENCIES = [
    {"id": "water-qazvin", "name": "شرکت آب و فاضلاب استان قزوین", "manager_name": "مدیرعامل آب و فاضلاب"},
    {"id": "power-qazvin", "name": "شرکت توزیع نیروی برق استان قزوین", "manager_name": "مدیرعامل توزیع برق"},
    {"id": "gas-qazvin", "name": "شرکت گاز استان قزوین", "manager_name": "مدیرعامل گاز"},
    {"id": "municipality-qazvin", "name": "شهرداری قزوین", "manager_name": "شهردار قزوین", "city": "قزوین"},
    {"id": "education-qazvin", "name": "اداره کل آموزش و پرورش استان قزوین", "manager_name": "مدیرکل"},
    {"id": "social-security-qazvin", "name": "اداره کل تأمین اجتماعی استان قزوین", "manager_name": "مدیرکل"},
    {"id": "health-qazvin", "name": "دانشگاه علوم پزشکی قزوین", "manager_name": "رئیس دانشگاه"},
    {"id": "roads-qazvin", "name": "اداره کل راه و شهرسازی استان قزوین", "manager_name": "مدیرکل"},
    {"id": "welfare-qazvin", "name": "اداره کل بهزیستی استان قزوین", "manager_name": "مدیرکل"},
    {"id": "inspection-qazvin", "name": "دفتر بازرسی استانداری قزوین", "manager_name": "مدیرکل بازرسی"},
]


def demo_agencies() -> list[dict]:
    try:
        from samad_desk.demo import qazvin_agencies

        agencies = [dict(a) for a in qazvin_agencies()]
        if agencies:
            return agencies
    except (ImportError, AttributeError):
        pass
    return [dict(a, province="qazvin", city=a.get("city", "قزوین")) for a in FALLBACK_AGENCIES]


def _find(agencies: list[dict], *words: str) -> str:
    for a in agencies:
        if any(w in a["id"] for w in words):
            return a["id"]
    for a in agencies:
        if any(w in a.get("name", "") for w in words):
            return a["id"]
    raise LookupError(f"no demo agency matching {words}")


def seed_demo(central: Any) -> list[str]:
    agencies = demo_agencies()
    for a in agencies:
        central.add_agency(a)
    water = _find(agencies, "water", "آب و فاضلاب")
    power = _find(agencies, "power", "electric", "برق")
    province = agencies[0].get("province") or "qazvin"
    users = [
        ("agent1", "agent", None, "اپراتور یک ۱۱۱", None),
        ("water1", "officer", water, "کارشناس آب و فاضلاب", None),
        ("watermgr", "manager", water, "مدیر آب و فاضلاب", None),
        ("power1", "officer", power, "کارشناس توزیع برق", None),
        ("super1", "supervisor", None, "ناظر استانداری", None),
        ("admin", "admin", None, "مدیر سامانه", None),
    ]
    for username, role, agency, name, office in users:
        central.add_user(username, username, role, name=name, agency_id=agency, office_id=office,
                         province=province)
    return [u[0] for u in users]
