"""``citizen.upsert`` to the letter: who may, a new profile, a fold into the profile that
holds the national ID (the natural key), an edit (its base values, its stale version, a
national ID owned by somebody else or cleared without the flag), each checked as the
whole outcome: status, code, the full Persian message, the refusal's ``current``, and
every Change's ``to_dict()`` with its event's full data."""

from __future__ import annotations

import pytest

from samad_desk.domain import ops
from tests.support.citizen_ops import (
    AT,
    MOBILE,
    NID,
    NID2,
    NID2_FA,
    NID_FA,
    ServerLikeReader,
    apply,
    assert_applied,
    assert_refused,
    citizen,
    put,
)
from tests.support.citizen_ops import event_put as _event_put
from tests.support.domain import NOW

UPSERT_FORBIDDEN = "ثبت و ویرایش مشخصات شهروند با اپراتور ۱۱۱ است."
CLEARED = "کد ملی را نمی‌توان پاک کرد مگر آنکه گزینه «بدون کد ملی» زده شود."


def event_put(op: dict, data: dict, *, concurrent: bool = False) -> dict:
    return _event_put(op, "citizen.upsert", data, concurrent=concurrent)


def edit(cid: str, actor: dict, *, base_version: int | None = None, base: dict | None = None, **fields) -> dict:
    op = ops.citizen_upsert({"id": cid, **fields}, actor, base=base, now=NOW)
    op["base_version"] = base_version
    return op


# -- who may ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "manager", "citizen", "other_officer"])
def test_only_the_111_unit_and_its_oversight_edit_citizens(reader, cal, actors, role):
    op = ops.citizen_upsert({"id": "c-new", "national_id": NID, "first_name": "فاطمه", "last_name": "محمدی"},
                            actors[role], now=NOW)
    assert_refused(apply(reader, cal, op), "forbidden", UPSERT_FORBIDDEN)
    assert reader.get("citizen", "c-new") is None


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
def test_the_111_unit_and_its_oversight_may(reader, cal, actors, role):
    op = ops.citizen_upsert({"id": "c-new", "national_id": NID, "first_name": "فاطمه", "last_name": "محمدی"},
                            actors[role], now=NOW)
    assert apply(reader, cal, op).status == "applied"


# -- a new profile ----------------------------------------------------------------------


def test_a_new_citizen_is_stored_whole_with_its_creation_event(reader, cal, actors):
    op = ops.citizen_upsert({"id": "c-new", "national_id": NID_FA, "first_name": " فاطمه ",
                             "last_name": "محمدی", "mobile": "+98 912 123 4567", "birth_date": "۱۳۶۵/۰۴/۱۲"},
                            actors["agent"], now=NOW)
    values = {"first_name": "فاطمه", "last_name": "محمدی", "father_name": "", "city": "", "sayyed": False,
              "no_national_id": False, "national_id": NID, "mobile": MOBILE, "birth_date": "1986-07-03"}
    doc = {"id": "c-new", **values, "merged_into": None, "created_at": AT, "version": 1}
    assert_applied(apply(reader, cal, op), [
        put("citizen", doc),
        event_put(op, {"citizen_id": "c-new", "created": True, "fields": values}),
    ])
    assert reader.get("citizen", "c-new") == doc
    assert reader.citizen_by_national_id(NID) == doc


def test_a_new_citizen_without_a_national_id_is_flagged(reader, cal, actors):
    op = ops.citizen_upsert({"id": "c-new", "no_national_id": True, "first_name": "یوسف", "last_name": "کریمی"},
                            actors["agent"], now=NOW)
    values = {"first_name": "یوسف", "last_name": "کریمی", "father_name": "", "city": "", "sayyed": False,
              "no_national_id": True, "national_id": None, "mobile": None, "birth_date": None}
    assert_applied(apply(reader, cal, op), [
        put("citizen", {"id": "c-new", **values, "merged_into": None, "created_at": AT, "version": 1}),
        event_put(op, {"citizen_id": "c-new", "created": True, "fields": values}),
    ])


# -- a second profile with a known national ID folds into the first ----------------------


def test_a_second_profile_of_a_known_national_id_folds_into_the_first(reader, cal, actors):
    server = citizen("c-s", first_name="عبدالله", father_name="حسن", sayyed=True, version=4)
    reader.put("citizen", server)
    op = ops.citizen_upsert({
        "id": "c-a", "national_id": NID_FA,
        "first_name": "عبد الله",  # the same name spaced otherwise: no conflict
        "last_name": "محمدی‌زاده",  # a different one: kept, recorded for review
        "father_name": "",  # nothing typed: the server's stays, no conflict
        "sayyed": False,  # not ticked: the server's stays, no conflict
        "city": "قزوین", "mobile": MOBILE, "birth_date": "1370/01/01",  # blanks: filled
    }, actors["agent"], now=NOW)
    filled = {"city": "قزوین", "mobile": MOBILE, "birth_date": "1991-03-21"}
    conflicts = {"last_name": {"kept": "محمدی", "incoming": "محمدی‌زاده"}}
    alias = {"id": "c-a", "national_id": None, "no_national_id": False, "first_name": "عبد الله",
             "last_name": "محمدی‌زاده", "father_name": "", "birth_date": "1991-03-21", "mobile": MOBILE,
             "city": "قزوین", "sayyed": False, "merged_into": "c-s", "created_at": AT, "version": 1}
    assert_applied(apply(reader, cal, op), [
        put("citizen", {**server, **filled, "version": 5}),
        put("citizen", alias),
        event_put(op, {"citizen_id": "c-s", "alias_id": "c-a", "natural_key": NID,
                       "filled": filled, "conflicts": conflicts, "review": True}),
    ])
    assert reader.citizen_by_national_id(NID)["id"] == "c-s"


def test_a_fold_with_nothing_new_stores_only_the_alias(reader, cal, actors):
    server = citizen("c-s", mobile=MOBILE, version=4)
    reader.put("citizen", server)
    op = ops.citizen_upsert({"id": "c-a", "national_id": NID, "first_name": "فاطمه", "last_name": "محمدی"},
                            actors["agent"], now=NOW)
    alias = {"id": "c-a", "national_id": None, "no_national_id": False, "first_name": "فاطمه",
             "last_name": "محمدی", "father_name": "", "birth_date": None, "mobile": None, "city": "",
             "sayyed": False, "merged_into": "c-s", "created_at": AT, "version": 1}
    assert_applied(apply(reader, cal, op), [
        put("citizen", alias),
        event_put(op, {"citizen_id": "c-s", "alias_id": "c-a", "natural_key": NID,
                       "filled": {}, "conflicts": {}, "review": False}),
    ])
    assert reader.get("citizen", "c-s") == server


def test_a_fold_follows_a_merged_holder_of_the_national_id_to_its_survivor(cal, actors):
    # an old merged profile still holding the ID (the server's and the overlay's readers
    # return it when no live profile does): the new profile folds into its survivor
    reader = ServerLikeReader()
    reader.put("citizen", citizen("c-old", merged_into="c-mid", version=3))
    reader.put("citizen", citizen("c-mid", national_id=None, no_national_id=True, merged_into="c-live"))
    live = citizen("c-live", national_id=None, no_national_id=False, first_name="زهرا", version=6)
    reader.put("citizen", live)
    op = ops.citizen_upsert({"id": "c-a", "national_id": NID, "first_name": "زهرا", "last_name": "محمدی"},
                            actors["agent"], now=NOW)
    out = apply(reader, cal, op)
    alias = {"id": "c-a", "national_id": None, "no_national_id": False, "first_name": "زهرا",
             "last_name": "محمدی", "father_name": "", "birth_date": None, "mobile": None, "city": "",
             "sayyed": False, "merged_into": "c-live", "created_at": AT, "version": 1}
    # the live profile (an old one, neither ID nor flag) gets the ID
    filled = {"national_id": NID}
    assert_applied(out, [
        put("citizen", {**live, **filled, "version": 7}),
        put("citizen", alias),
        event_put(op, {"citizen_id": "c-live", "alias_id": "c-a", "natural_key": NID,
                       "filled": filled, "conflicts": {}, "review": False}),
    ])


# -- an edit ----------------------------------------------------------------------------


def test_an_edit_stores_the_changed_fields_and_what_they_were(reader, cal, actors):
    doc = citizen("c-1", city="قزوین", sayyed=True)
    reader.put("citizen", doc)
    op = edit("c-1", actors["agent"], base_version=2, mobile="0912 123 4567", city="آبیک")
    assert_applied(apply(reader, cal, op), [
        put("citizen", {**doc, "mobile": MOBILE, "city": "آبیک", "version": 3}),
        event_put(op, {"citizen_id": "c-1", "alias_id": None, "changed": {"city": "آبیک", "mobile": MOBILE},
                       "previous": {"city": "قزوین", "mobile": None}, "conflicts": {}, "review": False}),
    ])


def test_an_edit_that_changes_nothing_is_an_event_only(reader, cal, actors):
    doc = citizen("c-1", first_name="عبدالله", mobile=MOBILE)
    reader.put("citizen", doc)
    op = edit("c-1", actors["agent"], base_version=2, first_name="عبد\u200cالله", mobile="09121234567",
              national_id=NID_FA)
    assert_applied(apply(reader, cal, op), [
        event_put(op, {"citizen_id": "c-1", "alias_id": None, "changed": {}, "previous": {},
                       "conflicts": {}, "review": False}),
    ])
    assert reader.get("citizen", "c-1") == doc


def test_a_stale_edit_keeps_what_changed_meanwhile_and_applies_the_rest(reader, cal, actors):
    doc = citizen("c-1", first_name="عبدالله", city="قزوین", version=5)
    reader.put("citizen", doc)
    # the operator saw version 4: city آبیک, no mobile; the server has city قزوین since
    op = edit("c-1", actors["agent"], base_version=4,
              base={"first_name": "علی", "city": "آبیک", "mobile": None},
              first_name="عبد الله",  # the same as stored: skipped, even with another base
              city="تاکستان",  # changed meanwhile: the server's value stays, both recorded
              mobile=MOBILE)  # unchanged meanwhile: applied
    assert_applied(apply(reader, cal, op), [
        put("citizen", {**doc, "mobile": MOBILE, "version": 6}),
        event_put(op, {"citizen_id": "c-1", "alias_id": None, "changed": {"mobile": MOBILE},
                       "previous": {"mobile": None},
                       "conflicts": {"city": {"kept": "قزوین", "incoming": "تاکستان", "base": "آبیک"}},
                       "review": True}, concurrent=True),
    ])


@pytest.mark.parametrize(("base_version", "concurrent"), [(None, False), (3, False), (2, True), (4, True)])
def test_an_edit_is_concurrent_when_based_on_another_version(reader, cal, actors, base_version, concurrent):
    doc = citizen("c-1", version=3)
    reader.put("citizen", doc)
    op = edit("c-1", actors["agent"], base_version=base_version, mobile=MOBILE)
    assert_applied(apply(reader, cal, op), [
        put("citizen", {**doc, "mobile": MOBILE, "version": 4}),
        event_put(op, {"citizen_id": "c-1", "alias_id": None, "changed": {"mobile": MOBILE},
                       "previous": {"mobile": None}, "conflicts": {}, "review": False}, concurrent=concurrent),
    ])


def test_an_edit_through_a_merged_alias_edits_its_survivor(reader, cal, actors):
    survivor = citizen("c-s", version=7)
    reader.put("citizen", survivor)
    reader.put("citizen", citizen("c-a", national_id=None, merged_into="c-s", version=1))
    op = edit("c-a", actors["agent"], base_version=1, national_id=NID, mobile=MOBILE)
    assert_applied(apply(reader, cal, op), [
        put("citizen", {**survivor, "mobile": MOBILE, "version": 8}),
        event_put(op, {"citizen_id": "c-s", "alias_id": "c-a", "changed": {"mobile": MOBILE},
                       "previous": {"mobile": None}, "conflicts": {}, "review": False}, concurrent=True),
    ])
    assert reader.get("citizen", "c-a")["version"] == 1


def test_a_national_id_given_to_a_profile_without_one_clears_the_flag(reader, cal, actors):
    doc = citizen("c-1", national_id=None, no_national_id=True)
    reader.put("citizen", doc)
    op = edit("c-1", actors["supervisor"], base_version=2, national_id=NID2_FA)
    assert_applied(apply(reader, cal, op), [
        put("citizen", {**doc, "national_id": NID2, "no_national_id": False, "version": 3}),
        event_put(op, {"citizen_id": "c-1", "alias_id": None,
                       "changed": {"no_national_id": False, "national_id": NID2},
                       "previous": {"no_national_id": True, "national_id": None},
                       "conflicts": {}, "review": False}),
    ])


def test_a_national_id_is_cleared_only_with_the_flag(reader, cal, actors):
    doc = citizen("c-1")
    reader.put("citizen", doc)
    assert_refused(apply(reader, cal, edit("c-1", actors["agent"], base_version=2, national_id="")),
                   "invalid_payload", CLEARED, doc)
    op = edit("c-1", actors["agent"], base_version=2, national_id="", no_national_id=True)
    assert_applied(apply(reader, cal, op), [
        put("citizen", {**doc, "national_id": None, "no_national_id": True, "version": 3}),
        event_put(op, {"citizen_id": "c-1", "alias_id": None,
                       "changed": {"no_national_id": True, "national_id": None},
                       "previous": {"no_national_id": False, "national_id": NID},
                       "conflicts": {}, "review": False}),
    ])
    assert reader.citizen_by_national_id(NID) is None


def test_a_profile_with_neither_id_nor_flag_must_get_one_before_any_edit(reader, cal, actors):
    doc = citizen("c-1", national_id=None, no_national_id=False)  # an old profile
    reader.put("citizen", doc)
    assert_refused(apply(reader, cal, edit("c-1", actors["agent"], base_version=2, mobile=MOBILE)),
                   "invalid_payload", CLEARED, doc)


def test_a_national_id_of_another_citizen_is_refused_with_their_name(reader, cal, actors):
    owner = citizen("c-owner", first_name="زهرا", last_name="کریمی")
    reader.put("citizen", owner)
    reader.put("citizen", citizen("c-1", national_id=NID2))
    op = edit("c-1", actors["agent"], base_version=2, national_id=NID, mobile=MOBILE)
    assert_refused(apply(reader, cal, op), "conflict",
                   f"کد ملی {NID_FA} متعلق به شهروند دیگری (زهرا کریمی) است؛ "
                   "اگر هر دو یک نفرند، پروفایل‌ها را ادغام کنید.", owner)


def test_an_owner_without_names_is_named_blank_never_none(reader, cal, actors):
    owner = {"id": "c-owner", "national_id": NID, "version": 1}  # a bare profile (an old pull)
    reader.put("citizen", owner)
    reader.put("citizen", citizen("c-1", national_id=NID2))
    op = edit("c-1", actors["agent"], base_version=2, national_id=NID)
    assert_refused(apply(reader, cal, op), "conflict",
                   f"کد ملی {NID_FA} متعلق به شهروند دیگری ( ) است؛ "
                   "اگر هر دو یک نفرند، پروفایل‌ها را ادغام کنید.", owner)


def test_an_edit_based_on_the_stored_value_spelled_otherwise_is_applied(reader, cal, actors):
    doc = citizen("c-1", first_name="عبدالله", city="قزوین")
    reader.put("citizen", doc)
    op = edit("c-1", actors["agent"], base_version=2, base={"first_name": "عبد الله", "city": "قزوین"},
              first_name="علی", city="آبیک")
    assert_applied(apply(reader, cal, op), [
        put("citizen", {**doc, "first_name": "علی", "city": "آبیک", "version": 3}),
        event_put(op, {"citizen_id": "c-1", "alias_id": None, "changed": {"first_name": "علی", "city": "آبیک"},
                       "previous": {"first_name": "عبدالله", "city": "قزوین"}, "conflicts": {}, "review": False}),
    ])
