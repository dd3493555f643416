"""The shared reducer with hostile payloads: it never raises, and nothing it stores holds
a control character, an escape sequence, a bidi override or a lone surrogate, whatever
the op type, the field or the actor. (tests/unit/domain has the generic "never raises" fuzz;
this one adds hostile *text* and existing entities, and checks what would be stored.)"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from samad_desk.demo import qazvin_agencies
from samad_desk.domain import ops
from samad_desk.domain.reducer import MemoryReader, apply_op
from samad_desk.domain.sla import WorkingCalendar
from tests.support.hostile import EVIL, bad_strings

NOW = datetime(2025, 5, 3, 6, 0, tzinfo=UTC)
PERSIAN = re.compile("[\u0600-\u06ff]")
CAL = WorkingCalendar(province="qazvin")
ACTORS = {
    "agent": {"operator_id": "op-agent1", "name": "نرگس", "role": "agent", "agency_id": None, "office_id": "Q"},
    "officer": {"operator_id": "op-water1", "name": "رضا", "role": "officer", "agency_id": "water-qazvin", "office_id": "W"},
    "manager": {"operator_id": "op-watermgr", "name": "علی", "role": "manager", "agency_id": "water-qazvin", "office_id": "W"},
    "supervisor": {"operator_id": "op-super1", "name": "بهرام", "role": "supervisor", "agency_id": None, "office_id": "S"},
}
CITIZEN = {"id": "cit-1", "national_id": "0013542419", "no_national_id": False, "first_name": "علی",
           "last_name": "رضایی", "father_name": "", "birth_date": None, "mobile": "09121234567",
           "city": "قزوین", "sayyed": False, "merged_into": None, "created_at": "2025-05-01T06:00:00Z", "version": 2}
CITIZEN2 = dict(CITIZEN, id="cit-2", national_id="0084575948", first_name="مریم", version=1)


def _case(state: str) -> dict:
    return {"id": "case-1", "tracking_code": "000123456786", "citizen_id": "cit-1", "type": "request",
            "subject": "s", "agency_id": None if state in ("registered", "returned") else "water-qazvin",
            "city": "", "description": "d", "urgency": "normal", "channel": "call", "state": state,
            "registered_at": "2025-05-01T06:00:00Z", "referred_at": "2025-05-01T06:00:00Z",
            "due_date": "2025-05-14", "extended_days": 0, "assigned_to": None, "answer": "پاسخ",
            "answered_at": None, "closed_at": None, "escalated": False, "version": 4}


_hostile_chars = st.sampled_from(list("\x00\x07\x1b\x7f\x85\x9b\u200b\u200e\u200f\u202a\u202e\u2066\u2069\ufeff"
                                      "[]0;m?ایکيك ab\n\t\r") + ["\ud800", "\x1b[31m", "\x1b]0;x\x07"])
_hostile_text = st.one_of(st.just(EVIL), st.lists(_hostile_chars, min_size=1, max_size=25).map("".join),
                          st.text(max_size=20).map(lambda t: f"متن معتبر {t} \u202eکافی"))
_ids = st.sampled_from(["cit-1", "cit-2", "case-1", "water-qazvin", "power-qazvin", "op-water1",
                        "\x1b[31m", "a\u202eb", "../x", "", "x" * 80])
_values = st.one_of(_hostile_text, _ids, st.none(), st.booleans(), st.integers(-3, 40),
                    st.sampled_from(["0013542419", "09121234567", "1360/01/01", "2000-01-01", "complaint",
                                     "000123456786", "000020000011"]),
                    st.lists(_ids, max_size=3), st.dictionaries(st.sampled_from(["first_name", "city", "x\x1b"]),
                                                                _hostile_text, max_size=2))
_keys = st.sampled_from(["text", "reason", "days", "agency_id", "operator_id", "satisfied", "note",
                         "national_id", "first_name", "last_name", "father_name", "mobile", "city",
                         "birth_date", "no_national_id", "tracking_code", "citizen_id", "type", "subject",
                         "description", "merged_ids", "survivor_id", "fields", "merge_op_id",
                         "suggested_agency_id", "base", "urgency", "channel", "x\x1b[2J"])


#: a valid payload per op type (and the role and state that allow it); the test
#: overwrites some of its fields with hostile values
VALID = {
    "citizen.upsert": ({"first_name": "حسن", "last_name": "کاظمی", "national_id": "0067749828",
                        "mobile": "09121112233", "city": "تاکستان"}, "agent", "registered"),
    "citizen.merge": ({"survivor_id": "cit-1", "merged_ids": ["cit-2"], "fields": {"city": "قزوین"}},
                      "supervisor", "registered"),
    "case.register": ({"tracking_code": "000020000011", "citizen_id": "cit-1", "type": "complaint",
                       "subject": "water.outage", "city": "قزوین", "description": "سه روز است آب قطع است"},
                      "agent", "registered"),
    "case.refer": ({"agency_id": "water-qazvin", "note": "لطفاً"}, "agent", "registered"),
    "case.accept": ({}, "officer", "referred"),
    "case.assign": ({"operator_id": "op-water1"}, "manager", "in_progress"),
    "case.answer": ({"text": "پاسخ کامل"}, "officer", "in_progress"),
    "case.return": ({"reason": "مربوط نیست", "suggested_agency_id": "power-qazvin"}, "officer", "referred"),
    "case.extend": ({"days": 2, "reason": "نیاز به بازدید"}, "officer", "in_progress"),
    "case.close": ({"reason": "حل شد"}, "supervisor", "answered"),
    "case.reopen": ({"reason": "اعتراض شهروند"}, "supervisor", "closed"),
    "case.note": ({"text": "یادداشت"}, "agent", "referred"),
    "case.followup": ({"note": "پیگیری", "satisfied": False}, "agent", "answered"),
    "case.escalate": ({"reason": "تأخیر زیاد"}, "supervisor", "referred"),
}
_text_keys = st.sampled_from(["text", "reason", "note", "first_name", "last_name", "father_name", "city",
                              "subject", "description", "national_id", "mobile", "birth_date",
                              "operator_id", "agency_id", "suggested_agency_id", "citizen_id", "base"])


@settings(max_examples=500, deadline=None, derandomize=True)
@given(op_type=st.sampled_from(sorted(VALID)),
       text_over=st.dictionaries(_text_keys, _hostile_text, max_size=3),
       any_over=st.dictionaries(_keys, _values, max_size=2),
       role=st.one_of(st.none(), st.sampled_from(sorted(ACTORS))), entity=st.one_of(st.none(), _ids),
       state=st.one_of(st.none(), st.sampled_from(["registered", "referred", "in_progress", "answered",
                                                   "closed", "returned"])))
def test_hostile_payloads_never_raise_and_store_clean_text(op_type, text_over, any_over, role, entity, state):
    base, good_role, good_state = VALID[op_type]
    if "base" in text_over:
        text_over["base"] = {"city": text_over["base"], "first_name": text_over["base"]}
    payload = {**base, **text_over, **any_over}
    if entity is None:
        entity = {"citizen.upsert": "cit-1", "citizen.merge": "cit-1", "case.register": "case-new"}.get(op_type, "case-1")
    reader = MemoryReader({"agency": {a["id"]: a for a in qazvin_agencies()}})
    reader.put("citizen", dict(CITIZEN))
    reader.put("citizen", dict(CITIZEN2))
    reader.put("case", _case(state or good_state))
    reader.put("operator", {"id": "op-water1", "name": "رضا", "role": "officer", "agency_id": "water-qazvin"})
    op = ops.make_op(op_type, entity, payload, ACTORS[role or good_role])
    if op_type != "citizen.upsert" or "base" not in text_over:
        op["base_version"] = None
    out = apply_op(op, reader, now=NOW, calendar=CAL)
    if out.status == "rejected":
        assert out.message and PERSIAN.search(out.message)
        assert out.changes == []
        return
    assert out.status == "applied"
    assert bad_strings([c.to_dict() for c in out.changes]) == []


def test_tracking_code_messages_for_huge_input_are_true():
    from samad_desk.domain.tracking import parse_tracking_code

    for text in ("۱" * 1_000_000, " " * 300 + "000123456786", "-" * 10_000):
        r = parse_tracking_code(text)
        assert not r.ok and "بلند" in r.error, r.error
