"""A parsed query scored against one record (:func:`score_query`): identifiers, names
(the typed tokens assigned to first, last and father's name in the best order, a
half-typed last token weighted by how much is typed), birth date or year; the answer is a
:class:`Candidate` with its band and Persian reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import permutations

from samad_desk.matching import model as M
from samad_desk.matching.keys import osa_distance_le1
from samad_desk.matching.query_parse import Query
from samad_desk.matching.record import Name, Rec


@dataclass
class Candidate:
    record_id: str
    score: float
    band: str                     # "match" | "review" | "none"
    reasons: list[str] = field(default_factory=list)


def score_query(q: Query, r: Rec, memo: dict, tf: M.TermFreq, n_records: int) -> Candidate:
    """A typed query against one record: the score, its band and Persian reasons. ``memo``
    keeps name weights across the records of one search (they share names)."""
    P = M.PARAMS
    s = 0.0
    reasons: list[str] = []
    evidence = False
    # identifiers
    rk = r.id_key()
    qk = q.nid or q.nid_bad
    if rk and qk:
        if qk == rk:
            s += P["id_exact"]
            reasons.append("همان کد ملی")
            evidence = True
        elif osa_distance_le1(qk, rk):
            s += P["id_one_edit_invalid"] if not (q.nid and r.nid) else P["id_one_edit_valid"]
            reasons.append("کد ملی با یک رقم اختلاف")
            evidence = True
        else:
            s += P["id_diff"]
    elif rk and q.id_prefix and rk.startswith(q.id_prefix):
        s += min(1.0 * len(q.id_prefix), 8.0)
        reasons.append("کد ملی با همین آغاز")
    if q.mob and r.mob:
        if q.mob == r.mob:
            s += P["mobile_eq"]
            reasons.append("همان شماره همراه")
            evidence = True
        else:
            s += P["mobile_diff"]
    elif q.mob_prefix and r.mob and r.mob.startswith(q.mob_prefix):
        s += min(0.8 * len(q.mob_prefix), 6.0)
        reasons.append("شماره همراه با همین آغاز")
    # names
    if q.fields:
        fmap = {"first_name": (r.first, 0, P["first"]), "last_name": (r.last, 1, P["last"]),
                "father_name": (r.father, 2, P["father"])}
        ws = {}
        for f, n in q.fields.items():
            target, kk, p = fmap[f]
            ws[f] = _memo_weight(memo, n, target, kk, p, tf, q.prefix_last)
        s += sum(w for w, _ in ws.values())
        lv = {f: lvl for f, (_, lvl) in ws.items()}
    else:
        lv = {}
        toks = q.names[:3]
        if toks:
            fields = [(r.first, 0, P["first"]), (r.last, 1, P["last"]), (r.father, 2, P["father"])]
            grid = [[_memo_weight(memo, t, f[0], f[1], f[2], tf, q.prefix_last and j == len(toks) - 1)
                     for f in fields] for j, t in enumerate(toks)]
            best, best_perm = -1e9, None
            for perm in permutations(range(3), len(toks)):
                tot = sum(max(grid[j][perm[j]][0], 0.0) for j in range(len(toks)))
                if tot > best:
                    best, best_perm = tot, perm
            s += best
            names = ("first_name", "last_name", "father_name")
            for j, fi in enumerate(best_perm or ()):
                lv[names[fi]] = grid[j][fi][1]
    exactish = (M.EXACT, M.VARIANT)
    if lv.get("first_name") in exactish and lv.get("last_name") in exactish:
        reasons.append("همان نام و نام خانوادگی")
    elif any(v not in (None, M.MISSING, M.DISAGREE) for k2, v in lv.items() if k2 != "father_name"):
        reasons.append("نام مشابه")
    if lv.get("father_name") in exactish:
        reasons.append("همان نام پدر")
    # birth date
    if q.bd is not None and r.bd is not None:
        qd = _DateView(q.bd)
        dl = M.date_level(qd, r)  # type: ignore[arg-type]
        if dl == M.D_EXACT:
            s += P["date_exact"]
            reasons.append("همان تاریخ تولد")
            evidence = True
        elif dl == M.D_NEAR:
            s += P["date_near"]
            reasons.append("تاریخ تولد نزدیک")
            evidence = True
        elif dl == M.D_TYPO:
            s += P["date_typo"]
            reasons.append("تاریخ تولد نزدیک")
        elif dl == M.D_SAME_YEAR:
            s += P["date_same_year"]
        else:
            s += P["date_far"]
    elif q.year is not None and r.jy is not None:
        if q.year == r.jy:
            s += 2.0
            reasons.append("همان سال تولد")
        else:
            s -= 2.0
    band = M.band_of(s, 0 if evidence else 1, n_records)
    return Candidate(r.rid, s, band, reasons)


class _DateView:
    __slots__ = ("bd", "jy", "jm", "jd")

    def __init__(self, d: tuple) -> None:
        self.bd, self.jy, self.jm, self.jd = d


def _memo_weight(memo: dict, t: Name, target: Name | None, k: int, p: tuple, tf: M.TermFreq,
                 prefix: bool) -> tuple[float, int]:
    if target is None:
        return 0.0, M.MISSING
    key = (t.c, t.lat, target.c, target.lat, k, prefix)
    hit = memo.get(key)
    if hit is None:
        hit = memo[key] = _token_weight(t, target, k, p, tf, prefix)
    return hit


def _token_weight(t: Name, target: Name | None, k: int, p: tuple, tf: M.TermFreq,
                  prefix: bool) -> tuple[float, int]:
    if target is None:
        return 0.0, M.MISSING
    lvl = M.name_level(t, target, k == 0)
    if lvl == M.DISAGREE and prefix and len(t.c) >= 2 and target.c.startswith(t.c):
        lvl = M.PARTIAL
    if lvl == M.EXACT:
        return tf.weight(k, target.c, p[0], p[1], p[2]), lvl
    if lvl == M.PARTIAL and prefix and target.c.startswith(t.c):
        # half-typed: scale the exact weight by how much has been typed
        w = tf.weight(k, target.c, p[0], p[1], p[2]) * len(t.c) / max(len(target.c), 1)
        return max(w, p[5]), lvl
    return M._nw(lvl, k, t, tf, p), lvl
