"""F26: a seeded randomized whole-system run (store-and-sync.md §4).

Three desks (agent, water officer, supervisor) act on shared cases from stale views, with
only moves their own view allows (as the UI validates), so every refusal comes from a
real conflict. Every request passes the fault proxy in chaos mode (drop, cut after
commit, reset mid-body, duplicate delivery, delay); rounds add partitions, desk restarts
from the journal, and a server that crashes at its crash points (between ops, before
commit, after commit before the answer) and is restarted. At the end all faults heal,
every desk drains and pulls, and the global checker runs, plus: each desk's cache equals
a fresh pull of its scope.

Every op has an expected outcome (issue 19): the agent's calls must be applied; moves
made from a view another desk may have changed meanwhile may be rejected only for a stale-view
reason the server's history explains (``harness.unexpected_outcomes``). A server that refuses
good ops fails the run.

Deterministic: a fixed number of rounds (``SAMAD_SYNC_RANDOM_ROUNDS``, default 120) from a
fixed seed (``SAMAD_SYNC_RANDOM_SEED``, default 2611), both printed before any check, so two
runs of one commit run the same rounds; a failure prints the one command that replays it.
(Timing still varies: which proxy faults hit which request depends on the machine.)
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from datetime import UTC, datetime

from samad_desk.domain import ops as O
from samad_desk.domain.reducer import StoreReader, dry_run
from samad_desk.domain.sla import WorkingCalendar
from samad_desk.domain.workflow import check_transition
from tests.support.replay import env_int, replayable
from tests.support.sync.harness import STALE, check_global

CRASH = {"between_ops": 0.001, "before_commit": 0.015, "after_commit_before_response": 0.025}
CALENDAR = WorkingCalendar()
CHAOS = {"drop": 0.04, "cut": 0.08, "reset": 0.04, "duplicate": 0.06, "delay": 0.04}


def _faults_env(seed: int) -> dict:
    return {"SAMAD_CENTRAL_FAULTS": json.dumps({"crash": CRASH, "seed": seed})}


def _act(desk, rng: random.Random, agencies: list[str], counts: Counter) -> None:
    role = desk.operator["role"]
    if role == "agent":
        for _ in range(rng.randint(1, 3)):
            agency = rng.choice([*agencies, None])
            desk.register_call(rng, agency_id=agency)
            counts["calls"] += 1
        cases = desk.cases()
        if cases and rng.random() < 0.3:
            case = rng.choice(cases)
            if check_transition(case, "followup", desk.actor) is None:
                desk.save([O.case_followup(case, desk.actor, note="تماس پیگیری")], expect=STALE)
        return
    cases = desk.cases()
    if not cases:
        return
    for case in rng.sample(cases, min(len(cases), rng.randint(1, 3))):
        if role == "officer":
            choices = ["accept", "answer", "extend", "note", "return", "close"]
        else:
            choices = ["close", "reopen", "escalate", "note", "refer"]
        action = rng.choice(choices)
        if check_transition(case, action, desk.actor) is not None:
            continue
        build = {
            "accept": lambda c: O.case_accept(c, desk.actor),
            "answer": lambda c: O.case_answer(c, "پاسخ داده شد", desk.actor),
            "extend": lambda c: O.case_extend(c, 2, "نیاز به بازدید", desk.actor),
            "note": lambda c: O.case_note(c, "یادداشت", desk.actor),
            "return": lambda c: O.case_return(c, "مربوط به ما نیست", desk.actor),
            "close": lambda c: O.case_close(c, desk.actor, reason="انجام شد"),
            "reopen": lambda c: O.case_reopen(c, "اعتراض شهروند", desk.actor),
            "escalate": lambda c: O.case_escalate(c, "تأخیر", desk.actor),
            "refer": lambda c: O.case_refer(c, rng.choice(agencies), desk.actor, note=""),
        }[action]
        op = build(case)
        # as the desk's save does: the shared reducer over the desk's own view first
        if dry_run([op], StoreReader(desk.store), now=datetime.now(UTC), calendar=CALENDAR) is not None:
            counts["refused_on_desk"] += 1
            continue
        desk.save([op], expect=STALE)
        counts[f"op.{action}"] += 1


def test_randomized_rounds(backend, central_factory, desk_factory, proxy_to, request):
    base_seed = env_int("SAMAD_SYNC_RANDOM_SEED", 2611)
    rounds = env_int("SAMAD_SYNC_RANDOM_ROUNDS", 120)
    seed = base_seed + (0 if backend == "sqlite" else 1)
    with replayable(request, SAMAD_SYNC_RANDOM_SEED=base_seed, SAMAD_SYNC_RANDOM_ROUNDS=rounds):
        _run(backend, seed, rounds, central_factory, desk_factory, proxy_to)


def _run(backend, seed, rounds, central_factory, desk_factory, proxy_to):
    rng = random.Random(seed)
    central = central_factory(_faults_env(seed))
    proxy = proxy_to(central.url)
    desks = [
        desk_factory("agent", "agent1", central.url, timeout=0.6),
        desk_factory("water", "water1", central.url, timeout=0.6),
        desk_factory("super", "super1", central.url, timeout=0.6),
    ]
    for d in desks:
        d.point_at(proxy.url)
    water_agency = desks[1].operator["agency_id"]
    agencies = [water_agency, *[a["id"] for a in desks[0].store.agencies()[:2] if a["id"] != water_agency]]
    proxy.chaos(seed, CHAOS)
    counts: Counter = Counter()
    started = time.monotonic()
    for round_no in range(1, rounds + 1):
        desk = rng.choice(desks)
        _act(desk, rng, agencies, counts)
        roll = rng.random()
        if roll < 0.05:
            proxy.blackhole()
            counts["partitions"] += 1
        elif roll < 0.08:
            proxy.refuse()
            counts["partitions"] += 1
        elif roll < 0.12:
            rng.choice(desks).restart()
            counts["desk_restarts"] += 1
        for d in rng.sample(desks, rng.randint(1, len(desks))):
            stats = d.sync()
            counts["syncs"] += 1
            counts["sync_failures"] += not stats["ok"]
            if not central.server.alive:
                counts["server_crashes"] += 1
                central.server.extra_env.update(_faults_env(seed * 1000 + round_no))
                central.server.start(seed=False)
        proxy.blackhole(False)
        proxy.refuse(False)

    # heal: no more faults, drain, pull everything, check
    proxy.heal()
    central.server.extra_env.pop("SAMAD_CENTRAL_FAULTS", None)
    central.server.restart(kill=True)
    counts.update({f"proxy.{k}": v for k, v in proxy.stats.items()
                   if k in ("dropped", "cut", "reset", "duplicated", "delayed", "refused")})
    print(f"ran {rounds} rounds in {time.monotonic() - started:.1f}s: " + json.dumps(dict(sorted(counts.items()))))
    for _ in range(2):
        for d in desks:
            d.sync_until_quiet()
    # every op came to what was expected, every registered case is on the server, and each
    # desk's cache equals a fresh pull of its scope
    result = check_global(central.db_url, desks)
    print(f"applied={result['applied']} rejected={result['rejected']} (each rejection explained)")
    assert result["applied"] > 0 and result["ops"] == result["applied"] + result["rejected"]
