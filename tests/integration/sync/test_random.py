"""F26: a seeded randomized whole-system run (store-and-sync.md §4).

Three desks (agent, water officer, supervisor) act on shared cases from stale views, with
only moves their own view allows (as the UI validates), so every refusal comes from a
real conflict. Every request passes the fault proxy in chaos mode (drop, cut after
commit, reset mid-body, duplicate delivery, delay); rounds add partitions, desk restarts
from the journal, and a server that crashes at its crash points (between ops, before
commit, after commit before the answer) and is restarted. At the end all faults heal,
every desk drains and pulls, and the global checker runs, plus: each desk's cache equals
a fresh pull of its scope.

Rounds run until a time budget is spent (``SAMAD_SYNC_RANDOM_BUDGET`` seconds per
backend, default 25) or exactly ``SAMAD_SYNC_RANDOM_ROUNDS`` rounds to replay a failure;
the seed is ``SAMAD_SYNC_RANDOM_SEED`` (default 2611). Counts are printed (``-s``).
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter

from samad_desk.domain import ops as O
from samad_desk.domain.workflow import check_transition
from tests.support.sync.harness import cache_view, check_global, view_diff

CRASH = {"between_ops": 0.001, "before_commit": 0.015, "after_commit_before_response": 0.025}
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
                desk.save([O.case_followup(case, desk.actor, note="تماس پیگیری")])
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
        desk.save([build(case)])
        counts[f"op.{action}"] += 1


def test_randomized_rounds(backend, central_factory, desk_factory, proxy_to):
    seed = int(os.environ.get("SAMAD_SYNC_RANDOM_SEED", "2611")) + (0 if backend == "sqlite" else 1)
    budget = float(os.environ.get("SAMAD_SYNC_RANDOM_BUDGET", "25"))
    fixed_rounds = int(os.environ.get("SAMAD_SYNC_RANDOM_ROUNDS", "0"))
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
    rounds = 0
    while (rounds < fixed_rounds) if fixed_rounds else (time.monotonic() - started < budget):
        rounds += 1
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
                central.server.extra_env.update(_faults_env(seed * 1000 + rounds))
                central.server.start(seed=False)
        proxy.blackhole(False)
        proxy.refuse(False)

    # heal: no more faults, drain, pull everything, check
    proxy.heal()
    central.server.extra_env.pop("SAMAD_CENTRAL_FAULTS", None)
    central.server.restart(kill=True)
    for _ in range(2):
        for d in desks:
            d.sync_until_quiet()
    result = check_global(central.db_url, desks)
    for d in desks:
        twin = desk_factory(f"{d.name}-twin", d.username, central.url)
        here, there = cache_view(d), cache_view(twin)
        assert here == there, f"{d.name} differs from a fresh pull: {view_diff(here, there)}"
    counts.update({f"proxy.{k}": v for k, v in proxy.stats.items()
                   if k in ("dropped", "cut", "reset", "duplicated", "delayed", "refused")})
    counts["rejected_ops"] = result["rejected"]
    counts["applied_ops"] = result["applied"]
    counts["attention"] = sum(len(d.store.needs_attention()) for d in desks)
    print(f"\nrandomized run [{backend}] seed={seed} rounds={rounds} "
          f"{time.monotonic() - started:.1f}s: " + json.dumps(dict(sorted(counts.items()))))
    assert rounds >= 10
    assert result["ops"] == result["applied"] + result["rejected"]
