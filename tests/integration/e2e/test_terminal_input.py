"""The desk's real input path in a real terminal (tmux at 80×24): bracketed pastes and
keys sent with no pause at all, checked on screen and in the saved data (issue 12)."""

from __future__ import annotations

import time

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


# ---------------------------------------------------------------- a known citizen is explicit

CASE_FIELDS = (
    "=شکا", "Enter",
    "=قطعی آب", "Enter",
    "Enter",  # agency: suggested from the subject
    "Enter",  # urgency: normal
    "=سه روز است آب محله قطع است",
)


@pytest.fixture
def demo_citizen(settings) -> dict:
    """The embedded demo, seeded before the desk starts; one of its citizens with a
    mobile no other citizen has, a birth date and a city, and no case yet (so the call is
    not offered as a follow-up)."""
    from samad_desk.services import seed_embedded_demo
    from samad_desk.store import Store

    store = Store.open(settings.data_dir)
    try:
        seed_embedded_demo(store)
        for c in store.iter_entities("citizen"):
            if (c.get("national_id") and c.get("birth_date") and c.get("city") and c.get("mobile")
                    and c.get("father_name") and len(store.citizens_by_mobile(c["mobile"])) == 1
                    and not store.cases_of_citizen(c["id"])):
                return c
    finally:
        store.close()
    raise AssertionError("no demo citizen to call about")


def _journal(settings) -> list[dict]:
    from samad_desk.store import Store

    store = Store.open(settings.data_dir)
    try:
        return list(store.pending_ops(limit=50))
    finally:
        store.close()


def _citizen(settings, citizen_id: str) -> dict:
    from samad_desk.store import Store

    store = Store.open(settings.data_dir)
    try:
        return store.get("citizen", citizen_id)
    finally:
        store.close()


def _jalali(iso: str) -> str:
    from datetime import date

    from samad_desk.text.jalali import format_jalali

    return format_jalali(date.fromisoformat(iso[:10]), persian_digits=False)


def test_exact_registered_id_and_enter_load_that_citizen(tmux, settings, demo_citizen) -> None:
    """Finding 11: the ID + Enter, with no pause, loads the citizen (the form says so and
    is filled) and the call is saved on that citizen, unchanged."""
    c = demo_citizen
    tmux.start_desk()
    tmux.burst(f"={c['national_id']}", "Enter", *CASE_FIELDS)
    rows = tmux.wait_for(shows("سه روز است"), "the description")
    assert shows("شهروند ثبت‌شده")(rows) and shows(c["first_name"])(rows), "\n".join(rows)
    tmux.key("F2")
    tmux.wait_for(_tracking_shown, "the tracking code")
    tmux.key("Enter")
    tmux.quit_desk()
    case, citizen = _saved_case(settings)
    assert citizen["id"] == c["id"]
    assert [o["type"] for o in _journal(settings)] == ["case.register", "case.refer"]


def test_f4_then_enter_right_after_the_last_digit_chooses_the_candidate(tmux, settings, demo_citizen) -> None:
    """Finding 4: F4 and Enter sent with the digits, no pause: the lookup still in flight
    is waited for, the candidate chosen, the call saved on that citizen. The ID is
    mistyped by one digit (found through its neighbours), so only the list can choose it."""
    c = demo_citizen
    nid = c["national_id"]
    mistyped = nid[:4] + str((int(nid[4]) + 1) % 10) + nid[5:]
    tmux.start_desk()
    tmux.burst(f"={mistyped}", "F4", "Enter", *CASE_FIELDS, "F2")
    tmux.wait_for(_tracking_shown, "the tracking code")
    tmux.key("Enter")
    tmux.quit_desk()
    case, citizen = _saved_case(settings)
    assert citizen["id"] == c["id"] and case["subject"] == "water.outage"
    assert [o["type"] for o in _journal(settings)] == ["case.register", "case.refer"]


def test_other_names_on_a_registered_id_need_a_confirmation(tmux, settings, demo_citizen) -> None:
    """Finding 3: a registered ID, then (Tab, not Enter) another name and mobile: F2 asks,
    showing old ← new; Esc saves nothing; F2 twice saves the call with the change as an
    edit of that citizen (same profile, the old values as the edit's base)."""
    c = demo_citizen
    tmux.start_desk()
    tmux.burst(f"={c['national_id']}", "Tab")
    tmux.wait_for(shows("کد ملی ثبت‌شده"), "the state line naming the ID's citizen")
    tmux.burst("=زهره", "Enter", "=صادقی", "Enter", "Enter", "Enter", "=09121234567", "Enter",
               "Enter", *CASE_FIELDS, "F2")
    rows = tmux.wait_for(shows("مشخصات هویتی"), "the identity confirmation")
    assert shows(f"{c['first_name']} ← زهره")(rows), "\n".join(rows)
    tmux.burst("Escape", "F2", "Escape")  # back to the form, twice: nothing saved
    tmux.wait_for(lambda r: not shows("مشخصات هویتی")(r), "the form again")
    assert _journal_while_running_is_empty(tmux)
    tmux.burst("F2", "F2")
    tmux.wait_for(_tracking_shown, "the tracking code")
    tmux.key("Enter")
    tmux.quit_desk()
    ops = _journal(settings)
    assert [o["type"] for o in ops] == ["citizen.upsert", "case.register", "case.refer"]
    edit = ops[0]
    assert edit["entity_id"] == c["id"]
    assert edit["payload"]["base"]["first_name"] == c["first_name"]
    saved = _citizen(settings, c["id"])
    assert (saved["first_name"], saved["last_name"], saved["mobile"]) == ("زهره", "صادقی", "09121234567")


def _journal_while_running_is_empty(tmux) -> bool:
    rows = tmux.rows()
    return shows("در صف: ۰")(rows)


def test_a_look_alike_needs_this_is_another_person(tmux, settings, demo_citizen) -> None:
    """Finding 12: same name, birth date and mobile as a registered citizen under a new
    ID: F2 asks; Esc goes back (the look-alike offered); F2, F2 makes a new profile."""
    c = demo_citizen
    tmux.start_desk()
    tmux.burst(f"={NEW_NID}", "Enter", f"={c['first_name']}", "Enter", f"={c['last_name']}",
               "Enter", "Enter", f"={_jalali(c['birth_date'])}", "Enter", f"={c['mobile']}",
               "Enter", "Enter", *CASE_FIELDS, "F2")
    rows = tmux.wait_for(shows("شخص دیگری است؟"), "the look-alike question")
    tmux.key("Escape")
    rows = tmux.wait_for(lambda r: not shows("شخص دیگری است؟")(r), "the form again")
    assert shows("در صف: ۰")(rows)
    tmux.burst("F2", "F2")
    tmux.wait_for(_tracking_shown, "the tracking code")
    tmux.key("Enter")
    tmux.quit_desk()
    case, citizen = _saved_case(settings)
    assert citizen["id"] != c["id"] and citizen["national_id"] == NEW_NID
    assert _citizen(settings, c["id"])["national_id"] == c["national_id"]


# ---------------------------------------------------------------- on a real central server

def test_a_burst_call_with_a_pasted_description_reaches_the_server_once(tmux, settings, tmp_path) -> None:
    """``samad-desk run --server URL`` against a real central server process: a whole call
    in one burst, the description a real bracketed paste with escapes; after the desk has
    pushed it, another desk pulls the case from the server: the text is there once, clean."""
    from dataclasses import replace

    from samad_desk.central.process import sqlite_url, start_server
    from samad_desk.demo_mode import demo_login
    from tests.support.desks import Desk

    with start_server(sqlite_url(tmp_path / "central"), seed_demo=True) as srv:
        demo_login(replace(settings, server_url=srv.url), "agent1", "agent1")  # a saved session
        tmux.start_desk("run", "--server", srv.url)
        tmux.wait_for(shows("برخط"), "the desk online")
        tmux.burst(f"={NEW_NID}", "Enter", "=علی", "Enter", "=رضایی", "Enter", *CALL_AFTER_NAMES)
        tmux.paste("آب \x1b[31mمحله\x1b[0m سه روز است\nقطع است")
        tmux.key("F2")
        rows = tmux.wait_for(_tracking_shown, "the tracking code")
        digits = "".join(ch for ch in next(r for r in rows if "││" in r) if "۰" <= ch <= "۹")
        tmux.key("Enter")
        from samad_desk.text.digits import to_ascii_digits

        reader = Desk(tmp_path / "reader", srv.url, "agent1")
        try:
            # the server is the oracle: the status bar's «در صف: ۰» can still be the count from
            # before the save, and quitting then meets the "not yet sent" question
            deadline = time.monotonic() + 90
            while (case := reader.store.case_by_tracking_code(to_ascii_digits(digits))) is None:
                assert time.monotonic() < deadline, f"the call {digits} never reached the server"
                time.sleep(0.5)
                reader.sync()
            tmux.wait_for(lambda r: shows("در صف: ۰")(r) and shows("برخط")(r), "the desk's queue empty")
            tmux.quit_desk()
            assert case["description"] == "آب محله سه روز است\nقطع است"
            citizen = reader.store.get("citizen", case["citizen_id"])
            assert (citizen["first_name"], citizen["last_name"]) == ("علی", "رضایی")
        finally:
            reader.close()
