"""The citizen's tracking page ``/track`` over the real app (SQLite and PostgreSQL):
what it shows and hides, the one answer for every refusal, CSRF, security headers,
hostile input, and satisfaction/objection applied through the reducer as the server's
«citizen on the web» (what an agency desk then pulls).

The browser tests (JavaScript on, 360/1280 px screenshots) are in
``tests/integration/test_track_browser.py``."""

from __future__ import annotations

import re

import pytest

from samad_desk.central.audit import chain_head
from samad_desk.central.testing import NID, Desk
from samad_desk.domain import ops as O
from samad_desk.domain.tracking import make_tracking_code
from samad_desk.text.digits import to_persian_digits
from samad_desk.text.normalize import strip_controls

TAIL = "4567"  # of testing.MOBILE


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)


def view_of(html: str) -> str:
    return re.search(r'name="view" value="([^"]+)"', html).group(1)


def open_form(http) -> str:
    r = http.get("/track")
    assert r.status_code == 200
    return csrf_of(r.text)


def lookup(http, code: str, tail: str, csrf: str | None = None, **extra):
    return http.post("/track", data={"csrf": csrf or open_form(http), "code": code, "tail": tail, **extra})


def answered_case(http, *, extend: bool = False):
    """A case registered by agent1, referred to water, accepted (extended) and answered."""
    agent = Desk(http, "agent1")
    ops, case_id, _, code = agent.new_call()
    agent.push(*ops)
    water = Desk(http, "water1")
    water.pull_all()
    steps = [O.case_accept(case_id, water.actor)]
    if extend:
        steps.append(O.case_extend(case_id, 2, "نیاز به بازدید میدانی", water.actor))
    steps.append(O.case_answer(case_id, "شیر فلکه تعمیر شد.", water.actor))
    for res in water.push(*steps)["results"]:
        assert res["status"] == "applied", res
    water.pull_all()
    return code, case_id, water


def test_page_is_rtl_persian_self_contained_and_locked_down(server):
    r = server.get("/track")
    html = r.text
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="fa" dir="rtl">' in html
    csp = r.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in html and " style=" not in html and "on" + "click" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # no CDN, nothing off the server
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    css = server.get("/track/static/track.css")
    assert css.status_code == 200 and "Vazirmatn-Regular.woff2" in css.text
    assert css.headers["x-content-type-options"] == "nosniff"
    font = server.get("/track/static/fonts/Vazirmatn-Regular.woff2")
    assert font.status_code == 200 and font.content[:4] == b"wOF2"
    assert "SIL Open Font License" in server.get("/track/static/fonts/OFL.txt").text
    assert server.get("/track/static/../service.py").status_code == 404


def test_lookup_shows_state_agency_deadline_timeline_and_answer_and_nothing_private(server):
    code, case_id, _ = answered_case(server, extend=True)
    r = lookup(server, to_persian_digits(code[:4] + "-" + code[4:8] + " " + code[8:]), to_persian_digits(TAIL))
    assert r.status_code == 200, r.text
    html = r.text
    assert 'data-state="answered"' in html and "پاسخ داده شده" in html
    assert "شرکت آب و فاضلاب استان قزوین" in html
    kinds = re.findall(r'<li data-kind="(\w+)">', html)
    assert kinds == ["register", "refer", "accept", "extend", "answer"]
    assert "تمدید مهلت پاسخ (۲ روز کاری)" in html and "نیاز به بازدید میدانی" in html
    dates = re.findall(r'<span class="when">([۰-۹/]+)</span>', html)
    assert len(dates) == 5 and all(re.fullmatch(r"۱۴[۰-۹]{2}/[۰-۹]{2}/[۰-۹]{2}", d) for d in dates)
    assert 'id="answer">شیر فلکه تعمیر شد.</blockquote>' in html
    # nothing private: national ID, names, the mobile, the description, the note, staff
    for secret in (NID, "رضایی", "علی", "09121234567", "سه روز است آب قطع است", "لطفاً رسیدگی شود",
                   "water1", "agent1", case_id):
        assert secret not in html, secret
    # the chain head's short digest, for the citizen to quote
    head = chain_head(server.app.state.central, case_id)
    assert len(head) == 64
    assert f'id="digest" dir="ltr" class="code">{head[:12]}</dd>' in html


def test_deadline_is_in_jalali_working_days_while_the_agency_works(server):
    agent = Desk(server, "agent1")
    ops, _, _, code = agent.new_call()
    agent.push(*ops)
    html = lookup(server, code, TAIL).text
    assert 'data-state="referred"' in html
    deadline = re.search(r'id="deadline">([^<]+)</dd>', html).group(1)
    assert re.search(r"۱۴[۰-۹]{2}/[۰-۹]{2}/[۰-۹]{2} —\s+۱۰ روز کاری مانده", deadline), deadline
    assert 'name="view"' not in html  # nothing to answer yet


def _refusal_shape(r) -> tuple[int, str]:
    body = re.sub(r'name="csrf" value="[0-9a-f]+"', "", r.text)
    body = re.sub(r'(id="code"[^>]*value=")[^"]*"', r"\1", body)
    body = re.sub(r'(id="tail"[^>]*value=")[^"]*"', r"\1", body)
    return r.status_code, body


def test_wrong_code_wrong_tail_and_unknown_case_get_the_same_answer(server):
    code, _, _ = answered_case(server)
    other = Desk(server, "agent1")
    ops, _, _, other_code = other.new_call(nid="0499370899", mobile="09351112233")
    other.push(*ops)
    answers = [
        lookup(server, code, "1111"),  # the right code, a wrong second factor
        lookup(server, make_tracking_code(99_998, 123_456), TAIL),  # no such case
        lookup(server, other_code, TAIL),  # someone else's case with my digits
    ]
    shapes = {_refusal_shape(r) for r in answers}
    assert len(shapes) == 1, [a.text for a in answers]
    status, body = shapes.pop()
    assert status == 404 and "پرونده‌ای با این کد رهگیری و شماره همراه یافت نشد." in body
    assert 'id="case"' not in body


def test_csrf_and_cross_origin_posts_are_refused(server):
    code, case_id, _ = answered_case(server)
    open_form(server)
    no_token = server.post("/track", data={"code": code, "tail": TAIL})
    forged = server.post("/track", data={"csrf": "0" * 40, "code": code, "tail": TAIL})
    other_origin = server.post("/track", data={"csrf": open_form(server), "code": code, "tail": TAIL},
                               headers={"Origin": "https://evil.example"})
    for r in (no_token, forged, other_origin):
        assert r.status_code == 403 and "فرم باید از همین صفحه فرستاده شود" in r.text
        assert 'id="case"' not in r.text
        assert f'value="{code}"' in r.text  # what was typed stays in the box
    # a token made for another browser's cookie does not work with mine
    csrf = open_form(server)
    server.cookies.clear()
    assert lookup(server, code, TAIL, csrf=csrf).status_code == 403


@pytest.mark.parametrize("field,value,message", [
    ("code", "9" * 5000, "بیش از اندازه بلند است"),
    ("code", "9" * 100, "بیش از اندازه بلند است"),  # over the box's maxlength
    ("code", "1234\x1b[31m5678", "فقط رقم مجاز است"),
    ("code", "ABCD-EFGH-IJKL", "فقط رقم مجاز است"),
    ("code", "۱۲۳۴۵۶۷۸۹۰۱", "باید ۱۲ رقم باشد، ۱۱ رقم وارد شده است"),
    ("code", "000010000013", "رقم کنترل درست نیست"),
    ("code", "<script>alert(1)</script>", "فقط رقم مجاز است"),
    ("tail", "45\u202e67", "چهار رقم آخر"),
    ("tail", "abcd", "چهار رقم آخر"),
    ("tail", "", "چهار رقم آخر"),
])
def test_hostile_lookup_input_gets_a_persian_error_in_place(server, field, value, message):
    fields = {"code": make_tracking_code(1, 12), "tail": TAIL, field: value}
    r = lookup(server, fields["code"], fields["tail"])
    assert r.status_code == 400
    box = re.search(rf'<p class="error" id="{field}-error"[^>]*>([^<]*)</p>', r.text).group(1)
    assert message in box
    assert "<script>alert" not in r.text and "\x1b" not in r.text


def test_a_huge_form_gets_a_persian_error(server):
    r = server.post("/track", content=b"code=" + b"1" * 100_000,
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413 and "بیش از اندازه بزرگ" in r.text


def test_objection_reopens_the_case_as_the_citizen_on_the_web(server):
    code, case_id, water = answered_case(server)
    page = lookup(server, code, TAIL)
    r = server.post("/track/feedback", data={"csrf": csrf_of(page.text), "view": view_of(page.text),
                                             "choice": "objection", "text": "آب هنوز قطع است",
                                             # the form cannot name an actor or another case
                                             "actor": "agent1", "role": "admin", "case_id": "x"})
    assert r.status_code == 200 and "اعتراض شما ثبت شد" in r.text
    assert 'data-state="in_progress"' in r.text
    assert "اعتراض شهروند به پاسخ؛ پرونده بازگشایی شد" in r.text
    water.pull_all()
    case = water.visible("case")[case_id]
    assert case["state"] == "in_progress" and case["due_date"]
    [ev] = [e for e in water.visible("event").values() if e["case_id"] == case_id and e["kind"] == "followup"]
    assert ev["actor"]["role"] == "citizen" and ev["actor"]["operator_id"] == "citizen-web"
    assert ev["data"]["satisfied"] is False and ev["data"]["reopened"] is True
    assert ev["data"]["note"] == "آب هنوز قطع است"
    # sent again (the back button): nothing more is recorded
    again = server.post("/track/feedback", data={"csrf": csrf_of(page.text), "view": view_of(page.text),
                                                 "choice": "objection", "text": "دوباره"})
    assert again.status_code == 400 and "پیش‌تر ثبت شده" in again.text
    water.pull_all()
    assert sum(1 for e in water.visible("event").values() if e["kind"] == "followup") == 1
    # the citizen's event is in the case's hash chain: the history verifies clean
    from samad_desk.central.audit_verify import verify

    central = server.app.state.central
    central.checkpoint(force=True)
    report = verify(central)
    assert report.ok, report.lines()
    assert f'class="code">{chain_head(central, case_id)[:12]}</dd>' in r.text


def test_satisfaction_closes_the_case(server):
    code, case_id, water = answered_case(server)
    page = lookup(server, code, TAIL)
    r = server.post("/track/feedback", data={"csrf": csrf_of(page.text), "view": view_of(page.text),
                                             "choice": "satisfied", "text": ""})
    assert r.status_code == 200 and 'data-state="closed"' in r.text
    assert "رضایت شما ثبت شد" in r.text and "اعلام رضایت شهروند؛ پرونده مختومه شد" in r.text
    water.pull_all()
    assert water.visible("case")[case_id]["state"] == "closed"


def test_feedback_needs_a_view_token_signed_by_the_server(server):
    code, case_id, water = answered_case(server)
    page = lookup(server, code, TAIL)
    csrf, view = csrf_of(page.text), view_of(page.text)
    body, mac = view.split(".")
    for token in ("", case_id, body + "." + "0" * len(mac), body[:-2] + "AA." + mac):
        r = server.post("/track/feedback", data={"csrf": csrf, "view": token, "choice": "objection",
                                                 "text": "آب هنوز قطع است"})
        assert r.status_code == 403 and "زمان این صفحه گذشته است" in r.text
    water.pull_all()
    assert water.visible("case")[case_id]["state"] == "answered"


@pytest.mark.parametrize("text,message", [
    ("x" * 501, "بلند است"),
    ("اعتراض \u202eدارم", "نشانهٔ جهت"),
    ("اعتراض \x1b[2J دارم", "نویسهٔ کنترلی"),
    ("", "برای اعتراض"),
])
def test_hostile_feedback_text_gets_an_error_in_place_and_is_kept(server, text, message):
    code, case_id, water = answered_case(server)
    page = lookup(server, code, TAIL)
    r = server.post("/track/feedback", data={"csrf": csrf_of(page.text), "view": view_of(page.text),
                                             "choice": "objection", "text": text})
    assert r.status_code == 400
    box = re.search(r'id="feedback-error"[^>]*>([^<]*)</p>', r.text).group(1)
    assert message in box
    if text:
        # kept in the box, without the invisible characters it was refused for
        assert re.search(r"<textarea[^>]*>" + re.escape(strip_controls(text)[:50]), r.text)
    water.pull_all()
    assert water.visible("case")[case_id]["state"] == "answered"


def test_lookups_are_throttled_per_code_whatever_the_address(make_server):
    http = make_server(track_limit=(100, 60.0), track_code_limit=(3, 600.0))
    code, _, _ = answered_case(http)
    csrf = open_form(http)
    for _ in range(3):
        assert lookup(http, code, "0000", csrf=csrf).status_code == 404
    blocked = lookup(http, code, TAIL, csrf=csrf)  # even with the right digits
    assert blocked.status_code == 429 and "بیش از حد مجاز" in blocked.text
    assert 'id="case"' not in blocked.text
    # another code is not blocked, and the JSON look-up shares the budget
    assert lookup(http, make_tracking_code(99_998, 123_456), TAIL, csrf=csrf).status_code == 404
    assert http.get(f"/v1/track/{code}", params={"mobile_tail": TAIL}).status_code == 429
