"""Re-push after a restore (F19 with data loss): the server is SIGKILLed and its database
put back from a backup taken earlier, so it lost operations the desk holds as
acknowledged. The desk sends each of them again exactly once and a fresh desk pulling
gets them all."""

from __future__ import annotations

import random

import pytest

from tests.support.sync.harness import (
    Desk,
    backup_db,
    check_global,
    new_epoch,
    restore_db,
    server_rows,
)


def _calls(desk: Desk, n: int, agency: str | None, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [desk.register_call(rng, agency_id=agency)[1] for _ in range(n)]


def _restore(central, backup) -> None:
    central.server.kill()
    restore_db(central.db_url, backup)
    new_epoch(central.db_url)
    central.server.start(seed=False)


@pytest.mark.parametrize("queued_after_restore", [0, 3])
def test_ops_lost_by_a_restore_are_sent_again_once(central, desk_factory, tmp_path, queued_after_restore):
    agent = desk_factory("agent", "agent1", central.url)
    water_agency = "water-qazvin"
    kept = _calls(agent, 4, water_agency, seed=1)
    agent.sync_until_quiet()
    backup = backup_db(central.db_url, tmp_path / "backup.db")
    lost = _calls(agent, 5, water_agency, seed=2)
    agent.sync_until_quiet()
    lost_ops = [op for op in agent.saved if op.get("entity_id") in lost or op.get("type") == "citizen.upsert"]
    assert agent.store.stats()["pending"] == 0
    _restore(central, backup)
    on_server, _ = server_rows(central.db_url)
    missing = [op["op_id"] for op in agent.saved if op["op_id"] not in on_server]
    assert missing and len(missing) < len(agent.saved)  # the restore really lost acknowledged ops
    queued = _calls(agent, queued_after_restore, water_agency, seed=3)
    stats = agent.sync_until_quiet()
    check_global(central.db_url, [agent])  # every op on the server exactly once, events = applied
    assert stats["requeued"] == len(missing), stats
    fresh = desk_factory("agent-fresh", "agent1", central.url)
    assert set(kept + lost + queued) <= {c["id"] for c in fresh.cases()}
    water = desk_factory("water-fresh", "water1", central.url)
    assert set(kept + lost + queued) <= {c["id"] for c in water.cases()}
    assert lost_ops
