"""Name keys: skeletons across scripts, variants, titles, bigrams, edit distance."""

import pytest

from samad_desk.matching.keys import bigrams, osa_distance_le1, skeleton, variant_key
from samad_desk.matching.record import prep_name


@pytest.mark.parametrize(
    ("persian", "latin"),
    [("محمد", "Mohammad"), ("حسینی", "Hosseini"), ("رضایی", "Rezaee"), ("خلیلی", "Khalili"),
     ("شریفی", "Sharifi"), ("قاسمی", "Ghasemi"), ("قاسمی", "Qasemi"), ("چمران", "Chamran"),
     ("ژاله", "Zhaleh"), ("عسگری", "Asgari"), ("صادقی", "Sadeghi"), ("طاهری", "Taheri")],
)
def test_skeleton_is_the_same_in_both_scripts(persian, latin):
    assert skeleton(persian) == skeleton(latin)


def test_skeleton_collapses_doubles_and_drops_vowels():
    assert skeleton("Mohammad") == "md"
    assert skeleton("") == ""


@pytest.mark.parametrize(
    ("a", "b"),
    [("مرتضی", "مرتضا"), ("عسکری", "عسگری"), ("اسماعیل", "اسمعیل"), ("داوود", "داود"),
     ("عبداللهی", "عبدالهی"), ("موسی", "موسا")],
)
def test_variant_key_joins_spelling_variants(a, b):
    assert variant_key(a) == variant_key(b)


def test_variant_key_keeps_different_names_apart():
    assert variant_key("احمد") != variant_key("احمدی")
    assert variant_key("حسن") != variant_key("حسین")


@pytest.mark.parametrize(
    "raw", ["سید علی", "سيد علي", "سیدعلی", "سید‌علی", "Seyed Ali", "علی"]
)
def test_titles_are_stripped_into_a_flag(raw):
    n = prep_name(raw)
    assert n is not None
    assert n.c in ("علی", "ali")
    assert n.sayyed == (raw != "علی")


def test_family_names_starting_like_titles_are_kept():
    assert prep_name("میرحسینی").c == "میرحسینی"
    assert prep_name("سیدی").c == "سیدی"


def test_compact_key_unifies_spacing_and_arabic_letters():
    forms = ["حسن‌زاده", "حسن زاده", "حسنزاده", "حسن‌زادة"]
    assert len({prep_name(f).c for f in forms}) == 1
    assert prep_name("كريمي").c == prep_name("کریمی").c


def test_bigrams():
    assert bigrams("علی") == {"عل", "لی"}
    assert bigrams("ع") == {"ع"}
    assert bigrams("") == set()


@pytest.mark.parametrize(
    ("a", "b", "ok"),
    [("حسین", "حسسن", True), ("حسین", "حسنی", True), ("علی", "علی", True), ("محمد", "محمدی", True),
     ("محمد", "احمدی", False), ("abcd", "badc", False), ("ab", "ba", True)],
)
def test_osa_distance_le1(a, b, ok):
    assert osa_distance_le1(a, b) is ok


def test_fast_national_id_check_agrees_with_the_text_module():
    import random

    from samad_desk.matching.record import _valid_fast
    from samad_desk.text.national_id import is_valid_national_id

    rng = random.Random(0)
    codes = [f"{rng.randrange(10**10):010d}" for _ in range(20000)]
    codes += [str(d) * 10 for d in range(10)] + ["0084575948", "0084575949", "0000000001"]
    for c in codes:
        assert _valid_fast(c) == is_valid_national_id(c), c


def test_bulk_prepare_builds_what_rec_builds():
    from samad_desk.matching import synth
    from samad_desk.matching.record import Rec, prepare_many

    data = synth.generate(1238, 1500)
    data.records.append({"record_id": 7, "national_id": 84575948, "mobile": 9121234567})
    bulk = prepare_many(data.records, 5)
    for k, raw in enumerate(data.records):
        one = Rec(5 + k, raw)
        assert [getattr(bulk[k], s) for s in Rec.__slots__] == [getattr(one, s) for s in Rec.__slots__]
