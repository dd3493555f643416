"""Merge screens on a desk without a server: the duplicates queue, a refused merge, the
merge screen's keyboard, and what a pending merge shows before it is synced."""

from __future__ import annotations

import pytest

from samad_desk.services import DeskSession, ServiceError
from samad_desk.services.merges import MergeService
from tests.support.merge import AGENT, DUP_MOBILE, PEOPLE, PERSON_A, SUPERVISOR, seed_snapshot
from tests.support.pilot import desk, press, settle, toasts, type_text

CASES = {"a": 1, "b": 2, "s1": 1, "s2": 1}


def make_app(settings, store, operator):
    from samad_desk.app import SamadDeskApp

    return SamadDeskApp(settings, store=store, operator=dict(operator), seed_demo=False)


async def open_lookup_candidates(pilot, mobile: str = DUP_MOBILE) -> None:
    await settle(pilot)
    await press(pilot, "f6")
    await pilot.press("tab")  # national ID -> mobile
    await type_text(pilot, mobile)
    await settle(pilot)
    await pilot.press("f4")  # focus the candidates


async def test_duplicates_queue_lists_the_pair_not_siblings(settings, store) -> None:
    from samad_desk.screens.duplicates_screen import DuplicatesScreen
    from samad_desk.screens.merge_screen import MergeScreen

    ids = seed_snapshot(store, AGENT, PEOPLE, CASES)
    app = make_app(settings, store, SUPERVISOR)
    async with desk(app) as pilot:
        screen = await press(pilot, "f6", "shift+f3")
        assert isinstance(screen, DuplicatesScreen)
        assert [sorted(g.ids) for g in screen.groups] == [sorted([ids["a"], ids["b"]])]
        [row] = screen.rows
        assert row["band"] == "همان شهروند"
        assert "همان شماره همراه" in row["reasons"] and "همان تاریخ تولد" in row["reasons"]
        assert "برزگرزاده" not in screen.text  # neither the siblings nor the twins
        assert "۱ گروه احتمالاً تکراری" in screen.text
        await press(pilot, "enter")
        assert isinstance(app.screen, MergeScreen)
        assert {c["id"] for c in app.screen.grid.citizens} == {ids["a"], ids["b"]}
        await press(pilot, "escape")
        assert isinstance(app.screen, DuplicatesScreen)
    assert [o for o in store.pending_ops() if o["type"].startswith("citizen.")] == []


async def test_not_a_duplicate_leaves_the_queue(settings, store) -> None:
    """F7 on a pair: after the supervisor confirms, one citizen.distinct op is saved and
    the pair is gone from the queue (recomputed); Esc on the question changes nothing."""
    from samad_desk.screens.duplicates_screen import DuplicatesScreen
    from samad_desk.screens.modals import ConfirmModal

    ids = seed_snapshot(store, AGENT, PEOPLE, CASES)
    app = make_app(settings, store, SUPERVISOR)
    async with desk(app, notifications=True) as pilot:
        queue = await press(pilot, "f6", "shift+f3")
        assert isinstance(queue, DuplicatesScreen) and len(queue.groups) == 1
        await press(pilot, "f7")
        assert isinstance(app.screen, ConfirmModal)
        await press(pilot, "escape")
        assert app.screen is queue and len(queue.groups) == 1 and store.pending_ops() == []
        await press(pilot, "f7")
        await press(pilot, "enter")
        assert app.screen is queue
        assert queue.groups == [] and "شهروند تکراری پیدا نشد" in queue.text
        assert any("شهروندان جدا" in t for t in toasts(app))
    [op] = store.pending_ops()
    assert op["type"] == "citizen.distinct" and set(op["payload"]["citizen_ids"]) == {ids["a"], ids["b"]}
    # an agent may not decide it
    with pytest.raises(ServiceError, match="فقط با ناظر یا مدیر"):
        MergeService(DeskSession(store, AGENT)).distinct([ids["a"], ids["b"]])


async def test_agent_is_refused(settings, store) -> None:
    from samad_desk.screens.lookup_screen import LookupScreen

    ids = seed_snapshot(store, AGENT, PEOPLE, CASES)
    app = make_app(settings, store, AGENT)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_lookup_candidates(pilot)
        assert isinstance(app.screen, LookupScreen)
        await press(pilot, "f3")
        assert isinstance(app.screen, LookupScreen)  # no merge screen
        assert any("فقط با ناظر یا مدیر سامانه است" in t and "«اپراتور»" in t for t in toasts(app))
    assert store.pending_ops() == []
    assert store.get("citizen", ids["b"])["merged_into"] is None
    with pytest.raises(ServiceError, match="فقط با ناظر یا مدیر"):
        MergeService(DeskSession(store, AGENT)).merge(ids["a"], [ids["b"]], {})


async def test_merge_screen_keys(settings, store) -> None:
    """↑↓ move between fields, ←/→ and F4/F3 choose, F7 changes the survivor, Esc leaves."""
    from samad_desk.screens.lookup_screen import LookupScreen
    from samad_desk.screens.merge_screen import MergeScreen

    ids = seed_snapshot(store, AGENT, PEOPLE, CASES)
    app = make_app(settings, store, SUPERVISOR)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_lookup_candidates(pilot)
        screen = await press(pilot, "f3")
        assert isinstance(screen, MergeScreen)
        grid = screen.grid
        assert [c["id"] for c in grid.citizens][0] in (ids["a"], ids["b"])
        # the survivor's values by default; a blank one (A has no father's name) from the other
        assert grid.citizens[grid.choices["father_name"]]["father_name"] == "اسماعیل"
        assert grid.choices["first_name"] == 0
        assert "کد ملی" in screen.text and "پرونده‌ها" in screen.text
        assert grid.field == "national_id"
        await pilot.press("down", "down", "down", "down", "down", "down")
        assert grid.field == "city"
        await pilot.press("left")
        assert grid.choices["city"] == 1
        await pilot.press("right")
        assert grid.choices["city"] == 0
        await pilot.press("f4")
        assert grid.choices["city"] == 1
        await pilot.press("f3")
        assert grid.choices["city"] == 0
        await pilot.press("f7")
        assert grid.survivor == 1
        # untouched fields follow the new survivor, the city chosen by hand stays
        assert grid.choices["last_name"] == 1 and grid.choices["city"] == 0
        assert grid.citizens[grid.choices["national_id"]]["national_id"] == PERSON_A["national_id"]
        assert "۲. اصلی" in screen.text
        await press(pilot, "escape")
        assert isinstance(app.screen, LookupScreen)
    assert store.pending_ops() == []


async def test_pick_among_candidates_then_merge_from_the_queue(settings, store) -> None:
    """Three candidates share the mobile: the supervisor marks two with Enter and goes on
    with F2; then merges the queue's pair: the queue empties and the profile has the cases."""
    from samad_desk.screens.duplicates_screen import DuplicatesScreen
    from samad_desk.screens.merge_history_screen import MergeHistoryScreen
    from samad_desk.screens.merge_screen import MergeScreen
    from samad_desk.screens.modals import ConfirmModal, MergePickModal
    from samad_desk.screens.profile_screen import ProfileScreen

    wife = dict(national_id="0012345679", first_name="زهرا", last_name="احمدی", father_name="علی",
                birth_date="1982-02-02", mobile=DUP_MOBILE, city="قزوین")
    ids = seed_snapshot(store, AGENT, {**PEOPLE, "w": wife}, CASES)
    app = make_app(settings, store, SUPERVISOR)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_lookup_candidates(pilot)
        pick = await press(pilot, "f3")
        assert isinstance(pick, MergePickModal)
        assert len(pick.citizens) == 3 and pick.marked == {0}
        await press(pilot, "f2")  # one marked: refused
        assert app.screen is pick
        target = next(i for i, c in enumerate(pick.citizens) if c["id"] in (ids["a"], ids["b"])
                      and c["id"] != pick.citizens[0]["id"])
        await pilot.press(*["down"] * target, "enter")
        assert pick.marked == {0, target} and pick.lines[target].startswith("☑")
        await press(pilot, "f2")
        assert isinstance(app.screen, MergeScreen)
        await press(pilot, "escape", "escape")  # leave the merge screen, back to lookup's inputs
        queue = await press(pilot, "shift+f3")
        assert isinstance(queue, DuplicatesScreen) and len(queue.groups) == 1
        assert "فرزند اسماعیل" in queue.text  # the highlighted group in full
        await press(pilot, "enter")
        assert isinstance(app.screen, MergeScreen)
        await press(pilot, "f2")
        assert isinstance(app.screen, ConfirmModal)
        profile = await press(pilot, "enter")
        assert isinstance(profile, ProfileScreen)
        assert len(profile.cases) == 3  # one of its own, two of the merged profile
        await press(pilot, "escape")
        assert app.screen is queue
        assert queue.groups == [] and "شهروند تکراری پیدا نشد" in queue.text
        # F3 there: every merge of the desk (it used to fail: the history needed a profile)
        history = await press(pilot, "f3")
        assert isinstance(history, MergeHistoryScreen)
        assert len(history.query_one("#merge-history-table").records) == 1
        assert "در صف ارسال" in history.text
    [op] = store.pending_ops()
    assert op["type"] == "citizen.merge" and set([op["entity_id"], *op["payload"]["merged_ids"]]) == {ids["a"], ids["b"]}
