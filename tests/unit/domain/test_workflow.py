"""The workflow state machine: every allowed transition, every refused one, roles."""

from __future__ import annotations

import itertools
import re

import pytest

from samad_desk.domain.models import CaseState, Role
from samad_desk.domain.workflow import (
    ACTION_ROLES,
    ACTIONS,
    ALLOWED,
    allowed_actions,
    check_payload,
    check_transition,
    target_state,
)

PERSIAN = re.compile(r"[\u0600-\u06FF]")
S = CaseState

# The state machine as domain.md describes it, written out independently of the code.
EXPECTED: dict[tuple[str, str], str] = {
    ("registered", "refer"): "referred", ("registered", "close"): "closed",
    ("registered", "note"): "registered", ("registered", "followup"): "registered",
    ("registered", "escalate"): "registered",
    ("referred", "refer"): "referred", ("referred", "accept"): "in_progress",
    ("referred", "assign"): "referred", ("referred", "answer"): "answered",
    ("referred", "return"): "returned", ("referred", "extend"): "referred",
    ("referred", "close"): "closed", ("referred", "note"): "referred",
    ("referred", "followup"): "referred", ("referred", "escalate"): "referred",
    ("in_progress", "assign"): "in_progress", ("in_progress", "answer"): "answered",
    ("in_progress", "return"): "returned", ("in_progress", "extend"): "in_progress",
    ("in_progress", "close"): "closed", ("in_progress", "note"): "in_progress",
    ("in_progress", "followup"): "in_progress", ("in_progress", "escalate"): "in_progress",
    ("answered", "answer"): "answered", ("answered", "close"): "closed",
    ("answered", "reopen"): "in_progress", ("answered", "note"): "answered",
    ("answered", "followup"): "answered", ("answered", "escalate"): "answered",
    ("closed", "reopen"): "in_progress", ("closed", "note"): "closed",
    ("closed", "followup"): "closed",
    ("returned", "refer"): "referred", ("returned", "close"): "closed",
    ("returned", "note"): "returned", ("returned", "followup"): "returned",
    ("returned", "escalate"): "returned",
}

# Roles per domain.md's table (see the workflow module docstring for the decisions).
EXPECTED_ROLES = {
    "register": {"agent", "admin"},
    "refer": {"agent", "supervisor", "admin"},
    "accept": {"officer", "manager"},
    "assign": {"manager"},
    "answer": {"officer", "manager"},
    "return": {"officer", "manager"},
    "extend": {"officer", "manager"},
    "close": {"officer", "manager", "supervisor", "admin"},
    "reopen": {"supervisor", "admin"},
    "note": {"agent", "officer", "manager", "supervisor", "admin"},
    # the citizen: satisfaction or objection on the tracking page, and nothing else
    "followup": {"agent", "supervisor", "admin", "citizen"},
    "escalate": {"supervisor", "admin"},
}

CASE_ACTIONS = [a for a in ACTIONS if a != "register"]


def _case(state: str, agency: str | None = "water-qazvin", **kw) -> dict:
    if state in ("registered", "returned"):
        agency = None
    return {"id": "c1", "state": state, "agency_id": agency, "extended_days": 0,
            "escalated": False, "version": 3, **kw}


def _actor_for(action: str, state: str, actors: dict) -> dict:
    """A role that may do the action (agency roles for agency work)."""
    for role in ("officer", "manager", "agent", "supervisor", "admin"):
        if role not in EXPECTED_ROLES[action]:
            continue
        if action == "close" and role in ("officer", "manager") and state != "answered":
            continue
        if role in ("officer", "manager") and state in ("registered", "returned"):
            continue
        return actors[role]
    raise AssertionError(action)


def test_table_matches_design():
    assert {(s.value, a): t.value for (s, a), t in ALLOWED.items()} == EXPECTED
    assert {a: {r.value for r in roles} for a, roles in ACTION_ROLES.items()} == EXPECTED_ROLES


@pytest.mark.parametrize(("state", "action"), sorted(EXPECTED))
def test_every_allowed_transition(state, action, actors):
    case = _case(state)
    actor = _actor_for(action, state, actors)
    assert check_transition(case, action, actor) is None
    assert target_state(case, action, {}).value == EXPECTED[(state, action)]


REFUSED = [(s.value, a) for s, a in itertools.product(CaseState, CASE_ACTIONS) if (s.value, a) not in EXPECTED]


@pytest.mark.parametrize(("state", "action"), REFUSED)
def test_every_refused_transition_has_a_persian_reason(state, action, actors):
    case = _case(state)
    # try every role allowed to do the action at all: the state refuses it for each
    for role in EXPECTED_ROLES[action]:
        reason = check_transition(case, action, actors[role])
        assert reason is not None, (state, action, role)
        assert PERSIAN.search(reason), reason


@pytest.mark.parametrize(("action", "role"), [(a, r.value) for a in ACTIONS for r in Role])
def test_roles(action, role, actors):
    actor = actors[role]
    if action == "register":
        reason = check_transition(None, "register", actor)
    else:
        state = next((s for (s, a) in EXPECTED if a == action and (s != "registered" or role not in ("officer", "manager"))
                      and not (action == "close" and role in ("officer", "manager") and s != "answered")), None)
        assert state is not None
        reason = check_transition(_case(state), action, actor)
    if role in EXPECTED_ROLES[action]:
        assert reason is None, reason
    else:
        assert reason and PERSIAN.search(reason)


def test_answering_a_closed_case_is_refused(actors):
    reason = check_transition(_case("closed"), "answer", actors["officer"])
    assert reason and "مختومه" in reason


def test_officer_of_another_agency_is_refused(actors):
    for action in ("accept", "answer", "return", "extend", "note"):
        reason = check_transition(_case("referred"), action, actors["other_officer"])
        assert reason and "دستگاه دیگری" in reason
    reason = check_transition(_case("referred"), "assign", actors["other_manager"])
    assert reason and "دستگاه دیگری" in reason


def test_agency_roles_cannot_touch_unreferred_cases(actors):
    reason = check_transition(_case("returned"), "note", actors["officer"])
    assert reason and "ارجاع نشده" in reason


def test_supervisor_cannot_edit_an_answer(actors):
    for state in ("in_progress", "answered"):
        reason = check_transition(_case(state), "answer", actors["supervisor"])
        assert reason and "ناظر" in reason and "پاسخ" in reason


def test_officer_closes_only_after_answer(actors):
    assert check_transition(_case("in_progress"), "close", actors["officer"])
    assert check_transition(_case("answered"), "close", actors["officer"]) is None
    assert check_transition(_case("in_progress"), "close", actors["supervisor"]) is None


def test_unknown_role_and_action(actors):
    assert check_transition(_case("referred"), "answer", {"role": "janitor"})
    assert check_transition(_case("referred"), "explode", actors["officer"])
    assert check_transition(None, "answer", actors["officer"])  # no such case
    assert check_transition(_case("referred"), "register", actors["agent"])  # exists already


def test_returning_without_a_reason_is_refused():
    assert "دلیل" in check_payload(_case("referred"), "return", {"reason": " "})
    assert check_payload(_case("referred"), "return", {"reason": "مربوط به شرکت گاز است"}) is None
    assert check_payload(_case("referred"), "return", {"reason": "مربوط نیست", "suggested_agency_id": "water-qazvin"})


def test_extension_limits():
    case = _case("in_progress")
    assert check_payload(case, "extend", {"days": 5, "reason": "بازدید میدانی"}, sla=(10, 15)) is None
    msg = check_payload(case, "extend", {"days": 6, "reason": "بازدید میدانی"}, sla=(10, 15))
    assert msg and "حداکثر" in msg and "۱۵" in msg
    used = _case("in_progress", extended_days=5)
    msg = check_payload(used, "extend", {"days": 1, "reason": "بازدید میدانی"}, sla=(10, 15))
    assert msg and "حداکثر" in msg
    assert check_payload(case, "extend", {"days": 0, "reason": "بازدید"}, sla=(10, 15))
    assert check_payload(case, "extend", {"days": True, "reason": "بازدید"}, sla=(10, 15))
    assert check_payload(case, "extend", {"days": 2, "reason": ""}, sla=(10, 15))


@pytest.mark.parametrize(("action", "payload"), [
    ("answer", {"text": ""}), ("close", {"reason": ""}), ("reopen", {"reason": ""}),
    ("note", {"text": ""}), ("escalate", {"reason": ""}), ("assign", {"operator_id": ""}),
    ("refer", {"agency_id": ""}), ("followup", {"satisfied": "yes"}),
])
def test_payload_refusals_are_persian(action, payload):
    msg = check_payload(_case("in_progress"), action, payload)
    assert msg and PERSIAN.search(msg)


def test_close_reason_only_needed_before_answer():
    assert check_payload(_case("answered"), "close", {}) is None
    assert check_payload(_case("registered"), "close", {"reason": "تکراری است"}) is None


def test_followup_outcomes():
    answered = _case("answered")
    assert target_state(answered, "followup", {"satisfied": False}) is S.in_progress
    assert target_state(answered, "followup", {"satisfied": True}) is S.closed
    assert target_state(answered, "followup", {"satisfied": None}) is S.answered
    assert target_state(_case("closed"), "followup", {"satisfied": False}) is S.closed
    assert target_state(_case("closed", agency=None) | {"agency_id": None}, "reopen") is S.registered


def test_allowed_actions_menu(actors):
    assert set(allowed_actions(_case("referred"), actors["officer"])) == {
        "accept", "answer", "return", "extend", "note"}
    assert set(allowed_actions(_case("answered"), actors["supervisor"])) == {
        "close", "reopen", "note", "followup", "escalate"}


def test_visibility(actors):
    from samad_desk.domain.permissions import may, may_edit_citizens, may_see_case

    water_case = _case("in_progress")
    returned = _case("returned")
    assert may_see_case(actors["agent"], returned) and may_see_case(actors["admin"], water_case)
    assert may_see_case(actors["officer"], water_case) and not may_see_case(actors["officer"], returned)
    assert not may_see_case(actors["other_officer"], water_case)
    sup = dict(actors["supervisor"], province="qazvin")
    assert may_see_case(sup, water_case, province="qazvin")
    assert not may_see_case(sup, water_case, province="zanjan")
    assert not may_see_case({"role": "guest"}, water_case)
    assert may("manager", "assign") and not may("officer", "assign") and not may("x", "note")
    assert may_edit_citizens("agent") and not may_edit_citizens("officer")
