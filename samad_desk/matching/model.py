"""The Fellegi–Sunter scorer (identity.md §5).

A pair's score is the sum of log₂(m/u) weights over comparison levels of each field; a missing
field weighs 0. Exact name agreement is term-frequency adjusted (u = how often the value occurs
in the data), so «محمد» earns far less than a rare name. Relatives share the *family* fields
(last name, father's name, mobile, city), which are far from independent: their positive
weights together are capped (``FAMILY_CAP``), so a sibling cannot score like a duplicate on
family evidence alone. Vetoes keep a pair out of an automatic merge whatever its score:

* the given names disagree outright (not a typo, variant, compound part or Finglish spelling);
* both birth dates are known and far apart (not ±1 day, day/month swapped, or a one-digit or
  swapped-digit year with the same day);
* (identity.md §3) the same national ID with different first name *and* birth date.

``PARAMS`` is the versioned parameter set (hand-set from the m/u reasoning in docs/matching.md
and tuned on synthetic seeds < 1000); screen and batch use the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rapidfuzz.distance import JaroWinkler

from samad_desk.matching.keys import GIVEN_NAMES, osa_distance_le1, shape
from samad_desk.matching.record import Name, Rec

PARAMS_VERSION = "2026.11.28-1"

# name comparison levels
MISSING, EXACT, VARIANT, TYPO, PARTIAL, SKEL, SKEL_NEAR, DISAGREE = range(8)
LEVEL_NAMES = ("missing", "exact", "variant", "typo", "partial", "skeleton", "skeleton_near",
               "disagree")

PARAMS: dict = {
    # field: (m_exact, tf_lo, tf_hi, variant, typo, partial, skel, skel_near, disagree)
    "first": (0.88, 2.0, 11.0, 5.0, 4.0, 2.5, 5.0, 2.5, -8.0),
    "last": (0.85, 3.0, 12.0, 6.0, 5.0, 2.0, 5.0, 2.5, -9.0),
    "father": (0.80, 1.0, 6.0, 4.0, 3.0, 1.5, 3.0, 1.0, -7.0),
    "id_exact": 10.0, "id_one_edit_invalid": 6.0, "id_one_edit_valid": 3.0, "id_diff": -6.0,
    "date_exact": 9.0, "date_near": 5.5, "date_typo": 2.5, "date_same_year": -2.0, "date_far": -7.0,
    "mobile_eq": 7.0, "mobile_diff": -1.5,
    "city_eq": 0.3, "city_diff": -1.5,
    "swap_penalty": 1.0,
    "family_cap": 14.0,
    "upper": 11.0,   # ≥ upper and no veto: same person (merge proposal / «احتمالاً همین شهروند»)
    "lower": 5.0,    # ≥ lower: review band
    "prior_log2": -16.0,  # log₂ prior odds of a match for a random pair in a large cache
}

BAND_MATCH, BAND_REVIEW, BAND_NONE = "match", "review", "none"


class TermFreq:
    """Counts of each compact name value per field (first/last/father), kept incrementally."""

    __slots__ = ("counts", "totals", "_w")

    def __init__(self) -> None:
        self._w: dict = {}  # weight cache, emptied whenever a count changes
        self.counts: tuple[dict[str, int], dict[str, int], dict[str, int]] = ({}, {}, {})
        self.totals = [0, 0, 0]

    def add(self, r: Rec, sign: int = 1) -> None:
        if self._w:
            self._w = {}
        for k, n in enumerate((r.first, r.last, r.father)):
            if n is not None:
                c = self.counts[k]
                v = c.get(n.c, 0) + sign
                if v > 0:
                    c[n.c] = v
                else:
                    c.pop(n.c, None)
                self.totals[k] += sign

    def common_pair(self, k: int, x: str, y: str) -> bool:
        """Both values are established in the data (neither looks like a typo of the other)."""
        c = self.counts[k]
        cx, cy = c.get(x, 0), c.get(y, 0)
        lo, hi = (cx, cy) if cx < cy else (cy, cx)
        return lo >= 5 and lo * 5 >= hi

    def weight(self, k: int, value: str, m: float, lo: float, hi: float) -> float:
        key = (k, value, m)
        w = self._w.get(key)
        if w is None:
            w = self._w[key] = self._weight(k, value, m, lo, hi)
        return w

    def _weight(self, k: int, value: str, m: float, lo: float, hi: float) -> float:
        total = self.totals[k]
        if total <= 0:
            return hi
        cnt = self.counts[k].get(value, 1)
        # smooth small caches: pretend the value is at least 1 in 50k
        u = max(cnt / total, 1 / 50_000)
        w = math.log2(m / u)
        return lo if w < lo else hi if w > hi else w


_LEVEL_CACHE: dict[tuple[str, str, bool, bool, bool], int] = {}


def name_level(x: Name | None, y: Name | None, given: bool = False) -> int:
    """Comparison level of two name fields (see the module doc)."""
    if x is None or y is None:
        return MISSING
    xc, yc = x.c, y.c
    if xc == yc:
        return EXACT
    key = (xc, yc, x.lat, y.lat, given)
    hit = _LEVEL_CACHE.get(key)
    if hit is not None:
        return hit
    lvl = _name_level(x, y, given)
    if len(_LEVEL_CACHE) < 3_000_000:
        _LEVEL_CACHE[key] = lvl
    return lvl


# parts of compound family names that say nothing alone (خسروزاده / دولت‌زاده)
_AFFIXES = frozenset({"زاده", "پور", "نژاد", "فر", "راد", "نیا", "منش", "ی", "ان", "یان", "لو",
                      "وند", "خانی", "آبادی", "ابادی", "میر", "حاج", "حاجی"})


def _partial(a: str, b: str) -> bool:
    """One compact name is a compound part of the other (≥ 2 letters, remainder ≥ 2 letters)."""
    if len(a) > len(b):
        a, b = b, a
    if len(a) < 2 or len(b) - len(a) < 2:
        return False
    return b.startswith(a) or b.endswith(a)


def _name_level(x: Name, y: Name, given: bool) -> int:
    if x.lat != y.lat:  # Finglish on one side: only the consonant skeletons can agree
        if x.s and x.s == y.s:
            # a two-consonant skeleton is shared by many names (md: محمد, احمد, حامد, مهدی)
            # unless the vowel at either end agrees too (Mohammad/محمد but not Mahdi/محمد)
            return SKEL if len(x.s) >= 3 or shape(x.c) == shape(y.c) else SKEL_NEAR
        if len(x.s) >= 2 and len(y.s) >= 2 and max(len(x.s), len(y.s)) >= 3 and osa_distance_le1(x.s, y.s):
            return SKEL_NEAR
        if _partial(x.s, y.s) and min(len(x.s), len(y.s)) >= 2:
            return PARTIAL
        return DISAGREE
    if x.v == y.v:
        return VARIANT
    if (len(x.t) > 1 or len(y.t) > 1) and (set(x.t) & set(y.t)) - _AFFIXES:
        return PARTIAL
    if _partial(x.c, y.c):
        return PARTIAL
    if given and x.c in GIVEN_NAMES and y.c in GIVEN_NAMES:
        return DISAGREE  # two different well-known names, e.g. حسن / حسین
    n = min(len(x.c), len(y.c))
    if n >= 3 and osa_distance_le1(x.c, y.c):
        return TYPO
    if n >= 5 and JaroWinkler.normalized_similarity(x.c, y.c) >= 0.92:
        return TYPO
    return DISAGREE


# map a level to its index in the PARAMS tuples
_IDX = {VARIANT: 3, TYPO: 4, PARTIAL: 5, SKEL: 6, SKEL_NEAR: 7, DISAGREE: 8}


def _nw(lvl: int, k: int, x: Name | None, tf: TermFreq, p: tuple) -> float:
    if lvl == MISSING:
        return 0.0
    if lvl == EXACT:
        return tf.weight(k, x.c, p[0], p[1], p[2])  # type: ignore[union-attr]
    return p[_IDX[lvl]]


def _both_given(x: Name | None, y: Name | None) -> bool:
    """Both names present and both well-known given names (``GIVEN_NAMES``)."""
    return x is not None and y is not None and x.c in GIVEN_NAMES and y.c in GIVEN_NAMES


# date levels
D_MISSING, D_EXACT, D_NEAR, D_SAME_YEAR, D_FAR, D_TYPO = range(6)


def date_level(a: Rec, b: Rec) -> int:
    if a.bd is None or b.bd is None:
        return D_MISSING
    if a.bd == b.bd:
        return D_EXACT
    if abs(a.bd - b.bd) <= 1:
        return D_NEAR
    ay, am, ad, by, bm, bdd = a.jy, a.jm, a.jd, b.jy, b.jm, b.jd
    if ay == by:
        if am == bdd and ad == bm:
            return D_NEAR  # day and month swapped
        if am == bm and _one_digit(ad, bdd):
            return D_TYPO
        if ad == bdd and _one_digit(am, bm):
            return D_TYPO
        return D_SAME_YEAR
    if am == bm and ad == bdd and _one_digit(ay, by):
        return D_TYPO  # 1365 / 1356, 1365 / 1355
    return D_FAR


def _one_digit(x: int | None, y: int | None) -> bool:
    """One digit apart, or the same digits in another order (a date part is never None
    once its date is set: ``Rec`` sets them together)."""
    if x is None or y is None:
        return False
    sx, sy = str(x), str(y)
    return len(sx) == len(sy) and (
        sum(1 for c, d in zip(sx, sy, strict=True) if c != d) == 1 or sorted(sx) == sorted(sy))


# national-ID levels
I_MISSING, I_EXACT, I_ONE_INVALID, I_ONE_VALID, I_DIFF = range(5)


def id_level(a: Rec, b: Rec) -> int:
    ka = a.nid or a.nid_bad
    kb = b.nid or b.nid_bad
    if ka is None or kb is None:
        return I_MISSING
    if ka == kb:
        return I_EXACT
    if osa_distance_le1(ka, kb):
        return I_ONE_VALID if (a.nid and b.nid) else I_ONE_INVALID
    return I_DIFF


@dataclass
class PairScore:
    score: float
    veto: int
    levels: dict

    @property
    def band(self) -> str:
        return band_of(self.score, self.veto)


def upper_for(n: int | None) -> float:
    """The upper cut-off for a cache of ``n`` records: the prior odds of a match for a pair
    fall as the cache grows (more namesakes born the same day), so the bar rises by
    log₂(n / 200,000) above 200k records (tuned at 20k–200k; +2.3 at 1M)."""
    if not n or n <= SCALE_BASE:
        return PARAMS["upper"]
    return PARAMS["upper"] + math.log2(n / SCALE_BASE)


SCALE_BASE = 200_000


def band_of(score: float, veto: int, n: int | None = None) -> str:
    if score >= upper_for(n) and not veto:
        return BAND_MATCH
    if score >= PARAMS["lower"]:
        return BAND_REVIEW
    return BAND_NONE


def match_probability(score: float) -> float:
    w = score + PARAMS["prior_log2"]
    if w > 60:
        return 1.0
    odds = 2.0 ** w
    return odds / (1 + odds)


_P = PARAMS
_STRONG = (EXACT, VARIANT, SKEL)


def score_pair(a: Rec, b: Rec, tf: TermFreq) -> tuple[float, int]:
    """(score, veto) of a pair: the hot path of batch de-duplication.

    veto 0: none; 1: this pair alone must not merge (review at most); 2: strong, the two are
    different people (also kept apart inside a cluster)."""
    pf, pl, pfa = _P["first"], _P["last"], _P["father"]
    lf = name_level(a.first, b.first, True)
    ll = name_level(a.last, b.last)
    if ll == TYPO and tf.common_pair(1, a.last.c, b.last.c):  # type: ignore[union-attr]
        ll = DISAGREE  # احمدی / محمدی: two established surnames, not a typo
    if lf == TYPO and tf.common_pair(0, a.first.c, b.first.c):  # type: ignore[union-attr]
        lf = DISAGREE
    if (lf == DISAGREE or ll == DISAGREE) and a.first and a.last and b.first and b.last:
        xf = name_level(a.first, b.last, True)
        xl = name_level(a.last, b.first, True)
        if xf not in (DISAGREE, MISSING) and xl not in (DISAGREE, MISSING) and \
                (xf in _STRONG or xl in _STRONG):
            s = _nw(xf, 0, a.first, tf, pf) + _nw(xl, 1, a.last, tf, pl) - _P["swap_penalty"]
            lf = ll = -1
        else:
            s = _nw(lf, 0, a.first, tf, pf) + _nw(ll, 1, a.last, tf, pl)
    else:
        s = _nw(lf, 0, a.first, tf, pf) + _nw(ll, 1, a.last, tf, pl)
    # family evidence: last name (already in s if positive), father, mobile, city — capped
    lfa = name_level(a.father, b.father, True)
    wfa = _nw(lfa, 2, a.father, tf, pfa)
    wl = _nw(ll, 1, a.last, tf, pl) if ll >= 0 else 0.0
    fam_pos = max(wl, 0.0) + max(wfa, 0.0)
    fam_neg = min(wfa, 0.0) + min(wl, 0.0)
    if a.mob is not None and b.mob is not None:
        if a.mob == b.mob:
            fam_pos += _P["mobile_eq"]
        else:
            fam_neg += _P["mobile_diff"]
    if a.city and b.city:
        if a.city == b.city:
            fam_pos += _P["city_eq"]
        else:
            fam_neg += _P["city_diff"]
    cap = _P["family_cap"]
    family = (fam_pos if fam_pos < cap else cap) + fam_neg
    if ll >= 0:
        s -= wl  # the last name is counted inside the family group
    s += family
    dl = date_level(a, b)
    if dl == D_EXACT:
        s += _P["date_exact"]
    elif dl == D_NEAR:
        s += _P["date_near"]
    elif dl == D_TYPO:
        s += _P["date_typo"]
    elif dl == D_SAME_YEAR:
        s += _P["date_same_year"]
    elif dl == D_FAR:
        s += _P["date_far"]
    il = id_level(a, b)
    if il == I_EXACT:
        s += _P["id_exact"]
    elif il == I_ONE_INVALID:
        s += _P["id_one_edit_invalid"]
    elif il == I_ONE_VALID:
        s += _P["id_one_edit_valid"]
    elif il == I_DIFF:
        s += _P["id_diff"]
    # a compound given name against one of its parts (محمدحسین / محمد) is how records of one
    # person differ, but also how twins are named: two different valid IDs settle it
    # 2: a strong veto (also keeps the two apart inside a cluster); 1: just no merge by this pair
    veto = 0
    if dl == D_FAR or (lf == PARTIAL and il == I_DIFF):
        veto = 2
    elif lf == DISAGREE and a.first is not None and b.first is not None:  # DISAGREE: both given
        veto = 2 if (_both_given(a.first, b.first) or tf.common_pair(0, a.first.c, b.first.c)) else 1
    elif lf == PARTIAL and il != I_EXACT and dl != D_EXACT and _both_given(a.first, b.first):
        veto = 1  # امیر / امیرحسین are also brothers' names: need the same ID or birth date
    elif lfa == DISAGREE and _both_given(a.father, b.father):
        veto = 1  # two different, well-known fathers' names
    elif dl not in (D_EXACT, D_NEAR) and il not in (I_EXACT, I_ONE_INVALID, I_ONE_VALID) \
            and not (a.mob is not None and a.mob == b.mob):
        veto = 1  # names alone never merge: no ID, mobile or birth date agrees
    return s, veto


_ID_REASON = {I_EXACT: "همان کد ملی", I_ONE_INVALID: "کد ملی با یک رقم اختلاف",
              I_ONE_VALID: "کد ملی با یک رقم اختلاف"}
_DATE_REASON = {D_EXACT: "همان تاریخ تولد", D_NEAR: "تاریخ تولد نزدیک"}


def reasons(a: Rec, b: Rec) -> list[str]:
    """Persian reasons for showing b as a candidate for a (strongest first)."""
    out: list[str] = []
    il = id_level(a, b)
    if il in _ID_REASON:
        out.append(_ID_REASON[il])
    if a.mob is not None and a.mob == b.mob:
        out.append("همان شماره همراه")
    lf = name_level(a.first, b.first, True)
    ll = name_level(a.last, b.last)
    if lf == EXACT and ll == EXACT:
        out.append("همان نام و نام خانوادگی")
    elif lf not in (MISSING, DISAGREE) or ll not in (MISSING, DISAGREE):
        if SKEL in (lf, ll) and (a.first and a.first.lat or b.first and b.first.lat):
            out.append("نام مشابه (لاتین)")
        else:
            out.append("نام مشابه")
    lfa = name_level(a.father, b.father, True)
    if lfa == EXACT:
        out.append("همان نام پدر")
    dl = date_level(a, b)
    if dl in _DATE_REASON:
        out.append(_DATE_REASON[dl])
    return out


def explain(a: Rec, b: Rec, tf: TermFreq) -> PairScore:
    s, veto = score_pair(a, b, tf)
    return PairScore(s, veto, {
        "first": LEVEL_NAMES[name_level(a.first, b.first, True)],
        "last": LEVEL_NAMES[name_level(a.last, b.last)],
        "father": LEVEL_NAMES[name_level(a.father, b.father, True)],
        "date": ("missing", "exact", "near", "same_year", "far", "digit_typo")[date_level(a, b)],
        "national_id": ("missing", "exact", "one_edit", "one_edit_valid", "different")[id_level(a, b)],
        "mobile": "missing" if a.mob is None or b.mob is None else "equal" if a.mob == b.mob else "different",
    })
