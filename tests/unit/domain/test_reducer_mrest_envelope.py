"""The reducer's frame around every handler, exactly: the envelope check (each refusal's
code and full Persian text, both sides of the op id's 100-character limit), the
duplicate answer, the dispatch table, ``dry_run`` (the desk's check of a whole save),
the :class:`Outcome` / :class:`Change` / :class:`Rejected` shapes, the full event dict of
an op and its deterministic id, ``bump`` and the ``merged_into`` walk of
``resolve_citizen`` (at most 10 hops).

Written against the survivors of the mutmut run of ``domain/reducer/`` (docs/mutation.md)
in ``__init__.py``, ``outcome.py`` and ``context.py``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from samad_desk.domain import ops
from samad_desk.domain.ids import derived_id
from samad_desk.domain.reducer import HANDLERS, MemoryReader, apply_op, dry_run
from samad_desk.domain.reducer.context import bump, resolve_citizen
from samad_desk.domain.reducer.outcome import Change, Outcome, Rejected, event_id_for
from samad_desk.domain.tracking import make_tracking_code
from tests.support.domain import NOW

NID = "0499370899"
AGENT_AS_RECORDED = {"operator_id": "op-agent1", "name": "نرگس احمدی", "role": "agent", "agency_id": None,
                     "office_id": "QZV-111"}


def _op(actors, **over) -> dict:
    """A well-formed citizen.upsert envelope, with ``over`` replacing its keys."""
    op = ops.citizen_upsert({"id": "cit-1", "national_id": NID, "first_name": "فاطمه", "last_name": "محمدی"},
                            actors["agent"], now=NOW)
    op.update(over)
    return op


def _refusal(reader, cal, op) -> tuple[str, str]:
    out = apply_op(op, reader, now=NOW, calendar=cal)
    assert out.status == "rejected" and out.changes == [] and out.current is None and not out.duplicate
    return out.code, out.message


# -- the envelope ------------------------------------------------------------------------


NOT_AN_OP = ("invalid_payload", "عملیات نامعتبر است.")
NO_OP_ID = ("invalid_payload", "شناسه عملیات ندارد.")
NO_ENTITY = ("invalid_payload", "شناسه موجودیت عملیات ندارد.")
BAD_ENTITY = ("invalid_payload", "شناسه موجودیت عملیات نامعتبر است.")
NO_PAYLOAD = ("invalid_payload", "اطلاعات عملیات ناقص است.")
NO_ROLE = ("forbidden", "نقش کاربر معلوم نیست؛ دوباره وارد شوید.")


@pytest.mark.parametrize(("over", "expected"), [
    ({"type": None}, ("unknown_op", "نوع عملیات «None» شناخته‌شده نیست.")),
    ({"type": 7}, ("unknown_op", "نوع عملیات «7» شناخته‌شده نیست.")),
    ({"type": "case.fly"}, ("unknown_op", "نوع عملیات «case.fly» شناخته‌شده نیست.")),
    # a long type is cut to 40 characters in the message
    ({"type": "x" * 39 + "yz"}, ("unknown_op", f"نوع عملیات «{'x' * 39 + 'y'}» شناخته‌شده نیست.")),
    ({"op_id": None}, NO_OP_ID),
    ({"op_id": 12}, NO_OP_ID),
    ({"op_id": ""}, NO_OP_ID),
    ({"op_id": "o" * 65}, NO_OP_ID),  # over domain.ids.MAX_OP_ID, the server's limit too
    ({"op_id": "op 1"}, NO_OP_ID),  # not a safe id: stored, logged and shown
    ({"op_id": "op\u202e1"}, NO_OP_ID),
    ({"entity_id": None}, NO_ENTITY),
    ({"entity_id": 5}, NO_ENTITY),
    ({"entity_id": ""}, NO_ENTITY),
    ({"entity_id": "a/../b"}, BAD_ENTITY),
    ({"entity_id": "x" * 65}, BAD_ENTITY),
    ({"payload": None}, NO_PAYLOAD),
    ({"payload": ["a"]}, NO_PAYLOAD),
    ({"actor": None}, NO_ROLE),
    ({"actor": "agent"}, NO_ROLE),
    ({"actor": {"role": "hacker"}}, NO_ROLE),
    ({"actor": {}}, NO_ROLE),
])
def test_each_envelope_problem_is_refused_exactly(reader, cal, actors, over, expected):
    assert _refusal(reader, cal, _op(actors, **over)) == expected


@pytest.mark.parametrize("op", [None, "nonsense", ["op"], 5])
def test_an_op_that_is_no_object_is_refused_exactly(reader, cal, op):
    assert _refusal(reader, cal, op) == NOT_AN_OP


def test_the_envelope_is_checked_in_order_type_first(reader, cal, actors):
    # several problems at once: the first check names the problem
    op = _op(actors, type="case.fly", op_id="", entity_id="", payload=None, actor=None)
    assert _refusal(reader, cal, op)[0] == "unknown_op"
    assert _refusal(reader, cal, _op(actors, op_id="", entity_id="", payload=None, actor=None)) == NO_OP_ID
    assert _refusal(reader, cal, _op(actors, entity_id="", payload=None, actor=None)) == NO_ENTITY
    assert _refusal(reader, cal, _op(actors, payload=None, actor=None)) == NO_PAYLOAD


def test_an_op_id_of_exactly_64_characters_is_accepted(reader, cal, actors):
    out = apply_op(_op(actors, op_id="o" * 64), reader, now=NOW, calendar=cal)
    assert out.status == "applied", (out.code, out.message)
    assert out.event["op_id"] == "o" * 64


def test_an_entity_id_of_64_safe_characters_is_accepted(reader, cal, actors):
    out = apply_op(_op(actors, entity_id="c" * 64), reader, now=NOW, calendar=cal)
    assert out.status == "applied" and out.get("citizen")["id"] == "c" * 64


# -- outcome, duplicate, dispatch -------------------------------------------------------


def test_an_applied_op_gives_exactly_its_changes_and_no_rejection(reader, cal, actors):
    op = _op(actors, op_id="op-fixed-1")
    out = apply_op(op, reader, now=NOW, calendar=cal)
    assert (out.status, out.ok, out.code, out.message, out.current, out.duplicate) == (
        "applied", True, None, None, None, False)
    assert [c.to_dict() for c in out.changes] == [
        {"entity": "citizen", "id": "cit-1", "op": "put", "data": {
            "id": "cit-1", "national_id": NID, "no_national_id": False, "first_name": "فاطمه",
            "last_name": "محمدی", "father_name": "", "birth_date": None, "mobile": None, "city": "",
            "sayyed": False, "merged_into": None, "created_at": "2025-05-03T06:00:00Z", "version": 1}},
        {"entity": "event", "id": derived_id("op-fixed-1", "event"), "op": "put", "data": {
            "id": derived_id("op-fixed-1", "event"), "case_id": None, "kind": "citizen.upsert",
            "actor": AGENT_AS_RECORDED, "at": "2025-05-03T06:00:00Z",
            "data": {"citizen_id": "cit-1", "created": True, "fields": {
                "first_name": "فاطمه", "last_name": "محمدی", "father_name": "", "city": "", "sayyed": False,
                "no_national_id": False, "national_id": NID, "mobile": None, "birth_date": None}},
            "op_id": "op-fixed-1", "concurrent": False, "version": 1}},
    ]


def test_the_event_id_is_derived_from_the_op_id():
    assert event_id_for("op-fixed-1") == derived_id("op-fixed-1", "event")
    assert event_id_for("op-fixed-1") != derived_id("op-fixed-1", "")


def test_an_op_applied_before_answers_applied_with_no_changes(reader, cal, actors):
    op = _op(actors)
    reader.apply(apply_op(op, reader, now=NOW, calendar=cal))
    again = apply_op(op, reader, now=NOW, calendar=cal)
    assert (again.status, again.changes, again.duplicate, again.code, again.message) == (
        "applied", [], True, None, None)
    # a duplicate is only known by its event: a new op id on the same citizen is an edit
    edit = apply_op(_op(actors, op_id="op-other"), reader, now=NOW, calendar=cal)
    assert edit.duplicate is False and edit.event["op_id"] == "op-other"


def test_a_malformed_op_is_refused_even_when_its_event_exists(reader, cal, actors):
    op = _op(actors)
    reader.apply(apply_op(op, reader, now=NOW, calendar=cal))
    assert _refusal(reader, cal, {**op, "actor": {"role": "hacker"}}) == NO_ROLE


def test_a_rejection_carries_the_handlers_current_state(reader, cal, actors):
    reader.apply(apply_op(_op(actors), reader, now=NOW, calendar=cal))
    reader.apply(apply_op(_op(actors, op_id="op-2", entity_id="cit-2",
                              payload={"national_id": "0013542419", "first_name": "علی", "last_name": "رضایی"}),
                          reader, now=NOW, calendar=cal))
    out = apply_op(_op(actors, op_id="op-3", entity_id="cit-2", payload={"national_id": NID}),
                   reader, now=NOW, calendar=cal)
    assert (out.status, out.code, out.changes) == ("rejected", "conflict", [])
    assert out.current == reader.get("citizen", "cit-1")


def test_each_op_type_is_dispatched_to_its_own_handler():
    assert set(HANDLERS) == ops.OP_TYPES
    assert {t: f.__name__ for t, f in HANDLERS.items()} == {t: t.replace(".", "_") for t in ops.OP_TYPES}


# -- dry_run ------------------------------------------------------------------------------


def _save(actors) -> list[dict]:
    """A desk's save: a new citizen, a case for them, its referral (each op needs the one before)."""
    cit = ops.citizen_upsert({"id": "cit-9", "national_id": NID, "first_name": "فاطمه", "last_name": "محمدی"},
                             actors["agent"], now=NOW)
    reg = ops.case_register("case-9", tracking_code=make_tracking_code(7, 1), citizen_id="cit-9", type="request",
                            subject="water.outage", city="قزوین", description="آب قطع است",
                            actor=actors["agent"], now=NOW)
    refer = ops.case_refer({"id": "case-9", "version": 1}, "water-qazvin", actors["agent"], now=NOW)
    return [cit, reg, refer]


def test_a_save_whose_ops_build_on_each_other_passes_the_dry_run_and_writes_nothing(reader, cal, actors):
    before = {k: dict(v) for k, v in reader.entities.items()}
    assert dry_run(_save(actors), reader, now=NOW, calendar=cal) is None
    assert reader.entities == before


def test_the_dry_run_answers_the_first_refusal(reader, cal, actors):
    save = _save(actors)
    save[2]["payload"]["agency_id"] = "no-such-agency"
    save.append(ops.case_note({"id": "case-9"}, "", actors["agent"], now=NOW))  # also refused, later
    out = dry_run(save, reader, now=NOW, calendar=cal)
    assert (out.status, out.code, out.message) == ("rejected", "invalid_payload",
                                                   "دستگاه مقصد ارجاع شناخته‌شده نیست.")
    # the case the earlier op of the same save registered
    assert (out.current["id"], out.current["state"], out.current["version"]) == ("case-9", "registered", 1)
    first = dry_run([save[3], *save], reader, now=NOW, calendar=cal)
    assert (first.status, first.code) == ("rejected", "not_found")
    assert first.message == "پرونده پیدا نشد."


def test_the_dry_run_uses_the_clock_and_calendar_it_is_given(reader, cal, actors):
    late = datetime(2031, 1, 1, tzinfo=UTC)
    save = _save(actors)
    save[0]["payload"]["birth_date"] = "2030-06-01"  # born before the given clock, after NOW
    assert dry_run(save, reader, now=late, calendar=cal) is None
    out = dry_run(save, reader, now=NOW, calendar=cal)
    assert out.message == "تاریخ تولد: نمی\u200cتواند در آینده باشد."


def test_a_dry_run_of_nothing_passes(reader, cal):
    assert dry_run([], reader, now=NOW, calendar=cal) is None


# -- Outcome, Change, Rejected ---------------------------------------------------------------


def test_a_change_as_a_dict():
    assert Change("case", "c1", "delete", None).to_dict() == {"entity": "case", "id": "c1", "op": "delete",
                                                              "data": None}


def test_an_outcome_finds_an_entity_by_kind_and_id():
    a, b, ev = {"id": "a"}, {"id": "b"}, {"id": "e"}
    out = Outcome("applied", [Change("citizen", "a", "put", a), Change("citizen", "b", "put", b),
                              Change("event", "e", "put", ev)])
    assert out.get("citizen") is a and out.get("citizen", "b") is b and out.get("citizen", "a") is a
    assert out.get("citizen", "z") is None and out.get("case") is None
    assert out.event is ev
    assert Outcome("applied").event is None


def test_a_fresh_outcome_has_no_changes_and_no_rejection():
    first, second = Outcome("applied"), Outcome("rejected")
    assert (first.changes, first.code, first.message, first.current, first.duplicate) == ([], None, None, None, False)
    assert first.ok and not second.ok
    first.changes.append(Change("event", "e", "put", {}))
    assert second.changes == []  # no shared default list


def test_a_rejection_keeps_its_code_message_and_current():
    r = Rejected("conflict", "پیام", {"id": "x"})
    assert (r.code, r.message, r.current, str(r)) == ("conflict", "پیام", {"id": "x"}, "پیام")
    assert Rejected("forbidden", "نه").current is None


# -- context: bump, resolve_citizen, the op's event ----------------------------------------


def test_bump_counts_up_from_the_stored_version_on_a_copy():
    doc = {"id": "x", "version": 4}
    assert bump(doc) == {"id": "x", "version": 5} and doc["version"] == 4
    assert bump({"id": "x"})["version"] == 1
    assert bump({"id": "x", "version": None})["version"] == 1
    assert bump({"id": "x", "version": "2"})["version"] == 3


def _chain(n: int) -> MemoryReader:
    """c0 -> c1 -> ... -> cn through ``merged_into``."""
    r = MemoryReader()
    for i in range(n + 1):
        r.put("citizen", {"id": f"c{i}", "merged_into": f"c{i + 1}" if i < n else None})
    return r


@pytest.mark.timeout(20)
@pytest.mark.parametrize(("n", "end"), [(0, "c0"), (1, "c1"), (9, "c9"), (10, "c10"), (11, "c10"), (15, "c10")])
def test_a_citizen_is_followed_through_at_most_10_redirects(n, end):
    assert resolve_citizen(_chain(n), "c0")["id"] == end


@pytest.mark.timeout(20)
def test_a_redirect_to_a_missing_profile_stops_at_the_last_one_found():
    r = _chain(3)
    r.put("citizen", {"id": "c3", "merged_into": "gone"})
    assert resolve_citizen(r, "c0")["id"] == "c3"
    assert resolve_citizen(r, "nobody") is None


def test_an_edit_through_a_merged_profile_reaches_the_end_of_the_chain(reader, cal, actors):
    # the reducer's handlers use the walk: an edit of c0 lands on c10, the 10th redirect
    for i in range(11):
        reader.put("citizen", {"id": f"c{i}", "national_id": None, "no_national_id": True, "first_name": "علی",
                               "last_name": "رضایی", "merged_into": f"c{i + 1}" if i < 10 else None, "version": 1})
    out = apply_op(ops.citizen_upsert({"id": "c0", "city": "تاکستان"}, actors["agent"], now=NOW), reader,
                   now=NOW, calendar=cal)
    assert out.status == "applied" and out.get("citizen")["id"] == "c10"
    assert out.event["data"]["citizen_id"] == "c10" and out.event["data"]["alias_id"] == "c0"


def test_the_event_records_the_actor_clock_and_a_concurrent_edit(reader, cal, actors):
    reader.apply(apply_op(_op(actors), reader, now=NOW, calendar=cal))
    later = datetime(2025, 5, 4, 7, 8, 9, 999, tzinfo=UTC)
    actor = {**actors["agent"], "name": None}
    edit = ops.citizen_upsert({"id": "cit-1", "version": 9, "city": "آبیک"}, actor, now=later)
    out = apply_op(edit, reader, now=later, calendar=cal)
    assert out.event == {
        "id": derived_id(edit["op_id"], "event"), "case_id": None, "kind": "citizen.upsert",
        "actor": {**AGENT_AS_RECORDED, "name": ""}, "at": "2025-05-04T07:08:09Z",
        "data": {"citizen_id": "cit-1", "alias_id": None, "changed": {"city": "آبیک"}, "previous": {"city": ""},
                 "conflicts": {}, "review": False},
        "op_id": edit["op_id"], "concurrent": True, "version": 1,
    }
