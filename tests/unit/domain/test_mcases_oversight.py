"""The 111 unit's and the supervisor's side of a case through the shared reducer, exactly:
close, reopen, note, follow-up (the citizen's call back: satisfied, objecting, or only
recorded) and escalate. For each: the new case dict and the event (every key and value, as
``Change.to_dict()``), and each refusal with its code, its full Persian message and the
case it carries as ``current``.

Written against the survivors of the mutmut run of ``domain/reducer/cases.py``
(docs/mutation.md). Dates: NOW is Saturday 3 May 2025 (Tehran); in May 2025 only Fridays
are off in the Qazvin calendar. ``typed-qazvin`` gives complaints 5 working days, so a
clock restarted now runs to Thursday 8 May (the default would be Wednesday 14 May)."""

from __future__ import annotations

import pytest

from samad_desk.domain.ops import make_op
from samad_desk.domain.reducer import apply_op, event_id_for
from tests.support.case_ops import refusal, stored
from tests.support.domain import NOW

AT = "2025-05-03T06:00:00Z"  # NOW as the reducer writes it
TYPED = {"id": "typed-qazvin", "name": "اداره نمونه قزوین", "manager_name": "", "province": "qazvin",
         "city": "قزوین", "sla_days": 10, "sla_max_days": 20, "active": True, "sla_by_type": {"complaint": 5}}
ANSWERED = {"state": "answered", "agency_id": "typed-qazvin", "assigned_to": "op-typed1", "answer": "لوله تعمیر شد.",
            "answered_at": "2025-05-02T08:00:00Z", "due_date": "2025-05-06", "extended_days": 2}


def act(reader, cal, kind, actor, payload, *, op_id="op-1"):
    op = make_op(f"case.{kind}", "case-1", payload, actor, op_id=op_id, now=NOW)
    return apply_op(op, reader, now=NOW, calendar=cal)


def applied(out, kind, actor, before: dict, data: dict, *, unchanged=False, **changes) -> None:
    """``out`` applied ``kind``: the case is ``before`` with ``changes`` and version + 1
    (no case change at all when ``unchanged``), and one event with ``data``."""
    assert (out.status, out.code, out.message, out.current, out.duplicate) == ("applied", None, None, None, False)
    event = {"id": event_id_for("op-1"), "case_id": before["id"], "kind": kind,
             "actor": {k: actor[k] for k in ("operator_id", "name", "role", "agency_id", "office_id")},
             "at": AT, "data": data, "op_id": "op-1", "concurrent": False, "version": 1}
    expected = [{"entity": "event", "id": event_id_for("op-1"), "op": "put", "data": event}]
    if not unchanged:
        new = {**before, **changes, "version": before["version"] + 1}
        expected.insert(0, {"entity": "case", "id": before["id"], "op": "put", "data": new})
    assert [c.to_dict() for c in out.changes] == expected


@pytest.fixture
def world(reader, actors):
    reader.put("agency", dict(TYPED))
    actors["typed_officer"] = {"operator_id": "op-typed1", "name": "کارشناس نمونه", "role": "officer",
                               "agency_id": "typed-qazvin", "office_id": "T"}
    return reader


# -- close -----------------------------------------------------------------------------


def test_a_supervisor_closes_an_open_case_with_a_reason(world, cal, actors):
    before = stored(world)
    out = act(world, cal, "close", actors["supervisor"], {"reason": " پیام تکراری است \n"})
    applied(out, "close", actors["supervisor"], before, {"reason": "پیام تکراری است", "from_state": "referred"},
            state="closed", closed_at=AT)


def test_the_agency_closes_its_answered_case_without_a_reason(world, cal, actors):
    before = stored(world, **ANSWERED)
    out = act(world, cal, "close", actors["typed_officer"], {})
    applied(out, "close", actors["typed_officer"], before, {"reason": "", "from_state": "answered"},
            state="closed", closed_at=AT)


@pytest.mark.parametrize(("change", "who", "payload", "code", "message"), [
    ({"state": "registered", "agency_id": None}, "supervisor", {"reason": "پی"}, "invalid_payload",
     "برای مختومه کردن پرونده‌ای که پاسخ نگرفته باید دلیل آن را بنویسید."),
    ({"state": "in_progress"}, "officer", {"reason": "حل شد"}, "invalid_transition",
     "دستگاه فقط پس از ثبت پاسخ می‌تواند پرونده را مختومه کند."),
    ({}, "agent", {"reason": "حل شد"}, "forbidden",
     "اپراتور نمی‌تواند پرونده را مختومه کند؛ اگر شهروند از پاسخ راضی است، پیگیری را با «رضایت» ثبت کنید."),
])
def test_a_refused_close_is_refused_exactly(world, cal, actors, change, who, payload, code, message):
    before = stored(world, **change)
    assert refusal(act(world, cal, "close", actors[who], payload)) == (code, message, before)


# -- reopen ----------------------------------------------------------------------------


def test_reopening_an_answered_case_restarts_the_agencys_clock(world, cal, actors):
    before = stored(world, **ANSWERED)
    out = act(world, cal, "reopen", actors["supervisor"], {"reason": " پاسخ ناقص بود "})
    applied(out, "reopen", actors["supervisor"], before, {
        "reason": "پاسخ ناقص بود", "from_state": "answered",
        "previous": {"answer": "لوله تعمیر شد.", "answered_at": "2025-05-02T08:00:00Z", "closed_at": None,
                     "due_date": "2025-05-06"},
        "due_date": "2025-05-08",
    }, state="in_progress", answer=None, answered_at=None, closed_at=None, due_date="2025-05-08", extended_days=0)


def test_reopening_a_case_no_agency_holds_goes_back_to_registered_without_a_deadline(world, cal, actors):
    """(A closed case without agency with a stale deadline and extension, as older data may
    hold: a case that is not at an agency has neither.)"""
    before = stored(world, state="closed", agency_id=None, closed_at="2025-05-02T09:00:00Z",
                    due_date="2025-05-13", extended_days=1)
    out = act(world, cal, "reopen", actors["admin"], {"reason": "پیام تکراری نبود"})
    applied(out, "reopen", actors["admin"], before, {
        "reason": "پیام تکراری نبود", "from_state": "closed",
        "previous": {"answer": None, "answered_at": None, "closed_at": "2025-05-02T09:00:00Z",
                     "due_date": "2025-05-13"},
        "due_date": None,
    }, state="registered", closed_at=None, due_date=None, extended_days=0)


def test_a_reason_of_three_characters_is_enough_to_reopen(world, cal, actors):
    stored(world, **ANSWERED)
    out = act(world, cal, "reopen", actors["supervisor"], {"reason": "نقص"})
    assert out.status == "applied" and out.event["data"]["reason"] == "نقص"


@pytest.mark.parametrize(("who", "reason", "code", "message"), [
    ("agent", "پاسخ ناقص", "forbidden",
     "اپراتور پرونده را بازگشایی نمی‌کند؛ اعتراض شهروند را به‌صورت پیگیری با «عدم رضایت» ثبت کنید."),
    ("supervisor", "نق", "invalid_payload", "برای بازگشایی پرونده باید دلیل آن را بنویسید."),
])
def test_a_refused_reopen_is_refused_exactly(world, cal, actors, who, reason, code, message):
    before = stored(world, **ANSWERED)
    assert refusal(act(world, cal, "reopen", actors[who], {"reason": reason})) == (code, message, before)


# -- note ------------------------------------------------------------------------------


def test_a_note_is_an_event_only(world, cal, actors):
    before = stored(world, state="closed", closed_at="2025-05-02T09:00:00Z")
    out = act(world, cal, "note", actors["officer"], {"text": " شهروند تشکر کرد \n"})
    applied(out, "note", actors["officer"], before, {"text": "شهروند تشکر کرد"}, unchanged=True)


def test_an_empty_note_is_refused_exactly(world, cal, actors):
    before = stored(world)
    assert refusal(act(world, cal, "note", actors["agent"], {"text": "  "})) == (
        "invalid_payload", "متن یادداشت خالی است.", before)


# -- follow-up -------------------------------------------------------------------------


def test_an_objection_to_the_answer_reopens_the_case_at_its_agency(world, cal, actors):
    before = stored(world, **ANSWERED)
    out = act(world, cal, "followup", actors["agent"], {"note": " هنوز آب نیست ", "satisfied": False})
    applied(out, "followup", actors["agent"], before, {
        "note": "هنوز آب نیست", "satisfied": False, "state": "answered", "objection": True, "reopened": True,
        "previous": {"answer": "لوله تعمیر شد.", "answered_at": "2025-05-02T08:00:00Z", "closed_at": None,
                     "due_date": "2025-05-06"},
        "due_date": "2025-05-08",
    }, state="in_progress", answer=None, answered_at=None, closed_at=None, due_date="2025-05-08", extended_days=0)


def test_a_satisfied_citizen_closes_the_answered_case(world, cal, actors):
    before = stored(world, **ANSWERED)
    out = act(world, cal, "followup", actors["citizen"], {"satisfied": True})
    applied(out, "followup", actors["citizen"], before, {
        "note": "", "satisfied": True, "state": "answered", "objection": False, "closed": True,
    }, state="closed", closed_at=AT)


@pytest.mark.parametrize(("change", "satisfied", "objection"), [
    ({}, None, False),
    ({}, False, False),  # not answered yet: nothing to object to
    ({"state": "closed", "closed_at": "2025-05-02T09:00:00Z"}, False, True),  # recorded; the supervisor reopens
    ({"state": "closed", "closed_at": "2025-05-02T09:00:00Z"}, True, False),
])
def test_other_followups_are_only_recorded(world, cal, actors, change, satisfied, objection):
    before = stored(world, **change)
    out = act(world, cal, "followup", actors["agent"], {"note": "پیگیری", "satisfied": satisfied})
    applied(out, "followup", actors["agent"], before, {
        "note": "پیگیری", "satisfied": satisfied, "state": before["state"], "objection": objection,
    }, unchanged=True)


@pytest.mark.parametrize(("payload", "message"), [
    ({"note": 5}, "متن پیگیری نامعتبر است."),
    ({"satisfied": "بله"}, "وضعیت رضایت شهروند نامعتبر است."),
])
def test_a_bad_followup_is_refused_exactly(world, cal, actors, payload, message):
    before = stored(world)
    assert refusal(act(world, cal, "followup", actors["agent"], payload)) == ("invalid_payload", message, before)


# -- escalate --------------------------------------------------------------------------


def test_escalating_marks_the_case_and_keeps_its_state(world, cal, actors):
    before = stored(world)
    out = act(world, cal, "escalate", actors["supervisor"], {"reason": " تأخیر مکرر "})
    applied(out, "escalate", actors["supervisor"], before, {"reason": "تأخیر مکرر"}, escalated=True)


def test_a_reason_of_three_characters_is_enough_to_escalate(world, cal, actors):
    stored(world)
    out = act(world, cal, "escalate", actors["admin"], {"reason": "دیر"})
    assert out.status == "applied" and out.event["data"]["reason"] == "دیر"


@pytest.mark.parametrize(("change", "reason", "message"), [
    ({"escalated": True}, "تأخیر مکرر", "پرونده پیش‌تر به ناظر ارجاع شده است."),
    ({}, "دی", "برای ارجاع به ناظر باید دلیل آن را بنویسید."),
])
def test_a_bad_escalation_is_refused_exactly(world, cal, actors, change, reason, message):
    before = stored(world, **change)
    assert refusal(act(world, cal, "escalate", actors["supervisor"], {"reason": reason})) == (
        "invalid_payload", message, before)


# -- values the reducer itself refuses ---------------------------------------------------

#: refusals of ``values.multiline`` inside these ops; they carry no ``current`` today,
#: unlike the workflow's refusals of the same ops (see the report of session mcases)
VALUE_REFUSALS = [
    ("close", "typed_officer", ANSWERED, {"reason": 5}, "«دلیل» نامعتبر است."),
    ("reopen", "supervisor", ANSWERED, {"reason": "نق\u200e"}, "«دلیل بازگشایی» وارد نشده است."),
    # one visible character to the workflow's check, none once normalised
    ("note", "agent", {}, {"text": "\u200e"}, "«متن یادداشت» وارد نشده است."),
    ("followup", "agent", {}, {"note": "ن" * 8001}, "«متن پیگیری» بیش از اندازه بلند است (حداکثر ۸۰۰۰ نویسه)."),
    ("escalate", "supervisor", {}, {"reason": "دی\u200e"}, "«دلیل ارجاع به ناظر» وارد نشده است."),
]


@pytest.mark.parametrize(("action", "who", "change", "payload", "message"), VALUE_REFUSALS)
def test_a_value_the_reducer_cannot_store_is_refused_exactly(world, cal, actors, action, who, change, payload,
                                                            message):
    stored(world, **change)
    code, text, _current = refusal(act(world, cal, action, actors[who], payload))
    assert (code, text) == ("invalid_payload", message)
