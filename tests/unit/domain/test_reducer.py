"""The shared reducer: effects, idempotence, rejections with Persian messages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samad_desk.domain import ops
from samad_desk.domain.ids import uuid7
from samad_desk.domain.reducer import apply_op, event_id_for
from samad_desk.domain.tracking import make_tracking_code
from tests.support.domain import NOW

PERSIAN = re.compile(r"[\u0600-\u06FF]")
NID = "0499370899"
NID2 = "0013542419"


def run(reader, cal, op, now=NOW):
    out = apply_op(op, reader, now=now, calendar=cal)
    reader.apply(out)
    return out


def ok(reader, cal, op, now=NOW):
    out = run(reader, cal, op, now)
    assert out.status == "applied", (out.code, out.message)
    return out


def rejected(reader, cal, op, code, now=NOW):
    out = run(reader, cal, op, now)
    assert out.status == "rejected" and out.code == code, (out.code, out.message)
    assert out.changes == [] and out.message and PERSIAN.search(out.message)
    return out


def new_citizen(reader, cal, actors, nid=NID, **fields):
    cid = uuid7()
    ok(reader, cal, ops.citizen_upsert({"id": cid, "national_id": nid, "first_name": "فاطمه",
                                        "last_name": "محمدی", **fields}, actors["agent"]))
    return cid


_counter = iter(range(1, 10**6))


def new_case(reader, cal, actors, *, refer_to="water-qazvin", now=NOW):
    cid = new_citizen(reader, cal, actors, nid=None, no_national_id=True) if True else None
    case_id = uuid7()
    ok(reader, cal, ops.case_register(
        case_id, tracking_code=make_tracking_code(7, next(_counter)), citizen_id=cid, type="complaint",
        subject="water.outage", city="قزوین", description="آب سه روز است قطع است", actor=actors["agent"]), now)
    if refer_to:
        ok(reader, cal, ops.case_refer(reader.get("case", case_id), refer_to, actors["agent"]), now)
    return case_id


def case(reader, case_id):
    return reader.get("case", case_id)


def test_full_lifecycle(reader, cal, actors):
    cid = new_citizen(reader, cal, actors, mobile="+98 912 123 4567", birth_date="۱۳۶۵/۰۴/۱۲")
    citizen = reader.get("citizen", cid)
    assert citizen["mobile"] == "09121234567" and citizen["birth_date"] == "1986-07-03"
    assert citizen["version"] == 1 and citizen["created_at"] == "2025-05-03T06:00:00Z"
    case_id = uuid7()
    out = ok(reader, cal, ops.case_register(
        case_id, tracking_code="۰۰۰۱-۲۳۴۵-۶۷۸۶", citizen_id=cid, type="شکایت", subject="  water.outage ",
        city="قزوین", description="آب سه روز است قطع است", actor=actors["agent"]))
    c = case(reader, case_id)
    assert c["state"] == "registered" and c["tracking_code"] == "000123456786" and c["type"] == "complaint"
    assert c["subject"] == "water.outage" and c["version"] == 1 and c["registered_at"] == "2025-05-03T06:00:00Z"
    assert out.event["kind"] == "register" and out.event["id"] == event_id_for(out.event["op_id"])

    ok(reader, cal, ops.case_refer(c, "water-qazvin", actors["agent"], note="فوری"))
    c = case(reader, case_id)
    # Saturday 3 May 2025 + 10 working days (Fridays 9 and 16 May) → Wednesday 14 May
    assert c["state"] == "referred" and c["agency_id"] == "water-qazvin" and c["due_date"] == "2025-05-14"
    assert c["referred_at"] == "2025-05-03T06:00:00Z" and c["version"] == 2

    later = NOW + timedelta(days=1)
    ok(reader, cal, ops.case_accept(c, actors["officer"]), later)
    c = case(reader, case_id)
    assert c["state"] == "in_progress" and c["assigned_to"] == "op-water1"

    ok(reader, cal, ops.case_extend(c, 3, "نیاز به بازدید میدانی", actors["officer"]), later)
    c = case(reader, case_id)
    assert c["extended_days"] == 3 and c["due_date"] == "2025-05-18" and c["state"] == "in_progress"

    ok(reader, cal, ops.case_answer(c, "لوله تعمیر شد.", actors["officer"]), later)
    c = case(reader, case_id)
    assert c["state"] == "answered" and c["answer"] == "لوله تعمیر شد." and c["answered_at"]

    # the citizen calls back and objects: reopened at the same agency with a fresh deadline
    out = ok(reader, cal, ops.case_followup(c, actors["agent"], note="هنوز آب نیست", satisfied=False),
             NOW + timedelta(days=2))
    c = case(reader, case_id)
    assert c["state"] == "in_progress" and c["answer"] is None and c["agency_id"] == "water-qazvin"
    assert c["due_date"] == "2025-05-17" and c["extended_days"] == 0
    assert out.event["data"]["objection"] and out.event["data"]["reopened"]
    assert out.event["data"]["previous"]["answer"] == "لوله تعمیر شد."

    ok(reader, cal, ops.case_answer(c, "شیر فلکه اصلی باز شد.", actors["manager"]), NOW + timedelta(days=3))
    ok(reader, cal, ops.case_followup(case(reader, case_id), actors["agent"], satisfied=True), NOW + timedelta(days=4))
    c = case(reader, case_id)
    assert c["state"] == "closed" and c["closed_at"] == "2025-05-07T06:00:00Z"
    kinds = [e["kind"] for e in reader.events_of_case(case_id)]
    assert kinds == ["register", "refer", "accept", "extend", "answer", "followup", "answer", "followup"]
    assert c["version"] == 8
    # a note on a closed case is still a fact worth keeping; the case itself is unchanged
    out = ok(reader, cal, ops.case_note(c, "شهروند تشکر کرد", actors["agent"]), NOW + timedelta(days=5))
    assert [ch.entity for ch in out.changes] == ["event"] and case(reader, case_id)["version"] == 8


def test_reapplying_an_op_is_idempotent(reader, cal, actors):
    case_id = new_case(reader, cal, actors, refer_to=None)
    op = ops.case_refer(case(reader, case_id), "water-qazvin", actors["agent"])
    before = {k: dict(v) for k, v in reader.entities.items()}
    first = apply_op(op, reader, now=NOW, calendar=cal)
    again_same_state = apply_op(op, reader, now=NOW, calendar=cal)
    assert first == again_same_state  # pure and deterministic
    assert {k: dict(v) for k, v in reader.entities.items()} == before  # nothing written
    reader.apply(first)
    dup = apply_op(op, reader, now=NOW + timedelta(hours=1), calendar=cal)
    assert dup.status == "applied" and dup.duplicate and dup.changes == []
    assert len(reader.events_of_case(case_id)) == 2


def test_answering_a_closed_case_is_rejected_with_current_state(reader, cal, actors):
    case_id = new_case(reader, cal, actors)
    ok(reader, cal, ops.case_close(case(reader, case_id), actors["supervisor"], reason="پیام تکراری است"))
    out = rejected(reader, cal, ops.case_answer(case(reader, case_id), "پاسخ", actors["officer"]), "invalid_transition")
    assert "مختومه" in out.message
    assert out.current["state"] == "closed" and out.current["version"] == case(reader, case_id)["version"]


def test_officer_of_another_agency_is_forbidden(reader, cal, actors):
    case_id = new_case(reader, cal, actors)
    out = rejected(reader, cal, ops.case_accept(case(reader, case_id), actors["other_officer"]), "forbidden")
    assert "دستگاه دیگری" in out.message


def test_supervisor_cannot_edit_answer(reader, cal, actors):
    case_id = new_case(reader, cal, actors)
    ok(reader, cal, ops.case_answer(case(reader, case_id), "پاسخ اول", actors["officer"]))
    out = rejected(reader, cal, ops.case_answer(case(reader, case_id), "پاسخ دیگر", actors["supervisor"]), "forbidden")
    assert "ناظر" in out.message
    ok(reader, cal, ops.case_answer(case(reader, case_id), "پاسخ اصلاح‌شده", actors["officer"]))
    assert case(reader, case_id)["answer"] == "پاسخ اصلاح‌شده"


def test_extension_past_maximum_and_return_without_reason(reader, cal, actors):
    case_id = new_case(reader, cal, actors)
    ok(reader, cal, ops.case_extend(case(reader, case_id), 4, "بازدید میدانی", actors["officer"]))
    out = rejected(reader, cal, ops.case_extend(case(reader, case_id), 2, "بازدید دوباره", actors["officer"]),
                   "invalid_payload")
    assert "حداکثر" in out.message and "۱۵" in out.message
    ok(reader, cal, ops.case_extend(case(reader, case_id), 1, "بازدید دوباره", actors["officer"]))
    assert case(reader, case_id)["extended_days"] == 5
    rejected(reader, cal, ops.case_return(case(reader, case_id), "", actors["officer"]), "invalid_payload")


def test_returned_case_goes_back_to_111_for_re_referral(reader, cal, actors):
    case_id = new_case(reader, cal, actors)
    rejected(reader, cal, ops.case_return(case(reader, case_id), "مربوط به گاز است", actors["officer"],
                                          suggested_agency_id="nowhere"), "invalid_payload")
    out = ok(reader, cal, ops.case_return(case(reader, case_id), "مربوط به شرکت گاز است", actors["officer"],
                                          suggested_agency_id="gas-qazvin"))
    c = case(reader, case_id)
    assert c["state"] == "returned" and c["agency_id"] is None and c["due_date"] is None
    assert out.event["data"]["from_agency_id"] == "water-qazvin"
    assert out.event["data"]["suggested_agency_id"] == "gas-qazvin"
    # the water company no longer sees it; the 111 unit re-refers
    rejected(reader, cal, ops.case_note(c, "یادداشت", actors["officer"]), "forbidden")
    out = ok(reader, cal, ops.case_refer(c, "gas-qazvin", actors["agent"]), NOW + timedelta(days=1))
    assert out.event["data"]["re_referral"] and case(reader, case_id)["agency_id"] == "gas-qazvin"


def test_refer_uses_agency_sla_and_rejects_unknown_agency(reader, cal, actors):
    case_id = new_case(reader, cal, actors, refer_to=None)
    rejected(reader, cal, ops.case_refer(case(reader, case_id), "mars-qazvin", actors["agent"]), "invalid_payload")
    ok(reader, cal, ops.case_refer(case(reader, case_id), "inspection-qazvin", actors["agent"]))
    # inspection office: 15 working days
    assert case(reader, case_id)["due_date"] == cal.add_working_days(date(2025, 5, 3), 15).isoformat()
    rejected(reader, cal, ops.case_refer(case(reader, case_id), "inspection-qazvin", actors["agent"]),
             "invalid_payload")  # already there


def test_concurrent_legal_transition_is_flagged(reader, cal, actors):
    case_id = new_case(reader, cal, actors)
    stale = dict(case(reader, case_id))
    ok(reader, cal, ops.case_note(case(reader, case_id), "یادداشت", actors["officer"]))
    ok(reader, cal, ops.case_accept(case(reader, case_id), actors["officer"]))
    out = ok(reader, cal, ops.case_answer(stale, "پاسخ", actors["officer"]))
    assert out.event["concurrent"] is True


def test_rejections_for_bad_envelopes(reader, cal, actors):
    out = apply_op({"type": "case.fly"}, reader, now=NOW, calendar=cal)
    assert out.status == "rejected" and out.code == "unknown_op"
    assert apply_op("nonsense", reader, now=NOW, calendar=cal).code == "invalid_payload"
    op = ops.case_note(uuid7(), "x", actors["agent"])
    assert apply_op(op, reader, now=NOW, calendar=cal).code == "not_found"
    op = ops.case_note(uuid7(), "x", {"role": "hacker"})
    assert apply_op(op, reader, now=NOW, calendar=cal).code == "forbidden"
    op = ops.case_note(uuid7(), "x", actors["agent"])
    op["payload"] = None
    assert apply_op(op, reader, now=NOW, calendar=cal).code == "invalid_payload"


def test_register_validation(reader, cal, actors):
    cid = new_citizen(reader, cal, actors)

    def reg(**over):
        fields = dict(tracking_code=make_tracking_code(9, next(_counter)), citizen_id=cid, type="request",
                      subject="water.outage", city="قزوین", description="آب قطع است")
        fields.update(over)
        return ops.case_register(uuid7(), actor=actors["agent"], **fields)

    assert "کد رهگیری" in rejected(reader, cal, reg(tracking_code="000123456787"), "invalid_payload").message
    rejected(reader, cal, reg(type="gossip"), "invalid_payload")
    rejected(reader, cal, reg(subject=" "), "invalid_payload")
    rejected(reader, cal, reg(description=""), "invalid_payload")
    rejected(reader, cal, reg(citizen_id=uuid7()), "not_found")
    rejected(reader, cal, reg(urgency="panic"), "invalid_payload")
    out = ok(reader, cal, reg(description="آب\u202e قطع\x1b[31m است"))
    assert out.get("case")["description"] == "آب قطع است"
    code = out.get("case")["tracking_code"]
    assert "رهگیری" in rejected(reader, cal, reg(tracking_code=code), "conflict").message
    op = reg()
    op["actor"] = actors["officer"]
    rejected(reader, cal, op, "forbidden")


def test_citizen_validation(reader, cal, actors):
    def up(**fields):
        return ops.citizen_upsert({"id": uuid7(), "first_name": "علی", "last_name": "رضایی", **fields}, actors["agent"])

    assert "کد ملی" in rejected(reader, cal, up(national_id="0499370898"), "invalid_payload").message
    assert "کد ملی" in rejected(reader, cal, up(), "invalid_payload").message
    assert "همراه" in rejected(reader, cal, up(national_id=NID, mobile="12345"), "invalid_payload").message
    assert "تولد" in rejected(reader, cal, up(national_id=NID, birth_date="1403/12/31"), "invalid_payload").message
    assert "تولد" in rejected(reader, cal, up(national_id=NID, birth_date="2030-01-01"), "invalid_payload").message
    rejected(reader, cal, up(national_id=NID, first_name=""), "invalid_payload")
    op = up(national_id=NID)
    op["actor"] = actors["officer"]
    rejected(reader, cal, op, "forbidden")
    out = ok(reader, cal, up(no_national_id=True, first_name="ي\u064aوسف"))
    c = out.get("citizen")
    assert c["national_id"] is None and c["no_national_id"] is True and c["first_name"] == "ییوسف"
    out = ok(reader, cal, up(national_id="۴۹۹۳۷۰۸۹۹"))  # 9 digits, Persian, padded
    assert out.get("citizen")["national_id"] == NID


def test_one_national_id_one_citizen(reader, cal, actors):
    first = new_citizen(reader, cal, actors, father_name="حسن")
    second_id = uuid7()
    out = ok(reader, cal, ops.citizen_upsert(
        {"id": second_id, "national_id": NID, "first_name": "زهرا", "last_name": "محمدی",
         "mobile": "09351234567"}, actors["agent"]))
    survivor = reader.get("citizen", first)
    alias = reader.get("citizen", second_id)
    assert survivor["mobile"] == "09351234567" and survivor["first_name"] == "فاطمه"  # blank filled, server kept
    assert alias["merged_into"] == first and alias["national_id"] is None
    assert reader.citizen_by_national_id(NID)["id"] == first
    data = out.event["data"]
    assert data["conflicts"] == {"first_name": {"kept": "فاطمه", "incoming": "زهرا"}} and data["review"]
    assert data["filled"] == {"mobile": "09351234567"}
    # a case registered offline against the second id lands on the one citizen
    case_id = uuid7()
    out = ok(reader, cal, ops.case_register(
        case_id, tracking_code=make_tracking_code(3, 3), citizen_id=second_id, type="request",
        subject="water.bill", city="قزوین", description="قبض اشتباه است", actor=actors["agent"]))
    assert case(reader, case_id)["citizen_id"] == first
    assert out.event["data"]["citizen_alias_id"] == second_id


def test_citizen_edit_with_base_values(reader, cal, actors):
    cid = new_citizen(reader, cal, actors)
    seen = dict(reader.get("citizen", cid))
    ok(reader, cal, ops.citizen_upsert({"id": cid, "mobile": "09121111111"}, actors["agent"]))
    out = ok(reader, cal, ops.citizen_upsert({"id": cid, "mobile": "09122222222", "city": "آبیک"}, actors["agent"],
                                              base={"mobile": seen["mobile"], "city": seen["city"]}))
    c = reader.get("citizen", cid)
    assert c["mobile"] == "09121111111" and c["city"] == "آبیک" and c["version"] == 3
    assert out.event["data"]["conflicts"]["mobile"]["incoming"] == "09122222222"
    # a national ID that belongs to somebody else
    other = new_citizen(reader, cal, actors, nid=NID2)
    out = rejected(reader, cal, ops.citizen_upsert({"id": other, "national_id": NID}, actors["agent"]), "conflict")
    assert out.current["id"] == cid


def test_contact_details_landline_address_postal_code(reader, cal, actors):
    cid = new_citizen(reader, cal, actors)
    seen = dict(reader.get("citizen", cid))
    assert "phone" not in seen  # optional: a citizen created without them has none

    def edit(**fields):
        return ops.citizen_upsert({"id": cid, **fields}, actors["agent"])

    assert "همراه" in rejected(reader, cal, edit(phone="09121234567"), "invalid_payload").message
    assert "پیش‌شماره" in rejected(reader, cal, edit(phone="33334444"), "invalid_payload").message
    assert "۱۰ رقم" in rejected(reader, cal, edit(postal_code="12345"), "invalid_payload").message
    assert "بلند" in rejected(reader, cal, edit(address="خ" * 301), "invalid_payload").message
    out = ok(reader, cal, edit(phone="۰۲۸-۳۳۳۳ ۴۴۴۴", postal_code="34137-57391",
                               address=" خیابان\u202e فردوسی\n کوچه ۱۲ "))
    c = reader.get("citizen", cid)
    assert (c["phone"], c["postal_code"], c["address"]) == ("02833334444", "3413757391", "خیابان فردوسی کوچه ۱۲")
    assert out.event["data"]["previous"] == {"phone": None, "postal_code": None, "address": None}
    # cleared with an empty value; a stale base keeps the newer address and records the other
    ok(reader, cal, edit(phone=""))
    assert reader.get("citizen", cid)["phone"] is None
    ok(reader, cal, edit(address="میدان آزادی"))
    out = ok(reader, cal, ops.citizen_upsert({"id": cid, "address": "بلوار نخبگان"}, actors["agent"],
                                              base={"address": "خیابان فردوسی کوچه ۱۲"}))
    assert reader.get("citizen", cid)["address"] == "میدان آزادی"
    assert out.event["data"]["conflicts"]["address"]["incoming"] == "بلوار نخبگان"


def test_distinct_pair_is_an_event_only_and_for_supervisors(reader, cal, actors):
    a = new_citizen(reader, cal, actors)
    b = new_citizen(reader, cal, actors, nid=NID2)
    before = (dict(reader.get("citizen", a)), dict(reader.get("citizen", b)))
    rejected(reader, cal, ops.citizen_distinct([a, b], actors["agent"]), "forbidden")
    rejected(reader, cal, ops.citizen_distinct([a, a], actors["supervisor"]), "invalid_payload")
    rejected(reader, cal, ops.citizen_distinct([a, uuid7()], actors["supervisor"]), "not_found")
    bad = ops.citizen_distinct([a, b], actors["supervisor"])
    bad["payload"]["citizen_ids"] = "ab"
    rejected(reader, cal, bad, "invalid_payload")
    out = ok(reader, cal, ops.citizen_distinct([a, b], actors["supervisor"], note="دو برادر"))
    assert [c.entity for c in out.changes] == ["event"]  # the profiles are untouched
    assert (reader.get("citizen", a), reader.get("citizen", b)) == before
    assert out.event["kind"] == "citizen.distinct" and out.event["case_id"] is None
    assert out.event["data"] == {"citizen_id": a, "distinct_ids": [a, b], "note": "دو برادر"}
    ok(reader, cal, ops.citizen_merge(a, [b], {}, actors["supervisor"]))  # a later merge still may
    rejected(reader, cal, ops.citizen_distinct([a, b], actors["supervisor"]), "invalid_transition")


def test_merge_and_unmerge(reader, cal, actors):
    a = new_citizen(reader, cal, actors)
    b = new_citizen(reader, cal, actors, nid=NID2, mobile="09121234567")
    merge = ops.citizen_merge(a, [b], {"mobile": "09121234567"}, actors["supervisor"])
    ok(reader, cal, merge)
    assert reader.get("citizen", b)["merged_into"] == a
    assert reader.get("citizen", a)["mobile"] == "09121234567"
    assert reader.citizen_by_national_id(NID2) is None
    rejected(reader, cal, ops.citizen_merge(a, [b], {}, actors["supervisor"]), "invalid_transition")
    ok(reader, cal, ops.citizen_unmerge(a, merge["op_id"], actors["supervisor"]))
    assert reader.get("citizen", b)["merged_into"] is None
    assert reader.get("citizen", b)["national_id"] == NID2
    assert reader.get("citizen", a)["mobile"] is None
    rejected(reader, cal, ops.citizen_unmerge(a, merge["op_id"], actors["supervisor"]), "invalid_transition")
    rejected(reader, cal, ops.citizen_unmerge(a, uuid7(), actors["supervisor"]), "not_found")
    rejected(reader, cal, ops.citizen_merge(a, [a], {}, actors["supervisor"]), "invalid_payload")


def test_escalate_reopen_assign(reader, cal, actors):
    case_id = new_case(reader, cal, actors)
    ok(reader, cal, ops.case_escalate(case(reader, case_id), "تأخیر زیاد", actors["supervisor"]))
    assert case(reader, case_id)["escalated"] is True
    rejected(reader, cal, ops.case_escalate(case(reader, case_id), "دوباره", actors["supervisor"]), "invalid_payload")
    rejected(reader, cal, ops.case_assign(case(reader, case_id), "op-power1", actors["manager"]), "forbidden")
    ok(reader, cal, ops.case_assign(case(reader, case_id), "op-water1", actors["manager"]))
    rejected(reader, cal, ops.case_assign(case(reader, case_id), "op-water1", actors["officer"]), "forbidden")
    ok(reader, cal, ops.case_answer(case(reader, case_id), "پاسخ", actors["officer"]))
    ok(reader, cal, ops.case_close(case(reader, case_id), actors["manager"]))
    rejected(reader, cal, ops.case_reopen(case(reader, case_id), "اعتراض", actors["agent"]), "forbidden")
    rejected(reader, cal, ops.case_reopen(case(reader, case_id), "", actors["supervisor"]), "invalid_payload")
    later = datetime(2025, 6, 1, 6, tzinfo=UTC)
    ok(reader, cal, ops.case_reopen(case(reader, case_id), "اعتراض شهروند وارد است", actors["supervisor"]), later)
    c = case(reader, case_id)
    assert c["state"] == "in_progress" and c["closed_at"] is None
    assert c["due_date"] == cal.add_working_days(date(2025, 6, 1), 10).isoformat()


@pytest.mark.parametrize("op_type", sorted(ops.OP_TYPES))
def test_every_op_type_has_a_handler(op_type, reader, cal, actors):
    op = ops.make_op(op_type, uuid7(), {}, actors["agent"])
    out = apply_op(op, reader, now=NOW, calendar=cal)
    assert out.code != "unknown_op"
    assert out.status == "rejected" and PERSIAN.search(out.message)


def test_op_shape(actors):
    op = ops.case_refer({"id": "c", "version": 7}, "water-qazvin", actors["agent"], note="n",
                        now=datetime(2025, 3, 2, 5, 11, 9, tzinfo=UTC))
    assert set(op) == {"op_id", "client_id", "client_seq", "type", "v", "entity_id", "base_version",
                       "payload", "actor", "client_time", "clock_offset_ms"}
    assert op["base_version"] == 7 and op["client_time"] == "2025-03-02T05:11:09Z" and op["v"] == 1
    assert set(op["actor"]) == {"operator_id", "name", "role", "agency_id", "office_id"}
    with pytest.raises(ValueError):
        ops.make_op("case.fly", "x", {}, actors["agent"])


def test_national_id_cannot_be_cleared_silently(reader, cal, actors):
    cid = new_citizen(reader, cal, actors)
    rejected(reader, cal, ops.citizen_upsert({"id": cid, "national_id": ""}, actors["agent"]), "invalid_payload")
    ok(reader, cal, ops.citizen_upsert({"id": cid, "national_id": "", "no_national_id": True}, actors["agent"]))
    assert reader.get("citizen", cid)["national_id"] is None


def test_only_supervisor_or_admin_may_merge(reader, cal, actors):
    a = new_citizen(reader, cal, actors, nid=None, no_national_id=True)
    b = new_citizen(reader, cal, actors, nid=NID2)
    for role in ("agent", "officer", "manager"):
        rejected(reader, cal, ops.citizen_merge(a, [b], {}, actors[role]), "forbidden")
    merge = ops.citizen_merge(a, [b], {}, actors["supervisor"])
    ok(reader, cal, merge)
    rejected(reader, cal, ops.citizen_unmerge(a, merge["op_id"], actors["agent"]), "forbidden")


def test_merge_carries_the_only_national_id(reader, cal, actors):
    a = new_citizen(reader, cal, actors, nid=None, no_national_id=True)
    b = new_citizen(reader, cal, actors, nid=NID2)
    ok(reader, cal, ops.citizen_merge(a, [b], {}, actors["supervisor"]))
    assert reader.get("citizen", a)["national_id"] == NID2
    assert reader.citizen_by_national_id(NID2)["id"] == a


_values = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**12), st.text(max_size=30),
                    st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3))
_keys = st.sampled_from(["text", "reason", "days", "agency_id", "operator_id", "satisfied", "note",
                         "national_id", "first_name", "last_name", "mobile", "birth_date", "no_national_id",
                         "tracking_code", "citizen_id", "type", "subject", "description", "merged_ids",
                         "survivor_id", "fields", "merge_op_id", "suggested_agency_id", "base", "urgency"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(op_type=st.sampled_from(sorted(ops.OP_TYPES)), payload=st.dictionaries(_keys, _values, max_size=8),
       role=st.sampled_from(["agent", "officer", "manager", "supervisor", "admin"]),
       state=st.sampled_from(["registered", "referred", "in_progress", "answered", "closed", "returned"]))
def test_random_ops_never_raise(reader, cal, actors, op_type, payload, role, state):
    case_id = "case-fixed"
    reader.put("case", {"id": case_id, "tracking_code": "000123456786", "citizen_id": "c", "type": "request",
                        "subject": "s", "agency_id": None if state in ("registered", "returned") else "water-qazvin",
                        "city": "", "description": "d", "urgency": "normal", "channel": "call", "state": state,
                        "registered_at": "2025-05-01T06:00:00Z", "referred_at": "2025-05-01T06:00:00Z",
                        "due_date": "2025-05-14", "extended_days": 0, "assigned_to": None, "answer": None,
                        "answered_at": None, "closed_at": None, "escalated": False, "version": 4})
    entity = case_id if op_type.startswith("case.") and op_type != "case.register" else uuid7()
    op = ops.make_op(op_type, entity, payload, actors[role])
    out = apply_op(op, reader, now=NOW, calendar=cal)
    assert out.status in ("applied", "rejected")
    if out.status == "rejected":
        assert out.message and PERSIAN.search(out.message)
    else:
        import json
        json.dumps([c.to_dict() for c in out.changes])  # JSON-able
        assert out.event is not None


_junk = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10),
                  st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(envelope=st.dictionaries(st.sampled_from(["op_id", "type", "entity_id", "payload", "actor", "base_version"]),
                                _junk, max_size=6))
def test_malformed_envelopes_are_rejected_not_raised(reader, cal, envelope):
    out = apply_op(envelope, reader, now=NOW, calendar=cal)
    assert out.status == "rejected" and PERSIAN.search(out.message)
