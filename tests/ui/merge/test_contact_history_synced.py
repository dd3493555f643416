"""Contact details and their history through a real central server process: an agent's
edit and a second desk's conflicting "new" profile reach every desk of the 111 unit and
the supervisor as one history (synced events through the store's citizen index)."""

from __future__ import annotations

import asyncio

from samad_desk.domain import ops as O
from samad_desk.domain.ids import uuid7
from samad_desk.services import DeskSession, ServiceError
from samad_desk.services.citizen_details import HEARD, SET, ContactDetails
from samad_desk.text.digits import fa
from tests.support.merge import PERSON_A, SIBLING_1, seed_ops
from tests.support.pilot import desk, settle


def _history(peer, citizen_id: str) -> list[tuple[str, str, object, object]]:
    return [(c.kind, c.field, c.old, c.new)
            for c in ContactDetails(DeskSession(peer.store, peer.operator)).history(citizen_id, ("mobile", "phone"))]


async def test_contact_history_is_the_same_on_every_desk(server, desks, settings) -> None:
    agent = desks("agent1")
    ids = seed_ops(agent.store, O.make_actor(agent.operator), {"a": PERSON_A}, {"a": 1})
    a = ids["a"]
    old_mobile = PERSON_A["mobile"]
    agent.sync()
    details = ContactDetails(DeskSession(agent.store, agent.operator))
    details.save(a, {"mobile": "09351112233", "phone": "028 3333 4444", "city": "قزوین"})
    assert all(c.pending for c in details.history(a) if c.field == "phone")
    agent.sync()
    assert not any(c.pending for c in details.history(a))  # synced: read from the cache index

    # a second agent's desk, not yet synced since, registers the ID as a "new" citizen
    other = desks("agent1")
    other.store.save([O.citizen_upsert(
        {"id": uuid7(), "national_id": PERSON_A["national_id"], "first_name": "غلامرضا",
         "last_name": "کاظمی‌نژاد", "mobile": "09187654321"}, O.make_actor(other.operator))])
    other.sync()
    agent.sync()

    want = [
        (HEARD, "mobile", "09351112233", "09187654321"),
        (SET, "phone", None, "02833334444"),
        (SET, "mobile", old_mobile, "09351112233"),
        (SET, "mobile", None, old_mobile),
    ]
    assert _history(agent, a) == want
    assert _history(other, a) == want
    supervisor = desks("super1")
    assert _history(supervisor, a) == want
    assert supervisor.store.get("citizen", a)["mobile"] == "09351112233"  # the server kept the edit

    # the profile shows it on the supervisor's desk
    from samad_desk.app import SamadDeskApp
    from samad_desk.screens.profile_screen import ProfileScreen

    app = SamadDeskApp(settings, store=supervisor.store, operator=supervisor.operator, seed_demo=False)
    async with desk(app) as pilot:
        screen = ProfileScreen(supervisor.services(settings), a)
        await app.push_screen(screen)
        await settle(pilot)
        await asyncio.sleep(0)
        assert f"پیش‌تر {fa(old_mobile)}" in screen.text
        assert "نیازمند بررسی" in screen.text


async def test_an_agency_officer_sees_current_details_and_may_not_edit(server, desks) -> None:
    agent = desks("agent1")  # (a person the other test of this module, same server, did not register)
    ids = seed_ops(agent.store, O.make_actor(agent.operator), {"a": SIBLING_1}, {"a": 1})
    agent.sync()
    officer = desks("water1")
    citizen = officer.store.get("citizen", ids["a"])
    assert citizen is not None and citizen["mobile"] == SIBLING_1["mobile"]
    try:
        ContactDetails(DeskSession(officer.store, officer.operator)).save(ids["a"], {"mobile": "09351112233"})
    except ServiceError as exc:
        assert "نقش شما" in str(exc)
    else:
        raise AssertionError("an agency officer edited a citizen's details")
    # and the server refuses it too, whatever a desk sends
    officer.store.save([O.citizen_upsert({"id": ids["a"], "version": citizen["version"],
                                          "mobile": "09351112233"}, O.make_actor(officer.operator))])
    officer.engine.sync_once()
    [attention] = officer.store.needs_attention()
    assert "اپراتور ۱۱۱" in str(attention.get("message") or attention)
