"""Static pools of the demo generator: names with real frequency skew, Qazvin cities and
agencies, the subject tree, demo operators, office prefixes of national IDs, mobile
prefixes. Weights are relative (a person count in thousands where one is known: the
civil registry's published top names, identity.md §2), the tail is invented but plausible.
"""

from __future__ import annotations

from samad_desk.domain.models import new_agency

ZWNJ = "\u200c"
PROVINCE = "qazvin"
PROVINCE_NAME = "قزوین"

# -- given names (weights ~ thousands of living people; the tail is estimated) ---------------

FEMALE_NAMES: list[tuple[str, int]] = [
    ("فاطمه", 4440), ("زهرا", 2970), ("مریم", 1800), ("معصومه", 1260), ("زینب", 1020),
    ("سکینه", 620), ("اعظم", 480), ("طاهره", 470), ("لیلا", 460), ("سمیه", 450),
    ("مرضیه", 440), ("رقیه", 430), ("اکرم", 420), ("صدیقه", 410), ("نرگس", 400),
    ("منیژه", 150), ("خدیجه", 380), ("راضیه", 360), ("الهام", 340), ("سارا", 330),
    ("فرشته", 300), ("مهین", 250), ("شهلا", 220), ("پروین", 260), ("زری", 90),
    ("محبوبه", 240), ("سمانه", 300), ("نازنین", 260), ("مهسا", 250), ("حدیث", 200),
    ("ریحانه", 230), ("کوثر", 180), ("فاطمه‌زهرا", 210), ("نازنین‌زهرا", 190), ("هانیه", 170),
    ("آزاده", 120), ("شیرین", 140), ("نسرین", 210), ("ژیلا", 80), ("ثریا", 110),
    ("گلناز", 60), ("مهتاب", 90), ("آتنا", 130), ("یگانه", 70), ("ستاره", 100),
    ("بهاره", 110), ("هستی", 140), ("النا", 60), ("آیدا", 90), ("ترانه", 40),
    ("ملیکا", 120), ("مائده", 110), ("عاطفه", 150), ("طیبه", 160), ("بتول", 240),
    ("حلیمه", 70), ("کبری", 200), ("صغری", 220), ("رویا", 130),
    ("فائزه", 140), ("رؤیا", 30), ("پریسا", 120), ("نگین", 90), ("شقایق", 80),
]
MALE_NAMES: list[tuple[str, int]] = [
    ("محمد", 4200), ("علی", 2260), ("حسین", 1710), ("مهدی", 1150), ("رضا", 1050),
    ("حسن", 920), ("امیر", 520), ("محمدرضا", 620), ("علیرضا", 560), ("ابوالفضل", 500),
    ("امیرحسین", 540), ("محمدحسین", 430), ("محمدعلی", 380), ("احمد", 480), ("عباس", 420),
    ("مصطفی", 360), ("مرتضی", 350), ("مجتبی", 330), ("جواد", 320), ("سعید", 300),
    ("حمید", 290), ("ابراهیم", 280), ("اسماعیل", 250), ("یوسف", 220), ("قاسم", 200),
    ("عبدالله", 190), ("هادی", 180), ("محسن", 280), ("وحید", 160), ("مسعود", 170),
    ("ناصر", 120), ("غلامرضا", 150), ("غلامحسین", 110), ("کریم", 100), ("رحیم", 90),
    ("داوود", 110), ("داود", 40), ("اکبر", 130), ("اصغر", 120), ("جعفر", 140),
    ("کاظم", 120), ("صادق", 130), ("سجاد", 170), ("امید", 150), ("پویا", 90),
    ("آرش", 80), ("ارش", 5), ("کوروش", 50), ("بهروز", 60), ("فرهاد", 90),
    ("بهزاد", 70), ("شهرام", 60), ("کامران", 50), ("نیما", 80), ("آرمان", 90),
    ("طاها", 140), ("یاسین", 130), ("امیرعلی", 150), ("محمدامین", 160), ("محمدمهدی", 170),
    ("ماهان", 40), ("آرین", 70), ("بنیامین", 80), ("سینا", 90), ("میلاد", 110),
    ("موسی", 90), ("عیسی", 40), ("اسمعیل", 15), ("یعقوب", 50), ("نادر", 40),
]

# Spacing variants real records carry for compound names (identity.md §1).
COMPOUND_VARIANTS = {
    "محمدرضا": ("محمد رضا", "محمد" + ZWNJ + "رضا"),
    "علیرضا": ("علی رضا",),
    "امیرحسین": ("امیر حسین",),
    "محمدحسین": ("محمد حسین",),
    "محمدعلی": ("محمد علی",),
    "فاطمه‌زهرا": ("فاطمه زهرا",),
    "نازنین‌زهرا": ("نازنین زهرا",),
    "عبدالله": ("عبد الله", "عبد" + ZWNJ + "الله"),
    "ابوالفضل": ("ابو الفضل",),
}

# -- family names --------------------------------------------------------------------------

COMMON_SURNAMES: list[tuple[str, int]] = [
    ("محمدی", 900), ("حسینی", 800), ("احمدی", 700), ("رضایی", 600), ("موسوی", 550),
    ("کریمی", 420), ("جعفری", 400), ("صادقی", 380), ("رحیمی", 360), ("هاشمی", 350),
    ("کاظمی", 320), ("قاسمی", 310), ("حیدری", 300), ("نوری", 250), ("ابراهیمی", 280),
    ("مرادی", 270), ("اکبری", 260), ("عباسی", 250), ("محمودی", 240), ("یوسفی", 230),
    ("قربانی", 220), ("سلیمانی", 210), ("زارعی", 200), ("امیری", 200), ("طاهری", 190),
    ("میرزایی", 180), ("میرحسینی", 60), ("صالحی", 170), ("باقری", 170), ("نجفی", 160),
    ("رستمی", 150), ("شریفی", 140), ("فرجی", 130), ("بابایی", 150), ("خلیلی", 120),
    ("عزیزی", 120), ("کرمی", 110), ("رسولی", 100), ("نظری", 100), ("اسدی", 110),
    ("قزوینی", 90), ("تاکستانی", 40), ("بوئینی", 20), ("آبیکی", 10), ("الوندی", 40),
    ("شاهسونی", 25), ("افشار", 60), ("ترکمان", 30), ("دهقان", 70), ("کشاورز", 80),
    ("رضائی", 40), ("عسگری", 70), ("عسکری", 60), ("مؤمنی", 40), ("مومنی", 30),
    ("عبداللهی", 80), ("عبدالهی", 20), ("حسنی", 90), ("علوی", 70), ("طباطبایی", 60),
]
#: stems for compound surnames: stem + زاده / پور (with ZWNJ, a space or nothing)
SURNAME_STEMS = [
    "حسن", "علی", "رحیم", "کریم", "قلی", "ولی", "تقی", "نقی", "عباس", "اسد", "نصیر", "جعفر",
    "قاسم", "رضا", "امین", "صادق", "یوسف", "موسی", "فتح‌الله", "نصرالله", "حبیب", "ابراهیم",
    "اسماعیل", "حسین", "مهدی", "باقر", "کاظم", "شیر", "ملک", "شاه", "امیر", "خان", "بیگ",
    "آقا", "میرزا", "حاجی", "کربلایی", "مشهدی", "نیک", "پاک", "مهر", "دل", "بهرام", "خسرو",
    "فرهاد", "جمشید", "رستم", "سهراب", "گودرز", "بهمن",
]
SURNAME_SUFFIXES = [("زاده", 5), ("پور", 4), ("ی", 6), ("نیا", 2), ("فر", 1), ("نژاد", 2),
                    ("لو", 2), ("خانی", 1), ("وند", 1)]
SAYYED_SURNAMES = ["حسینی", "موسوی", "هاشمی", "طباطبایی", "علوی", "میرحسینی", "رضوی",
                   "حسنی", "سادات", "کاظمی", "جعفری", "فاطمی"]

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
#: people born elsewhere: Tehran (leading zeros!), Karaj, Zanjan, Hamadan, Mashhad
OTHER_NID_PREFIXES: list[tuple[str, int]] = [
    ("001", 3), ("002", 2), ("003", 2), ("004", 2), ("005", 1), ("006", 1), ("007", 1),
    ("008", 1), ("011", 1), ("020", 1), ("025", 1), ("031", 1), ("063", 1), ("426", 2),
    ("427", 1), ("386", 1), ("092", 1), ("094", 1),
]

# Mobile prefixes (after 0) with a rough share of lines in the province.
MOBILE_PREFIXES: list[tuple[str, int]] = [
    ("912", 28), ("919", 12), ("910", 6), ("911", 3), ("913", 2), ("914", 2), ("915", 2),
    ("917", 1), ("918", 3), ("990", 4), ("991", 3), ("992", 2), ("993", 1), ("994", 1),
    ("935", 7), ("936", 5), ("937", 4), ("938", 3), ("939", 3), ("930", 3), ("933", 2),
    ("901", 3), ("902", 2), ("903", 1), ("905", 1), ("941", 1), ("920", 1), ("921", 1),
    ("922", 1),
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


# -- operators ------------------------------------------------------------------------------

_AGENTS = [("agent1", "نرگس احمدی"), ("agent2", "حمیدرضا یوسفی"), ("agent3", "سمیه کریمی"),
           ("agent4", "مهدی رستمی"), ("agent5", "الهام نوری"), ("agent6", "علی باقری")]
_OFFICERS = {
    "water": ("water-qazvin", ["رضا عباسی", "مریم صالحی"]),
    "power": ("power-qazvin", ["سعید مرادی", "لیلا امیری"]),
    "gas": ("gas-qazvin", ["حسن طاهری", "زینب اکبری"]),
    "city": ("municipality-qazvin", ["محمد قربانی", "فرشته شریفی"]),
    "edu": ("education-qazvin", ["اکرم نجفی", "جواد فرجی"]),
    "tamin": ("social-security-qazvin", ["مجتبی خلیلی", "راضیه عزیزی"]),
    "health": ("medical-university-qazvin", ["دکتر سارا رسولی", "امید نظری"]),
    "roads": ("roads-qazvin", ["کاظم دهقان", "سمانه اسدی"]),
    "welfare": ("welfare-qazvin", ["طیبه کرمی", "هادی افشار"]),
    "inspect": ("inspection-qazvin", ["وحید علوی", "معصومه فاطمی"]),
}


def demo_operators() -> list[dict]:
    """Demo operators (``id, username, name, role, agency_id, province``).

    111 agents ``agent1``…``agent6``; per agency two officers (``water1``, ``water2`` …)
    and its manager (``watermgr`` …, named as in :func:`qazvin_agencies`); supervisors
    ``super1``, ``super2``; ``admin``.
    """
    managers = {a[0]: a[2] for a in _AGENCIES}
    ops: list[dict] = []

    def add(username: str, name: str, role: str, agency_id: str | None) -> None:
        ops.append({"id": f"op-{username}", "username": username, "name": name, "role": role,
                    "agency_id": agency_id, "province": PROVINCE})

    for username, name in _AGENTS:
        add(username, name, "agent", None)
    for key, (agency_id, names) in _OFFICERS.items():
        for i, name in enumerate(names, 1):
            add(f"{key}{i}", name, "officer", agency_id)
        add(f"{key}mgr", managers[agency_id], "manager", agency_id)
    add("super1", "بهرام سلیمانی", "supervisor", None)
    add("super2", "شهلا میرزایی", "supervisor", None)
    add("admin", "مدیر سامانه", "admin", None)
    return ops
