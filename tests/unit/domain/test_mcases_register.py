"""``case.register`` through the shared reducer, exactly: the new case dict and its event
(every key and value, ``Change.to_dict()``), and every refusal with its code, its full
Persian message and the ``current`` state it carries.

Written against the survivors of the mutmut run of ``domain/reducer/cases.py``
(docs/mutation.md): the texts, codes, event keys, defaults and the alias branch of
``case_register`` were not asserted exactly by any test before."""

from __future__ import annotations

import pytest

from samad_desk.domain.ops import make_op
from samad_desk.domain.reducer import apply_op, event_id_for
from tests.support.domain import NOW

CODE = "000123456786"  # valid Damm check digit
OTHER_CODE = "000070000014"
AT = "2025-05-03T06:00:00Z"  # NOW as the reducer writes it


def _citizen(cid: str, **fields) -> dict:
    doc = {"id": cid, "national_id": None, "no_national_id": False, "first_name": "فاطمه",
           "last_name": "محمدی", "father_name": "", "birth_date": None, "mobile": None, "city": "",
           "sayyed": False, "merged_into": None, "created_at": AT, "version": 1}
    doc.update(fields)
    return doc


@pytest.fixture
def world(reader):
    reader.put("citizen", _citizen("cit-nid", national_id="0499370899"))
    reader.put("citizen", _citizen("cit-flag", no_national_id=True))
    reader.put("citizen", _citizen("cit-none"))
    # an old profile merged into cit-nid: a case for it belongs to the survivor
    reader.put("citizen", _citizen("cit-old", merged_into="cit-nid"))
    return reader


def _payload(**over) -> dict:
    p = {"tracking_code": CODE, "citizen_id": "cit-nid", "type": "complaint", "subject": "water.outage",
         "city": "قزوین", "description": "آب سه روز است قطع است", "urgency": "normal", "channel": "call"}
    p.update(over)
    return {k: v for k, v in p.items() if v is not ...}  # ... drops a key


def register(reader, cal, actor, payload, *, case_id="case-1", op_id="op-reg-1"):
    op = make_op("case.register", case_id, payload, actor, op_id=op_id, now=NOW)
    return apply_op(op, reader, now=NOW, calendar=cal)


def refusal(out) -> tuple:
    assert out.status == "rejected" and out.changes == [] and not out.duplicate
    return out.code, out.message, out.current


def actor_record(actor: dict) -> dict:
    return {k: actor[k] for k in ("operator_id", "name", "role", "agency_id", "office_id")}


def expected_case(**over) -> dict:
    doc = {
        "id": "case-1", "tracking_code": CODE, "citizen_id": "cit-nid", "type": "complaint",
        "subject": "water.outage", "agency_id": None, "city": "قزوین", "description": "آب سه روز است قطع است",
        "urgency": "normal", "channel": "call", "state": "registered", "registered_at": AT,
        "referred_at": None, "due_date": None, "extended_days": 0, "assigned_to": None, "answer": None,
        "answered_at": None, "closed_at": None, "escalated": False, "version": 1,
    }
    doc.update(over)
    return doc


def expected_changes(actor, case: dict, data: dict, op_id="op-reg-1") -> list[dict]:
    event = {"id": event_id_for(op_id), "case_id": case["id"], "kind": "register",
             "actor": actor_record(actor), "at": AT, "data": data, "op_id": op_id,
             "concurrent": False, "version": 1}
    return [{"entity": "case", "id": case["id"], "op": "put", "data": case},
            {"entity": "event", "id": event_id_for(op_id), "op": "put", "data": event}]


# -- applied ---------------------------------------------------------------------------


def test_a_full_registration_is_stored_and_recorded_exactly(world, cal, actors):
    out = register(world, cal, actors["agent"], _payload(
        tracking_code="۰۰۰۱-۲۳۴۵-۶۷۸۶", type="شکایت", subject="  water.outage ", city=" تاکستان ",
        description="آب سه روز است قطع است  \n", urgency="urgent", channel="letter"))
    assert (out.status, out.code, out.message, out.current, out.duplicate) == ("applied", None, None, None, False)
    case = expected_case(city="تاکستان", urgency="urgent", channel="letter")
    assert [c.to_dict() for c in out.changes] == expected_changes(actors["agent"], case, {
        "tracking_code": CODE, "citizen_id": "cit-nid", "type": "complaint", "subject": "water.outage",
        "channel": "letter", "urgency": "urgent",
    })


def test_urgency_channel_and_city_have_defaults(world, cal, actors):
    """A registration without urgency, channel and city: normal, by call, no city (the
    citizen here has no national ID, which is allowed when flagged)."""
    out = register(world, cal, actors["admin"], _payload(citizen_id="cit-flag", urgency=..., channel=...,
                                                         city=..., type="request"))
    assert out.status == "applied", out.message
    case = expected_case(citizen_id="cit-flag", city="", type="request")
    assert [c.to_dict() for c in out.changes] == expected_changes(actors["admin"], case, {
        "tracking_code": CODE, "citizen_id": "cit-flag", "type": "request", "subject": "water.outage",
        "channel": "call", "urgency": "normal",
    })


@pytest.mark.parametrize("blank", ["", None])
def test_blank_urgency_and_channel_are_the_defaults(world, cal, actors, blank):
    out = register(world, cal, actors["agent"], _payload(urgency=blank, channel=blank))
    assert out.status == "applied", out.message
    assert (out.get("case")["urgency"], out.get("case")["channel"]) == ("normal", "call")


def test_a_case_for_a_merged_profile_belongs_to_the_survivor_and_names_the_alias(world, cal, actors):
    out = register(world, cal, actors["agent"], _payload(citizen_id="cit-old"))
    assert out.status == "applied", out.message
    assert [c.to_dict() for c in out.changes] == expected_changes(actors["agent"], expected_case(), {
        "tracking_code": CODE, "citizen_id": "cit-nid", "type": "complaint", "subject": "water.outage",
        "channel": "call", "urgency": "normal", "citizen_alias_id": "cit-old",
    })


def test_a_description_of_three_characters_is_enough(world, cal, actors):
    out = register(world, cal, actors["agent"], _payload(description=" نشت\n"))
    assert out.status == "applied", out.message
    assert out.get("case")["description"] == "نشت"


# -- refused ---------------------------------------------------------------------------

NO_CODE = "کد رهگیری: وارد نشده است"

REFUSALS = [
    # (payload changes, code, message)
    ({"tracking_code": 123456789012}, "invalid_payload", NO_CODE),
    ({"tracking_code": ...}, "invalid_payload", NO_CODE),
    ({"tracking_code": "000123456787"}, "invalid_payload",
     "کد رهگیری: رقم کنترل درست نیست؛ احتمالاً یک رقم اشتباه خوانده یا جابه\u200cجا شده است"),
    ({"citizen_id": ...}, "invalid_payload", "شهروند پرونده مشخص نشده است."),
    ({"citizen_id": ""}, "invalid_payload", "شهروند پرونده مشخص نشده است."),
    ({"citizen_id": 7}, "invalid_payload", "شهروند پرونده مشخص نشده است."),
    ({"citizen_id": "cit-nobody"}, "not_found", "شهروند این پرونده پیدا نشد؛ ابتدا مشخصات شهروند را ثبت کنید."),
    ({"citizen_id": "cit-none"}, "invalid_payload", "برای ثبت پرونده کد ملی شهروند لازم است."),
    ({"type": ...}, "invalid_payload", "نوع پیام (درخواست، شکایت، …) انتخاب نشده است."),
    ({"type": "رسید"}, "invalid_payload", "نوع پیام (درخواست، شکایت، …) انتخاب نشده است."),
    ({"urgency": "خیلی فوری"}, "invalid_payload", "فوریت پرونده نامعتبر است."),
    ({"channel": "fax"}, "invalid_payload", "نحوه دریافت پیام نامعتبر است."),
    ({"subject": ...}, "invalid_payload", "«موضوع» وارد نشده است."),
    ({"subject": "   "}, "invalid_payload", "«موضوع» وارد نشده است."),
    ({"subject": "water.flood"}, "invalid_payload", "«موضوع» را از فهرست موضوع‌ها انتخاب کنید."),
    ({"subject": "w" * 201}, "invalid_payload", "«موضوع» بیش از اندازه بلند است (حداکثر ۲۰۰ نویسه)."),
    ({"subject": 5}, "invalid_payload", "«موضوع» نامعتبر است."),
    ({"city": 5}, "invalid_payload", "«شهر» نامعتبر است."),
    ({"city": "ق" * 101}, "invalid_payload", "«شهر» بیش از اندازه بلند است (حداکثر ۱۰۰ نویسه)."),
    ({"description": 5}, "invalid_payload", "«شرح پیام» نامعتبر است."),
    ({"description": ...}, "invalid_payload", "«شرح پیام» را بنویسید."),
    ({"description": " \n "}, "invalid_payload", "«شرح پیام» را بنویسید."),
    ({"description": "آب"}, "invalid_payload", "«شرح پیام» کوتاه است (دست\u200cکم ۳ نویسه)."),
    ({"description": "x" * 8001}, "invalid_payload", "«شرح پیام» بیش از اندازه بلند است (حداکثر ۸۰۰۰ نویسه)."),
]


@pytest.mark.parametrize(("change", "code", "message"), REFUSALS)
def test_a_bad_registration_is_refused_exactly(world, cal, actors, change, code, message):
    out = register(world, cal, actors["agent"], _payload(**change))
    assert refusal(out) == (code, message, None)


def test_a_tracking_code_of_another_case_is_a_conflict_carrying_that_case(world, cal, actors):
    other = expected_case(id="case-0", version=3)
    world.put("case", other)
    out = register(world, cal, actors["agent"], _payload())
    assert refusal(out) == ("conflict", "این کد رهگیری پیش‌تر به پرونده دیگری داده شده است.", other)


def test_registering_an_existing_case_again_is_an_invalid_transition(world, cal, actors):
    """The same op body under a new op id (the event check does not catch it): the case
    exists, so it is refused with the existing case as ``current``."""
    first = register(world, cal, actors["agent"], _payload())
    world.apply(first)
    existing = world.get("case", "case-1")
    out = register(world, cal, actors["agent"], _payload(), op_id="op-reg-2")
    assert refusal(out) == ("invalid_transition", "پرونده‌ای با این شناسه پیش‌تر ثبت شده است.", existing)


@pytest.mark.parametrize(("who", "message"), [
    ("officer", "ثبت پرونده با اپراتور ۱۱۱ است."),
    ("supervisor", "ثبت پرونده با اپراتور ۱۱۱ است."),
    ("citizen", "نقش «شهروند (درگاه اینترنتی)» اجازهٔ «ثبت پرونده» را ندارد."),
])
def test_a_role_that_does_not_register_is_forbidden(world, cal, actors, who, message):
    out = register(world, cal, actors[who], _payload())
    assert refusal(out) == ("forbidden", message, None)
