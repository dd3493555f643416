"""The desk's real input path in a real terminal (tmux at 80×24): bracketed pastes and
keys sent with no pause at all, checked on screen and in the saved data (issue 12)."""

from __future__ import annotations

import pytest

from tests.support.tmux import Tmux, shows

NEW_NID = "0012345679"  # a valid national ID no demo citizen has


@pytest.fixture
def tmux(tmp_path):
    t = Tmux(tmp_path, "desk", prefix="samad-input")
    yield t
    t.kill()


def _saved_case(settings, code_digits: str | None = None) -> tuple[dict, dict]:
    """The one case saved in this test (and its citizen), from the desk's own store."""
    from samad_desk.store import Store

    store = Store.open(settings.data_dir)
    try:
        ops = [o for o in store.pending_ops(limit=50) if o["type"] == "case.register"]
        assert len(ops) == 1, ops
        case = store.get("case", ops[0]["entity_id"])
        citizen = store.get("citizen", case["citizen_id"])
        return case, citizen
    finally:
        store.close()


def _tracking_shown(rows: list[str]) -> bool:
    return any("╭───╮" in row for row in rows)


CALL_AFTER_NAMES = (
    "Enter", "Enter",  # father's name, birth date: empty
    "=09121234567", "Enter",
    "=قزو", "Enter",
    "=شکا", "Enter",
    "=قطعی آب", "Enter",
    "Enter",  # agency: suggested from the subject
    "Enter",  # urgency: normal
)


def test_whole_call_typed_with_no_pause_is_saved_as_typed(tmux, settings) -> None:
    """Every key of a call in one burst: the form must end exactly as typed slowly."""
    tmux.start_desk()
    tmux.burst(
        f"={NEW_NID}", "Enter", "=علی", "Enter", "=رضایی", "Enter",
        *CALL_AFTER_NAMES,
        "=سه روز است آب محله قطع است", "F2",
    )
    tmux.wait_for(_tracking_shown, "the tracking code")
    tmux.key("Enter")
    tmux.quit_desk()
    case, citizen = _saved_case(settings)
    assert (citizen["national_id"], citizen["first_name"], citizen["last_name"]) == (
        NEW_NID, "علی", "رضایی")
    assert citizen["father_name"] in ("", None) and citizen["mobile"] == "09121234567"
    assert (case["city"], case["subject"], case["agency_id"]) == (
        "قزوین", "water.outage", "water-qazvin")
    assert case["description"] == "سه روز است آب محله قطع است"


def test_bracketed_paste_goes_in_once_without_its_escapes(tmux, settings) -> None:
    """A real bracketed paste (ESC[31m inside) into a name and into the description."""
    tmux.start_desk()
    tmux.burst(f"={NEW_NID}", "Enter")
    tmux.paste("\x1b[31mعلی\x1b[0m")
    tmux.burst("Enter", "=رضایی", "Enter", *CALL_AFTER_NAMES)
    tmux.paste("آب \x1b[31mمحله\x1b[0m سه روز است\nقطع است")
    tmux.wait_for(shows("قطع است"), "the pasted description")
    rows = tmux.rows()
    assert not any("^[" in row or "[31m" in row for row in rows), "\n".join(rows)
    tmux.key("F2")
    tmux.wait_for(_tracking_shown, "the tracking code")
    tmux.key("Enter")
    tmux.quit_desk()
    case, citizen = _saved_case(settings)
    assert citizen["first_name"] == "علی"
    assert case["description"] == "آب محله سه روز است\nقطع است"
