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
