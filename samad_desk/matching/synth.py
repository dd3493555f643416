"""Labelled synthetic citizen records for testing and tuning the matcher (identity.md §6).

``generate(seed, n_people)`` returns ``(records, truth)``: records in the batch-command shape
(``record_id, national_id, first_name, last_name, father_name, birth_date, mobile, city``,
strings as an operator might have typed them, any may be empty) and ``truth[record_id] =
person_id``. Deterministic per seed.

People come in families: a father, a mother, and children who share the last name, the
father's name, the city and often the home mobile; some children are twins (same birth date),
some sons carry their father's given name. Some records carry a relative's national ID (a
parent called for a child). A share of the people get one to three extra records, each with
one to three corruptions (``record_corruptions[record_id]`` names them, for recall per kind):
Arabic letters, spacing/ZWNJ of compounds, سید added or dropped, a keyboard-neighbour typo,
an ID digit typo/transposition/missing/a relative's, digits in Persian or Arabic-Indic script,
any mobile form, first and last name swapped, father's name missing, birth date off by one /
day-month swapped / Gregorian, a compound given name shortened, Finglish.

Tuning seeds are ``< 1000``; tests use seeds ``>= 1000`` (fresh data).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import jdatetime

from samad_desk.matching.keys import GIVEN_NAMES_FEMALE, GIVEN_NAMES_MALE
from samad_desk.text.national_id import check_digit

# --------------------------------------------------------------------------- pools
# Frequency weights (roughly Sabt-e Ahval order: the head is very heavy).
_MALE_HEAD = {"محمد": 90, "علی": 45, "حسین": 34, "مهدی": 28, "رضا": 24, "حسن": 20, "امیر": 14,
              "محمدرضا": 14, "امیرحسین": 12, "ابوالفضل": 12, "علیرضا": 12, "محمدحسین": 9,
              "مصطفی": 9, "احمد": 9, "جواد": 8, "محمود": 8, "سید علی": 0}
_FEMALE_HEAD = {"فاطمه": 90, "زهرا": 60, "مریم": 36, "معصومه": 25, "زینب": 20, "سکینه": 10,
                "طاهره": 8, "اعظم": 8, "نرگس": 8, "فاطمه‌زهرا": 7, "نازنین‌زهرا": 7, "مرضیه": 7}


def _weighted(head: dict[str, int], tail: list[str]) -> tuple[list[str], list[float]]:
    names, weights = [], []
    for n, w in head.items():
        if w:
            names.append(n)
            weights.append(float(w))
    for i, n in enumerate(t for t in tail if t not in head):
        names.append(n)
        weights.append(6.0 / (1 + i * 0.08))
    return names, weights


MALE, MALE_W = _weighted(_MALE_HEAD, GIVEN_NAMES_MALE)
FEMALE, FEMALE_W = _weighted(_FEMALE_HEAD, GIVEN_NAMES_FEMALE)

_LAST_COMMON = (
    "محمدی حسینی احمدی رضایی موسوی کریمی جعفری رحیمی صادقی حیدری کاظمی قاسمی هاشمی "
    "نوری عباسی اکبری ابراهیمی مرادی رستمی صالحی طاهری زارعی باقری سلیمانی نجفی یوسفی "
    "امیری شریفی عسکری میرزایی ملکی نظری قربانی کرمی فتحی شیرازی تهرانی قزوینی رحمانی "
    "اسماعیلی علوی فاضلی خلیلی جلالی کامرانی منصوری نیک‌نام بهرامی"
).split()
_ROOTS = (
    "حسن علی تقی نقی قلی رضا کاظم باقر جعفر محمود عباس اکبر اصغر قاسم هادی یزدان امین "
    "شاه خسرو بهرام کیان آقا ملک میر حاجی نور صفر رجب شعبان رمضان خان بابا دولت عزیز "
    "فرهاد مهدی سلطان قنبر کریم رحیم یوسف طالب نصیر ولی جهان"
).split()
_SUFFIXES = ("‌زاده", " زاده", "پور", "‌پور", "ی", "نژاد", "‌نژاد", "یان", "فر", "لو", "وند", "خانی")


def _last_names() -> tuple[list[str], list[float]]:
    names = list(_LAST_COMMON)
    weights = [40.0 / (1 + 0.15 * i) for i in range(len(names))]
    seen = set(names)
    for r in _ROOTS:
        for j, s in enumerate(_SUFFIXES):
            n = r + s
            key = n.replace("\u200c", "").replace(" ", "")
            if key in seen:
                continue
            seen.add(key)
            names.append(n)
            weights.append(2.5 / (1 + 0.3 * j))
    return names, weights


LAST, LAST_W = _last_names()
CITIES = ["قزوین"] * 12 + ["تاکستان"] * 3 + ["الوند"] * 2 + ["آبیک", "بوئین‌زهرا", "اقبالیه",
                                                              "محمدیه", "شال", "آوج", "ضیاءآباد"]
# a few registration-office prefixes (Qazvin 431–434, Tehran 001–008, Karaj 031, Qom 037 …)
OFFICES = ["431", "432", "433", "434", "435", "001", "002", "004", "007", "031", "037", "038",
           "559", "063", "078"]
MOBILE_PREFIXES = ["912", "919", "910", "935", "936", "937", "939", "901", "902", "921", "990",
                   "991", "930", "933"]

# ISIRI 9147 rows, for keyboard-neighbour typos
_ROWS = ["ضصثقفغعهخحجچ", "شسیبلاتنمکگ", "ظطزرذدپو"]
_NEIGHBOURS: dict[str, str] = {}
for _row in _ROWS:
    for _i, _c in enumerate(_row):
        _NEIGHBOURS[_c] = (_row[_i - 1] if _i else "") + (_row[_i + 1] if _i + 1 < len(_row) else "")
_SIMILAR = {"س": "صث", "ص": "سث", "ث": "سص", "ز": "ذضظ", "ذ": "زض", "ض": "زظ", "ظ": "زض",
            "ت": "ط", "ط": "ت", "ق": "غ", "غ": "ق", "ه": "ح", "ح": "ه"}

_ARABIC = str.maketrans({"ی": "ي", "ک": "ك"})
_FA_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_AR_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

_LAT = {"ا": "a", "آ": "a", "ب": "b", "پ": "p", "ت": "t", "ث": "s", "ج": "j", "چ": "ch",
        "ح": "h", "خ": "kh", "د": "d", "ذ": "z", "ر": "r", "ز": "z", "ژ": "zh", "س": "s",
        "ش": "sh", "ص": "s", "ض": "z", "ط": "t", "ظ": "z", "ع": "", "غ": "gh", "ف": "f",
        "ق": "gh", "ک": "k", "گ": "g", "ل": "l", "م": "m", "ن": "n", "و": "v", "ه": "h",
        "ی": "i", "ئ": "", "ء": "", "\u200c": "", " ": " "}
_KNOWN_LATIN = {"محمد": ["Mohammad", "Mohamad", "Mohammed"], "علی": ["Ali"], "حسین": ["Hossein", "Hosein"],
                "رضا": ["Reza"], "مهدی": ["Mahdi", "Mehdi"], "فاطمه": ["Fatemeh", "Fatima"],
                "زهرا": ["Zahra"], "مریم": ["Maryam"], "حسینی": ["Hosseini", "Hoseini"],
                "رضایی": ["Rezaei", "Rezaee"], "محمدی": ["Mohammadi"], "احمدی": ["Ahmadi"],
                "موسوی": ["Mousavi", "Musavi"], "کریمی": ["Karimi"], "جعفری": ["Jafari"]}


def finglish(name: str, rng: random.Random) -> str:
    """A plausible Latin spelling of a Persian name (what people type, not a standard)."""
    if name in _KNOWN_LATIN:
        return rng.choice(_KNOWN_LATIN[name])
    out = []
    prev_cons = False
    for i, ch in enumerate(name):
        if ch == "و":
            lat = "v" if i == 0 or not prev_cons else rng.choice(["o", "u", "ou"])
        elif ch == "ی":
            lat = "y" if i == 0 else ("i" if i == len(name) - 1 else rng.choice(["i", "ei", "y"]))
        elif ch == "ه" and i == len(name) - 1 and i > 0:
            lat = "eh" if rng.random() < 0.6 else "e"
        else:
            lat = _LAT.get(ch, "")
        is_cons = bool(lat) and lat[-1] not in "aeiouy"
        if prev_cons and is_cons and ch not in "اوی" and rng.random() < 0.7:
            out.append(rng.choice("aeo"))
        out.append(lat)
        prev_cons = is_cons
    word = "".join(out).strip()
    return " ".join(w[:1].upper() + w[1:] for w in word.split())


def make_national_id(rng: random.Random) -> str:
    while True:
        body = rng.choice(OFFICES) + f"{rng.randrange(1_000_000):06d}"
        nid = body + str(check_digit(body))
        if len(set(nid)) > 1:
            return nid


@dataclass
class Person:
    pid: int
    first: str
    last: str
    father: str
    birth: tuple[int, int, int]  # Jalali
    nid: str | None
    mobile: str | None
    city: str
    male: bool
    family: int
    relative_nid: str | None = None  # a relative's ID (for the "relative's ID" corruption)


@dataclass
class Dataset:
    records: list[dict]
    truth: dict[str, int]                       # record_id → person id
    corruptions: dict[str, list[str]] = field(default_factory=dict)  # duplicate record → kinds
    hard: dict[str, str] = field(default_factory=dict)  # record_id → "twin"/"sibling"/"father_son"


def _mobile(rng: random.Random) -> str:
    return "0" + rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10_000_000):07d}"


def _jdate(rng: random.Random, y0: int, y1: int) -> tuple[int, int, int]:
    y = rng.randint(y0, y1)
    m = rng.randint(1, 12)
    d = rng.randint(1, 31 if m <= 6 else 30 if m < 12 else 29)
    return y, m, d


def _families(rng: random.Random, n_people: int) -> list[Person]:
    people: list[Person] = []
    fam = 0
    while len(people) < n_people:
        fam += 1
        last = rng.choices(LAST, LAST_W)[0]
        city = rng.choice(CITIES)
        home = _mobile(rng) if rng.random() < 0.5 else None
        grandfather = rng.choices(MALE, MALE_W)[0]
        dad_first = rng.choices(MALE, MALE_W)[0]
        dad_birth = _jdate(rng, 1320, 1370)
        dad = Person(len(people), dad_first, last, grandfather, dad_birth,
                     make_national_id(rng) if rng.random() < 0.93 else None,
                     _mobile(rng) if rng.random() < 0.85 else home, city, True, fam)
        people.append(dad)
        if rng.random() < 0.5:
            mom_last = rng.choices(LAST, LAST_W)[0]
            people.append(Person(len(people), rng.choices(FEMALE, FEMALE_W)[0], mom_last,
                                 rng.choices(MALE, MALE_W)[0], _jdate(rng, dad_birth[0], dad_birth[0] + 8),
                                 make_national_id(rng) if rng.random() < 0.93 else None,
                                 home or _mobile(rng), city, False, fam))
        n_kids = rng.choices([0, 1, 2, 3, 4], [15, 25, 30, 20, 10])[0]
        used: set[str] = set()
        y_lo = min(dad_birth[0] + 20, 1400)
        for k in range(n_kids):
            male = rng.random() < 0.5
            if male and k == 0 and rng.random() < 0.12:
                first = dad_first  # a son named after his father
            else:
                pool, w = (MALE, MALE_W) if male else (FEMALE, FEMALE_W)
                first = rng.choices(pool, w)[0]
                tries = 0
                while first in used and tries < 10:
                    first = rng.choices(pool, w)[0]
                    tries += 1
            used.add(first)
            birth = _jdate(rng, y_lo, min(y_lo + 18, 1402))
            kid_mobile = home if (home and rng.random() < 0.5) else (_mobile(rng) if rng.random() < 0.7 else None)
            kid = Person(len(people), first, last, dad_first, birth,
                         make_national_id(rng) if rng.random() < 0.9 else None,
                         kid_mobile, city, male, fam, relative_nid=dad.nid)
            people.append(kid)
            if k == 0 and rng.random() < 0.06:  # twins
                pool, w = (MALE, MALE_W) if male else (FEMALE, FEMALE_W)
                tw = rng.choices(pool, w)[0]
                while tw in used:
                    tw = rng.choices(pool, w)[0]
                used.add(tw)
                people.append(Person(len(people), tw, last, dad_first, birth,
                                     make_national_id(rng) if rng.random() < 0.9 else None,
                                     kid.mobile, city, male, fam, relative_nid=dad.nid))
        if dad.relative_nid is None and n_kids:
            dad.relative_nid = people[-1].nid
    return people[:n_people]


# --------------------------------------------------------------------------- rendering
def _fmt_date(y: int, m: int, d: int, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.6:
        return f"{y}/{m:02d}/{d:02d}"
    if r < 0.8:
        return f"{y}/{m}/{d}"
    if r < 0.9:
        return f"{y}-{m:02d}-{d:02d}"
    return f"{y % 100:02d}/{m:02d}/{d:02d}" if y < 1400 else f"{y}/{m:02d}/{d:02d}"


def _fmt_mobile(mob: str, rng: random.Random) -> str:
    tail = mob[1:]
    form = rng.randrange(6)
    if form == 0:
        return mob
    if form == 1:
        return "+98 " + tail[:3] + " " + tail[3:6] + " " + tail[6:]
    if form == 2:
        return "0098-" + tail[:3] + "-" + tail[3:]
    if form == 3:
        return tail
    if form == 4:
        return "98" + tail
    return mob[:4] + " " + mob[4:7] + " " + mob[7:]


def _typo(name: str, rng: random.Random) -> str:
    letters = [i for i, c in enumerate(name) if c in _NEIGHBOURS or c in _SIMILAR]
    if not letters:
        return name
    i = rng.choice(letters)
    c = name[i]
    kind = rng.random()
    if kind < 0.45 and _NEIGHBOURS.get(c):
        return name[:i] + rng.choice(_NEIGHBOURS[c]) + name[i + 1:]
    if kind < 0.75 and c in _SIMILAR:
        return name[:i] + rng.choice(_SIMILAR[c]) + name[i + 1:]
    if kind < 0.87 and len(name) > 4:
        return name[:i] + name[i + 1:]  # dropped letter
    if i + 1 < len(name) and name[i + 1] != " ":
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]  # transposed
    return name[:i] + c + name[i:]  # doubled


def _respace(name: str, rng: random.Random) -> str:
    if "\u200c" in name:
        return name.replace("\u200c", rng.choice([" ", ""]))
    if " " in name:
        return name.replace(" ", rng.choice(["\u200c", ""]))
    for part in ("زاده", "پور", "نژاد", "رضا", "حسین", "زهرا", "علی", "الله", "اله"):
        j = name.find(part, 1)
        if j > 0:
            return name[:j] + rng.choice(["\u200c", " "]) + name[j:]
    return name


def _render(p: Person, rng: random.Random) -> dict:
    first = p.first
    if rng.random() < 0.03:
        first = ("سید " if p.male else "سیده ") + first
    return {
        "national_id": p.nid or "",
        "first_name": first,
        "last_name": p.last,
        "father_name": p.father if rng.random() < 0.9 else "",
        "birth_date": _fmt_date(*p.birth, rng) if rng.random() < 0.97 else "",
        "mobile": p.mobile or "",
        "city": p.city,
    }


_COMPOUND_SPLIT = {"محمدرضا": ("محمد", "رضا"), "امیرحسین": ("امیر", "حسین"), "علیرضا": ("علی", "رضا"),
                   "محمدحسین": ("محمد", "حسین"), "فاطمه‌زهرا": ("فاطمه", "زهرا"),
                   "نازنین‌زهرا": ("نازنین", "زهرا"), "محمدجواد": ("محمد", "جواد"),
                   "محمدمهدی": ("محمد", "مهدی"), "محمدعلی": ("محمد", "علی"), "حمیدرضا": ("حمید", "رضا"),
                   "غلامرضا": ("غلام", "رضا"), "عبدالرضا": ("عبد", "رضا")}

KINDS = ("arabic", "spacing", "sayyed", "typo", "id_typo", "id_swap", "id_missing", "id_relative",
         "digits_script", "mobile_form", "name_swap", "father_missing", "date_off", "date_dm",
         "date_gregorian", "compound_short", "finglish", "mobile_missing", "mobile_changed")
_KIND_W = (6, 6, 4, 10, 5, 4, 8, 4, 6, 6, 3, 5, 4, 3, 5, 4, 5, 4, 3)


def _corrupt(p: Person, rec: dict, kind: str, rng: random.Random) -> bool:
    """Apply one corruption in place; False when it does not apply to this person."""
    if kind == "arabic":
        fields = [f for f in ("first_name", "last_name", "father_name") if any(c in rec[f] for c in "یک")]
        if not fields:
            return False
        for f in fields:
            rec[f] = rec[f].translate(_ARABIC)
        if rec["last_name"].endswith("ه") and rng.random() < 0.3:
            rec["last_name"] = rec["last_name"][:-1] + "ة"
        return True
    if kind == "spacing":
        for f in ("last_name", "first_name"):
            new = _respace(rec[f], rng)
            if new != rec[f]:
                rec[f] = new
                return True
        return False
    if kind == "sayyed":
        if rec["first_name"].startswith("سید"):
            rec["first_name"] = rec["first_name"].split(" ", 1)[-1]
        else:
            rec["first_name"] = ("سید" if p.male else "سیده") + rng.choice([" ", "\u200c"]) + rec["first_name"]
        return True
    if kind == "typo":
        f = rng.choices(["first_name", "last_name", "father_name"], [4, 5, 2])[0]
        if not rec[f] or rec[f].isascii():
            return False
        new = _typo(rec[f], rng)
        if new == rec[f]:
            return False
        rec[f] = new
        return True
    if kind in ("id_typo", "id_swap", "id_missing", "id_relative"):
        nid = rec["national_id"]
        if kind == "id_relative":
            if not p.relative_nid or p.relative_nid == p.nid:
                return False
            rec["national_id"] = p.relative_nid
            return True
        if not nid or not nid.isascii():
            return False
        if kind == "id_missing":
            rec["national_id"] = ""
        elif kind == "id_typo":
            i = rng.randrange(10)
            rec["national_id"] = nid[:i] + str((int(nid[i]) + rng.randint(1, 9)) % 10) + nid[i + 1:]
        else:
            cands = [i for i in range(9) if nid[i] != nid[i + 1]]
            if not cands:
                return False
            i = rng.choice(cands)
            rec["national_id"] = nid[:i] + nid[i + 1] + nid[i] + nid[i + 2:]
        return True
    if kind == "digits_script":
        table = _FA_DIGITS if rng.random() < 0.7 else _AR_DIGITS
        for f in ("national_id", "mobile", "birth_date"):
            rec[f] = rec[f].translate(table)
        return True
    if kind == "mobile_form":
        if not p.mobile:
            return False
        rec["mobile"] = _fmt_mobile(p.mobile, rng)
        return True
    if kind == "mobile_missing":
        if not rec["mobile"]:
            return False
        rec["mobile"] = ""
        return True
    if kind == "mobile_changed":
        rec["mobile"] = _mobile(rng)
        return True
    if kind == "name_swap":
        rec["first_name"], rec["last_name"] = rec["last_name"], rec["first_name"]
        return True
    if kind == "father_missing":
        if not rec["father_name"]:
            return False
        rec["father_name"] = ""
        return True
    if kind in ("date_off", "date_dm", "date_gregorian"):
        y, m, d = p.birth
        if kind == "date_off":
            try:
                g = jdatetime.date(y, m, d).togregorian()
            except ValueError:
                return False
            import datetime as _dt

            g2 = g + _dt.timedelta(days=rng.choice([-1, 1]))
            j = jdatetime.date.fromgregorian(date=g2)
            rec["birth_date"] = f"{j.year}/{j.month:02d}/{j.day:02d}"
        elif kind == "date_dm":
            if d > 12 or d == m:
                return False
            rec["birth_date"] = f"{y}/{d:02d}/{m:02d}"
        else:
            try:
                g = jdatetime.date(y, m, d).togregorian()
            except ValueError:
                return False
            rec["birth_date"] = (g.isoformat() if rng.random() < 0.6
                                 else f"{g.day:02d}/{g.month:02d}/{g.year}")
        return True
    if kind == "compound_short":
        base = p.first
        if base not in _COMPOUND_SPLIT:
            return False
        parts = _COMPOUND_SPLIT[base]
        rec["first_name"] = parts[1] if rng.random() < 0.6 else parts[0]
        return True
    if kind == "finglish":
        rec["first_name"] = finglish(p.first, rng)
        rec["last_name"] = finglish(p.last.replace("\u200c", "").replace(" ", ""), rng)
        if rec["father_name"] and rng.random() < 0.5:
            rec["father_name"] = finglish(p.father, rng)
        return True
    raise ValueError(kind)


def generate(seed: int, n_people: int, *, dup_rate: float = 0.25,
             relative_id_rate: float = 0.01) -> Dataset:
    """People in families, one record each, plus labelled duplicates (see module doc)."""
    rng = random.Random(seed)
    people = _families(rng, n_people)
    records: list[dict] = []
    truth: dict[str, int] = {}
    corruptions: dict[str, list[str]] = {}
    hard: dict[str, str] = {}
    by_family: dict[int, list[Person]] = {}
    for p in people:
        by_family.setdefault(p.family, []).append(p)

    def rid() -> str:
        return f"r{len(records):07d}"

    for p in people:
        rec = _render(p, rng)
        if p.relative_nid and rng.random() < relative_id_rate:
            rec["national_id"] = p.relative_nid  # a parent registered the child with his own ID
        rec["record_id"] = rid()
        truth[rec["record_id"]] = p.pid
        records.append(rec)
        fam = by_family[p.family]
        if len(fam) > 1:
            same_birth = any(q is not p and q.birth == p.birth for q in fam)
            same_first = any(q is not p and q.first == p.first for q in fam)
            hard[rec["record_id"]] = "twin" if same_birth else "father_son" if same_first else "sibling"
        if rng.random() < dup_rate:
            for _ in range(rng.choices([1, 2, 3], [75, 20, 5])[0]):
                dup = _render(p, rng)
                # the same person's records usually agree on what was typed correctly
                dup["first_name"] = rec["first_name"] if rng.random() < 0.7 else dup["first_name"]
                dup["father_name"] = p.father if rng.random() < 0.9 else ""
                kinds: list[str] = []
                n_k = rng.choices([1, 2, 3], [55, 35, 10])[0]
                tries = 0
                while len(kinds) < n_k and tries < 12:
                    tries += 1
                    k = rng.choices(KINDS, _KIND_W)[0]
                    if k in kinds or (k == "finglish" and ("name_swap" in kinds or "typo" in kinds)):
                        continue
                    if k in ("name_swap", "typo", "compound_short", "sayyed", "spacing", "arabic") \
                            and "finglish" in kinds:
                        continue
                    if _corrupt(p, dup, k, rng):
                        kinds.append(k)
                dup["record_id"] = rid()
                truth[dup["record_id"]] = p.pid
                corruptions[dup["record_id"]] = kinds
                records.append(dup)
    order = list(range(len(records)))
    rng.shuffle(order)
    records = [records[i] for i in order]
    return Dataset(records, truth, corruptions, hard)


def true_pairs(truth: dict[str, int]) -> set[tuple[str, str]]:
    groups: dict[int, list[str]] = {}
    for r, p in truth.items():
        groups.setdefault(p, []).append(r)
    out = set()
    for g in groups.values():
        g.sort()
        for i in range(len(g)):
            for j in range(i + 1, len(g)):
                out.add((g[i], g[j]))
    return out
