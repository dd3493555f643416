"""Against the real central server process (samad_desk.central.process):

- an officer's desk cannot obtain another agency's case through any screen or any request
  to the server;
- a transition the server refuses (the case moved on meanwhile) shows in "needs attention";
- end to end: an agent desk registers and refers a case, the agency desk answers it in its
  cartable, the agent desk shows the answer on a follow-up call. Sync is the real engine's
  ``sync_once``.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from samad_desk.domain import ops as O
from samad_desk.domain.tracking import format_tracking_code
from tests.support.cartable import desk, press, settle
from tests.support.desks import Desk
from tests.support.pilot import toasts, type_text

WATER = "water-qazvin"
POWER = "power-qazvin"


def register(agent: Desk, settings, agency_id: str, nid: str, subject: str = "water.outage") -> Any:
    from samad_desk.services import CallForm

    form = CallForm(national_id=nid, first_name="علی", last_name="رضایی", mobile="09121234567",
                    city="قزوین", case_type="complaint", subject=subject, agency=agency_id,
                    description="سه روز است آب محله قطع است و کسی پاسخ نمی‌دهد")
    return agent.services(settings).save_call(form)


def app_for(desk: Desk, settings):
    from samad_desk.app import SamadDeskApp

    return SamadDeskApp(settings, store=desk.store, operator=desk.operator, seed_demo=False)


async def test_officer_never_obtains_another_agencys_case(server, desks, settings) -> None:
    agent = desks("agent1")
    ours = register(agent, settings, WATER, "0013542419")
    theirs = register(agent, settings, POWER, "0084575948", subject="power.outage")
    agent.sync()
    water = desks("water1")
    assert water.operator["agency_id"] == WATER

    # the desk's store never holds the power company's case, its citizen or its events
    cases = {c["id"] for c in water.store.iter_entities("case")}
    assert ours.case_id in cases and theirs.case_id not in cases
    assert water.store.get("case", theirs.case_id) is None
    assert water.store.get("citizen", theirs.citizen_id) is None
    assert water.store.events_of_case(theirs.case_id) == []
    assert water.store.case_by_tracking_code(theirs.tracking_code) is None

    # no screen shows it: cartable, case screen by id, follow-up search, supervision
    from samad_desk.screens.cartable_screen import CartableScreen
    from samad_desk.screens.case_screen import CaseScreen
    from samad_desk.services import ServiceError

    app = app_for(water, settings)
    async with desk(app, notifications=True) as pilot:
        screen = await press(pilot, "f8")
        assert isinstance(screen, CartableScreen)
        assert [r.id for r in screen.data.rows] == [ours.case_id]
        await pilot.press("shift+f3")  # every state
        assert [r.id for r in screen.table.rows] == [ours.case_id]
        app.push_screen(CaseScreen(app.services, theirs.case_id))
        await settle(pilot)
        assert "در کارتابل شما نیست" in app.screen.text
        await press(pilot, "f3")
        assert water.store.pending_ops() == []
        await press(pilot, "escape", "f9")
        assert app.screen.agencies_table.rows == []
        with pytest.raises(ServiceError):
            app.services.find_cases(theirs.tracking_code)

    # no request to the server yields it either
    token = water.client.tokens.load()["access_token"]
    h = {"Authorization": f"Bearer {token}", "X-Desk-Protocol": "1"}
    with httpx.Client(base_url=server.url, headers=h, timeout=10) as http:
        pulled = []
        cursor = None
        while True:
            r = http.get("/v1/sync/pull", params={"cursor": cursor} if cursor else {})
            assert r.status_code == 200
            body = r.json()
            pulled += body["changes"]
            cursor = body["next_cursor"]
            if not body["has_more"]:
                break
        assert theirs.case_id not in str(pulled) and ours.case_id in str(pulled)
        snap = http.get("/v1/sync/snapshot")
        assert snap.status_code == 200 and theirs.case_id not in snap.text and ours.case_id in snap.text
        looked = http.get("/v1/cases/lookup", params={"tracking_code": theirs.tracking_code})
        assert looked.status_code in (200, 404) and theirs.case_id not in looked.text
        looked = http.get("/v1/cases/lookup", params={"national_id": "0084575948"})
        assert theirs.case_id not in looked.text and "0084575948" not in looked.text
        # and the server refuses to let the desk act on it, whatever it sends
        op = O.case_answer(theirs.case_id, "پاسخ نابجا", O.make_actor(water.operator))
        op.update(client_id="c-intruder", client_seq=1)
        r = http.post("/v1/sync/push", json={"client_id": "c-intruder", "device_id": "dev-x",
                                              "schema_version": 1, "ops": [op]})
        assert r.status_code in (200, 403, 409), r.text
        if r.status_code == 200:
            assert all(res["status"] == "rejected" for res in r.json()["results"])
        assert theirs.case_id not in r.text or "current" not in r.text
    # through its own journal and sync engine: rejected, forbidden, and nothing comes back
    water.store.save([op | {"client_id": None, "client_seq": None}])
    stats = water.sync()
    assert stats["round_rejected"] == 1
    [bad] = water.store.needs_attention()
    assert bad["code"] in ("forbidden", "not_found")
    assert not (bad.get("current") or {}).get("description")
    assert water.store.get("case", theirs.case_id) is None


async def test_server_rejection_shows_in_needs_attention(server, desks, settings) -> None:
    from samad_desk.messages import AppSyncReporter
    from samad_desk.screens.attention_screen import AttentionScreen
    from samad_desk.screens.case_screen import CaseScreen
    from samad_desk.screens.modals import ActionForm

    agent = desks("agent1")
    saved = register(agent, settings, WATER, "0067749828")
    agent.sync()
    supervisor = desks("super1")
    water = desks("water1")
    app = app_for(water, settings)
    water.engine.reporter = AppSyncReporter(app)
    async with desk(app, notifications=True) as pilot:
        app.push_screen(CaseScreen(app.services, saved.case_id))
        await settle(pilot)
        await press(pilot, "f3")
        assert isinstance(app.screen, ActionForm)
        await type_text(pilot, "انجام شد")
        await press(pilot, "f2")
        [op] = water.store.pending_ops()
        assert op["type"] == "case.answer"
        # meanwhile the supervisor closed the case, and synced first
        case = supervisor.store.get("case", saved.case_id)
        supervisor.store.save([O.case_close(case, O.make_actor(supervisor.operator), reason="تکراری است")])
        supervisor.sync()
        stats = water.sync()
        assert stats["round_rejected"] == 1
        await settle(pilot)
        assert any("رد شد" in t for t in toasts(app)), toasts(app)
        screen = await press(pilot, "escape", "f10")
        assert isinstance(screen, AttentionScreen)
        [text] = screen.texts
        assert "پاسخ" in text and "مختومه" in text  # what it was, and the case's state now
        assert water.store.get("case", saved.case_id)["state"] == "closed"


async def test_agent_refers_agency_answers_agent_reads_the_answer(server, desks, settings) -> None:
    from samad_desk.screens.cartable_screen import CartableScreen
    from samad_desk.screens.case_screen import CaseScreen
    from samad_desk.screens.followup_screen import FollowupScreen

    agent = desks("agent1")
    saved = register(agent, settings, WATER, "0499370899")
    agent.sync()

    water = desks("water1")
    app = app_for(water, settings)
    async with desk(app) as pilot:
        screen = await press(pilot, "f8")
        assert isinstance(screen, CartableScreen)
        index = [r.id for r in screen.table.rows].index(saved.case_id)
        screen.table.focus()
        await press(pilot, *["down"] * index, "enter")
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == saved.case_id
        await press(pilot, "f2")  # accept
        await press(pilot, "f3")
        await type_text(pilot, "لوله اصلی تعمیر و آب وصل شد")
        await press(pilot, "f2")
    assert [o["type"] for o in water.store.pending_ops()] == ["case.accept", "case.answer"]
    stats = water.sync()
    assert stats["pending"] == 0

    agent.sync()
    assert agent.store.get("case", saved.case_id)["state"] == "answered"
    app = app_for(agent, settings)
    async with desk(app) as pilot:
        await press(pilot, "f7")
        assert isinstance(app.screen, FollowupScreen)
        await type_text(pilot, format_tracking_code(saved.tracking_code).replace("-", ""))
        await press(pilot, "enter")
        summary = app.screen.summary_text
        assert "لوله اصلی تعمیر و آب وصل شد" in summary
        assert "پاسخ" in "\n".join(app.screen.history_texts)
