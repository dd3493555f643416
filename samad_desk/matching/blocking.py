"""Blocking keys: two records are compared only when they share one (identity.md §5).

Never one common field alone. The keys of a record:

``i``  national ID: a valid ID, or an invalid one plus each valid one-edit neighbour of it;
``m``  canonical mobile (last 10 digits);
``d``  birth date + variant key of the first name, and birth date + last name (one tag for
       both, so a record with first and last name swapped still meets its twin);
``y``  first-name skeleton + last-name skeleton + Jalali birth year and month (Finglish,
       typos in vowels; with the year alone, 2-consonant skeletons made blocks of hundreds);
``f``  full-name skeleton without a date (Finglish with a wrong or missing date; common
       skeletons make huge blocks, so the batch caps block size);
``n``  first + last + father variant keys (no date: a wrong or missing date);
``p``/``q`` two of the three names plus the first two letters of the third (a typo).

Character bigrams of the compact full name are used by the as-you-type search (index.py);
in the 1M batch they would produce far too many pairs.
"""

from __future__ import annotations

from samad_desk.matching.record import Rec
from samad_desk.text.national_id import national_id_neighbours

_NB_CACHE: dict[str, list[str]] = {}


def id_neighbours(bad: str) -> list[str]:
    hit = _NB_CACHE.get(bad)
    if hit is None:
        hit = national_id_neighbours(bad)
        if len(_NB_CACHE) < 500_000:
            _NB_CACHE[bad] = hit
    return hit


def block_keys(r: Rec, wide: bool = False) -> list[str]:
    """String keys (tag + NUL-separated values) of one record.

    ``wide`` adds the ``f``/``p``/``q`` keys: the incremental index uses them (a lookup
    scores few candidates), the batch does not (on synthetic data they tripled the candidate
    pairs and found 0.2% of the true pairs that no other key found)."""
    keys: list[str] = []
    if r.nid:
        keys.append("i" + r.nid)
    elif r.nid_bad:
        keys.append("i" + r.nid_bad)
        keys.extend("i" + nb for nb in id_neighbours(r.nid_bad))
    if r.mob:
        keys.append("m" + r.mob)
    f, la = r.first, r.last
    if r.bd is not None:
        bd = str(r.bd)
        if f is not None:
            keys.append("d" + bd + "\0" + f.v)
        if la is not None:
            keys.append("d" + bd + "\0" + la.v)
    if f is not None and la is not None:
        if f.s and la.s:
            if r.jy is not None:
                keys.append(f"y{f.s}\0{la.s}\0{r.jy}\0{r.jm}")
            if wide:
                keys.append(f"f{f.s}\0{la.s}")
        fa = r.father
        if fa is not None:
            keys.append(f"n{f.v}\0{la.v}\0{fa.v}")
            if wide:  # a typo in one name: the other two plus the typo'd one's first two letters
                keys.append(f"p{f.v}\0{fa.v}\0{la.v[:2]}")
                keys.append(f"q{la.v}\0{fa.v}\0{f.v[:2]}")
    return keys
