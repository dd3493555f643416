"""Name-specific matching keys (identity.md §2, §4).

The general folding (ي→ی, ZWNJ, digits …) lives in ``samad_desk.text.normalize``
(``name_key`` / ``compact_key``); this module adds what only name matching needs:

* title stripping (سید / سیده / سادات → a ``sayyed`` flag with no weight),
* a secondary *variant* key from a small hand-kept table (مرتضی/مرتضا, عسگری/عسکری …),
* the cross-script consonant *skeleton* (Persian and Finglish give the same string),
* character bigrams of a compact name (free-text search),
* a list of common given names, so that two *different* well-known names that happen to be
  one edit apart (حسن/حسین, محمد/احمد) are not mistaken for a typo.
"""

from __future__ import annotations

import re

# ---------------------------------------------------------------- titles
TITLES = frozenset({"سید", "سیده", "سادات", "seyed", "seyyed", "sayed", "sayyed", "seied", "sadat",
                    "seyedeh", "sayyedeh", "seyede"})
# stripped only for a secondary key: میرحسینی and حاجی‌زاده are family names
SOFT_PREFIXES = ("میر", "حاجی", "حاج")

_LATIN = re.compile(r"[A-Za-z]")
_NON_LATIN_LETTER = re.compile(r"[^a-z ]+")


def is_latin(text: str) -> bool:
    """True when the name is typed in Latin letters (Finglish)."""
    return bool(_LATIN.search(text))


def latin_key(text: str) -> str:
    """Lower-case Latin letters and single spaces (the ``name_key`` of a Finglish name)."""
    return " ".join(_NON_LATIN_LETTER.sub(" ", text.lower()).split())


def strip_titles(tokens: list[str]) -> tuple[list[str], bool]:
    """Remove سید/سیده/سادات tokens (anywhere); returns (tokens, had_title)."""
    kept = [t for t in tokens if t not in TITLES]
    if not kept:  # a name that is only a title: keep it as typed
        return tokens, False
    return kept, len(kept) != len(tokens)


# ---------------------------------------------------------------- variants
_VARIANT_WORDS = {
    "اسمعیل": "اسماعیل",
    "داوود": "داود",
    "طاها": "طه",
    "یحیی": "یحیی",
}
_VARIANT_SUBSTR = (("الله", "اله"), ("گ", "ک"), ("ئ", "ی"), ("ؤ", "و"), ("آ", "ا"))


def variant_key(compact: str) -> str:
    """Secondary key where spelling variants that survive folding coincide.

    Final ی/ا (مرتضی/مرتضا), ک/گ (عسکری/عسگری), اسمعیل/اسماعیل, داوود/داود,
    عبداللهی/عبدالهی. Never shown; only compared."""
    if not compact:
        return compact
    for a, b in _VARIANT_WORDS.items():
        if a in compact:
            compact = compact.replace(a, b)
    for a, b in _VARIANT_SUBSTR:
        if a in compact:
            compact = compact.replace(a, b)
    if len(compact) >= 3 and compact[-1] == "ا":
        compact = compact[:-1] + "ی"
    return compact


def soft_key(compact: str) -> str:
    """Variant key with میر/حاج/حاجی stripped (a secondary key only)."""
    v = variant_key(compact)
    for p in SOFT_PREFIXES:
        if v.startswith(p) and len(v) - len(p) >= 3:
            return v[len(p):]
    return v


# ---------------------------------------------------------------- skeleton
_FA_SKEL = str.maketrans({
    "ا": None, "آ": None, "ع": None, "ء": None, "ئ": None, "ؤ": None, "ه": None, "ح": None,
    "ی": None, "و": None, "ي": None, "ى": None, "أ": None, "إ": None, "ة": None, "ۀ": None,
    "ث": "s", "س": "s", "ص": "s",
    "ذ": "z", "ز": "z", "ض": "z", "ظ": "z",
    "ت": "t", "ط": "t",
    "غ": "G", "ق": "G",
    "خ": "X", "ش": "S", "چ": "C", "ژ": "J",
    "ک": "k", "گ": "k", "ك": "k",
    "ب": "b", "پ": "p", "ف": "f", "ج": "j", "د": "d", "ر": "r", "ل": "l", "م": "m", "ن": "n",
    " ": None, "\u200c": None,
})
_LAT_DIGRAPHS = (("kh", "X"), ("gh", "G"), ("sh", "S"), ("ch", "C"), ("zh", "J"))
_LAT_SKEL = str.maketrans({
    "a": None, "e": None, "i": None, "o": None, "u": None, "y": None, "v": None, "h": None,
    "w": None, "'": None, "`": None, " ": None, "-": None,
    "q": "G", "x": "X", "c": "k", "g": "k",
})
_DOUBLES = re.compile(r"(.)\1+")


def skeleton(text: str) -> str:
    """Consonant skeleton, the same for a Persian name and its Finglish spelling.

    محمد → "md", Mohammad → "md"; حسینی → "sn", Hosseini → "sn"."""
    if not text:
        return ""
    if is_latin(text):
        s = latin_key(text)
        for a, b in _LAT_DIGRAPHS:
            if a in s:
                s = s.replace(a, b)
        s = s.translate(_LAT_SKEL)
    else:
        s = text.translate(_FA_SKEL)
        s = "".join(ch for ch in s if ch.isascii())
    return _DOUBLES.sub(r"\1", s)


def shape(text: str) -> tuple[str, str, str]:
    """(how it starts: vowel/h/consonant, skeleton, how it ends) — the same for a Persian name
    and its usual Finglish spelling, and sharper than the skeleton alone: Mohammad/محمد
    (c, md, C), Ahmad/احمد (v, md, C), Hamed/حامد (h, md, C), Mahdi/مهدی (c, md, i)."""
    if not text:
        return ("", "", "")
    if is_latin(text):
        s = latin_key(text).replace(" ", "")
        if not s:
            return ("", "", "")
        start = "v" if s[0] in "aeiou" else "h" if s[0] == "h" else "c"
        end = "i" if s[-1] in "iy" else "e" if s.endswith(("eh", "e")) else \
            "a" if s[-1] in "a" else "u" if s[-1] in "ou" else "C"
    else:
        s = text.replace(" ", "").replace("\u200c", "")
        start = "v" if s[0] in "اآعئ" else "h" if s[0] in "حه" else "c"
        last = s[-1]
        end = "i" if last == "ی" else "e" if last == "ه" else "a" if last == "ا" else \
            "u" if last == "و" else "C"
    return (start, skeleton(text), end)


# ---------------------------------------------------------------- n-grams
def bigrams(compact: str) -> set[str]:
    """Character bigrams of a compact name (a single-letter name gives itself)."""
    if len(compact) < 2:
        return {compact} if compact else set()
    return {compact[i:i + 2] for i in range(len(compact) - 1)}


# ---------------------------------------------------------------- edit distance
def osa_distance_le1(a: str, b: str) -> bool:
    """True when a and b are at most one substitution, insertion, deletion or adjacent
    transposition apart (fast path without a full DP)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        if len(diff) == 2 and diff[1] == diff[0] + 1:
            i = diff[0]
            return a[i] == b[i + 1] and a[i + 1] == b[i]
        return False
    if la > lb:
        a, b = b, a
        la, lb = lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


# ---------------------------------------------------------------- known given names
# Common Iranian given names (compact, folded). Two *different* names from this list are
# never a typo of each other, even one edit apart (حسن/حسین, محمد/احمد, علی/ولی).
GIVEN_NAMES_MALE = (
    "محمد علی حسین مهدی رضا حسن امیر محمدرضا امیرحسین ابوالفضل علیرضا محمدحسین مصطفی "
    "حمید سعید مجید احمد جواد محمود محسن ابراهیم اسماعیل یوسف یعقوب عباس اکبر اصغر "
    "قاسم هادی مرتضی مجتبی کاظم جعفر صادق باقر تقی نقی هاشم ناصر منصور بهروز بهزاد "
    "فرهاد فرزاد فریدون کامران کیوان آرش آرین پارسا پوریا سینا امید وحید نوید مسعود "
    "مهران مهرداد سجاد سهیل ساسان سامان سیاوش شهرام شاهین کوروش داریوش داود عبدالله "
    "عبدالرضا غلامرضا غلامحسین نصرالله حبیب حمیدرضا محمدجواد محمدمهدی محمدعلی علی‌اکبر "
    "اسدالله روح‌الله فتح‌الله یدالله ولی رحیم کریم رسول اسمعیل موسی عیسی یحیی زکریا "
    "طاها یاسین یاسر ماهان متین نیما بردیا بنیامین ایلیا آرمان آرمین پویا پیمان رامین "
    "رامتین شایان عرفان میلاد حامد حمزه خلیل جلیل جمال کمال نادر بهمن بیژن منوچهر "
    "اکبرعلی قربان رمضان شعبان"
).split()
GIVEN_NAMES_FEMALE = (
    "فاطمه زهرا مریم معصومه زینب سکینه طاهره اعظم اشرف فرشته مرضیه منیژه نرگس نسرین "
    "لیلا سمیه الهام الهه ریحانه نازنین‌زهرا فاطمه‌زهرا حدیثه هانیه حانیه کوثر مائده "
    "محدثه مهسا مهدیه منیره ملیحه مینا نسیم نگار نیلوفر پریسا پروین پروانه ژیلا رویا "
    "رقیه ربابه صدیقه صغری کبری طیبه عاطفه عفت فرزانه فریبا فرح فهیمه گلناز گلاره "
    "هستی هدی هدیه یاسمن یاسمین سارا سحر سمانه سیما شیرین شهلا شهناز شیوا طاهره "
    "آتنا آیدا آناهیتا آزاده اکرم بهاره بتول تینا ثریا جمیله حمیده خدیجه راضیه رعنا "
    "زیبا ستاره سودابه سوسن سپیده شبنم شقایق صبا صفورا عذرا فرناز فروغ کیمیا "
    "لادن ماهرخ مهناز مهین میترا ناهید نجمه نرجس نفیسه وجیهه"
).split()


def _fold(name: str) -> str:
    return name.replace("\u200c", "").replace(" ", "").replace("آ", "ا")


GIVEN_NAMES = frozenset(_fold(n) for n in GIVEN_NAMES_MALE + GIVEN_NAMES_FEMALE)
GIVEN_NAMES_V = frozenset(variant_key(n) for n in GIVEN_NAMES)


def both_known_distinct(a: str, b: str) -> bool:
    """Two different well-known given names (never a typo of each other)."""
    return a != b and a in GIVEN_NAMES and b in GIVEN_NAMES and variant_key(a) != variant_key(b)
