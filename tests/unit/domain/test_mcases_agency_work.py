"""The agency's side of a case through the shared reducer, exactly: refer, accept, assign,
answer, return and extend. For each: the new case dict and the event (every key and
value, as ``Change.to_dict()``), and each refusal with its code, its full Persian message
and the case it carries as ``current``. Also which refusal code a refused action gets
(``not_found``, ``forbidden`` out of role or agency, ``invalid_transition`` in role but in
the wrong state) and when an event is marked concurrent.

Written against the survivors of the mutmut run of ``domain/reducer/cases.py``
(docs/mutation.md). Dates: NOW is Saturday 3 May 2025 (Tehran); in May 2025 only Fridays
are off in the Qazvin calendar, so 10 working days after Thursday 1 May is Tuesday 13 May."""

from __future__ import annotations

import pytest

from samad_desk.domain.ops import make_op
from samad_desk.domain.reducer import apply_op, event_id_for
from tests.support.case_ops import refusal, stored
from tests.support.domain import NOW

AT = "2025-05-03T06:00:00Z"  # NOW as the reducer writes it
WATER = "شرکت آب و فاضلاب استان قزوین"
#: an agency whose complaints have 5 days (others 10), 20 at most
TYPED = {"id": "typed-qazvin", "name": "اداره نمونه قزوین", "manager_name": "", "province": "qazvin",
         "city": "قزوین", "sla_days": 10, "sla_max_days": 20, "active": True, "sla_by_type": {"complaint": 5}}
TYPED_OFFICER = {"operator_id": "op-typed1", "name": "کارشناس نمونه", "role": "officer",
                 "agency_id": "typed-qazvin", "office_id": "T"}


def act(reader, cal, kind, actor, payload, *, base=None, op_id="op-1", case_id="case-1"):
    op = make_op(f"case.{kind}", case_id, payload, actor, base_version=base, op_id=op_id, now=NOW)
    return apply_op(op, reader, now=NOW, calendar=cal)


def applied(out, kind, actor, before: dict, data: dict, *, concurrent=False, op_id="op-1", **changes) -> None:
    """``out`` applied ``kind``: the case is ``before`` with ``changes`` and version + 1
    (no case change at all when ``changes`` holds ``unchanged=True``), and one event."""
    assert (out.status, out.code, out.message, out.current, out.duplicate) == ("applied", None, None, None, False)
    event = {"id": event_id_for(op_id), "case_id": before["id"], "kind": kind,
             "actor": {k: actor[k] for k in ("operator_id", "name", "role", "agency_id", "office_id")},
             "at": AT, "data": data, "op_id": op_id, "concurrent": concurrent, "version": 1}
    expected = [{"entity": "event", "id": event_id_for(op_id), "op": "put", "data": event}]
    if not changes.pop("unchanged", False):
        new = {**before, **changes, "version": before["version"] + 1}
        expected.insert(0, {"entity": "case", "id": before["id"], "op": "put", "data": new})
    assert [c.to_dict() for c in out.changes] == expected


@pytest.fixture
def world(reader):
    reader.put("agency", dict(TYPED))
    return reader


# -- refer -----------------------------------------------------------------------------


def test_a_first_referral_starts_the_clock(world, cal, actors):
    before = stored(world, state="registered", agency_id=None, referred_at=None, due_date=None, version=1)
    out = act(world, cal, "refer", actors["agent"], {"agency_id": "water-qazvin", "note": " فوری \n"}, base=1)
    # Saturday 3 May + 10 working days (Friday 9 May off) = Wednesday 14 May
    applied(out, "refer", actors["agent"], before, {
        "agency_id": "water-qazvin", "agency_name": WATER, "manager_name": "مهندس علیرضا کریمی",
        "note": "فوری", "from_state": "registered",
        "from_agency_id": None, "re_referral": False, "due_date": "2025-05-14", "sla_days": 10,
        "sla_max_days": 15,
    }, state="referred", agency_id="water-qazvin", referred_at=AT, due_date="2025-05-14")


def test_rerouting_uses_the_new_agencys_deadline_for_the_case_type_and_clears_the_work(world, cal, actors):
    before = stored(world, assigned_to="op-water1", extended_days=2, due_date="2025-05-15")
    out = act(world, cal, "refer", actors["supervisor"], {"agency_id": "typed-qazvin"}, base=2)
    # a complaint at typed-qazvin: 5 working days from Saturday 3 May = Thursday 8 May
    applied(out, "refer", actors["supervisor"], before, {
        "agency_id": "typed-qazvin", "agency_name": "اداره نمونه قزوین", "manager_name": "", "note": "",
        "from_state": "referred",
        "from_agency_id": "water-qazvin", "re_referral": True, "due_date": "2025-05-08", "sla_days": 5,
        "sla_max_days": 20,
    }, agency_id="typed-qazvin", referred_at=AT, due_date="2025-05-08", extended_days=0, assigned_to=None)


def test_a_rereferral_of_a_returned_case_starts_afresh(world, cal, actors):
    """Whatever a returned case still carries (here leftovers of an answer and a closing, as
    older data may hold) is cleared: the new agency starts with no assignee and no answer."""
    before = stored(world, state="returned", agency_id=None, due_date=None, assigned_to="op-x",
                    answer="پاسخ قدیمی", answered_at="2025-05-02T06:00:00Z", closed_at="2025-05-02T07:00:00Z",
                    extended_days=1)
    out = act(world, cal, "refer", actors["admin"], {"agency_id": "power-qazvin", "note": "به برق مربوط است"})
    applied(out, "refer", actors["admin"], before, {
        "agency_id": "power-qazvin", "agency_name": "شرکت توزیع نیروی برق استان قزوین",
        "manager_name": "مهندس حمید رضایی", "note": "به برق مربوط است", "from_state": "returned", "from_agency_id": None, "re_referral": True,
        "due_date": "2025-05-14", "sla_days": 10, "sla_max_days": 15,
    }, state="referred", agency_id="power-qazvin", referred_at=AT, due_date="2025-05-14", extended_days=0,
        assigned_to=None, answer=None, answered_at=None, closed_at=None)


def test_an_agency_without_a_name_or_manager_is_named_empty_in_the_event(world, cal, actors):
    world.put("agency", {"id": "bare-qazvin", "province": "qazvin", "active": True})
    stored(world, state="registered", agency_id=None, due_date=None)
    out = act(world, cal, "refer", actors["agent"], {"agency_id": "bare-qazvin"})
    assert out.event["data"]["agency_name"] == "" and out.event["data"]["manager_name"] == ""


@pytest.mark.parametrize(("payload", "message"), [
    ({}, "دستگاه مقصد ارجاع انتخاب نشده است."),
    ({"agency_id": "  "}, "دستگاه مقصد ارجاع انتخاب نشده است."),
    # an id that is no text is never looked up (a list is not even a key of the reader)
    ({"agency_id": ["power-qazvin"]}, "دستگاه مقصد ارجاع انتخاب نشده است."),
    ({"agency_id": "nowhere-qazvin"}, "دستگاه مقصد ارجاع شناخته\u200cشده نیست."),
    ({"agency_id": "water-qazvin"}, "پرونده همین حالا به همین دستگاه ارجاع شده است."),
])
def test_a_bad_referral_is_refused_exactly(world, cal, actors, payload, message):
    before = stored(world)
    assert refusal(act(world, cal, "refer", actors["agent"], payload)) == ("invalid_payload", message, before)


#: refusals of the reducer's own value checks (``values.multiline``): they carry no
#: ``current`` today, unlike the workflow's refusals of the same op (see the report)
VALUE_REFUSALS = [
    ("refer", "agent", {"agency_id": "power-qazvin", "note": 5}, "«یادداشت ارجاع» نامعتبر است."),
    # two characters to the workflow's check, one once normalised (a bidi mark is dropped)
    ("answer", "officer", {"text": "ب\u200e"}, "«متن پاسخ» وارد نشده است."),
    ("return", "officer", {"reason": "نا\u200e"}, "«دلیل عودت» وارد نشده است."),
    ("extend", "officer", {"days": 2, "reason": "با\u200e"}, "«دلیل تمدید» وارد نشده است."),
]


@pytest.mark.parametrize(("action", "who", "payload", "message"), VALUE_REFUSALS)
def test_a_value_the_reducer_cannot_store_is_refused_exactly(world, cal, actors, action, who, payload, message):
    stored(world)
    code, text, _current = refusal(act(world, cal, action, actors[who], payload))
    assert (code, text) == ("invalid_payload", message)


def test_a_referral_to_an_inactive_agency_is_refused_exactly(world, cal, actors):
    world.put("agency", {**TYPED, "id": "closed-qazvin", "name": "اداره منحل", "active": False})
    before = stored(world)
    out = act(world, cal, "refer", actors["agent"], {"agency_id": "closed-qazvin"})
    assert refusal(out) == ("invalid_payload", "دستگاه «اداره منحل» غیرفعال است و نمی‌توان به آن ارجاع داد.", before)


# -- which code a refused action gets --------------------------------------------------


def test_an_action_on_a_missing_case_is_not_found(world, cal, actors):
    out = act(world, cal, "accept", actors["officer"], {}, case_id="case-none")
    assert refusal(out) == ("not_found", "پرونده پیدا نشد.", None)


REFUSED = [
    # (stored case changes, action, actor, payload, code, message)
    ({}, "refer", "officer", {"agency_id": "power-qazvin"}, "forbidden",
     "ارجاع با واحد ۱۱۱ است؛ اگر پرونده به دستگاه شما مربوط نیست، آن را با ذکر دلیل عودت دهید."),
    ({}, "accept", "other_officer", {}, "forbidden",
     "این پرونده به دستگاه دیگری ارجاع شده است؛ فقط پرونده‌های دستگاه خود را می‌توانید رسیدگی کنید."),
    ({"state": "returned", "agency_id": None}, "accept", "no_agency_officer", {}, "forbidden",
     "دستگاه کاربر معلوم نیست؛ کارشناس و مدیر فقط پرونده‌های دستگاه خود را می‌بینند."),
    ({"state": "in_progress"}, "accept", "officer", {}, "invalid_transition",
     "پرونده پیش‌تر پذیرفته شده و در حال رسیدگی است."),
    ({"state": "closed"}, "refer", "supervisor", {"agency_id": "power-qazvin"}, "invalid_transition",
     "پرونده مختومه است و نمی‌توان آن را ارجاع داد؛ ابتدا باید بازگشایی شود."),
    ({"state": "answered"}, "extend", "manager", {"days": 1, "reason": "بازدید"}, "invalid_transition",
     "پرونده پاسخ داده شده است؛ تمدید مهلت معنا ندارد."),
]


@pytest.mark.parametrize(("change", "action", "who", "payload", "code", "message"), REFUSED)
def test_a_refused_action_gets_the_code_of_its_reason(world, cal, actors, change, action, who, payload, code,
                                                      message):
    actors["no_agency_officer"] = {**actors["officer"], "agency_id": None}
    before = stored(world, **change)
    assert refusal(act(world, cal, action, actors[who], payload)) == (code, message, before)


@pytest.mark.parametrize(("base", "concurrent"), [(None, False), (2, False), (1, True)])
def test_an_event_is_concurrent_when_the_op_was_based_on_an_older_version(world, cal, actors, base, concurrent):
    before = stored(world)
    out = act(world, cal, "accept", actors["officer"], {}, base=base)
    applied(out, "accept", actors["officer"], before, {"assigned_to": "op-water1"}, concurrent=concurrent,
            state="in_progress", assigned_to="op-water1")


# -- accept, assign --------------------------------------------------------------------


def test_accepting_keeps_an_earlier_assignment(world, cal, actors):
    before = stored(world, assigned_to="op-water2")
    out = act(world, cal, "accept", actors["officer"], {})
    applied(out, "accept", actors["officer"], before, {"assigned_to": "op-water2"}, state="in_progress")


def test_assigning_a_known_officer_names_them_and_the_previous_one(world, cal, actors):
    before = stored(world, state="in_progress", assigned_to="op-water2")
    out = act(world, cal, "assign", actors["manager"], {"operator_id": "op-water1"})
    applied(out, "assign", actors["manager"], before, {
        "operator_id": "op-water1", "operator_name": "رضا عباسی", "previous": "op-water2",
    }, assigned_to="op-water1")


def test_assigning_an_officer_not_yet_known_here_records_no_name(world, cal, actors):
    before = stored(world)
    out = act(world, cal, "assign", actors["manager"], {"operator_id": "op-water9"})
    applied(out, "assign", actors["manager"], before, {
        "operator_id": "op-water9", "operator_name": "", "previous": None,
    }, assigned_to="op-water9")


@pytest.mark.parametrize(("operator_id", "code", "message"), [
    ("", "invalid_payload", "کارشناس برای واگذاری انتخاب نشده است."),
    ("../op-water1", "invalid_payload", "شناسه کارشناس نامعتبر است."),
    ("op water1", "invalid_payload", "شناسه کارشناس نامعتبر است."),
    ("op-power1", "forbidden", "کارشناس انتخاب‌شده از دستگاه دیگری است."),
])
def test_a_bad_assignment_is_refused_exactly(world, cal, actors, operator_id, code, message):
    before = stored(world)
    out = act(world, cal, "assign", actors["manager"], {"operator_id": operator_id})
    assert refusal(out) == (code, message, before)


# -- answer ----------------------------------------------------------------------------


def test_an_answer_straight_from_referred_accepts_the_case_for_the_officer(world, cal, actors):
    before = stored(world)
    out = act(world, cal, "answer", actors["officer"], {"text": " لوله تعمیر شد. \n"})
    applied(out, "answer", actors["officer"], before, {
        "text": "لوله تعمیر شد.", "revised": False, "previous": None, "in_time": True, "due_date": "2025-05-13",
    }, state="answered", answer="لوله تعمیر شد.", answered_at=AT, assigned_to="op-water1")


def test_a_revised_answer_keeps_the_assignee_and_records_the_previous_one(world, cal, actors):
    before = stored(world, state="answered", answer="پاسخ اول", answered_at="2025-05-01T08:00:00Z",
                    assigned_to="op-water1", due_date="2025-05-02")
    out = act(world, cal, "answer", actors["manager"], {"text": "نه"})
    applied(out, "answer", actors["manager"], before, {
        "text": "نه", "revised": True, "previous": "پاسخ اول", "in_time": False, "due_date": "2025-05-02",
    }, answer="نه", answered_at=AT)


def test_an_answer_without_a_deadline_is_neither_in_time_nor_late(world, cal, actors):
    before = stored(world, state="in_progress", due_date=None, assigned_to="op-water2")
    out = act(world, cal, "answer", actors["officer"], {"text": "انجام شد"})
    applied(out, "answer", actors["officer"], before, {
        "text": "انجام شد", "revised": False, "previous": None, "in_time": None, "due_date": None,
    }, state="answered", answer="انجام شد", answered_at=AT)


@pytest.mark.parametrize(("text", "message"), [
    ("", "متن پاسخ خالی است."),
    ("ب", "متن پاسخ خالی است."),
    (5, "متن پاسخ خالی است."),
])
def test_an_answer_too_short_is_refused_exactly(world, cal, actors, text, message):
    before = stored(world)
    out = act(world, cal, "answer", actors["officer"], {"text": text})
    assert refusal(out) == ("invalid_payload", message, before)


# -- return ----------------------------------------------------------------------------


def test_returning_hands_the_case_back_without_agency_deadline_or_assignee(world, cal, actors):
    before = stored(world, state="in_progress", assigned_to="op-water1", extended_days=2, due_date="2025-05-15")
    out = act(world, cal, "return", actors["officer"],
              {"reason": "به شهرداری مربوط است", "suggested_agency_id": "municipality-qazvin"})
    applied(out, "return", actors["officer"], before, {
        "reason": "به شهرداری مربوط است", "from_agency_id": "water-qazvin",
        "suggested_agency_id": "municipality-qazvin", "suggested_agency_name": "شهرداری قزوین",
    }, state="returned", agency_id=None, due_date=None, assigned_to=None, extended_days=0)


@pytest.mark.parametrize("suggested", [None, ""])
def test_a_return_without_a_suggestion_records_none(world, cal, actors, suggested):
    before = stored(world)
    out = act(world, cal, "return", actors["manager"], {"reason": "نامربوط", "suggested_agency_id": suggested})
    applied(out, "return", actors["manager"], before, {
        "reason": "نامربوط", "from_agency_id": "water-qazvin", "suggested_agency_id": None,
        "suggested_agency_name": None,
    }, state="returned", agency_id=None, due_date=None)


@pytest.mark.parametrize(("payload", "message"), [
    ({"reason": "نامربوط", "suggested_agency_id": "nowhere-qazvin"}, "دستگاه پیشنهادی شناخته\u200cشده نیست."),
    ({"reason": "نامربوط", "suggested_agency_id": 5}, "دستگاه پیشنهادی شناخته\u200cشده نیست."),
    ({"reason": "نامربوط", "suggested_agency_id": ["municipality-qazvin"]}, "دستگاه پیشنهادی شناخته\u200cشده نیست."),
    ({"reason": "نا"}, "برای عودت پرونده باید دلیل عدم ارتباط را بنویسید."),
    ({"reason": "نامربوط", "suggested_agency_id": "water-qazvin"},
     "دستگاه پیشنهادی نمی‌تواند همان دستگاهی باشد که پرونده را عودت می‌دهد."),
])
def test_a_bad_return_is_refused_exactly(world, cal, actors, payload, message):
    before = stored(world)
    assert refusal(act(world, cal, "return", actors["officer"], payload)) == ("invalid_payload", message, before)


def test_a_reason_of_three_characters_is_enough_to_return(world, cal, actors):
    stored(world)
    out = act(world, cal, "return", actors["officer"], {"reason": "نام"})
    assert out.status == "applied" and out.event["data"]["reason"] == "نام"


# -- extend ----------------------------------------------------------------------------


def test_an_extension_moves_the_deadline_by_working_days(world, cal, actors):
    before = stored(world, state="in_progress", extended_days=2, due_date="2025-05-13")
    out = act(world, cal, "extend", actors["officer"], {"days": 3, "reason": " نیاز به بازدید "})
    # Tuesday 13 May + 3 working days (Friday 16 May off) = Saturday 17 May
    applied(out, "extend", actors["officer"], before, {
        "days": 3, "reason": "نیاز به بازدید", "previous_due_date": "2025-05-13", "due_date": "2025-05-17",
        "extended_days": 5, "sla_max_days": 15,
    }, due_date="2025-05-17", extended_days=5)


def test_an_extension_counts_the_limits_of_the_cases_agency_and_type(world, cal, actors):
    """typed-qazvin gives complaints 5 days, 20 at most: 15 - 1 used = 14 more at most."""
    before = stored(world, agency_id="typed-qazvin", extended_days=1, due_date="2025-05-09")
    out = act(world, cal, "extend", TYPED_OFFICER, {"days": 15, "reason": "بازدید"})
    assert refusal(out) == (
        "invalid_payload",
        "تمدید بیش از حداکثر مهلت است: حداکثر ۲۰ روز کاری، حداکثر ۱۴ روز دیگر قابل تمدید است.",
        before,
    )
    out = act(world, cal, "extend", TYPED_OFFICER, {"days": 14, "reason": "بازدید"})
    assert out.status == "applied", out.message
    assert out.event["data"]["sla_max_days"] == 20 and out.event["data"]["extended_days"] == 15


@pytest.mark.parametrize(("referred_at", "extended_days", "due"), [
    # no stored deadline: rebuilt from the referral (Thursday 1 May + 5 + used days), then + 2
    ("2025-05-01T07:00:00Z", None, "2025-05-10"),  # 7 May + 2 = Thursday 8, Saturday 10
    ("2025-05-01T07:00:00Z", 1, "2025-05-11"),  # 8 May + 2
    ("2025-04-30T21:00:00Z", 0, "2025-05-10"),  # 30 April 21:00 UTC is 1 May in Tehran
    (None, 0, "2025-05-11"),  # no referral date: from today, Saturday 3 May + 5 = 8 May, + 2
])
def test_an_extension_of_a_case_without_a_deadline_rebuilds_it_first(world, cal, actors, referred_at,
                                                                   extended_days, due):
    before = stored(world, agency_id="typed-qazvin", due_date=None, referred_at=referred_at,
                    extended_days=extended_days)
    out = act(world, cal, "extend", TYPED_OFFICER, {"days": 2, "reason": "بازدید"})
    applied(out, "extend", TYPED_OFFICER, before, {
        "days": 2, "reason": "بازدید", "previous_due_date": None, "due_date": due,
        "extended_days": (extended_days or 0) + 2, "sla_max_days": 20,
    }, due_date=due, extended_days=(extended_days or 0) + 2)


@pytest.mark.parametrize(("payload", "message"), [
    ({"days": 0, "reason": "بازدید"}, "تعداد روزهای تمدید باید عددی مثبت باشد."),
    ({"days": "2", "reason": "بازدید"}, "تعداد روزهای تمدید باید عددی مثبت باشد."),
    ({"days": 2, "reason": "با"}, "برای تمدید مهلت باید دلیل آن را بنویسید."),
    ({"days": 6, "reason": "بازدید"},
     "تمدید بیش از حداکثر مهلت است: حداکثر ۱۵ روز کاری، حداکثر ۵ روز دیگر قابل تمدید است."),
])
def test_a_bad_extension_is_refused_exactly(world, cal, actors, payload, message):
    before = stored(world)
    assert refusal(act(world, cal, "extend", actors["officer"], payload)) == ("invalid_payload", message, before)


def test_a_reason_of_three_characters_is_enough_to_extend(world, cal, actors):
    stored(world)
    out = act(world, cal, "extend", actors["officer"], {"days": 1, "reason": "بای"})
    assert out.status == "applied" and out.event["data"]["reason"] == "بای"
