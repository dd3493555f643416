"""The workflow's refusal reasons, exactly, in every branch, and a sweep that no reason
ever shows a placeholder (mutation testing found the messages unguarded: docs/mutation.md).
The reason is what the operator reads in a toast; a changed word is a changed product."""

from __future__ import annotations

import pytest

from samad_desk.domain.models import CaseState, Role
from samad_desk.domain.workflow import (
    _ROLE_REASONS,
    _STATE_REASONS,
    ACTION_LABELS,
    ACTIONS,
    check_transition,
    target_state,
)


def actor(role: str, agency: str | None = None) -> dict:
    return {"operator_id": f"op-{role}", "role": role, "agency_id": agency}


OFFICER = actor("officer", "water-qazvin")
REFERRED = {"state": "referred", "agency_id": "water-qazvin"}


@pytest.mark.parametrize(("case", "action", "who", "expected"), [
    (None, "case.fly", actor("agent"), "عملیات «fly» شناخته‌شده نیست."),
    (None, "register", actor("pilot"), "نقش کاربر معلوم نیست؛ دوباره وارد شوید."),
    (None, "register", {"role": None}, "نقش کاربر معلوم نیست؛ دوباره وارد شوید."),
    (REFERRED, "register", actor("agent"), "پرونده‌ای با این شناسه پیش‌تر ثبت شده است."),
    (None, "case.register", actor("agent"), None),
    (None, "answer", OFFICER, "پرونده پیدا نشد."),
    ({"state": "lost"}, "answer", OFFICER, "وضعیت پرونده («lost») شناخته‌شده نیست."),
    (REFERRED, "accept", actor("officer"),
     "دستگاه کاربر معلوم نیست؛ کارشناس و مدیر فقط پرونده‌های دستگاه خود را می‌بینند."),
    ({"state": "registered", "agency_id": None}, "accept", OFFICER, "این پرونده به دستگاه شما ارجاع نشده است."),
    ({"state": "referred", "agency_id": "power-qazvin"}, "accept", OFFICER,
     "این پرونده به دستگاه دیگری ارجاع شده است؛ فقط پرونده‌های دستگاه خود را می‌توانید رسیدگی کنید."),
    ({"state": "in_progress", "agency_id": "water-qazvin"}, "close", actor("manager", "water-qazvin"),
     "دستگاه فقط پس از ثبت پاسخ می‌تواند پرونده را مختومه کند."),
    (REFERRED, "case.accept", OFFICER, None),
])
def test_exact_reason(case, action, who, expected):
    assert check_transition(case, action, who) == expected


def test_every_role_reason_is_the_one_given():
    """Where the workflow has a specific sentence for a role, that sentence is shown."""
    for (role, action), reason in _ROLE_REASONS.items():
        case = None if action == "register" else {"state": "referred", "agency_id": "water-qazvin"}
        assert check_transition(case, action, actor(role.value, "water-qazvin")) == reason


def test_other_refusals_name_the_role_and_the_action_or_the_state():
    """Without a specific sentence: «نقش X اجازهٔ Y را ندارد» or «Y در وضعیت Z ممکن نیست»,
    with the Persian labels, never a placeholder, for every role, action and state."""
    seen_generic_role = seen_generic_state = 0
    for role in Role:
        for state in CaseState:
            for action in ACTIONS:
                case = None if action == "register" else {"state": state.value, "agency_id": "water-qazvin"}
                reason = check_transition(case, action, actor(role.value, "water-qazvin"))
                if reason is None:
                    continue
                assert "None" not in reason and "XX" not in reason, reason
                if (role, action) in _ROLE_REASONS or (state, action) in _STATE_REASONS:
                    continue
                role_sentence = f"نقش «{role.label}» اجازهٔ «{ACTION_LABELS[action]}» را ندارد."
                state_sentence = f"{ACTION_LABELS[action]} در وضعیت «{state.label}» ممکن نیست."
                assert reason in (role_sentence, state_sentence,
                                  "دستگاه فقط پس از ثبت پاسخ می‌تواند پرونده را مختومه کند."), reason
                seen_generic_role += reason == role_sentence
                seen_generic_state += reason == state_sentence
    assert seen_generic_role and seen_generic_state


def test_every_state_reason_is_the_one_given():
    for (state, action), reason in _STATE_REASONS.items():
        who = {"officer": OFFICER}.get("officer")
        for candidate in ("supervisor", "officer", "manager", "agent", "admin"):
            who = actor(candidate, "water-qazvin")
            got = check_transition({"state": state.value, "agency_id": "water-qazvin"}, action, who)
            if got == reason:
                break
        else:
            pytest.fail(f"no role sees the state reason of {state.value}/{action}: {reason}")


def test_target_state_of_a_registration():
    assert target_state(None, "register") is CaseState.registered
    assert target_state(None, "answer") is CaseState.registered
    assert target_state({"state": "referred", "agency_id": "w"}, "register") is CaseState.registered
    assert target_state({"state": "referred", "agency_id": "w"}, "accept") is not CaseState.registered


def test_an_unlabelled_action_is_named_as_it_is():
    from samad_desk.domain.workflow import action_label

    assert action_label("fly") == "fly"
    assert action_label("answer") == ACTION_LABELS["answer"] != "answer"


def test_target_state_of_an_unknown_state_names_it():
    with pytest.raises(KeyError, match="unknown case state 'lost'"):
        target_state({"state": "lost"}, "answer")
