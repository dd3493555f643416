"""``citizen.merge``, ``citizen.unmerge`` and ``citizen.distinct`` to the letter: every
refusal with its code, full Persian message and ``current``; every applied op as its whole
list of Changes (``to_dict()``), the event's data included."""

from __future__ import annotations

import pytest

from samad_desk.domain import ops
from samad_desk.domain.models import CITIZEN_EDITABLE
from samad_desk.domain.reducer import MemoryReader, event_id_for
from tests.support.citizen_ops import (
    MOBILE,
    NID,
    NID2,
    NID3,
    NID3_FA,
    apply,
    assert_applied,
    assert_refused,
    citizen,
    event_put,
    put,
)
from tests.support.domain import NOW

MERGE_FORBIDDEN = "ادغام پروفایل شهروندان فقط با ناظر یا مدیر سامانه است."
UNMERGE_FORBIDDEN = "لغو ادغام پروفایل شهروندان فقط با ناظر یا مدیر سامانه است."
DISTINCT_FORBIDDEN = "تصمیم «تکراری نیست» فقط با ناظر یا مدیر سامانه است."
NO_SURVIVOR = "پروفایل اصلی شهروند مشخص نشده است."
NO_MERGED = "پروفایل‌هایی که باید ادغام شوند مشخص نشده است."
INTO_ITSELF = "یک پروفایل نمی‌تواند در خودش ادغام شود."
SURVIVOR_NOT_FOUND = "پروفایل اصلی شهروند پیدا نشد."
SURVIVOR_MERGED = "پروفایل اصلی خودش در پروفایل دیگری ادغام شده است."
MERGED_NOT_FOUND = "یکی از پروفایل‌هایی که باید ادغام شوند پیدا نشد."
MERGED_MERGED = "این پروفایل پیش‌تر در پروفایل دیگری ادغام شده است."
BAD_FIELDS = "مشخصات پروفایل ادغام‌شده نامعتبر است."
NO_MERGE_OP = "ادغامی که باید لغو شود مشخص نشده است."
NO_MERGE_EVENT = "رویداد ادغام پیدا نشد."
UNDONE = "این ادغام پیش‌تر لغو شده یا پروفایل‌ها تغییر کرده‌اند."
NOT_A_PAIR = "دو پروفایل جدا از هم لازم است."
PAIR_NOT_FOUND = "یکی از دو پروفایل پیدا نشد."
PAIR_MERGED = "یکی از دو پروفایل در پروفایل دیگری ادغام شده است."

#: c-1 the survivor (no national ID), c-2 and c-3 to merge, c-4 merged before, c-5 a third person
C1 = citizen("c-1", national_id=None, no_national_id=True, first_name="عبدالله", city="قزوین")
C2 = citizen("c-2", national_id=NID2, mobile=MOBILE, version=1)
C3 = citizen("c-3", national_id=None, no_national_id=True, father_name="حسن", version=5)
C4 = citizen("c-4", national_id=None, merged_into="c-5", version=3)
C5 = citizen("c-5", national_id=NID3, first_name="زهرا", version=4)


@pytest.fixture
def people(reader: MemoryReader) -> MemoryReader:
    for doc in (C1, C2, C3, C4, C5):
        reader.put("citizen", dict(doc))
    return reader


def merge_op(actor: dict, payload: dict, entity_id: str = "c-1", **kw) -> dict:
    return ops.make_op("citizen.merge", entity_id, payload, actor, now=NOW, **kw)


def editable(doc: dict, *extra: str) -> dict:
    return {k: doc.get(k) for k in (*CITIZEN_EDITABLE, *extra)}


# -- merge: refusals ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "officer", "manager", "citizen"])
def test_only_oversight_merges_unmerges_and_separates(people, cal, actors, role):
    actor = actors[role]
    assert_refused(apply(people, cal, ops.citizen_merge("c-1", ["c-2"], {}, actor, now=NOW)),
                   "forbidden", MERGE_FORBIDDEN)
    assert_refused(apply(people, cal, ops.citizen_unmerge("c-1", "op-1", actor, now=NOW)),
                   "forbidden", UNMERGE_FORBIDDEN)
    assert_refused(apply(people, cal, ops.citizen_distinct(["c-1", "c-2"], actor, now=NOW)),
                   "forbidden", DISTINCT_FORBIDDEN)


@pytest.mark.parametrize(("payload", "message"), [
    ({"survivor_id": "c 1", "merged_ids": ["c-2"]}, NO_SURVIVOR),
    ({"survivor_id": 7, "merged_ids": ["c-2"]}, NO_SURVIVOR),
    ({"survivor_id": "c-1"}, NO_MERGED),
    ({"survivor_id": "c-1", "merged_ids": "c-2"}, NO_MERGED),
    ({"survivor_id": "c-1", "merged_ids": []}, NO_MERGED),
    ({"survivor_id": "c-1", "merged_ids": ["c-2", "c/3"]}, NO_MERGED),
    ({"survivor_id": "c-1", "merged_ids": ["c-2", 3]}, NO_MERGED),
    ({"survivor_id": "c-1", "merged_ids": ["c-1"]}, INTO_ITSELF),
    ({"survivor_id": "c-1", "merged_ids": ["c-2", "c-1"]}, INTO_ITSELF),
    ({"survivor_id": "c-1", "merged_ids": ["c-2", "c-2"]}, INTO_ITSELF),
    ({"merged_ids": ["c-1"]}, INTO_ITSELF),  # no survivor_id: the op's entity is the survivor
    ({"survivor_id": "c-1", "merged_ids": ["c-2"], "fields": ["mobile"]}, BAD_FIELDS),
    ({"survivor_id": "c-1", "merged_ids": ["c-2"], "fields": "mobile"}, BAD_FIELDS),
])
def test_a_malformed_merge_is_refused_with_its_reason(people, cal, actors, payload, message):
    assert_refused(apply(people, cal, merge_op(actors["supervisor"], payload)), "invalid_payload", message)


@pytest.mark.parametrize(("survivor", "merged", "code", "message", "current"), [
    ("c-9", ["c-2"], "not_found", SURVIVOR_NOT_FOUND, None),
    ("c-4", ["c-2"], "invalid_transition", SURVIVOR_MERGED, C4),
    ("c-1", ["c-2", "c-9"], "not_found", MERGED_NOT_FOUND, None),
    ("c-1", ["c-2", "c-4"], "invalid_transition", MERGED_MERGED, C4),
])
def test_a_merge_needs_live_profiles(people, cal, actors, survivor, merged, code, message, current):
    op = ops.citizen_merge(survivor, merged, {}, actors["admin"], now=NOW)
    assert_refused(apply(people, cal, op), code, message, current)
    assert people.get("citizen", "c-2") == C2


def test_a_merge_may_not_take_a_third_persons_national_id(people, cal, actors):
    op = ops.citizen_merge("c-1", ["c-2"], {"national_id": NID3}, actors["supervisor"], now=NOW)
    assert_refused(apply(people, cal, op), "conflict", f"کد ملی {NID3_FA} متعلق به شهروند دیگری است.", C5)


# -- merge: applied ----------------------------------------------------------------------


def merged_away(doc: dict, into: str = "c-1") -> dict:
    return {**doc, "merged_into": into, "national_id": None, "version": doc["version"] + 1}


def test_a_merge_updates_the_survivor_and_redirects_the_others(people, cal, actors):
    fields = {
        "first_name": "عبد الله",  # the survivor's name spaced otherwise: unchanged
        "city": "قزوين",  # the survivor's city in Arabic letters: unchanged
        "father_name": "حسن", "mobile": MOBILE, "birth_date": "۱۳۶۵/۰۴/۱۲",  # changed
        "merged_into": "c-9", "version": 99, "id": "c-9",  # not editable: ignored
    }
    op = ops.citizen_merge("c-1", ["c-2", "c-3"], fields, actors["supervisor"], now=NOW)
    # the survivor has no national ID and the merged profiles carry exactly one: it takes it
    changed = {"father_name": "حسن", "mobile": MOBILE, "birth_date": "1986-07-03", "national_id": NID2,
               "no_national_id": False}
    assert_applied(apply(people, cal, op), [
        put("citizen", {**C1, **changed, "version": 3}),
        put("citizen", merged_away(C2)),
        put("citizen", merged_away(C3)),
        event_put(op, "citizen.merge", {
            "citizen_id": "c-1", "survivor_id": "c-1", "merged_ids": ["c-2", "c-3"], "changed": changed,
            "previous": {"c-1": editable(C1), "c-2": editable(C2, "merged_into"),
                         "c-3": editable(C3, "merged_into")},
            "national_ids": [NID2],
        }),
    ])
    assert people.citizen_by_national_id(NID2)["id"] == "c-1"


def test_a_merge_without_a_survivor_id_merges_into_the_ops_entity(people, cal, actors):
    op = merge_op(actors["admin"], {"merged_ids": ["c-3"], "fields": None})
    assert_applied(apply(people, cal, op), [
        put("citizen", {**C1, "version": 3}),
        put("citizen", merged_away(C3)),
        event_put(op, "citizen.merge", {
            "citizen_id": "c-1", "survivor_id": "c-1", "merged_ids": ["c-3"], "changed": {},
            "previous": {"c-1": editable(C1), "c-3": editable(C3, "merged_into")}, "national_ids": [],
        }),
    ])


def test_the_survivors_own_national_id_stays(people, cal, actors):
    op = ops.citizen_merge("c-5", ["c-2"], {}, actors["supervisor"], now=NOW)
    assert_applied(apply(people, cal, op), [
        put("citizen", {**C5, "version": 5}),
        put("citizen", merged_away(C2, "c-5")),
        event_put(op, "citizen.merge", {
            "citizen_id": "c-5", "survivor_id": "c-5", "merged_ids": ["c-2"], "changed": {},
            "previous": {"c-5": editable(C5), "c-2": editable(C2, "merged_into")}, "national_ids": [NID2],
        }),
    ])


def test_of_two_carried_national_ids_the_one_chosen_is_kept(people, cal, actors):
    # the desk's merge screen always sends the national ID the supervisor chose
    c6 = citizen("c-6", national_id=NID, version=1)
    people.put("citizen", c6)
    op = ops.citizen_merge("c-1", ["c-6", "c-2"], {"national_id": NID2}, actors["supervisor"], now=NOW)
    changed = {"national_id": NID2, "no_national_id": False}
    assert_applied(apply(people, cal, op), [
        put("citizen", {**C1, **changed, "version": 3}),
        put("citizen", merged_away(c6)),
        put("citizen", merged_away(C2)),
        event_put(op, "citizen.merge", {
            "citizen_id": "c-1", "survivor_id": "c-1", "merged_ids": ["c-6", "c-2"], "changed": changed,
            "previous": {"c-1": editable(C1), "c-6": editable(c6, "merged_into"),
                         "c-2": editable(C2, "merged_into")},
            "national_ids": [NID2, NID],
        }),
    ])


def test_the_survivors_own_national_id_may_be_named_again(people, cal, actors):
    op = ops.citizen_merge("c-5", ["c-3"], {"national_id": NID3, "first_name": "زهرا"}, actors["admin"], now=NOW)
    out = apply(people, cal, op)
    assert out.status == "applied" and out.event["data"]["changed"] == {}


# -- unmerge ---------------------------------------------------------------------------


def test_an_unmerge_restores_the_profiles_and_reverts_what_was_not_edited_since(people, cal, actors):
    merge = ops.citizen_merge("c-1", ["c-2", "c-3"], {"father_name": "حسن", "mobile": MOBILE},
                              actors["supervisor"], now=NOW)
    assert apply(people, cal, merge).status == "applied"
    # the mobile is edited after the merge: the unmerge keeps the new one
    edit = ops.citizen_upsert({"id": "c-1", "mobile": "09351234567"}, actors["agent"], now=NOW)
    assert apply(people, cal, edit).status == "applied"
    survivor, m2, m3 = (dict(people.get("citizen", i)) for i in ("c-1", "c-2", "c-3"))
    op = ops.citizen_unmerge("c-1", merge["op_id"], actors["admin"], now=NOW)
    reverted = {"father_name": "", "national_id": None, "no_national_id": True}
    assert_applied(apply(people, cal, op), [
        put("citizen", {**survivor, **reverted, "version": 5}),
        put("citizen", {**m2, "merged_into": None, "national_id": NID2, "version": 3}),
        put("citizen", {**m3, "merged_into": None, "national_id": None, "version": 7}),
        event_put(op, "citizen.unmerge", {"citizen_id": "c-1", "merge_op_id": merge["op_id"],
                                          "restored_ids": ["c-2", "c-3"], "reverted": reverted}),
    ])
    assert people.citizen_by_national_id(NID2)["id"] == "c-2"
    assert people.get("citizen", "c-1")["mobile"] == "09351234567"


def test_a_value_respelled_since_the_merge_counts_as_untouched(people, cal, actors):
    merge = ops.citizen_merge("c-3", ["c-5"], {"first_name": "عبدالله"}, actors["supervisor"], now=NOW)
    assert apply(people, cal, merge).status == "applied"
    people.put("citizen", {**people.get("citizen", "c-3"), "first_name": "عبد الله"})  # as an older desk wrote it
    op = ops.citizen_unmerge("c-3", merge["op_id"], actors["supervisor"], now=NOW)
    out = apply(people, cal, op)
    assert out.status == "applied"
    assert out.event["data"]["reverted"] == {"first_name": "فاطمه", "national_id": None, "no_national_id": True}


def test_a_merge_op_id_of_the_longest_allowed_size_is_undone(people, cal, actors):
    merge = ops.citizen_merge("c-1", ["c-3"], {}, actors["supervisor"], now=NOW)
    merge["op_id"] = "m" * 64
    assert apply(people, cal, merge).status == "applied"
    out = apply(people, cal, ops.citizen_unmerge("c-1", "m" * 64, actors["supervisor"], now=NOW))
    assert out.status == "applied" and out.event["data"]["restored_ids"] == ["c-3"]


@pytest.mark.parametrize("merge_op_id", [None, "", 5, "m 1", "m" * 65])
def test_an_unmerge_names_its_merge(people, cal, actors, merge_op_id):
    op = ops.make_op("citizen.unmerge", "c-1", {"merge_op_id": merge_op_id}, actors["supervisor"], now=NOW)
    assert_refused(apply(people, cal, op), "invalid_payload", NO_MERGE_OP)


def test_an_unmerge_of_no_merge_is_refused(people, cal, actors):
    distinct = ops.citizen_distinct(["c-1", "c-2"], actors["supervisor"], now=NOW)
    assert apply(people, cal, distinct).status == "applied"
    for op_id in (distinct["op_id"], "m" * 64):
        assert_refused(apply(people, cal, ops.citizen_unmerge("c-1", op_id, actors["supervisor"], now=NOW)),
                       "not_found", NO_MERGE_EVENT)


def test_an_unmerge_needs_the_survivor_and_the_merged_profiles_as_they_were(people, cal, actors):
    merge = ops.citizen_merge("c-1", ["c-2", "c-3"], {}, actors["supervisor"], now=NOW)
    assert apply(people, cal, merge).status == "applied"
    unmerge = ops.citizen_unmerge("c-1", merge["op_id"], actors["supervisor"], now=NOW)
    c3 = people.entities["citizen"].pop("c-3")
    assert_refused(apply(people, cal, unmerge), "invalid_transition", UNDONE, None)
    people.put("citizen", c3)
    c1 = people.entities["citizen"].pop("c-1")
    assert_refused(apply(people, cal, unmerge), "not_found", SURVIVOR_NOT_FOUND)
    people.put("citizen", c1)
    assert apply(people, cal, unmerge).status == "applied"
    again = ops.citizen_unmerge("c-1", merge["op_id"], actors["supervisor"], now=NOW)
    assert_refused(apply(people, cal, again), "invalid_transition", UNDONE, people.get("citizen", "c-2"))


def test_an_unmerge_of_a_merge_event_without_data_finds_no_survivor(people, cal, actors):
    people.put("event", {"id": event_id_for("m-1"), "case_id": None, "kind": "citizen.merge", "data": None,
                         "op_id": "m-1", "version": 1})
    assert_refused(apply(people, cal, ops.citizen_unmerge("c-1", "m-1", actors["supervisor"], now=NOW)),
                   "not_found", SURVIVOR_NOT_FOUND)


# -- distinct --------------------------------------------------------------------------


@pytest.mark.parametrize(("entity_id", "ids"), [
    ("c-1", None), ("c-1", "c-1c-2"), ("c-1", ["c-1"]), ("c-1", ["c-1", "c-2", "c-3"]),
    ("c-1", ["c-1", "c 2"]), ("c-1", ["c-1", 2]), ("c-1", ["c-1", "c-1"]), ("c-2", ["c-1", "c-2"]),
])
def test_a_distinct_decision_needs_two_named_profiles(people, cal, actors, entity_id, ids):
    op = ops.make_op("citizen.distinct", entity_id, {"citizen_ids": ids}, actors["supervisor"], now=NOW)
    assert_refused(apply(people, cal, op), "invalid_payload", NOT_A_PAIR)


@pytest.mark.parametrize(("ids", "code", "message", "current"), [
    (["c-1", "c-9"], "not_found", PAIR_NOT_FOUND, None),
    (["c-9", "c-1"], "not_found", PAIR_NOT_FOUND, None),
    (["c-1", "c-4"], "invalid_transition", PAIR_MERGED, C4),
    (["c-4", "c-1"], "invalid_transition", PAIR_MERGED, C4),
])
def test_a_distinct_decision_needs_two_live_profiles(people, cal, actors, ids, code, message, current):
    assert_refused(apply(people, cal, ops.citizen_distinct(ids, actors["supervisor"], now=NOW)), code, message, current)


@pytest.mark.parametrize(("note", "stored"), [
    (None, ""), ("", ""), ("  دو   برادر\nهم‌نام ", "دو برادر هم‌نام"), ("ی" * 200, "ی" * 200),
])
def test_a_distinct_decision_is_one_event(people, cal, actors, note, stored):
    payload = {"citizen_ids": ["c-1", "c-2"]} | ({} if note is None else {"note": note})
    op = ops.make_op("citizen.distinct", "c-1", payload, actors["admin"], now=NOW)
    assert_applied(apply(people, cal, op), [
        event_put(op, "citizen.distinct", {"citizen_id": "c-1", "distinct_ids": ["c-1", "c-2"], "note": stored}),
    ])
    assert (people.get("citizen", "c-1"), people.get("citizen", "c-2")) == (C1, C2)


@pytest.mark.parametrize(("note", "message"), [
    ("ی" * 201, "«یادداشت» بیش از اندازه بلند است (حداکثر ۲۰۰ نویسه)."),
    (5, "«یادداشت» نامعتبر است."),
])
def test_a_distinct_note_is_one_line_of_at_most_200(people, cal, actors, note, message):
    op = ops.make_op("citizen.distinct", "c-1", {"citizen_ids": ["c-1", "c-2"], "note": note},
                     actors["supervisor"], now=NOW)
    assert_refused(apply(people, cal, op), "invalid_payload", message)
