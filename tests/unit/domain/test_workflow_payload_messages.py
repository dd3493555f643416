"""Every payload rule of the workflow, with its exact Persian reason and both sides of each
boundary (mutation testing found the messages and the limits unguarded: docs/mutation.md).
The reason is what the operator reads at the field; a changed word is a changed product."""

from __future__ import annotations

import pytest

from samad_desk.domain.workflow import MIN_REASON, check_payload

REASON = "ر" * MIN_REASON  # exactly long enough
SHORT = "ر" * (MIN_REASON - 1)
WATER = {"id": "water-qazvin", "name": "آب و فاضلاب", "active": True}
REFERRED = {"state": "referred", "agency_id": "water-qazvin", "extended_days": 0}

CASES = [
    # (case, action, payload, agency, sla, expected reason or None)
    (None, "case.refer", "not a dict", None, None, "اطلاعات عملیات ناقص است."),
    (None, "case.refer", {"agency_id": " "}, WATER, None, "دستگاه مقصد ارجاع انتخاب نشده است."),
    (None, "case.refer", {"agency_id": "x"}, None, None, "دستگاه مقصد ارجاع شناخته‌شده نیست."),
    (None, "case.refer", {"agency_id": "water-qazvin"}, dict(WATER, active=False), None,
     "دستگاه «آب و فاضلاب» غیرفعال است و نمی‌توان به آن ارجاع داد."),
    (None, "case.refer", {"agency_id": "water-qazvin"}, {"id": "water-qazvin", "active": False}, None,
     "دستگاه «» غیرفعال است و نمی‌توان به آن ارجاع داد."),
    (None, "case.refer", {"agency_id": "water-qazvin"}, {"id": "water-qazvin"}, None, None),  # active unset
    (REFERRED, "case.refer", {"agency_id": "water-qazvin"}, WATER, None,
     "پرونده همین حالا به همین دستگاه ارجاع شده است."),
    (dict(REFERRED, state="returned"), "case.refer", {"agency_id": "water-qazvin"}, WATER, None, None),
    (dict(REFERRED, agency_id="power"), "case.refer", {"agency_id": "water-qazvin"}, WATER, None, None),
    (REFERRED, "answer", {"text": "ب"}, None, None, "متن پاسخ خالی است."),
    (REFERRED, "answer", {"text": "بل"}, None, None, None),
    (REFERRED, "return", {"reason": SHORT}, None, None, "برای عودت پرونده باید دلیل عدم ارتباط را بنویسید."),
    (REFERRED, "return", {"reason": REASON}, None, None, None),
    (REFERRED, "return", {"reason": REASON, "suggested_agency_id": "water-qazvin"}, None, None,
     "دستگاه پیشنهادی نمی‌تواند همان دستگاهی باشد که پرونده را عودت می‌دهد."),
    (REFERRED, "extend", {"days": 0, "reason": REASON}, None, None, "تعداد روزهای تمدید باید عددی مثبت باشد."),
    (REFERRED, "extend", {"days": True, "reason": REASON}, None, None, "تعداد روزهای تمدید باید عددی مثبت باشد."),
    (REFERRED, "extend", {"days": 1, "reason": SHORT}, None, None, "برای تمدید مهلت باید دلیل آن را بنویسید."),
    (REFERRED, "extend", {"days": 5, "reason": REASON}, None, (10, 15), None),  # exactly the room left
    (REFERRED, "extend", {"days": 6, "reason": REASON}, None, (10, 15),
     "تمدید بیش از حداکثر مهلت است: حداکثر ۱۵ روز کاری، حداکثر ۵ روز دیگر قابل تمدید است."),
    (dict(REFERRED, extended_days=4), "extend", {"days": 2, "reason": REASON}, None, (10, 15),
     "تمدید بیش از حداکثر مهلت است: حداکثر ۱۵ روز کاری، حداکثر ۱ روز دیگر قابل تمدید است."),
    (dict(REFERRED, extended_days=5), "extend", {"days": 1, "reason": REASON}, None, (10, 15),
     "مهلت پاسخ به حداکثر (۱۵ روز کاری) رسیده است و تمدید بیشتر ممکن نیست."),
    (dict(REFERRED, extended_days=6), "extend", {"days": 1, "reason": REASON}, None, (10, 15),
     "مهلت پاسخ به حداکثر (۱۵ روز کاری) رسیده است و تمدید بیشتر ممکن نیست."),
    (None, "extend", {"days": 99, "reason": REASON}, None, (10, 15), None),  # no case: no SLA check
    (REFERRED, "extend", {"days": 99, "reason": REASON}, None, None, None),  # no SLA known
    (REFERRED, "close", {"reason": SHORT}, None, None,
     "برای مختومه کردن پرونده‌ای که پاسخ نگرفته باید دلیل آن را بنویسید."),
    (REFERRED, "close", {"reason": REASON}, None, None, None),
    (dict(REFERRED, state="answered"), "close", {}, None, None, None),
    (REFERRED, "reopen", {"reason": SHORT}, None, None, "برای بازگشایی پرونده باید دلیل آن را بنویسید."),
    (REFERRED, "reopen", {"reason": REASON}, None, None, None),
    (REFERRED, "note", {"text": " "}, None, None, "متن یادداشت خالی است."),
    (REFERRED, "note", {"text": "ی"}, None, None, None),
    (REFERRED, "note", {"text": 5}, None, None, "متن یادداشت خالی است."),
    (REFERRED, "followup", {"satisfied": "yes"}, None, None, "وضعیت رضایت شهروند نامعتبر است."),
    (REFERRED, "followup", {"satisfied": None, "note": 5}, None, None, "متن پیگیری نامعتبر است."),
    (REFERRED, "followup", {"satisfied": False, "note": "باز هم"}, None, None, None),
    (REFERRED, "followup", {}, None, None, None),
    (REFERRED, "escalate", {"reason": SHORT}, None, None, "برای ارجاع به ناظر باید دلیل آن را بنویسید."),
    (dict(REFERRED, escalated=True), "escalate", {"reason": REASON}, None, None,
     "پرونده پیش‌تر به ناظر ارجاع شده است."),
    (REFERRED, "escalate", {"reason": REASON}, None, None, None),
    (REFERRED, "assign", {"operator_id": " "}, None, None, "کارشناس برای واگذاری انتخاب نشده است."),
    (REFERRED, "assign", {"operator_id": 7}, None, None, "کارشناس برای واگذاری انتخاب نشده است."),
    (REFERRED, "assign", {"operator_id": "op-water1"}, None, None, None),
]


@pytest.mark.parametrize(("case", "action", "payload", "agency", "sla", "expected"), CASES)
def test_payload_rule_and_its_reason(case, action, payload, agency, sla, expected):
    assert check_payload(case, action, payload, agency=agency, sla=sla) == expected
    if action.startswith("case."):  # the same rule without the op-type prefix
        assert check_payload(case, action[5:], payload, agency=agency, sla=sla) == expected
    else:
        assert check_payload(case, "case." + action, payload, agency=agency, sla=sla) == expected
