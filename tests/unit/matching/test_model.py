"""The scorer: relatives are not merged, rare names weigh more, cross-script names agree."""

from samad_desk.matching import model as M
from samad_desk.matching.record import Rec


def rec(i=0, **kw):
    base = {"record_id": f"r{i}", "national_id": "", "first_name": "", "last_name": "",
            "father_name": "", "birth_date": "", "mobile": "", "city": ""}
    base.update(kw)
    return Rec(i, base)


def tf_of(*recs):
    tf = M.TermFreq()
    for r in recs:
        tf.add(r)
    return tf


FATHER = dict(national_id="4330952467", first_name="محمد", last_name="نجفی", father_name="حسن",
              birth_date="1345/02/10", mobile="09121234567", city="قزوین")


def test_same_person_with_typos_and_formats_is_a_match():
    a = rec(1, **FATHER)
    b = rec(2, national_id="۴۳۳۰۹۵۲۴۶۷", first_name="محمد", last_name="نجفي", father_name="",
            birth_date="1966-05-01", mobile="+98 912 123 4567", city="قزوین")
    s, veto = M.score_pair(a, b, tf_of(a, b))
    assert M.band_of(s, veto) == M.BAND_MATCH
    assert "همان کد ملی" in M.reasons(a, b)
    assert "همان شماره همراه" in M.reasons(a, b)


def test_twins_are_never_merged():
    a = rec(1, first_name="حسن", last_name="نجفی", father_name="محمد", birth_date="1370/05/05",
            mobile="09121234567", city="قزوین", national_id="4330952467")
    b = rec(2, first_name="حسین", last_name="نجفی", father_name="محمد", birth_date="1370/05/05",
            mobile="09121234567", city="قزوین", national_id="")
    s, veto = M.score_pair(a, b, tf_of(a, b))
    assert veto == 2
    assert M.band_of(s, veto) != M.BAND_MATCH


def test_father_and_son_sharing_name_and_id_go_to_review_not_merge():
    father = rec(1, **FATHER)
    son = rec(2, **{**FATHER, "father_name": "محمد", "birth_date": "1372/08/01"})
    s, veto = M.score_pair(father, son, tf_of(father, son))
    assert veto == 2
    assert M.band_of(s, veto) == M.BAND_REVIEW


def test_same_id_but_other_first_name_and_birth_date_is_review():
    a = rec(1, **FATHER)
    b = rec(2, **{**FATHER, "first_name": "زهرا", "birth_date": "1380/01/01"})
    s, veto = M.score_pair(a, b, tf_of(a, b))
    assert M.band_of(s, veto) == M.BAND_REVIEW


def test_siblings_sharing_family_fields_are_not_a_match():
    a = rec(1, first_name="علی", last_name="کاظمی", father_name="رضا", birth_date="1360/01/01",
            mobile="09121234567", city="قزوین")
    b = rec(2, first_name="مریم", last_name="کاظمی", father_name="رضا", birth_date="1363/04/04",
            mobile="09121234567", city="قزوین")
    s, veto = M.score_pair(a, b, tf_of(a, b))
    assert M.band_of(s, veto) == M.BAND_NONE


def test_names_alone_never_merge():
    a = rec(1, first_name="علی", last_name="کاظمی", father_name="رضا")
    b = rec(2, first_name="علی", last_name="کاظمی", father_name="رضا")
    s, veto = M.score_pair(a, b, tf_of(a, b))
    assert veto == 1 and M.band_of(s, veto) != M.BAND_MATCH


def test_rare_names_weigh_more_than_common_ones():
    common = [rec(i, first_name="محمد", last_name="محمدی") for i in range(200)]
    rare = rec(999, first_name="بردیا", last_name="محمدی")
    tf = tf_of(*common, rare)
    p = M.PARAMS["first"]
    assert tf.weight(0, "بردیا", p[0], p[1], p[2]) > tf.weight(0, "محمد", p[0], p[1], p[2]) + 3


def test_finglish_record_matches_its_persian_twin():
    a = rec(1, first_name="فاطمه", last_name="حسینی", father_name="علی", birth_date="1365/04/12",
            national_id="4330952467")
    b = rec(2, first_name="Fatemeh", last_name="Hosseini", father_name="Ali", birth_date="1365/4/12")
    s, veto = M.score_pair(a, b, tf_of(a, b))
    assert M.band_of(s, veto) == M.BAND_MATCH
    assert "نام مشابه (لاتین)" in M.reasons(a, b)


def test_id_one_digit_off_counts_and_says_so():
    a = rec(1, **FATHER)
    b = rec(2, **{**FATHER, "national_id": "4330952468", "mobile": ""})  # check digit typo
    assert M.id_level(a, b) == M.I_ONE_INVALID
    assert "کد ملی با یک رقم اختلاف" in M.reasons(a, b)
    s, veto = M.score_pair(a, b, tf_of(a, b))
    assert M.band_of(s, veto) == M.BAND_MATCH


def test_swapped_first_and_last_name_still_match():
    a = rec(1, **FATHER)
    b = rec(2, **{**FATHER, "first_name": "نجفی", "last_name": "محمد", "national_id": ""})
    s, veto = M.score_pair(a, b, tf_of(a, b))
    assert M.band_of(s, veto) == M.BAND_MATCH


def test_birth_date_levels():
    a = rec(1, birth_date="1365/04/12")
    assert M.date_level(a, rec(2, birth_date="1986-07-03")) == M.D_EXACT   # Gregorian typed
    assert M.date_level(a, rec(2, birth_date="1365/04/13")) == M.D_NEAR
    assert M.date_level(a, rec(2, birth_date="1365/12/04")) == M.D_NEAR    # day/month swapped
    assert M.date_level(a, rec(2, birth_date="1356/04/12")) == M.D_TYPO    # year digits swapped
    assert M.date_level(a, rec(2, birth_date="1365/09/20")) == M.D_SAME_YEAR
    assert M.date_level(a, rec(2, birth_date="1390/01/01")) == M.D_FAR
    assert M.date_level(a, rec(2, birth_date="")) == M.D_MISSING


def test_match_probability_is_monotone():
    assert M.match_probability(40) > M.match_probability(20) > M.match_probability(0)
    assert 0 <= M.match_probability(-50) < 1e-9
