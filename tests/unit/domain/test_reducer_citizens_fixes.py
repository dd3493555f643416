"""Two fixes of ``citizen.upsert``'s national-ID flag (found while pinning its outcomes for
issue 19); kept apart from test_reducer_citizens_upsert.py because they fail on the code
before the fix, so a mutation check against an older run must not count them."""

from __future__ import annotations

from samad_desk.domain import ops
from tests.support.citizen_ops import (
    AT,
    MOBILE,
    NID,
    ServerLikeReader,
    apply,
    assert_applied,
    citizen,
    event_put,
    put,
)
from tests.support.domain import NOW


def test_an_id_folded_into_a_flagged_profile_drops_the_flag(cal, actors):
    # an old merged profile still holding the ID (the server's and the overlay's readers
    # return it when no live profile does): the new profile folds into its survivor,
    # which is flagged "no national ID"; it was left with both the ID and the flag
    reader = ServerLikeReader()
    reader.put("citizen", citizen("c-old", merged_into="c-live", version=3))
    live = citizen("c-live", national_id=None, no_national_id=True, first_name="زهرا", version=6)
    reader.put("citizen", live)
    op = ops.citizen_upsert({"id": "c-a", "national_id": NID, "first_name": "زهرا", "last_name": "محمدی"},
                            actors["agent"], now=NOW)
    alias = {"id": "c-a", "national_id": None, "no_national_id": False, "first_name": "زهرا",
             "last_name": "محمدی", "father_name": "", "birth_date": None, "mobile": None, "city": "",
             "sayyed": False, "merged_into": "c-live", "created_at": AT, "version": 1}
    filled = {"national_id": NID, "no_national_id": False}
    assert_applied(apply(reader, cal, op), [
        put("citizen", {**live, **filled, "version": 7}),
        put("citizen", alias),
        event_put(op, "citizen.upsert", {"citizen_id": "c-live", "alias_id": "c-a", "natural_key": NID,
                                         "filled": filled, "conflicts": {}, "review": False}),
    ])


def test_the_flag_ticked_while_the_id_stays_is_not_recorded_as_changed(reader, cal, actors):
    doc = citizen("c-1")
    reader.put("citizen", doc)
    op = ops.citizen_upsert({"id": "c-1", "no_national_id": True, "mobile": MOBILE}, actors["agent"], now=NOW)
    op["base_version"] = 2
    # a profile with an ID is never flagged, and its event claimed the flag as changed
    assert_applied(apply(reader, cal, op), [
        put("citizen", {**doc, "mobile": MOBILE, "version": 3}),
        event_put(op, "citizen.upsert", {"citizen_id": "c-1", "alias_id": None, "changed": {"mobile": MOBILE},
                                         "previous": {"mobile": None}, "conflicts": {}, "review": False}),
    ])


def test_an_edit_cannot_blank_a_required_name(reader, cal, actors):
    # an edit may change a name but not empty it: the desk's form never sends an empty
    # name, but any client or importer could, and the server stored the blank
    from samad_desk.domain.reducer.values import single_line

    doc = citizen("c-1")
    reader.put("citizen", doc)
    for key, label in (("first_name", "نام"), ("last_name", "نام خانوادگی")):
        for blank in ("", "   ", "\u200c"):
            op = ops.citizen_upsert({"id": "c-1", key: blank}, actors["agent"], now=NOW)
            op["base_version"] = 2
            out = apply(reader, cal, op)
            try:
                single_line({key: blank}, key, label, required=True)
            except Exception as exc:  # the same refusal a new profile gets
                expected = str(getattr(exc, "message", exc))
            else:
                raise AssertionError(f"{blank!r} passed as a required {key}")
            assert (out.status, out.code, out.message) == ("rejected", "invalid_payload", expected), (key, blank)
            assert reader.get("citizen", "c-1")[key] == doc[key]
    # the father's name stays optional: an edit may clear it
    op = ops.citizen_upsert({"id": "c-1", "father_name": ""}, actors["agent"], now=NOW)
    op["base_version"] = 2
    assert apply(reader, cal, op).status == "applied"
