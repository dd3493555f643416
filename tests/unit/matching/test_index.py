"""The incremental index: full-record match, as-you-type search, add/update/remove."""

import pytest

from samad_desk.matching import synth
from samad_desk.matching.index import Candidate, CitizenIndex


@pytest.fixture(scope="module")
def data():
    return synth.generate(4001, 6000)


@pytest.fixture(scope="module")
def split(data):
    """One record per person as the query, the others in the cache; 300 people left out."""
    by_person: dict[int, list[dict]] = {}
    for r in data.records:
        by_person.setdefault(data.truth[r["record_id"]], []).append(r)
    cache, queries, absent = [], [], []
    for n, (_, recs) in enumerate(sorted(by_person.items())):
        if len(recs) > 1:
            queries.append(recs[0])
            cache.extend(recs[1:])
        elif n % 20 == 0:
            absent.append(recs[0])
        else:
            cache.extend(recs)
    return CitizenIndex(cache), queries, absent


def test_match_finds_the_same_person(data, split):
    index, queries, absent = split
    hit1 = hit5 = 0
    for q in queries:
        cands = index.match(q)
        assert len(cands) <= 5
        assert all(isinstance(c, Candidate) for c in cands)
        people = [data.truth[c.record_id] for c in cands]
        me = data.truth[q["record_id"]]
        hit1 += bool(people) and people[0] == me
        hit5 += me in people
    assert hit5 / len(queries) >= 0.97
    assert hit1 / len(queries) >= 0.93


def test_match_rarely_offers_a_stranger_as_the_same_person(data, split):
    index, _, absent = split
    alarms = sum(1 for q in absent if any(c.band == "match" for c in index.match(q)))
    assert alarms / len(absent) <= 0.03


def _typed(text):
    return [text[:i] for i in range(1, len(text) + 1)]


def test_search_by_national_id_while_typing(data, split):
    index, _, _ = split
    rec = next(r for r in index.recs.values() if r.nid)
    final = None
    for prefix in _typed(rec.nid):
        final = index.search(prefix)
    assert final and final[0].record_id == rec.rid
    assert "همان کد ملی" in final[0].reasons


def test_search_with_a_mistyped_id_offers_the_neighbour(split):
    index, _, _ = split
    rec = next(r for r in index.recs.values() if r.nid and r.nid[3] != "9")
    wrong = rec.nid[:3] + str((int(rec.nid[3]) + 1) % 10) + rec.nid[4:]
    cands = index.search(wrong)
    hit = [c for c in cands if c.record_id == rec.rid]
    if wrong != rec.nid and not any(r.nid == wrong for r in index.recs.values()):
        assert hit and "کد ملی با یک رقم اختلاف" in hit[0].reasons


def test_search_by_mobile_in_any_form(split):
    index, _, _ = split
    rec = next(r for r in index.recs.values() if r.mob)
    for form in ("0" + rec.mob, "+98 " + rec.mob, rec.mob.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))):
        cands = index.search(form)
        assert rec.rid in [c.record_id for c in index.search(form, k=50)] or len(cands) == 5
        assert "همان شماره همراه" in cands[0].reasons


def test_search_by_name_and_birth_date(data, split):
    index, _, _ = split
    rec = next(r for r in index.recs.values() if r.first and r.last and r.bd and not r.first.lat
               and r.raw["first_name"] and r.raw["birth_date"])
    raw = rec.raw
    query = f"{raw['first_name']} {raw['last_name']} {raw['birth_date']}"
    cands = index.search(query, k=5)
    me = data.truth[rec.rid]
    assert me in [data.truth[c.record_id] for c in cands]
    top = cands[0]
    assert "همان تاریخ تولد" in top.reasons
    structured = index.search({"first_name": raw["first_name"], "last_name": raw["last_name"],
                               "birth_date": raw["birth_date"]})
    assert me in [data.truth[c.record_id] for c in structured]


def test_search_finglish_query_finds_persian_record():
    index = CitizenIndex([
        {"record_id": "a", "first_name": "فاطمه", "last_name": "حسینی", "birth_date": "1365/04/12"},
        {"record_id": "b", "first_name": "زهرا", "last_name": "کریمی", "birth_date": "1370/01/01"},
    ])
    cands = index.search("Fatemeh Hosseini")
    assert cands and cands[0].record_id == "a"
    assert any(r.startswith("نام مشابه") or r.startswith("همان نام") for r in cands[0].reasons)


def test_search_each_keystroke_returns_at_most_k(split):
    index, _, _ = split
    rec = next(r for r in index.recs.values() if r.first and r.last and not r.first.lat)
    text = f"{rec.raw['first_name']} {rec.raw['last_name']}"
    for prefix in _typed(text):
        cands = index.search(prefix, k=5)
        assert len(cands) <= 5
        assert all(c.band in ("match", "review", "none") for c in cands)
        assert [c.score for c in cands] == sorted((c.score for c in cands), reverse=True)


def test_incremental_add_update_remove_equals_rebuild(data):
    recs = data.records[:800]
    inc = CitizenIndex()
    for r in recs:
        inc.add(r)
    changed = dict(recs[10], first_name="Ali", mobile="09350000000")
    inc.update(changed)
    inc.remove(recs[20]["record_id"])
    expected = [changed if r["record_id"] == changed["record_id"] else r
                for r in recs if r["record_id"] != recs[20]["record_id"]]
    full = CitizenIndex(expected)
    assert len(inc) == len(full) == len(recs) - 1
    for q in recs[:120]:
        a = [(c.record_id, round(c.score, 6)) for c in inc.match(q)]
        b = [(c.record_id, round(c.score, 6)) for c in full.match(q)]
        assert a == b
    assert inc.search("09350000000")[0].record_id == changed["record_id"]
    assert inc.get(recs[20]["record_id"]) is None
    assert all(c.record_id != recs[20]["record_id"] for c in inc.search(recs[20]["national_id"] or "x"))
    assert sorted(inc.vocab) == sorted(full.vocab)
    assert sorted(inc.id_sorted) == sorted(full.id_sorted)


def test_empty_index_and_empty_query():
    index = CitizenIndex()
    assert index.search("") == []
    assert index.search("علی") == []
    index.add({"record_id": "x", "first_name": "علی"})
    assert index.search("") == []
    assert index.search("علی")[0].record_id == "x"


def test_finglish_query_prefers_the_name_with_the_same_shape():
    index = CitizenIndex([
        {"record_id": "mahdi", "first_name": "مهدی", "last_name": "کریمی"},
        {"record_id": "ahmad", "first_name": "احمد", "last_name": "کریمی"},
        {"record_id": "mohammad", "first_name": "محمد", "last_name": "کریمی"},
        {"record_id": "hamed", "first_name": "حامد", "last_name": "کریمی"},
    ])
    assert index.search("Mohammad Karimi")[0].record_id == "mohammad"
    assert index.search("Ahmad Karimi")[0].record_id == "ahmad"
    assert index.search("Mahdi Karimi")[0].record_id == "mahdi"


def test_save_and_load_round_trip(tmp_path, data):
    index = CitizenIndex(data.records[:500])
    path = tmp_path / "citizens.index"
    index.save(path, stamp="cache-7")
    again = CitizenIndex.load(path, stamp="cache-7")
    assert again is not None and len(again) == len(index)
    for q in data.records[:50]:
        assert [c.record_id for c in again.match(q)] == [c.record_id for c in index.match(q)]
    assert again.search("علی") == index.search("علی")
    again.add({"record_id": "new", "first_name": "Ali"})  # still incremental after loading
    assert again.get("new") is not None
    assert CitizenIndex.load(path, stamp="cache-8") is None      # another cache version
    assert CitizenIndex.load(tmp_path / "missing", stamp="") is None
    (tmp_path / "junk").write_bytes(b"not a pickle")
    assert CitizenIndex.load(tmp_path / "junk") is None


def test_typo_finds_a_rare_name_through_the_bigram_index():
    import samad_desk.matching.index as ix

    common = [{"record_id": f"c{i}", "first_name": "علی", "last_name": f"نام{i:05d}"} for i in range(6000)]
    rare = {"record_id": "rare", "first_name": "بهزاد", "last_name": "شاه‌بداغی"}
    index = ix.CitizenIndex([*common, rare])
    assert len(index.vocab) > ix.SMALL_VOCAB  # the fuzzy scan only sees frequent values…
    assert "شاهبداغی" not in index.common
    cands = index.search("شاهبداقی ")  # …so the typo (ق for غ) needs the bigrams
    assert cands and cands[0].record_id == "rare"
    index.remove("rare")
    assert all(c.record_id != "rare" for c in index.search("شاهبداقی "))
    assert "شاهبداغی" not in {v for post in index.vocab_grams.values() for v in post}
