"""Reference data of the configured province: its cities, its agencies and the subject
tree (موضوع). Not demo data: the call form offers these lists, and the form, the importer
and the reducer (so the server too) accept a case's subject only when it is a key of
:func:`subject_tree` (``domain/fields.py`` ``check_subject``). The demo generator draws
from these tables (``samad_desk.demo`` imports this module, never the reverse).

The first configured province is Qazvin (domain.md, Demo province). Weights are relative
frequencies the demo generator uses; the tree's keys are what cases store.
"""

from __future__ import annotations

from functools import cache

from samad_desk.domain.models import new_agency

PROVINCE = "qazvin"
PROVINCE_NAME = "قزوین"

# -- places ---------------------------------------------------------------------------------

#: (name, weight by population share, national-ID office prefixes, landline area)
QAZVIN_CITIES: list[tuple[str, int, tuple[str, ...]]] = [
    ("قزوین", 55, ("431", "432")),
    ("تاکستان", 11, ("433",)),
    ("البرز", 11, ("434",)),
    ("آبیک", 8, ("435",)),
    ("بوئین‌زهرا", 10, ("436",)),
    ("آوج", 5, ("437",)),
]

def qazvin_cities() -> list[str]:
    """The demo province's cities (county seats), largest first."""
    return [c[0] for c in QAZVIN_CITIES]


# -- agencies -------------------------------------------------------------------------------

_AGENCIES = [
    # id, name, manager, sla_days, sla_max_days
    ("water-qazvin", "شرکت آب و فاضلاب استان قزوین", "مهندس علیرضا کریمی", 10, 15),
    ("power-qazvin", "شرکت توزیع نیروی برق استان قزوین", "مهندس حمید رضایی", 10, 15),
    ("gas-qazvin", "شرکت گاز استان قزوین", "مهندس مسعود احمدی", 10, 15),
    ("municipality-qazvin", "شهرداری قزوین", "دکتر محسن صادقی", 10, 15),
    ("education-qazvin", "اداره کل آموزش و پرورش استان قزوین", "دکتر مریم جعفری", 10, 15),
    ("social-security-qazvin", "اداره کل تأمین اجتماعی استان قزوین", "آقای جواد رحیمی", 10, 15),
    ("medical-university-qazvin", "دانشگاه علوم پزشکی قزوین", "دکتر فاطمه هاشمی", 10, 15),
    ("roads-qazvin", "اداره کل راه و شهرسازی استان قزوین", "مهندس سعید قاسمی", 10, 15),
    ("welfare-qazvin", "اداره کل بهزیستی استان قزوین", "خانم زهرا موسوی", 10, 15),
    ("inspection-qazvin", "اداره بازرسی استانداری قزوین", "آقای مصطفی حیدری", 15, 20),
]


def qazvin_agencies() -> list[dict]:
    """The demo agencies of Qazvin province (entity dicts), each with a manager name."""
    return [
        new_agency(id=a, name=n, manager_name=m, province=PROVINCE, city="قزوین",
                   sla_days=d, sla_max_days=x, active=True)
        for a, n, m, d, x in _AGENCIES
    ]


# -- subjects -------------------------------------------------------------------------------

#: category → [(subject key, title, suggested agency, weight, typical case types)]
_SUBJECTS: list[tuple[str, str, list[tuple[str, str, str, int, tuple[str, ...]]]]] = [
    ("water", "آب و فاضلاب", [
        ("water.outage", "قطعی آب", "water-qazvin", 30, ("request", "complaint")),
        ("water.pressure", "افت فشار آب", "water-qazvin", 18, ("request", "complaint")),
        ("water.quality", "کیفیت آب شرب", "water-qazvin", 8, ("complaint", "report")),
        ("water.leak", "نشت لوله و هدررفت آب", "water-qazvin", 10, ("report",)),
        ("water.sewage", "فاضلاب و آبگرفتگی معابر", "water-qazvin", 9, ("request", "complaint")),
        ("water.bill", "قبض آب", "water-qazvin", 10, ("complaint", "request")),
    ]),
    ("power", "برق", [
        ("power.outage", "قطعی برق", "power-qazvin", 28, ("complaint", "request")),
        ("power.voltage", "نوسان ولتاژ و خسارت لوازم", "power-qazvin", 10, ("complaint",)),
        ("power.bill", "قبض برق", "power-qazvin", 12, ("complaint", "request")),
        ("power.connection", "انشعاب برق", "power-qazvin", 7, ("request",)),
        ("power.pole", "تیر و کابل آسیب‌دیده", "power-qazvin", 5, ("report",)),
    ]),
    ("gas", "گاز", [
        ("gas.outage", "قطعی گاز", "gas-qazvin", 14, ("complaint", "request")),
        ("gas.pressure", "افت فشار گاز", "gas-qazvin", 12, ("complaint",)),
        ("gas.bill", "قبض گاز", "gas-qazvin", 10, ("complaint", "request")),
        ("gas.connection", "انشعاب و لوله‌کشی گاز", "gas-qazvin", 6, ("request",)),
        ("gas.leak", "بوی گاز و نشتی", "gas-qazvin", 3, ("report",)),
    ]),
    ("urban", "خدمات شهری", [
        ("urban.waste", "جمع‌آوری زباله", "municipality-qazvin", 16, ("complaint", "request")),
        ("urban.asphalt", "آسفالت و چاله معابر", "municipality-qazvin", 15, ("request", "complaint")),
        ("urban.lighting", "روشنایی معابر", "municipality-qazvin", 8, ("request",)),
        ("urban.encroachment", "سد معبر", "municipality-qazvin", 7, ("complaint", "report")),
        ("urban.green", "فضای سبز و پارک‌ها", "municipality-qazvin", 5, ("suggestion", "request")),
        ("urban.transit", "اتوبوس و تاکسی شهری", "municipality-qazvin", 6, ("criticism", "suggestion")),
        ("urban.building", "ساخت‌وساز غیرمجاز", "municipality-qazvin", 6, ("report", "complaint")),
    ]),
    ("education", "آموزش و پرورش", [
        ("education.enrollment", "ثبت‌نام مدرسه", "education-qazvin", 8, ("request",)),
        ("education.fees", "شهریه و کمک‌های مردمی مدارس", "education-qazvin", 8, ("complaint",)),
        ("education.teacher", "کمبود معلم", "education-qazvin", 4, ("criticism", "request")),
        ("education.transport", "سرویس مدارس", "education-qazvin", 4, ("complaint",)),
    ]),
    ("social", "بیمه و تأمین اجتماعی", [
        ("social.pension", "مستمری بازنشستگی", "social-security-qazvin", 10, ("request", "complaint")),
        ("social.unemployment", "بیمه بیکاری", "social-security-qazvin", 6, ("request",)),
        ("social.record", "سابقه بیمه", "social-security-qazvin", 6, ("request",)),
        ("social.treatment", "درمان بیمه‌شدگان", "social-security-qazvin", 5, ("complaint",)),
    ]),
    ("health", "بهداشت و درمان", [
        ("health.appointment", "نوبت‌دهی بیمارستان", "medical-university-qazvin", 8, ("complaint", "criticism")),
        ("health.staff", "رفتار کادر درمان", "medical-university-qazvin", 5, ("complaint",)),
        ("health.medicine", "کمبود دارو", "medical-university-qazvin", 5, ("report", "complaint")),
        ("health.emergency", "اورژانس و فوریت‌ها", "medical-university-qazvin", 3, ("complaint", "criticism")),
    ]),
    ("roads", "راه و مسکن", [
        ("roads.intercity", "جاده‌های بین‌شهری", "roads-qazvin", 6, ("request", "report")),
        ("roads.housing", "طرح نهضت ملی مسکن", "roads-qazvin", 8, ("request", "complaint")),
        ("roads.land", "زمین و اسناد", "roads-qazvin", 4, ("request",)),
    ]),
    ("welfare", "بهزیستی", [
        ("welfare.pension", "مستمری مددجویان", "welfare-qazvin", 6, ("request",)),
        ("welfare.disability", "توانبخشی و معلولان", "welfare-qazvin", 4, ("request", "complaint")),
        ("welfare.care", "مراکز نگهداری", "welfare-qazvin", 2, ("report", "complaint")),
    ]),
    ("inspection", "بازرسی و تخلفات اداری", [
        ("inspection.misconduct", "تخلف کارکنان دولت", "inspection-qazvin", 4, ("inspection", "complaint")),
        ("inspection.corruption", "رشوه و فساد اداری", "inspection-qazvin", 2, ("inspection", "report")),
        ("inspection.unresponsive", "عدم پاسخگویی دستگاه", "inspection-qazvin", 4, ("inspection", "complaint")),
        ("inspection.plan", "طرح‌ها و پیشنهادهای مردمی", "inspection-qazvin", 2, ("plan", "suggestion")),
    ]),
]


def subject_tree() -> list[dict]:
    """The subject category tree: ``[{"key", "title", "children": [{"key", "title",
    "agency_id" (the suggested agency), "case_types", "weight"}]}]``."""
    return [
        {
            "key": key,
            "title": title,
            "children": [
                {"key": k, "title": t, "agency_id": a, "weight": w, "case_types": list(types)}
                for k, t, a, w, types in children
            ],
        }
        for key, title, children in _SUBJECTS
    ]


def subject_label(key: str) -> str:
    """The Persian title of a subject key (``"water.outage"`` → «قطعی آب»); free text
    and unknown keys are returned unchanged. Cases store the key."""
    return _SUBJECT_TITLES.get(key, key)


def subjects_flat() -> list[dict]:
    """Every leaf subject with its category title (``category`` key added)."""
    out = []
    for cat in subject_tree():
        for leaf in cat["children"]:
            out.append({**leaf, "category": cat["title"]})
    return out


_SUBJECT_TITLES = {k: t for _, _, children in _SUBJECTS for k, t, *_ in children}


@cache
def subject_keys() -> frozenset[str]:
    """Every subject a case may carry (the tree's leaves)."""
    return frozenset(_SUBJECT_TITLES)


@cache
def subject_by_title() -> dict[str, str]:
    """A leaf's Persian title → its key (the importer takes either)."""
    return {t: k for k, t in _SUBJECT_TITLES.items()}
