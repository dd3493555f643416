"""Two (three) desks against the real central server process: each sees what its role
allows and nothing more; answers flow back; refusals land in "needs attention"."""

from __future__ import annotations

import random

import pytest

from samad_desk.domain import ops as O
from samad_desk.domain.models import CaseState
from samad_desk.services import DeskServices, ServiceError, open_session
from samad_desk.sync import attention
from tests.support.sync.harness import STALE, check_global, rejected


def _agency_of(desk) -> str:
    return desk.operator["agency_id"]


def test_two_desks_see_what_their_role_allows(central, desk_factory):
    rng = random.Random(5)
    agent = desk_factory("agent", "agent1", central.url)
    water = desk_factory("water", "water1", central.url)
    power = desk_factory("power", "power1", central.url)
    assert agent.operator["role"] == "agent" and water.operator["role"] == "officer"
    water_id, power_id = _agency_of(water), _agency_of(power)
    assert water_id and power_id and water_id != power_id

    water_cases = [agent.register_call(rng, agency_id=water_id)[1] for _ in range(3)]
    _, power_case = agent.register_call(rng, agency_id=power_id)
    _, unreferred = agent.register_call(rng)
    assert agent.store.stats()["pending"] == 5 * 2 + 4  # the overlay shows them before sync
    assert agent.store.get("case", water_cases[0])["agency_id"] == water_id

    stats = agent.sync()
    assert stats["ok"], stats
    assert stats["round_applied"] == 14 and stats["pending"] == 0
    for desk in (water, power):
        assert desk.sync()["ok"]

    seen_by_water = {c["id"] for c in water.cases()}
    assert seen_by_water == set(water_cases)
    assert {c["id"] for c in power.cases()} == {power_case}
    assert all(c["agency_id"] == water_id for c in water.cases())
    # citizens of other agencies' cases never reach the water desk
    water_citizens = {c["id"] for c in water.store.iter_entities("citizen")}
    assert water_citizens == {water.store.get("case", i)["citizen_id"] for i in water_cases}
    # the agent sees everything it registered, including the unreferred case
    assert {c["id"] for c in agent.cases()} >= set(water_cases) | {power_case, unreferred}

    # the water officer works the cartable; the answer reaches the agent desk
    case = water.store.get("case", water_cases[0])
    water.save([O.case_accept(case, water.actor)])
    case = water.store.get("case", water_cases[0])
    assert case["state"] == "in_progress"  # optimistic overlay
    water.save([O.case_answer(case, "لوله اصلی تعمیر شد.", water.actor)])
    assert water.sync()["ok"]
    assert agent.sync()["ok"]
    answered = agent.store.get("case", water_cases[0])
    assert answered["state"] == "answered" and answered["answer"] == "لوله اصلی تعمیر شد."
    kinds = [e["kind"] for e in agent.store.events_of_case(water_cases[0])]
    assert len(kinds) >= 4  # register, refer, accept, answer

    # the water officer cannot touch the power company's case, whatever it sends
    water.save([O.case_answer(power_case, "پاسخ نابجا", water.actor)], expect=rejected("forbidden"))
    stats = water.sync()
    assert stats["ok"] and stats["round_rejected"] == 1
    bad = water.store.needs_attention()
    assert len(bad) == 1 and bad[0]["op_id"] == water.saved[-1]["op_id"]
    assert water.reporter.of("needs_attention")
    assert attention.reason(bad[0])
    assert power.sync()["ok"]
    assert power.store.get("case", power_case)["state"] == "referred"
    attention.dismiss(water.store, bad[0]["op_id"])
    assert water.store.needs_attention() == []

    check_global(central.db_url, [agent, water, power])


def test_rejected_op_reissued_after_conflict(central, desk_factory):
    """F17: two offices act on one case offline; the illegal op is refused with the
    current state, stays visible, and a re-issued op goes through."""
    rng = random.Random(17)
    agent = desk_factory("agent", "agent1", central.url)
    water = desk_factory("water", "water1", central.url)
    supervisor = desk_factory("super", "super1", central.url)
    _, case_id = agent.register_call(rng, agency_id=_agency_of(water))
    agent.sync_until_quiet()
    for d in (water, supervisor):
        d.sync_until_quiet()

    # both work from the same stale view: the supervisor closes, the officer answers
    supervisor.save([O.case_close(supervisor.store.get("case", case_id), supervisor.actor, reason="تکراری")])
    water.save([O.case_answer(water.store.get("case", case_id), "انجام شد", water.actor)], expect=STALE)
    assert supervisor.sync()["ok"]
    stats = water.sync()
    assert stats["ok"] and stats["round_rejected"] == 1
    [bad] = water.store.needs_attention()
    assert attention.current_state(bad)["state"] == "closed"
    assert CaseState.closed.label in attention.describe(bad)
    assert water.store.get("case", case_id)["state"] == "closed"  # the refused op left the overlay

    # re-issued while the case is still closed: refused here with the Persian reason, nothing
    # journaled, the old op still in the list
    services = DeskServices(open_session(water.store, water.operator, sync=water.engine))
    with pytest.raises(ServiceError):
        services.reissue(bad)
    assert water.store.pending_ops() == [] and water.store.needs_attention() == [bad]

    # the supervisor reopens; the officer re-issues the answer against the new state
    supervisor.save([O.case_reopen(supervisor.store.get("case", case_id), "نیاز به پاسخ", supervisor.actor)])
    supervisor.sync_until_quiet()
    water.sync_until_quiet()
    # the desk's one re-issue (services), over the desk's own session: checked, dry-run, journaled
    new = services.reissue(bad)
    water.saved.append(new)
    assert water.store.needs_attention() == []
    water.sync_until_quiet()
    assert water.store.get("case", case_id)["state"] == "answered"
    check_global(central.db_url, [agent, water, supervisor])


def test_a_desk_clock_off_the_servers_is_said_once_and_shown(central, desk_factory):
    """The offset comes from the real server's ``server_time``; the warning is reported
    once (a toast), not once per round, and again only after it cleared."""
    import time

    from samad_desk.app import DeskStatus
    from samad_desk.widgets.chrome import status_text

    desk = desk_factory("agent", "agent1", central.url)
    desk.engine.clock = lambda: time.time() - 600  # this computer is ten minutes behind
    for _ in range(3):
        stats = desk.sync()
        assert stats["ok"], stats
    assert 590_000 <= stats["clock_offset_ms"] <= 610_000
    clock_alerts = [r for r in desk.reporter.of("failed") if "ساعت" in r]
    assert len(clock_alerts) == 1
    shown = status_text(DeskStatus(connection="online", clock_offset_ms=stats["clock_offset_ms"]))
    assert "ساعت رایانه ۱۰ دقیقه عقب" in shown and "نیازمند توجه" in shown
    desk.engine.clock = time.time
    assert abs(desk.sync()["clock_offset_ms"]) < 5_000
    assert "ساعت" not in status_text(DeskStatus(connection="online", clock_offset_ms=2_000))
    desk.engine.clock = lambda: time.time() + 3 * 3600  # now three hours ahead
    desk.sync()
    assert len([r for r in desk.reporter.of("failed") if "ساعت" in r]) == 2
    assert "۳ ساعت جلو" in status_text(DeskStatus(connection="online", clock_offset_ms=-3 * 3600_000))
