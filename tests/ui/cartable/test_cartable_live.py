"""The cartable keeps itself current: a change of the store (here a snapshot applied from
another thread, as the sync engine does) reaches the open screen as ``StoreChanged`` and
the rows are re-read in a worker, with no key pressed."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.support.cartable import NOW, WATER, open_cartable, settle


async def test_a_synced_case_appears_without_a_key(make_app, world, store) -> None:
    first = world.call(WATER, at=NOW - timedelta(days=2))
    app = make_app("water1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_cartable(pilot)
        assert [r.id for r in screen.table.rows] == [first]
        second = world.call(WATER, at=NOW - timedelta(days=1), first="مریم", last="احمدی")
        await asyncio.to_thread(world.load, store)  # the UI loop stays free, as under sync
        await settle(pilot)
        await settle(pilot)
        assert {r.id for r in screen.table.rows} == {first, second}
