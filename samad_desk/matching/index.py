"""The incremental citizen index: blocking dicts, name vocabularies and as-you-type search.

``CitizenIndex`` holds prepared records and updates in place when one citizen is added,
changed or removed (no rebuild). Two entry points:

* :meth:`CitizenIndex.match` — candidates for a full record (the ``lookup`` batch command,
  and "is this new citizen already here?" before saving): the batch blocking keys plus the
  wide ones, scored with the same :func:`model.score_pair` as ``dedupe``.
* :meth:`CitizenIndex.search` — the lookup screen: a partial query (free text, or a dict
  of fields) typed so far → the best ``k`` :class:`Candidate`s with Persian reasons. Exact
  dicts first (ID, ID neighbours, mobile, ID/mobile prefixes), then names through the
  vocabulary of distinct name values (exact, prefix by ``bisect``, rapidfuzz over the
  vocabulary, consonant skeleton for Finglish), then scoring of a bounded candidate set.
  The query is read by ``query_parse.py`` and each candidate scored by ``query_score.py``.

Pure Python + rapidfuzz; no Textual. A Textual worker calls ``search`` after a debounce.
"""

from __future__ import annotations

import bisect
import gc
import os
import pickle
from collections.abc import Iterable
from itertools import islice
from pathlib import Path

from rapidfuzz import fuzz, process

from samad_desk.matching import model as M
from samad_desk.matching.blocking import block_keys, id_neighbours
from samad_desk.matching.keys import bigrams, shape
from samad_desk.matching.query_parse import parse_query
from samad_desk.matching.query_score import Candidate, score_query
from samad_desk.matching.record import Name, Rec, prep_name

MAX_CANDIDATES = 120      # records scored per query at most
COMMON_MIN = 3            # fuzzy search runs over values seen at least this often…
SMALL_VOCAB = 5_000      # …unless the whole vocabulary is this small
GRAM_POSTING_MAX = 4_000  # bigram postings longer than this are not scanned
SINGLE_LIMIT = 12         # records per similar value when only one name is typed
BIG_BLOCK = 400           # a blocking key shared by more records is not used by match()


def _ids(lst: list[int] | None) -> list[int]:
    return lst if lst is not None else []


class CitizenIndex:
    """Prepared citizens with incremental blocking dicts and vocabularies."""

    def __init__(self, records: Iterable[dict] = ()) -> None:
        self.recs: dict[int, Rec] = {}
        self.by_rid: dict[str, int] = {}
        self.tf = M.TermFreq()
        self.blocks: dict[str, list[int]] = {}
        self.by_first: dict[str, list[int]] = {}
        self.by_last: dict[str, list[int]] = {}
        self.by_name: dict[str, list[int]] = {}
        self.vocab_count: dict[str, int] = {}
        self.vocab: list[str] = []            # sorted distinct first/last name values
        self.skel_vocab: dict[str, set[str]] = {}
        self.common: list[str] = []           # values with count ≥ COMMON_MIN (unordered)
        self.vocab_grams: dict[str, set[str]] = {}  # bigram → Persian vocabulary values
        self.id_sorted: list[str] = []        # sorted distinct IDs (valid or not)
        self.mob_sorted: list[str] = []
        self._next = 0
        self._bulk = False
        recs = list(records)
        if recs:
            self._bulk = True
            gc_was = gc.isenabled()
            gc.disable()
            try:
                for raw in recs:
                    self.add(raw)
            finally:
                if gc_was:
                    gc.enable()
            self._bulk = False
            self.vocab = sorted(self.vocab_count)
            self.id_sorted = sorted({k for r in self.recs.values() if (k := r.id_key())})
            self.mob_sorted = sorted({r.mob for r in self.recs.values() if r.mob})

    def __len__(self) -> int:
        return len(self.recs)

    # ------------------------------------------------------------------ persistence
    FORMAT = 1

    def save(self, path: str | Path, stamp: str = "") -> None:
        """Write the index beside the cache (pickle; ~4× faster to load than to rebuild).
        ``stamp`` is the caller's cache version: :meth:`load` refuses a different one."""
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        header = {"format": self.FORMAT, "params": M.PARAMS_VERSION, "stamp": stamp}
        with open(tmp, "wb") as fh:
            pickle.dump(header, fh, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(self, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | Path, stamp: str = "") -> CitizenIndex | None:
        """The saved index, or None when missing, unreadable, or built with other parameters,
        another format or another cache ``stamp`` (then rebuild it). Only load files this
        desk wrote itself: pickle runs code from the file."""
        gc_was = gc.isenabled()
        gc.disable()  # millions of new objects: the cyclic GC would rescan them over and over
        try:
            with open(path, "rb") as fh:
                header = pickle.load(fh)
                if header != {"format": cls.FORMAT, "params": M.PARAMS_VERSION, "stamp": stamp}:
                    return None
                index = pickle.load(fh)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError, TypeError):
            return None
        finally:
            if gc_was:
                gc.enable()
        return index if isinstance(index, cls) else None

    # ------------------------------------------------------------------ maintenance
    def add(self, raw: dict) -> int:
        """Add (or replace, by record_id) one record; returns its internal id."""
        rid = str(raw.get("record_id", raw.get("id", "")))
        if rid and rid in self.by_rid:
            self.remove(rid)
        i = self._next
        self._next += 1
        r = Rec(i, raw)
        if not rid:
            r.rid = str(i)
        self.recs[i] = r
        self.by_rid[r.rid] = i
        self.tf.add(r)
        for k in block_keys(r, wide=True):
            self.blocks.setdefault(k, []).append(i)
        f, la = r.first, r.last
        if f is not None:
            self.by_first.setdefault(f.c, []).append(i)
            self._vocab_add(f)
        if la is not None:
            self.by_last.setdefault(la.c, []).append(i)
            self._vocab_add(la)
        if f is not None and la is not None:
            self.by_name.setdefault(f.c + "\0" + la.c, []).append(i)
        if not self._bulk:
            idk = r.id_key()
            if idk:
                _insort_unique(self.id_sorted, idk)
            if r.mob:
                _insort_unique(self.mob_sorted, r.mob)
        return i

    update = add

    def remove(self, record_id: str) -> bool:
        i = self.by_rid.pop(str(record_id), None)
        if i is None:
            return False
        r = self.recs.pop(i)
        self.tf.add(r, -1)
        for k in block_keys(r, wide=True):
            _discard(self.blocks, k, i)
        f, la = r.first, r.last
        if f is not None:
            _discard(self.by_first, f.c, i)
            self._vocab_remove(f)
        if la is not None:
            _discard(self.by_last, la.c, i)
            self._vocab_remove(la)
        if f is not None and la is not None:
            _discard(self.by_name, f.c + "\0" + la.c, i)
        idk = r.id_key()
        if idk and ("i" + idk) not in self.blocks:
            _remove_sorted(self.id_sorted, idk)
        if r.mob and ("m" + r.mob) not in self.blocks:
            _remove_sorted(self.mob_sorted, r.mob)
        return True

    def _vocab_add(self, n: Name) -> None:
        c = self.vocab_count.get(n.c, 0)
        self.vocab_count[n.c] = c + 1
        if c + 1 == COMMON_MIN:
            self.common.append(n.c)
        if c == 0:
            if not self._bulk:
                bisect.insort(self.vocab, n.c)
            if n.s:
                self.skel_vocab.setdefault(n.s, set()).add(n.c)
            if not n.lat:
                for g in bigrams(n.c):
                    self.vocab_grams.setdefault(g, set()).add(n.c)

    def _vocab_remove(self, n: Name) -> None:
        c = self.vocab_count.get(n.c, 0) - 1
        if c == COMMON_MIN - 1:
            try:
                self.common.remove(n.c)
            except ValueError:
                pass
        if c > 0:
            self.vocab_count[n.c] = c
            return
        self.vocab_count.pop(n.c, None)
        _remove_sorted(self.vocab, n.c)
        if n.s in self.skel_vocab:
            self.skel_vocab[n.s].discard(n.c)
            if not self.skel_vocab[n.s]:
                del self.skel_vocab[n.s]
        for g in bigrams(n.c):
            post = self.vocab_grams.get(g)
            if post is not None:
                post.discard(n.c)
                if not post:
                    del self.vocab_grams[g]

    def get(self, record_id: str) -> dict | None:
        i = self.by_rid.get(str(record_id))
        return None if i is None else self.recs[i].raw

    # ------------------------------------------------------------------ full-record match
    def match(self, raw: dict, k: int = 5, *, min_band: str = M.BAND_REVIEW) -> list[Candidate]:
        """Best ``k`` cached records for a full record, scored like ``dedupe``."""
        q = Rec(-1, raw)
        seen: set[int] = set()
        for key in block_keys(q, wide=True):
            lst = self.blocks.get(key)
            if lst and len(lst) <= BIG_BLOCK:
                seen.update(lst)
        out = []
        for i in seen:
            r = self.recs[i]
            s, veto = M.score_pair(q, r, self.tf)
            band = M.band_of(s, veto, len(self.recs))
            if min_band == M.BAND_MATCH and band != M.BAND_MATCH:
                continue
            if min_band == M.BAND_REVIEW and band == M.BAND_NONE:
                continue
            out.append(Candidate(r.rid, s, band, []))
        out.sort(key=lambda c: (-c.score, c.record_id))
        out = out[:k]
        for c in out:
            c.reasons = M.reasons(q, self.recs[self.by_rid[c.record_id]])
        return out

    # ------------------------------------------------------------------ as-you-type search
    def search(self, query: str | dict, k: int = 5) -> list[Candidate]:
        """Candidates for what the agent has typed so far (best first, at most ``k``)."""
        q = parse_query(query, self.vocab_count, self.by_last)
        cands: dict[int, None] = {}  # internal ids, in retrieval order

        def take(ids: Iterable[int] | None, limit: int = MAX_CANDIDATES) -> None:
            if not ids:
                return
            n = 0
            for i in ids:
                if len(cands) >= MAX_CANDIDATES or n >= limit:
                    return
                cands[i] = None
                n += 1

        # exact identifiers
        if q.nid:
            take(self.blocks.get("i" + q.nid))
        if q.nid_bad:
            take(self.blocks.get("i" + q.nid_bad))
            for nb in id_neighbours(q.nid_bad):
                take(self.blocks.get("i" + nb))
        if q.mob:
            take(self.blocks.get("m" + q.mob))
        if q.id_prefix and len(q.id_prefix) >= 4:
            for v in _prefixed(self.id_sorted, q.id_prefix, 10):
                take(self.blocks.get("i" + v), 3)
        if q.mob_prefix and len(q.mob_prefix) >= 4:
            for v in _prefixed(self.mob_sorted, q.mob_prefix, 10):
                take(self.blocks.get("m" + v), 3)
        # names
        names = list(q.fields.values()) or q.names
        if names:
            matches = [self._vocab_matches(n, prefix=(q.prefix_last and j == len(names) - 1))
                       for j, n in enumerate(names)]
            if q.bd is not None:
                bd = str(q.bd[0])
                for ms in matches:
                    for v in list(ms)[:4]:
                        vn = prep_name(v)
                        if vn is not None:
                            take(self.blocks.get("d" + bd + "\0" + vn.v))
            pair_found = False
            if len(names) >= 2:
                for x in range(len(matches)):
                    for y in range(len(matches)):
                        if x == y:
                            continue
                        for a in list(matches[x])[:6]:
                            for b in list(matches[y])[:6]:
                                lst = self.by_name.get(a + "\0" + b)
                                if lst:
                                    pair_found = True
                                    got = list(islice(self._filter_year(lst, q.year), 40))
                                    take(got or lst, 40)
            if not pair_found:
                # one name typed so far (or no known pair): a few records per similar value
                for ms in matches:
                    for v in list(ms)[:5]:
                        for lst in (self.by_last.get(v), self.by_first.get(v)):
                            got = list(islice(self._filter_year(lst, q.year), SINGLE_LIMIT))
                            take(got or (lst or [])[:SINGLE_LIMIT], SINGLE_LIMIT)
        if not cands:
            return []
        n = len(self.recs)
        memo: dict = {}  # name weights per (typed token, field value): candidates share names
        scored = [score_query(q, self.recs[i], memo, self.tf, n) for i in cands]
        scored.sort(key=lambda c: (-c.score, c.record_id))
        return scored[:k]

    def _filter_year(self, lst: list[int] | None, year: int | None) -> Iterable[int]:
        if not lst:
            return ()
        if year is None:
            return lst
        recs = self.recs
        return (i for i in lst if recs[i].jy == year)

    def _vocab_matches(self, n: Name, prefix: bool) -> dict[str, float]:
        """Distinct name values similar to one typed name, best first (value → similarity)."""
        out: dict[str, float] = {}
        c = n.c
        if n.lat:
            want = shape(c)
            for v in sorted(self.skel_vocab.get(n.s, ()),
                            key=lambda v: (shape(v) != want, -self.vocab_count.get(v, 0)))[:8]:
                out[v] = 0.9 if shape(v) == want else 0.8
            if c in self.vocab_count:
                out[c] = 1.0
            return dict(sorted(out.items(), key=lambda kv: -kv[1]))
        if c in self.vocab_count:
            out[c] = 1.0
        if n.v != c and n.v in self.vocab_count:
            out[n.v] = 0.97
        if prefix and len(c) >= 2:
            pref = _prefixed(self.vocab, c, 12)
            pref.sort(key=lambda v: -self.vocab_count.get(v, 0))
            for v in pref[:8]:
                out.setdefault(v, 0.9)
        if len(c) >= 3 and len(out) < 4:
            choices = self.vocab if len(self.vocab) <= SMALL_VOCAB else self.common
            for v, sc, _ in process.extract(c, choices, scorer=fuzz.ratio, limit=6, score_cutoff=72):
                out.setdefault(v, sc / 100.0)
            if choices is not self.vocab:
                # rare values (a typo'd or unusual name) through the bigram index
                for v, sc in self._gram_matches(c):
                    out.setdefault(v, sc)
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    def _gram_matches(self, c: str, limit: int = 6) -> list[tuple[str, float]]:
        """Vocabulary values sharing most character bigrams with ``c``, re-ranked by ratio.
        Posting lists longer than GRAM_POSTING_MAX (very common bigrams) are skipped."""
        grams = bigrams(c)
        shared: dict[str, int] = {}
        for g in grams:
            post = self.vocab_grams.get(g)
            if post is None or len(post) > GRAM_POSTING_MAX:
                continue
            for v in post:
                shared[v] = shared.get(v, 0) + 1
        need = max(1, len(grams) - 2)
        pool = [v for v, k in shared.items() if k >= need]
        if not pool:
            return []
        return [(v, sc / 100.0) for v, sc, _ in
                process.extract(c, pool, scorer=fuzz.ratio, limit=limit, score_cutoff=72)]

def _prefixed(sorted_list: list[str], prefix: str, limit: int) -> list[str]:
    j = bisect.bisect_left(sorted_list, prefix)
    out: list[str] = []
    while j < len(sorted_list) and len(out) < limit and sorted_list[j].startswith(prefix):
        out.append(sorted_list[j])
        j += 1
    return out


def _insort_unique(lst: list[str], v: str) -> None:
    j = bisect.bisect_left(lst, v)
    if j == len(lst) or lst[j] != v:
        lst.insert(j, v)


def _remove_sorted(lst: list[str], v: str) -> None:
    j = bisect.bisect_left(lst, v)
    if j < len(lst) and lst[j] == v:
        del lst[j]


def _discard(d: dict[str, list[int]], key: str, i: int) -> None:
    lst = d.get(key)
    if lst is None:
        return
    try:
        lst.remove(i)
    except ValueError:
        return
    if not lst:
        del d[key]


__all__ = ["Candidate", "CitizenIndex"]
