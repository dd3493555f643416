"""A merge and an unmerge made with the keyboard on a supervisor's desk, synced by the real
sync engine to a real central server process, and checked there (a fresh desk's snapshot
of the server, and the server's pull)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from samad_desk.domain import ops as O
from samad_desk.domain.reducer import event_id_for
from samad_desk.services import DeskSession
from tests.support.desks import Desk
from tests.support.merge import (
    DUP_MOBILE,
    PERSON_A,
    PERSON_B,
    SIBLING_1,
    SIBLING_2,
    seed_ops,
    )
from tests.support.pilot import desk, press, settle, toasts, type_text


def server_pull(server: Any, desk: Desk) -> list[dict]:
    """Every change the server sends this desk's operator from the beginning."""
    token = desk.client.tokens.load()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "X-Desk-Protocol": "1"}
    changes: list[dict] = []
    cursor = None
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as http:
        while True:
            r = http.get("/v1/sync/pull", params={"cursor": cursor} if cursor else {})
            assert r.status_code == 200, r.text
            body = r.json()
            changes += body["changes"]
            cursor = body["next_cursor"]
            if not body["has_more"]:
                return changes


def latest(changes: list[dict], entity: str, id_: str) -> dict | None:
    found = [c for c in changes if c.get("entity") == entity and c.get("id") == id_]
    return found[-1].get("data") if found else None


async def test_merge_and_unmerge_synced_to_the_server(server, desks, settings) -> None:
    from samad_desk.app import SamadDeskApp
    from samad_desk.screens.merge_history_screen import MergeHistoryScreen
    from samad_desk.screens.merge_screen import MergeScreen
    from samad_desk.screens.modals import ConfirmModal
    from samad_desk.screens.profile_screen import ProfileScreen

    agent = desks("agent1")
    ids = seed_ops(agent.store, O.make_actor(agent.operator),
                   {"a": PERSON_A, "b": PERSON_B, "s1": SIBLING_1, "s2": SIBLING_2},
                   {"a": 1, "b": 2, "s1": 1, "s2": 1})
    agent.sync()
    a, b = ids["a"], ids["b"]
    sup = desks("super1")
    assert sup.store.get("citizen", b) is not None
    assert len(sup.store.cases_of_citizen(a)) == 1 and len(sup.store.cases_of_citizen(b)) == 2

    app = SamadDeskApp(settings, store=sup.store, operator=sup.operator, seed_demo=False)
    async with desk(app, notifications=True) as pilot:
        # lookup by the shared mobile, candidates, F3: merge
        await press(pilot, "f6")
        await pilot.press("tab")
        await type_text(pilot, DUP_MOBILE)
        await settle(pilot)
        screen = await press(pilot, "f4", "f3")
        assert isinstance(screen, MergeScreen)
        grid = screen.grid
        if grid.citizens[0]["id"] != a:
            await pilot.press("f7")  # A survives
        assert grid.citizens[grid.survivor]["id"] == a
        b_col = 1 - grid.survivor
        step = "left" if b_col > [c["id"] for c in grid.citizens].index(a) else "right"
        # take B's city (row 7) and keep A's name spelling; the father's name comes from B
        await pilot.press(*["down"] * 6, step)
        assert grid.field == "city" and grid.choices["city"] == b_col
        assert grid.choices["father_name"] == b_col and grid.choices["last_name"] == grid.survivor
        await press(pilot, "f2")
        assert isinstance(app.screen, ConfirmModal)
        assert "ادغام شود؟" in app.screen.question
        await press(pilot, "enter")

        # the journal: one citizen.merge op with the chosen values
        [op] = [o for o in sup.store.pending_ops() if o["type"].startswith("citizen.")]
        assert op["type"] == "citizen.merge" and op["entity_id"] == a
        assert op["payload"]["survivor_id"] == a and op["payload"]["merged_ids"] == [b]
        fields = op["payload"]["fields"]
        assert fields["city"] == "تاکستان" and fields["father_name"] == "اسماعیل"
        assert fields["last_name"] == "کاظمی‌نژاد" and fields["national_id"] == PERSON_A["national_id"]
        assert op["actor"]["role"] == "supervisor"
        assert any(t.startswith("ادغام ثبت شد") for t in toasts(app))

        # the surviving profile opens with every case of both profiles
        profile = app.screen
        assert isinstance(profile, ProfileScreen) and profile.citizen_id == a
        assert len(profile.cases) == 3
        assert {c["citizen_id"] for c in profile.cases} == {a, b}
        assert sup.store.get("citizen", b)["merged_into"] == a

        # synced by the sync engine
        stats = await asyncio.to_thread(sup.sync)
        assert stats["pushed"] >= 1
        assert sup.store.pending_ops() == []
        assert sup.store.needs_attention() == []
        survivor = sup.store.get("citizen", a)
        assert survivor["city"] == "تاکستان" and survivor["father_name"] == "اسماعیل"
        merged = sup.store.get("citizen", b)
        assert merged["merged_into"] == a and merged["national_id"] is None
        event = sup.store.get("event", event_id_for(op["op_id"]))
        assert event["kind"] == "citizen.merge" and event["data"]["merged_ids"] == [b]
        assert event["actor"]["role"] == "supervisor"
        app.screen.refresh_data()
        await settle(pilot)
        assert len(profile.cases) == 3 and "تاکستان" in profile.text
        # on the server: another desk's first sync (the server's snapshot)
        check = await asyncio.to_thread(desks, "admin")
        assert check.store.get("citizen", b)["merged_into"] == a
        assert check.store.get("citizen", b)["national_id"] is None
        on_server = check.store.get("citizen", a)
        assert on_server["city"] == "تاکستان" and on_server["father_name"] == "اسماعیل"
        assert check.store.get("event", event_id_for(op["op_id"]))["kind"] == "citizen.merge"

        # unmerge from the surviving profile: F3 merge history, F8, Enter
        history = await press(pilot, "f3")
        assert isinstance(history, MergeHistoryScreen)
        assert [r.op_id for r in history.records] == [op["op_id"]]
        assert "ثبت‌شده" in history.text and "کاظمی" in history.text
        await press(pilot, "f8")
        assert isinstance(app.screen, ConfirmModal)
        await press(pilot, "enter")
        assert any(t.startswith("ادغام لغو شد") for t in toasts(app))
        [undo] = [o for o in sup.store.pending_ops() if o["type"].startswith("citizen.")]
        assert undo["type"] == "citizen.unmerge" and undo["payload"] == {"merge_op_id": op["op_id"]}
        assert "لغو در صف ارسال" in history.text

        await asyncio.to_thread(sup.sync)
        assert sup.store.pending_ops() == []
        assert sup.store.get("citizen", b)["merged_into"] is None
        restored = sup.store.get("citizen", a)
        assert restored["city"] == "قزوین" and restored["father_name"] == ""
        history.refresh_data()
        await settle(pilot)
        assert "لغو شده" in history.text
        await press(pilot, "escape")  # back to the profile, which re-reads its cases
        assert app.screen is profile
        assert len(profile.cases) == 1 and profile.cases[0]["citizen_id"] == a

    # on the server: the checking desk's next pull, and the server's pull from the start
    check.sync()
    assert check.store.get("citizen", b)["merged_into"] is None
    assert check.store.get("citizen", b)["father_name"] == "اسماعیل"
    assert check.store.get("citizen", a)["city"] == "قزوین"
    assert check.store.get("citizen", a)["national_id"] == PERSON_A["national_id"]
    undo_ev = check.store.get("event", event_id_for(undo["op_id"]))
    assert undo_ev["kind"] == "citizen.unmerge" and undo_ev["data"]["restored_ids"] == [b]
    changes = server_pull(server, check)
    assert latest(changes, "citizen", b)["merged_into"] is None
    assert latest(changes, "citizen", a)["city"] == "قزوین"
    kinds = {latest(changes, "event", event_id_for(o["op_id"]))["kind"] for o in (op, undo)}
    assert kinds == {"citizen.merge", "citizen.unmerge"}


async def test_not_a_duplicate_reaches_every_desk(server, desks) -> None:
    """A supervisor's «not a duplicate» goes through the real server: another desk (a fresh
    snapshot and pull) no longer queues the pair; an agent's attempt is refused there."""
    from samad_desk.services.merges import MergeService

    agent = desks("agent1")
    # not the people of the other test of this module (same server): a pair of its own
    other = {"first_name": "محمدرضا", "last_name": "صالحی‌پور", "mobile": "09187776655"}
    people = {"a": {**PERSON_A, **other, "national_id": "0084575948"},
              "b": {**PERSON_B, **other, "last_name": "صالحی پور"}}
    ids = seed_ops(agent.store, O.make_actor(agent.operator), people, {"a": 1, "b": 1})
    agent.sync()
    pair = sorted([ids["a"], ids["b"]])
    first = desks("super1")
    svc = MergeService(DeskSession(first.store, first.operator))
    assert pair in [sorted(g.ids) for g in svc.duplicates()]
    svc.distinct(pair)
    first.sync()
    assert first.store.pending_ops() == [] and first.store.needs_attention() == []
    second = desks("super1")
    assert frozenset(pair) in MergeService(DeskSession(second.store, second.operator)).distinct_pairs()
    assert pair not in [sorted(g.ids) for g in MergeService(DeskSession(second.store, second.operator)).duplicates()]
    # the server's own rule, whatever a desk sends
    agent.store.save([O.citizen_distinct(pair, O.make_actor(agent.operator))])
    agent.engine.sync_once()
    [refused] = agent.store.needs_attention()
    assert refused["type"] == "citizen.distinct" and "ناظر" in str(refused.get("message"))
