"""Every kind of op survives the sync faults, not only saving calls (issue 19).

``test_faults.py`` drives calls (citizen + register + refer) through the faults. Here each
other kind of op a desk saves goes through the same faults:

- cartable actions of a water officer (accept, answer, return, extend) and a
  supervisor's refer,
- follow-up calls of the 111 agent,
- citizen merges of a supervisor,
- a CSV import on the agent's desk, then a sync,

under three faults: the push's answer cut after the server committed (the connection
dies mid-push), a pull cut mid-body, and the desk process SIGKILLed after the server
committed its push but before the answer arrived (a real ``samad-desk sync --once``
process). Each run ends with the oracle (``harness.check_global``): every op on the
server exactly once with the outcome expected (all applied here: nobody races), events
equal applied ops, nothing pending, and every desk equal to a fresh pull of its scope.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from samad_desk.domain import ops as O
from samad_desk.domain.reducer import StoreReader, dry_run
from samad_desk.domain.sla import WorkingCalendar
from samad_desk.domain.workflow import check_transition
from tests.support.sync.faultproxy import wait_until
from tests.support.sync.harness import APPLIED, Desk, check_global, server_rows

PUSH = b"POST /v1/sync/push"
PULL = b"GET /v1/sync/pull"
CALENDAR = WorkingCalendar()


class World:
    def __init__(self, central, proxy, agent: Desk, water: Desk, sup: Desk, tmp: Path) -> None:
        self.central, self.proxy, self.tmp = central, proxy, tmp
        self.agent, self.water, self.sup = agent, water, sup
        self.desks = [agent, water, sup]
        #: people and rows of this test's own (the server is shared by the module's tests)
        self.seed = random.Random(str(tmp)).randrange(10**6)

    @property
    def water_agency(self) -> str:
        return self.water.operator["agency_id"]

    def settle(self) -> None:
        """Everything synced, no fault: the state the workload starts from."""
        for _ in range(2):
            for d in self.desks:
                d.sync_until_quiet()


@pytest.fixture
def world(shared_central, desk_factory, proxy_to, tmp_path):
    central = shared_central
    proxy = proxy_to(central.url)
    desks = [desk_factory(name, user, central.url, timeout=3.0)
             for name, user in (("agent", "agent1"), ("water", "water1"), ("super", "super1"))]
    for d in desks:
        d.point_at(proxy.url)
    return World(central, proxy, *desks, tmp_path)


def _act(desk: Desk, case_id: str, action: str, build) -> dict:
    """One cartable action as the desk's save does it: allowed by the workflow for this
    actor, and accepted by the shared reducer over the desk's own view, then saved."""
    case = desk.store.get("case", case_id)
    reason = check_transition(case, action, desk.actor)
    assert reason is None, (action, reason)
    op = build(case)
    refused = dry_run([op], StoreReader(desk.store), now=datetime.now(UTC), calendar=CALENDAR)
    assert refused is None, (action, refused)
    return desk.save([op])[0]


def _calls(w: World, desk: Desk, n: int, agency: str | None, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(w.seed * 100 + seed)
    return [desk.register_call(rng, agency_id=agency) for _ in range(n)]


# --- the workloads: set up without faults, then save the ops under test -----------------
def cartable(w: World) -> Desk:
    calls = _calls(w, w.agent, 3, w.water_agency, seed=31)
    w.settle()
    (_, a), (_, b), (_, c) = calls
    water = w.water
    _act(water, a, "accept", lambda k: O.case_accept(k, water.actor))
    _act(water, a, "answer", lambda k: O.case_answer(k, "لوله ترمیم شد و آب وصل است.", water.actor))
    _act(water, b, "return", lambda k: O.case_return(k, "مربوط به این دستگاه نیست.", water.actor))
    _act(water, c, "accept", lambda k: O.case_accept(k, water.actor))
    _act(water, c, "extend", lambda k: O.case_extend(k, 3, "نیاز به بازدید میدانی", water.actor))
    return water


def cartable_refer(w: World) -> Desk:
    calls = _calls(w, w.agent, 2, None, seed=32)
    w.settle()
    sup = w.sup
    other = next(a["id"] for a in sup.store.agencies() if a["id"] != w.water_agency)
    for (_, case_id), agency in zip(calls, (w.water_agency, other), strict=True):
        _act(sup, case_id, "refer", lambda k, ag=agency: O.case_refer(k, ag, sup.actor, note="ارجاع ناظر"))
    return sup


def followups(w: World) -> Desk:
    calls = _calls(w, w.agent, 3, w.water_agency, seed=33)
    w.settle()
    agent = w.agent
    for i, (_, case_id) in enumerate(calls):
        _act(agent, case_id, "followup",
             lambda k, i=i: O.case_followup(k, agent.actor, note=f"شهروند دوباره تماس گرفت ({i})"))
    return agent


def merges(w: World) -> Desk:
    calls = _calls(w, w.agent, 4, None, seed=34)
    w.settle()
    sup = w.sup
    citizens = [citizen for citizen, _ in calls]
    assert all(sup.store.get("citizen", c) for c in citizens)  # the supervisor sees them
    for survivor, merged in (citizens[0:2], citizens[2:4]):
        op = O.citizen_merge(survivor, [merged], {}, sup.actor)
        refused = dry_run([op], StoreReader(sup.store), now=datetime.now(UTC), calendar=CALENDAR)
        assert refused is None, refused
        sup.save([op])
    return sup


def imported(w: World) -> Desk:
    from samad_desk.services.imports import import_file
    from samad_desk.text.national_id import check_digit

    agent = w.agent
    w.settle()
    rows = ["national_id,no_national_id,first_name,last_name,mobile,city,type,subject,description,agency_id"]
    run = w.seed % 10**5  # rows of its own: the server is shared
    for i in range(12):
        first9 = f"{300_000_000 + run * 1000 + i * 37:09d}"
        agency = w.water_agency if i % 2 else ""
        rows.append(f"{first9}{check_digit(first9)},,علی,رضایی,0912{i:07d},قزوین,complaint,water.bill,"
                    f"شرح کافی برای ردیف وارد شده {run}-{i},{agency}")
    path = w.tmp / "calls.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    known = {op["op_id"] for op in agent.saved}
    report = import_file(agent.store, path, "cases", agent.actor)
    assert report.saved == 12 and not report.errors, report
    # ``samad-desk import`` is its own process (it refuses a profile a desk holds open);
    # the desk that syncs next opens the data directory after it
    agent.restart()
    new = [op for op in agent.store.pending_ops(limit=10**6) if op["op_id"] not in known]
    assert len(new) >= 12 + 12 + 6  # citizens, cases, referrals
    agent.saved.extend(new)
    agent.expect.update({op["op_id"]: APPLIED for op in new})
    return agent


WORKLOADS = {f.__name__: f for f in (cartable, cartable_refer, followups, merges, imported)}


# --- the faults ----------------------------------------------------------------------
def _pending_ids(desk: Desk) -> list[str]:
    return [op["op_id"] for op in desk.store.pending_ops(limit=10**6)]


def cut_push(w: World, desk: Desk) -> None:
    """The push's answer is cut right after the server committed it."""
    ids = _pending_ids(desk)
    w.proxy.cut_response(after=0, match=PUSH)
    stats = desk.sync()
    assert not stats["ok"] and w.proxy.stats["cut"] == 1, stats
    committed, _ = server_rows(w.central.db_url)
    assert set(ids) & set(committed), "the cut push should have committed"
    assert set(_pending_ids(desk)) == set(ids)  # the desk could not know
    stats = desk.sync()
    assert stats["ok"] and stats["round_duplicate"] >= 1, stats


def cut_pull(w: World, desk: Desk) -> None:
    """The acting desk's pull (after its push) is cut mid-body; so is the next desk's."""
    w.proxy.cut_response(after=300, match=PULL, times=2)
    cursor = desk.store.cursor()
    stats = desk.sync()
    assert not stats["ok"] and w.proxy.stats["cut"] == 1, stats
    assert desk.store.cursor() == cursor  # nothing half-applied
    others = [d for d in w.desks if d is not desk]
    assert not others[0].sync()["ok"]
    assert w.proxy.stats["cut"] == 2


def kill_desk(w: World, desk: Desk) -> None:
    """The desk process is SIGKILLed after the server committed its push, before the
    answer reached it (a slow link leaves the window): it restarts from its journal."""
    ids = _pending_ids(desk)
    desk.close()
    env = {**os.environ, "SAMAD_DESK_DATA_DIR": str(desk.data_dir),
           "SAMAD_DESK_OPERATOR_DIR": str(desk.operator_dir), "SAMAD_DESK_SERVER_URL": w.proxy.url,
           "SAMAD_DESK_CONFIG_DIR": str(w.tmp / "config")}
    w.proxy.latency(1500)
    proc = subprocess.Popen([sys.executable, "-m", "samad_desk", "sync", "--once"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        def committed() -> bool:
            rows, _ = server_rows(w.central.db_url)
            return all(i in rows for i in ids)

        assert wait_until(lambda: committed() or proc.poll() is not None, timeout=90)
        assert proc.poll() is None, f"the desk ended before the kill: {proc.stderr.read().decode()[-2000:]}"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
        w.proxy.heal()
    assert proc.returncode == -signal.SIGKILL
    desk.open(login=False)
    assert set(_pending_ids(desk)) == set(ids)  # the answer never arrived
    stats = desk.sync()
    assert stats["ok"] and stats["round_duplicate"] == len(ids), stats


FAULTS = {f.__name__: f for f in (cut_push, cut_pull, kill_desk)}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("workload", list(WORKLOADS))
def test_every_op_kind_lands_once_through_the_fault(world, workload, fault):
    desk = WORKLOADS[workload](world)
    assert desk.store.pending_ops(limit=1), "the workload saved nothing"
    FAULTS[fault](world, desk)
    world.settle()
    result = check_global(world.central.db_url, world.desks)
    assert result["rejected"] == 0, result
